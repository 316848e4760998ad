import {describe, expect, it} from 'vitest';
import {createSendTimeSampler, defaultSpread, type Distribution} from '../source/model/distributions.js';
import {createRandom} from '../source/model/random.js';

/** Draws `n` send times and returns their mean, standard deviation and minimum. */
function describeDraws(distribution: Distribution, meanMs: number, spread: number, n: number, seed = 7) {
	const sample = createSendTimeSampler({distribution, meanMs, spread}, createRandom(seed));
	let sum = 0;
	let sumSquares = 0;
	let min = Number.POSITIVE_INFINITY;
	for (let i = 0; i < n; i++) {
		const x = sample();
		sum += x;
		sumSquares += x * x;
		min = Math.min(min, x);
	}

	const mean = sum / n;
	return {mean, sd: Math.sqrt(sumSquares / n - mean * mean), min};
}

// 200,000 draws per case. The sample mean's standard error is cv * mean / sqrt(n); we allow five
// of them, so a correct sampler fails with probability below 1e-6 (and the seed is fixed anyway),
// while a sampler off by even 1% at cv 0.25 (20 standard errors) cannot pass.
const N = 200_000;
const cases: Array<[Distribution, number]> = [
	['gamma', 0.25],
	['gamma', 1],
	['gamma', 2.5], // Shape < 1: the boosted branch of Marsaglia-Tsang.
	['gamma', 0.001], // The ends of the accepted range: shape 1,000,000...
	['gamma', 4], // ...and 1/16.
	['exponential', 1],
	['uniform', 0.25],
	['uniform', 0.5],
	['fixed', 0],
];

describe('send time distributions', () => {
	for (const [distribution, spread] of cases) {
		it(`${distribution} with spread ${spread} has the configured mean and spread and never a negative time`, () => {
			const meanMs = 100;
			const {mean, sd, min} = describeDraws(distribution, meanMs, spread, N);
			const standardError = (spread * meanMs) / Math.sqrt(N);
			expect(Math.abs(mean - meanMs)).toBeLessThanOrEqual(5 * standardError + 1e-9);
			// The sample standard deviation's relative error is about sqrt((kurtosis - 1) / 4n); gamma's
			// kurtosis is 3 + 6 cv^2 (at most 99 here): five of those errors is under 6%.
			const kurtosis = distribution === 'uniform' ? 1.8 : 3 + 6 * spread * spread;
			const relativeTolerance = 5 * Math.sqrt((kurtosis - 1) / (4 * N));
			expect(Math.abs(sd - spread * meanMs)).toBeLessThanOrEqual(relativeTolerance * spread * meanMs + 1e-9);
			expect(min).toBeGreaterThanOrEqual(0);
		});
	}

	it('gives exactly 0 for a mean of 0 whatever the distribution', () => {
		for (const [distribution, spread] of cases) {
			const {mean, sd} = describeDraws(distribution, 0, spread, 1000);
			expect([mean, sd]).toEqual([0, 0]);
		}
	});

	it('has the defaults the docs give: exponential 1, fixed 0, others 0.25', () => {
		expect([defaultSpread('gamma'), defaultSpread('uniform'), defaultSpread('exponential'), defaultSpread('fixed')]).toEqual([0.25, 0.25, 1, 0]);
	});

	it('rejects a gamma spread outside 0.001..4 (its shape would overflow, or nearly every draw round to 0)', () => {
		for (const spread of [1e-160, 0.0005, 4.5, 1e3, 1e153]) {
			expect(() => createSendTimeSampler({distribution: 'gamma', meanMs: 100, spread}, createRandom(1))).toThrow(/gamma spread must be 0 or from 0.001 to 4/);
		}
	});

	it('keeps a fixed mean that is not a whole number of microseconds exact: the clock\'s times average to it', () => {
		for (const shape of [{distribution: 'fixed', meanMs: 0.0104, spread: 0}, {distribution: 'gamma', meanMs: 0.0104, spread: 0}, {distribution: 'fixed', meanMs: 1.234_567_8, spread: 0}] as const) {
			const sample = createSendTimeSampler(shape, createRandom(1));
			// As the pool takes them: each rounded to the microsecond.
			const times = Array.from({length: 10_000}, () => Math.round(sample() * 1000));
			expect(new Set(times).size, `${shape.meanMs} ms`).toBeLessThanOrEqual(2); // The two microseconds around it.
			expect(Math.abs((times.reduce((sum, us) => sum + us, 0) / times.length) - (shape.meanMs * 1000)), `${shape.meanMs} ms`).toBeLessThan(0.001);
		}

		// A whole number of microseconds is itself every time.
		const whole = createSendTimeSampler({distribution: 'fixed', meanMs: 100, spread: 0}, createRandom(1));
		expect(new Set(Array.from({length: 100}, () => whole()))).toEqual(new Set([100]));
	});

	it('rejects a uniform spread that would reach below zero', () => {
		expect(() => createSendTimeSampler({distribution: 'uniform', meanMs: 100, spread: 0.6}, createRandom(1))).toThrow(/uniform spread/);
	});
});
