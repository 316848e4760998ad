/**
 * The open model (`--rate`): arrivals on the simulation clock, and waits that agree with queueing
 * theory. Every run is seeded; sample sizes and tolerances are justified where they are used.
 */
import {describe, expect, it} from 'vitest';
import {arrivingMessages} from '../source/model/arrivals.js';
import {generateMessages, type Message} from '../source/model/messages.js';
import {createRandom} from '../source/model/random.js';
import {SimulationScheduler} from '../source/engine/scheduler.js';
import type {SendResult} from '../source/model/senders.js';
import type {Snapshot} from '../source/engine/snapshot.js';
import {erlangC} from '../source/model/theory.js';
import {
	finalOf, mean, resultsOf, runToEnd, standardError,
} from './helpers.js';

describe('arrivingMessages', () => {
	it('pushes constant arrivals every 1/rate, the first at once, each stamped with its arrival time', () => {
		const scheduler = new SimulationScheduler('max');
		const seen: Array<{at: number; arrivalMs: number | undefined}> = [];
		let completedAt: number | undefined;
		const source = generateMessages(createRandom(1), {count: 4});
		arrivingMessages(source, {ratePerSec: 100, process: 'constant'}, {scheduler, random: createRandom(2)}).subscribe({
			next(message: Message) {
				seen.push({at: scheduler.now(), arrivalMs: message.arrivalMs});
			},
			complete() {
				completedAt = scheduler.now();
			},
		});
		scheduler.flush();
		expect(seen).toEqual([0, 10, 20, 30].map(ms => ({at: ms, arrivalMs: ms})));
		expect(completedAt).toBe(30); // With its last arrival, not a gap later.
	});

	/** The arrival times of `count` messages at `ratePerSec`, on a max-speed clock. */
	const arrivalTimes = (count: number, ratePerSec: number, process: 'constant' | 'poisson'): number[] => {
		const scheduler = new SimulationScheduler('max');
		const times: number[] = [];
		arrivingMessages(generateMessages(createRandom(5), {count}), {ratePerSec, process}, {scheduler, random: createRandom(6)}).subscribe(message => {
			times.push(message.arrivalMs!);
		});
		scheduler.flush();
		return times;
	};

	it('keeps constant arrivals on time at every rate in range: the time is rounded, not each gap', () => {
		// Gaps of 3.33, 2.5 and 0.5 us, and of 0.001 us: rounded one by one, these came out 11% fast,
		// 17% slow, 50% slow, and all at 0. Each arrival is within half a microsecond of n / rate.
		for (const ratePerSec of [0.0001, 1, 300_000, 400_000, 2_000_000, 1_000_000_000]) {
			const count = ratePerSec < 1 ? 3 : 10_000;
			const times = arrivalTimes(count, ratePerSec, 'constant');
			for (const [n, at] of times.entries()) {
				expect(Math.abs(at - (n * 1000 / ratePerSec)), `arrival ${n} at ${ratePerSec}/s`).toBeLessThanOrEqual(0.0005 + 1e-9);
			}
		}
	});

	it('keeps Poisson arrivals at their rate when gaps are shorter than the clock\'s microsecond', () => {
		// 100,000 exponential gaps: their sum has a relative sd of 1/sqrt(100,000) = 0.32%, so 1.3% is
		// 4 sd. Rounded gap by gap, 1,000,000/s came out 4.2% fast and 10,000,000/s far more.
		for (const ratePerSec of [300_000, 1_000_000, 10_000_000]) {
			const times = arrivalTimes(100_000, ratePerSec, 'poisson');
			const expected = 100_000 * 1000 / ratePerSec;
			expect(Math.abs((times.at(-1)! / expected) - 1), `${ratePerSec}/s`).toBeLessThan(0.013);
		}
	});

	it('draws Poisson gaps of mean 1/rate, lazily: one message is taken per arrival', () => {
		const scheduler = new SimulationScheduler('max');
		let taken = 0;
		function * counted() {
			for (const message of generateMessages(createRandom(3), {count: 20_000})) {
				taken++;
				yield message;
			}
		}

		const arrivals: number[] = [];
		arrivingMessages(counted(), {ratePerSec: 500, process: 'poisson'}, {scheduler, random: createRandom(4)}).subscribe(message => {
			arrivals.push(message.arrivalMs!);
			// One ahead at most: what has arrived, and the next one.
			expect(taken).toBeLessThanOrEqual(arrivals.length + 1);
		});
		scheduler.flush();
		const gaps = arrivals.map((at, index) => at - (index === 0 ? 0 : arrivals[index - 1]));
		// Exponential gaps of mean 2 ms: the sample mean of 20,000 has a standard error of 2/sqrt(20,000)
		// = 0.014 ms; 0.06 ms is over 4 of them. Their coefficient of variation is 1 (a constant has 0).
		expect(Math.abs(mean(gaps) - 2)).toBeLessThan(0.06);
		expect(Math.sqrt(mean(gaps.map(gap => (gap - 2) ** 2))) / 2).toBeCloseTo(1, 1);
	});
});

