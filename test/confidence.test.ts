/**
 * Confidence intervals (engine/confidence.ts) against values from SciPy, an implementation
 * independent of jStat: `stats.t.ppf` and `stats.beta.ppf` (SciPy 1.x, worked out outside this code).
 * jStat finds the t quantile iteratively, to about 5e-9 here: 7 decimals are asked of it.
 */
import {describe, expect, it} from 'vitest';
import {meanInterval, successInterval} from '../source/engine/confidence.js';

describe('meanInterval', () => {
	it('is the mean +- t(1 - a/2, n - 1) s / sqrt(n), with the n - 1 standard deviation', () => {
		const interval = meanInterval([1, 2, 3, 4, 5]);
		expect(interval.n).toBe(5);
		expect(interval.mean).toBe(3);
		expect(interval.stddev).toBeCloseTo(1.581_138_830_084_189_8, 12);
		expect(interval.halfWidth).toBeCloseTo(1.963_243_161_477_557_2, 7);
		expect(interval.low).toBeCloseTo(3 - 1.963_243_161_477_557_2, 7);
		expect(interval.high).toBeCloseTo(3 + 1.963_243_161_477_557_2, 7);
	});

	it('narrows with the level', () => {
		expect(meanInterval([5, 4, 3, 2, 1], 0.9).halfWidth).toBeCloseTo(1.507_443_319_062_322_7, 7);
	});

	it('gives the mean and no interval for one replication (no spread to go on), and two are enough', () => {
		expect(meanInterval([7])).toEqual({
			n: 1, mean: 7, stddev: 0, halfWidth: null, low: null, high: null,
		});
		const two = meanInterval([1, 3]);
		expect(two.mean).toBe(2);
		expect(two.halfWidth).not.toBeNull();
		expect(two.stddev).toBeCloseTo(Math.SQRT2, 12);
	});
});

describe('successInterval', () => {
	it('is Clopper-Pearson: beta quantiles around the observed share', () => {
		const interval = successInterval(3, 10);
		expect(interval.low).toBeCloseTo(0.066_739_511_177_734_47, 9);
		expect(interval.high).toBeCloseTo(0.652_452_850_059_997_3, 9);
		const ninety = successInterval(3, 10, 0.9);
		expect(ninety.low).toBeCloseTo(0.087_264_433_914_150_33, 9);
		expect(ninety.high).toBeCloseTo(0.606_624_216_105_412_3, 9);
	});

	it('starts at 0 after no success and ends at 1 after all, and is still wide after 5 trials', () => {
		expect(successInterval(0, 5)).toEqual({low: 0, high: expect.closeTo(0.521_823_750_104_981_4, 9) as number});
		expect(successInterval(5, 5)).toEqual({low: expect.closeTo(0.478_176_249_895_018_5, 9) as number, high: 1});
	});
});
