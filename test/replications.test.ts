/**
 * Replications: independent seeded runs summarized as means with confidence intervals, and the
 * warm-up that removes an open model's start-up bias. Checked against Erlang C and M/M/1, with
 * sample sizes justified where they are used.
 */
import {describe, expect, it} from 'vitest';
import {meanInterval, successInterval} from '../source/engine/confidence.js';
import {replicationSeeds, runOnce, summarizeReplications} from '../source/pipeline/replications.js';
import {MAX_SEED} from '../source/model/random.js';
import {mmcMeanWait} from '../source/model/theory.js';
import {WarmupDetector} from '../source/engine/warmup.js';
import {mean, standardError} from './helpers.js';

describe('meanInterval', () => {
	it('is mean +- t(0.975, n - 1) s / sqrt(n): Student\'s t, not the normal 1.96', () => {
		// 1..5: mean 3, s = sqrt(2.5), t(0.975, 4) = 2.7764.
		const interval = meanInterval([1, 2, 3, 4, 5]);
		expect(interval.mean).toBe(3);
		expect(interval.stddev).toBeCloseTo(Math.sqrt(2.5), 12);
		expect(interval.halfWidth).toBeCloseTo(2.776_445 * Math.sqrt(2.5) / Math.sqrt(5), 5);
		expect(interval.low! + interval.halfWidth!).toBeCloseTo(3, 12);
	});

	it('gives no interval for one replication: there is no spread to go on', () => {
		expect(meanInterval([7])).toEqual({
			n: 1, mean: 7, stddev: 0, halfWidth: null, low: null, high: null,
		});
	});
});

describe('successInterval', () => {
	it('is Clopper-Pearson: 0 of 5 still allows 52%, 5 of 5 only assures 48%', () => {
		// With no successes the upper end solves (1 - p)^5 = 0.025.
		expect(successInterval(0, 5).high).toBeCloseTo(1 - (0.025 ** (1 / 5)), 10);
		expect(successInterval(5, 5).low).toBeCloseTo(0.025 ** (1 / 5), 10);
		expect(successInterval(0, 5).low).toBe(0);
		const middle = successInterval(10, 20);
		expect(middle.low).toBeCloseTo(0.272, 3); // Tabulated: 0.2720 to 0.7280.
		expect(middle.high).toBeCloseTo(0.728, 3);
	});
});

describe('replicationSeeds', () => {
	it('runs on from --seed, wrapping past the largest seed', () => {
		expect(replicationSeeds(42, 3)).toEqual([42, 43, 44]);
		expect(replicationSeeds(MAX_SEED, 2)).toEqual([MAX_SEED, 0]);
	});
});

/** M/M/c: `servers` exponential senders of mean 100 ms, Poisson arrivals at `load` of their capacity. */
const mmc = (servers: number, load: number, messages: number, seed: number, extra = {}) => ({
	messages,
	seed,
	groups: [{
		count: servers, meanMs: 100, distribution: 'exponential' as const, failureRate: 0,
	}],
	arrivals: {ratePerSec: load * servers * 10, process: 'poisson' as const},
	intervalMs: 3_600_000,
	...extra,
});

describe('confidence intervals over replications', () => {
	it('cover Erlang C\'s mean wait for M/M/10 at load 0.8 in at least 17 of 20 independent sets of 20 replications', async () => {
		// If the intervals are right, each covers the true mean with probability 0.95, so the number that
		// do, of 20 independent sets, is Binomial(20, 0.95): at most 16 happens 1.6% of the time. Too
		// narrow intervals (z for t, n for n - 1, an interval over one run's autocorrelated waits) fall
		// far below it. 10,000 messages a run: the start-up transient (about 1 / (c mu (1 - sqrt(rho))^2)
		// = 0.9 s, 70 arrivals) biases a run's mean by under 1%, a tenth of an interval's half-width.
		const theory = mmcMeanWait(10, 80, 10) * 1000;
		let covered = 0;
		const halfWidths: number[] = [];
		for (let set = 0; set < 20; set++) {
			const seeds = replicationSeeds(1000 * (set + 1), 20);

			const finals = await Promise.all(seeds.map(async seed => runOnce(mmc(10, 0.8, 10_000, seed))));
			const interval = summarizeReplications(finals, seeds).figures.waitAvgMs!;
			halfWidths.push(interval.halfWidth!);
			if (interval.low! <= theory && theory <= interval.high!) {
				covered++;
			}
		}

		expect(covered).toBeGreaterThanOrEqual(17);
		// And the intervals say something: each within 15% of the value, not wide enough to cover anything.
		expect(Math.max(...halfWidths)).toBeLessThan(0.15 * theory);
	});
});

