/**
 * The queueing formulas the simulator is checked against (model/theory.ts), against values worked
 * out by hand and against each other where one is a special case of another.
 */
import {describe, expect, it} from 'vitest';
import {
	cobhamWaits, deadLetteredShare, erlangC, meanAttempts, mmcMeanWait, pollaczekKhinchineWait,
} from '../source/model/theory.js';

describe('erlangC', () => {
	it('is the load itself for one server (M/M/1 waits with probability rho)', () => {
		expect(erlangC(1, 0.7)).toBeCloseTo(0.7, 12);
	});

	it('gives 1/3 for 2 servers at load 1, by hand: (1/2 x 2) / (1 + 1 + 1)', () => {
		expect(erlangC(2, 1)).toBeCloseTo(1 / 3, 12);
	});

	it('matches the textbook sum for 10 servers at load 8 and 50 at load 45', () => {
		// Worked out in Python from sum_{k<c} a^k / k! and a^c / c! x c / (c - a), with factorials, outside this code.
		expect(erlangC(10, 8)).toBeCloseTo(0.409_180_150_796_443_5, 10);
		expect(erlangC(50, 45)).toBeCloseTo(0.363_864_467_206_988_34, 10);
	});
});

describe('mmcMeanWait', () => {
	it('is lambda / (mu (mu - lambda)) for one server', () => {
		expect(mmcMeanWait(1, 3, 5)).toBeCloseTo(3 / (5 * 2), 12);
	});

	it('is C(c, a) / (c mu - lambda) for several', () => {
		expect(mmcMeanWait(2, 1, 1)).toBeCloseTo((1 / 3) / (2 - 1), 12);
	});
});

describe('pollaczekKhinchineWait', () => {
	it('is the M/M/1 wait for exponential service (cv 1), and half of it for fixed service (cv 0)', () => {
		const mm1 = mmcMeanWait(1, 0.6, 1 / 1.2);
		expect(pollaczekKhinchineWait(0.6, 1.2, 1)).toBeCloseTo(mm1, 12);
		expect(pollaczekKhinchineWait(0.6, 1.2, 0)).toBeCloseTo(mm1 / 2, 12);
	});

	it('grows with the square of the cv: lambda S^2 (1 + cv^2) / (2 (1 - rho))', () => {
		expect(pollaczekKhinchineWait(0.5, 1, 2)).toBeCloseTo((0.5 * 1 * 5) / (2 * 0.5), 12);
	});
});

describe('cobhamWaits', () => {
	it('is the Pollaczek-Khinchine wait for a single class', () => {
		expect(cobhamWaits([0.6], 1.2, 0.5)).toHaveLength(1);
		expect(cobhamWaits([0.6], 1.2, 0.5)[0]).toBeCloseTo(pollaczekKhinchineWait(0.6, 1.2, 0.5), 12);
	});

	it('gives the higher class W0 / (1 - s1) and the lower W0 / ((1 - s1)(1 - s1 - s2))', () => {
		// Two classes of 0.2 and 0.4 per unit, service 1 (cv 1): W0 = 0.6 x 2 / 2 = 0.6.
		const [high, low] = cobhamWaits([0.2, 0.4], 1, 1);
		expect(high).toBeCloseTo(0.6 / 0.8, 12);
		expect(low).toBeCloseTo(0.6 / (0.8 * 0.4), 12);
	});
});

describe('retries', () => {
	it('dead-letters p^K of messages', () => {
		expect(deadLetteredShare(0.5, 3)).toBe(0.125);
		expect(deadLetteredShare(0.1, 1)).toBeCloseTo(0.1, 15);
	});

	it('takes (1 - p^K) / (1 - p) attempts on average, and K when every attempt fails', () => {
		expect(meanAttempts(0.5, 3)).toBeCloseTo(1.75, 12);
		expect(meanAttempts(0, 5)).toBe(1);
		expect(meanAttempts(1, 4)).toBe(4);
	});
});
