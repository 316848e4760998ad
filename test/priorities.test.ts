/** Priorities: the highest waiting goes first, in a closed run without sorting N messages, and each class waits as Cobham's formula says. */
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {parsePriorities, priorityCounts} from '../source/model/priorities.js';
import {
	finalOf, mean, resultsOf, runToEnd, standardError,
} from './helpers.js';

describe('priorities', () => {
	it('parses name=share lists whose shares add up to 1, highest first', () => {
		expect(parsePriorities('critical=0.05,high=0.15,normal=0.8')).toEqual([{name: 'critical', share: 0.05}, {name: 'high', share: 0.15}, {name: 'normal', share: 0.8}]);
		expect(parsePriorities('a=0.5,b=0.4')).toBeUndefined(); // 0.9
		expect(parsePriorities('a=0.5,a=0.5')).toBeUndefined();
		expect(parsePriorities('a=1,b=0')).toBeUndefined();
		expect(parsePriorities('critical')).toBeUndefined();
	});

	it('splits a closed run by the shares, the counts adding up', () => {
		expect(priorityCounts(1000, [{name: 'a', share: 0.05}, {name: 'b', share: 0.15}, {name: 'c', share: 0.8}])).toEqual([50, 150, 800]);
		expect(priorityCounts(10, [{name: 'a', share: 1 / 3}, {name: 'b', share: 1 / 3}, {name: 'c', share: 1 / 3}])).toEqual([4, 3, 3]);
	});

	it('in a closed run, starts no lower-priority message while a higher one waits', () => {
		const events = runToEnd({
			messages: 5000, seed: 1, priorities: [{name: 'critical', share: 0.05}, {name: 'high', share: 0.15}, {name: 'normal', share: 0.8}], groups: [{count: 20, meanMs: 100}],
		}, true);
		const results = resultsOf(events);
		const starts = (name: string) => results.filter(result => result.message.priority === name).map(result => result.startMs);
		expect(starts('critical')).toHaveLength(250);
		expect(Math.max(...starts('critical'))).toBeLessThanOrEqual(Math.min(...starts('high')));
		expect(Math.max(...starts('high'))).toBeLessThanOrEqual(Math.min(...starts('normal')));
		const final = finalOf(events);
		expect(final.priorities?.map(priority => [priority.name, priority.count])).toEqual([['critical', 250], ['high', 750], ['normal', 4000]]);
		// All were there at 0: critical alerts wait least.
		const [critical, high, normal] = final.priorities!;
		expect(critical.wait.maxMs).toBeLessThan(high.wait.p50Ms);
		expect(high.wait.maxMs).toBeLessThan(normal.wait.p50Ms);
	});

	it('with arrivals, a free sender always takes the highest priority waiting', () => {
		const events = runToEnd({
			messages: 20_000, seed: 2, arrivals: {ratePerSec: 95, process: 'poisson'}, priorities: [{name: 'high', share: 0.3}, {name: 'low', share: 0.7}], groups: [{count: 10, meanMs: 100, distribution: 'exponential'}],
		}, true);
		const results = resultsOf(events);
		// Whenever a low message starts, every high one that had arrived has started already.
		const highs = results.filter(result => result.message.priority === 'high').map(result => ({arrival: result.message.arrivalMs!, start: result.startMs}));
		const lows = results.filter(result => result.message.priority === 'low');
		let violations = 0;
		for (const low of lows) {
			violations += highs.some(high => high.arrival <= low.startMs && high.start > low.startMs) ? 1 : 0;
		}

		expect(violations).toBe(0);
		expect(highs.length).toBeGreaterThan(5000);
	}, 60_000);

	it('with retries on, starts nothing while a message of a higher priority waits: a due retry waits in its own priority\'s line', () => {
		const names = ['critical', 'high', 'normal'];
		fc.assert(fc.property(
			fc.record({
				seed: fc.integer({min: 1, max: 1_000_000}),
				classes: fc.integer({min: 2, max: 3}),
				open: fc.boolean(),
				senders: fc.integer({min: 1, max: 8}),
				failureRate: fc.double({min: 0.1, max: 0.5, noNaN: true}),
				maxAttempts: fc.integer({min: 2, max: 4}),
				backoffMs: fc.constantFrom(0, 10, 100),
			}),
			({seed, classes, open, senders, failureRate, maxAttempts, backoffMs}) => {
				const priorities = names.slice(0, classes).map(name => ({name, share: 1 / classes}));
				const events = runToEnd({
					messages: 600,
					seed,
					priorities,
					// Open: arrivals at about the senders' capacity, so lines form and drain; closed: all at 0.
					...(open ? {arrivals: {ratePerSec: senders * 10, process: 'poisson' as const}} : {}),
					groups: [{
						count: senders, meanMs: 100, distribution: 'exponential', failureRate, maxAttempts, backoffMs,
					}],
				}, true);
				const results = resultsOf(events);
				const rank = (priority: string | undefined) => names.indexOf(priority!);
				// Each message's arrival and its first start.
				const firstStart = new Map<string, {rank: number; arrival: number; start: number}>();
				for (const result of results) {
					const known = firstStart.get(result.id);
					if (known === undefined || result.startMs < known.start) {
						firstStart.set(result.id, {rank: rank(result.message.priority), arrival: result.message.arrivalMs ?? 0, start: result.startMs});
					}
				}

				const waiting = [...firstStart.values()];
				// No attempt, first or retry, starts while a message of a higher priority had arrived
				// before it and had not started yet.
				for (const result of results) {
					const started = rank(result.message.priority);
					const passedOver = waiting.find(other => other.rank < started && other.arrival < result.startMs && other.start > result.startMs);
					expect(passedOver, `${result.message.priority} ${result.id} attempt ${result.attempt} at ${result.startMs}`).toBeUndefined();
				}
			},
		), {numRuns: 40, seed: 7});
	}, 60_000);

	it('two classes on one sender (non-preemptive M/G/1): each class waits as Cobham\'s formula says', () => {
		// One sender, exponential sends of mean 100 ms (mu = 10/s, E[S^2] = 2 / mu^2), Poisson arrivals
		// of 8/s, 30% of them high: rho = 0.8, rho_high = 0.24. W0 = lambda E[S^2] / 2 = 0.08 s;
		// W_high = W0 / (1 - rho_high) = 105.3 ms, W_low = W0 / ((1 - rho_high)(1 - rho)) = 526.3 ms.
		const lambda = 8;
		const mu = 10;
		const highShare = 0.3;
		const w0 = lambda / (mu * mu);
		const rhoHigh = highShare * lambda / mu;
		const expected = {high: (w0 / (1 - rhoHigh)) * 1000, low: (w0 / ((1 - rhoHigh) * (1 - (lambda / mu)))) * 1000};
		// Ten seeded replications of 50,000 messages (about 6,250 s each; at load 0.8 a run relaxes in
		// about 1 / (mu (1 - sqrt(rho))^2) = 9 s): the theory within 4 standard errors of their mean,
		// and those errors under 5% of the value, so the test can fail.
		const waits: Record<'high' | 'low', number[]> = {high: [], low: []};
		for (let seed = 1; seed <= 10; seed++) {
			const final = finalOf(runToEnd({
				messages: 50_000, seed, intervalMs: 600_000, arrivals: {ratePerSec: lambda, process: 'poisson'}, priorities: [{name: 'high', share: highShare}, {name: 'low', share: 1 - highShare}], groups: [{
					count: 1, meanMs: 1000 / mu, distribution: 'exponential', failureRate: 0,
				}],
			}));
			for (const priority of final.priorities!) {
				waits[priority.name as 'high' | 'low'].push(priority.wait.avgMs);
			}
		}

		for (const name of ['high', 'low'] as const) {
			expect(standardError(waits[name])).toBeLessThan(0.05 * expected[name]);
			expect(Math.abs(mean(waits[name]) - expected[name])).toBeLessThan(4 * standardError(waits[name]));
		}
	}, 60_000);
});