describe('waits against queueing theory', () => {
	// M/M/c: c = 10 senders, exponential send times of mean 100 ms (mu = 10/s), Poisson arrivals.
	const servers = 10;
	const mu = 10;
	for (const {rho, messages} of [{rho: 0.5, messages: 50_000}, {rho: 0.9, messages: 100_000}]) {
		it(`M/M/${servers} at load ${rho}: the probability of waiting and the mean wait are Erlang C's`, () => {
			const lambda = rho * servers * mu;
			const waitProbability = erlangC(servers, lambda / mu);
			const meanWaitMs = (waitProbability / ((servers * mu) - lambda)) * 1000;
			// Ten seeded replications: the test puts the theory within 4 standard errors of their mean
			// (waits are correlated within a run, not across runs, so the replications are independent),
			// and asks those errors to be small (under 5% of the value), so the test can fail. At load 0.9
			// a run relaxes in about 1 / (c mu (1 - sqrt(rho))^2) = 4 s, some 350 arrivals: 100,000 make
			// the start-up bias (an empty system) well under 1%.
			const probabilities: number[] = [];
			const waits: number[] = [];
			for (let seed = 1; seed <= 10; seed++) {
				const final = finalOf(runToEnd({
					messages, seed, groups: [{
						count: servers, meanMs: 1000 / mu, distribution: 'exponential', failureRate: 0,
					}], arrivals: {ratePerSec: lambda, process: 'poisson'}, intervalMs: 60_000,
				}));
				expect(final.processed).toBe(messages);
				probabilities.push(final.waited! / final.processed);
				waits.push(final.wait!.avgMs);
			}

			expect(standardError(probabilities)).toBeLessThan(0.05 * waitProbability);
			expect(Math.abs(mean(probabilities) - waitProbability)).toBeLessThan(4 * standardError(probabilities));
			expect(standardError(waits)).toBeLessThan(0.05 * meanWaitMs);
			expect(Math.abs(mean(waits) - meanWaitMs)).toBeLessThan(4 * standardError(waits));
		});
	}

	it('D/D/c below capacity: no message waits at all, and latency is the send time', () => {
		// 5 senders of exactly 100 ms can take 50 a second; 40 a second arrive, one every 25 ms.
		const events = runToEnd({
			messages: 2000, seed: 1, groups: [{count: 5, meanMs: 100, distribution: 'fixed'}], arrivals: {ratePerSec: 40, process: 'constant'},
		}, true);
		const results = resultsOf(events);
		expect(results).toHaveLength(2000);
		expect(results.every(result => result.startMs === result.message.arrivalMs)).toBe(true);
		const final = finalOf(events);
		expect(final.waited).toBe(0);
		expect(final.wait?.maxMs).toBe(0);
		expect(final.latency?.maxMs).toBe(100);
	});

	it('shows overload as a growing backlog and growing waits, never as a slower arrival rate', () => {
		// 5 senders of 100 ms take 50 a second; 100 a second arrive for 20 s. Half of them must queue.
		const events = runToEnd({
			messages: 2000, seed: 2, groups: [{count: 5, meanMs: 100, distribution: 'fixed'}], arrivals: {ratePerSec: 100, process: 'constant'}, intervalMs: 5000,
		}, true);
		const results = resultsOf(events);
		// Arrivals keep their pace: the last one at 19.99 s, whatever the pool does.
		expect(Math.max(...results.map(result => result.message.arrivalMs!))).toBe(19_990);
		const progress = events.filter((event): event is Snapshot => event.type === 'progress');
		const backlogs = progress.slice(0, 4).map(snapshot => snapshot.backlog!);
		// At 5, 10, 15 and 20 s: 250 more arrived than were started each 5 s.
		expect(backlogs).toEqual([250, 500, 750, 1000].map(expected => expect.closeTo(expected, -1)));
		const final = finalOf(events);
		expect(final.backlog).toBe(0);
		// Message k (from 0) starts at 100 ms x floor(k / 5) and arrived at 10 ms x k: the longest wait is
		// that of k = 1,995, the first of the last round, arrived at 19.95 s and started at 39.9 s.
		expect(final.wait!.maxMs).toBe(39_900 - 19_950);
	});
});