describe('warm-up', () => {
	it('removes the start-up bias of a short M/M/1 run at load 0.95', async () => {
		// M/M/1 at 0.95, mean send 10 ms: the mean wait is rho / (mu - lambda) = 190 ms. A run of 3,000
		// messages starts empty and relaxes over about 1 / (mu (1 - sqrt(rho))^2) = 15.6 s, some 1,500
		// arrivals: its mean wait is about 12% low. The waits of one run are autocorrelated, so the
		// standard error comes from 400 replications (measured: 4.8 ms without a warm-up, 7.2 ms with,
		// the bias about 23 ms, so "more than 3 standard errors low" holds with a margin, and the
		// warmed-up mean lands within 1 of the formula). Leaving out the first 1,500 messages removes it.
		const theory = mmcMeanWait(1, 95, 100) * 1000;
		const waits = async (warmup?: {messages: number}) => Promise.all(Array.from({length: 400}, async (_, index) => {
			const final = await runOnce(mmc(1, 0.95, 3000, index + 1, {
				groups: [{
					count: 1, meanMs: 10, distribution: 'exponential', failureRate: 0,
				}], arrivals: {ratePerSec: 95, process: 'poisson'}, ...(warmup ? {warmup} : {}),
			}));
			return final.wait!.avgMs;
		}));
		const cold = await waits();
		expect(mean(cold)).toBeLessThan(theory - (3 * standardError(cold)));
		const warm = await waits({messages: 1500});
		expect(Math.abs(mean(warm) - theory)).toBeLessThan(3 * standardError(warm));
	});

	it('leaves the warm-up\'s messages out of waits and latencies only', async () => {
		const config = mmc(2, 0.7, 2000, 5);
		const all = await runOnce(config);
		const byCount = await runOnce({...config, warmup: {messages: 500}});
		expect(byCount.wait!.count).toBe(1500);
		expect(byCount.latency!.count).toBe(1500);
		// Every other figure is the whole run's: the same seed, the same sends.
		expect(byCount.processed).toBe(all.processed);
		expect(byCount.avgMs).toBe(all.avgMs);
		expect(byCount.elapsedMs).toBe(all.elapsedMs);
		// A time: the messages arriving before it (14 a second arrive, so about 140 in 10 s).
		const byTime = await runOnce({...config, warmup: {ms: 10_000}});
		expect(byTime.wait!.count).toBeGreaterThan(2000 - 200);
		expect(byTime.wait!.count).toBeLessThan(2000 - 100);
	});
});

describe('WarmupDetector (MSER-5)', () => {
	/** A seeded stream of noise around `level`. */
	const noise = (seed: number) => {
		let state = seed;
		return (level: number) => {
			state = ((state * 1_103_515_245) + 12_345) % 2_147_483_648;
			return level + ((state / 2_147_483_648) - 0.5);
		};
	};

	it('puts the truncation point at the end of a transient', () => {
		const detector = new WarmupDetector();
		const draw = noise(1);
		// 1,000 values climbing from 0 to 10, then 9,000 around 10.
		for (let index = 0; index < 10_000; index++) {
			detector.add(draw(Math.min(10, index / 100)), index);
		}

		const estimate = detector.estimate()!;
		expect(estimate.of).toBe(10_000);
		expect(estimate.messages).toBeGreaterThan(800);
		expect(estimate.messages).toBeLessThan(1300);
		expect(estimate.atMs).toBe(estimate.messages); // The arrival time of the first value kept.
		expect(estimate.settled).toBe(true);
	});

	it('finds almost none in a stationary run, and keeps its memory bounded at any length', () => {
		const detector = new WarmupDetector();
		const draw = noise(2);
		for (let index = 0; index < 1_000_000; index++) {
			detector.add(draw(10), index);
		}

		const estimate = detector.estimate()!;
		expect(estimate.messages).toBeLessThan(50_000); // Under 5%: no warning.
		expect((detector as unknown as {means: number[]}).means.length).toBeLessThanOrEqual(2048);
	});

	it('says waits never settle when they grow to the end (an overloaded run): its minimum is at the half it searches', () => {
		const detector = new WarmupDetector();
		const draw = noise(3);
		for (let index = 0; index < 10_000; index++) {
			detector.add(draw(index / 10), index);
		}

		expect(detector.estimate()!.settled).toBe(false);
	});
});
