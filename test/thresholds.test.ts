import {describe, expect, it} from 'vitest';
import {parseDuration} from '../source/cli/duration.js';
import {takeSnapshot, type Snapshot} from '../source/engine/snapshot.js';
import {emptyStats} from '../source/engine/stats.js';
import {evaluateThreshold, failsCriteria, parseThreshold} from '../source/engine/thresholds.js';

const parse = (text: string) => parseThreshold(text, parseDuration);

describe('thresholds', () => {
	it.each([
		['p99<500ms', {metric: 'p99', operator: '<', limit: 500}],
		['p95 <= 0.3s', {
			metric: 'p95', operator: '<=', limit: 300, expression: 'p95<=0.3s',
		}],
		['avg<200', {metric: 'avg', operator: '<', limit: 200}],
		['failure-rate<0.05', {metric: 'failure-rate', operator: '<', limit: 0.05}],
		['failure-rate<5%', {metric: 'failure-rate', operator: '<', limit: 0.05}],
		['throughput>1000/s', {metric: 'throughput', operator: '>', limit: 1000}],
		['throughput>=600/m', {metric: 'throughput', operator: '>=', limit: 10}],
	])('reads %s', (text, expected) => {
		expect(parse(text)).toMatchObject(expected);
	});

	it.each(['p99', 'p99<', '<500ms', 'lag<5', 'p99=500ms', 'p99<fast', 'failure-rate<2', 'throughput>-5/s', 'p99<-1s'])('refuses %s', text => {
		expect(parse(text)).toBeUndefined();
	});

	it('is judged on the final snapshot, each rule on its own', () => {
		const snapshot = {
			...takeSnapshot(emptyStats(), {
				type: 'final', elapsedMs: 1000, total: 0, inFlight: 0, groups: [],
			}), p99Ms: 450, failed: 5, processed: 100, throughputPerSec: 900,
		};
		expect(evaluateThreshold(parse('p99<500ms')!, snapshot)).toEqual({expression: 'p99<500ms', value: 450, ok: true});
		expect(evaluateThreshold(parse('p99<=450')!, snapshot).ok).toBe(true);
		expect(evaluateThreshold(parse('failure-rate<0.05')!, snapshot)).toEqual({expression: 'failure-rate<0.05', value: 0.05, ok: false});
		expect(evaluateThreshold(parse('throughput>1000/s')!, snapshot).ok).toBe(false);
		expect(failsCriteria(snapshot, undefined, [parse('p99<500ms')!])).toBe(false);
		expect(failsCriteria(snapshot, undefined, [parse('p99<500ms')!, parse('throughput>1000/s')!])).toBe(true);
	});
});

describe('thresholds at their edges', () => {
	const snapshot = (fields: Partial<Snapshot>): Snapshot => ({
		...takeSnapshot(emptyStats(), {
			type: 'final', elapsedMs: 1000, total: 0, inFlight: 0, groups: [],
		}),
		...fields,
	});

	it('judges each operator at, above and below its limit', () => {
		const at = snapshot({p99Ms: 500});
		const verdicts = (value: number) => ['<', '<=', '>', '>='].map(operator => evaluateThreshold(parse(`p99${operator}500ms`)!, snapshot({p99Ms: value})).ok);
		expect(verdicts(500)).toEqual([false, true, false, true]);
		expect(verdicts(499)).toEqual([true, true, false, false]);
		expect(verdicts(501)).toEqual([false, false, true, true]);
		expect(evaluateThreshold(parse('p99<500ms')!, at).value).toBe(500);
	});

	it('reads spaces anywhere, and nothing before the metric or after the value', () => {
		expect(parse(' p 9 9 < 5 0 0 m s ')).toMatchObject({metric: 'p99', limit: 500, expression: 'p99<500ms'});
		for (const text of ['_p99<500ms', '+p99<500ms', 'xp99<500ms', 'p99<500msx', 'failure-rate<5%x', 'failure-rate<x5%', 'throughput>1000/sx', 'throughput>x1000/s', 'failure-rate<0.05x']) {
			expect(parse(text)).toBeUndefined();
		}
	});

	it('takes a failure rate as a ratio from 0 to 1 or a percentage, decimals included', () => {
		expect(parse('failure-rate<=0')?.limit).toBe(0);
		expect(parse('failure-rate<=1')?.limit).toBe(1);
		expect(parse('failure-rate<.5')?.limit).toBe(0.5);
		expect(parse('failure-rate<12.5%')?.limit).toBe(0.125);
		expect(parse('failure-rate<12.55%')?.limit).toBeCloseTo(0.1255, 12);
		expect(parse('failure-rate<10%')?.limit).toBe(0.1);
		expect(parse('failure-rate<1.01')).toBeUndefined();
		expect(parse('failure-rate<5.%')).toBeUndefined();
		expect(parse('failure-rate<5.a%')).toBeUndefined();
	});

	it('takes a rate per second or per minute, with decimals, and a bare number as per second', () => {
		expect(parse('throughput>12.5/s')?.limit).toBe(12.5);
		expect(parse('throughput>12.55/s')?.limit).toBe(12.55);
		expect(parse('throughput>.5/s')?.limit).toBe(0.5);
		expect(parse('throughput>120/m')?.limit).toBe(2);
		expect(parse('throughput>300')?.limit).toBe(300);
		expect(parse('throughput>a1/s')).toBeUndefined();
	});

	it('takes a limit of 0, and no limit that is not a finite number', () => {
		expect(parse('max<=0ms')?.limit).toBe(0);
		expect(parseThreshold('p99<1', () => Number.POSITIVE_INFINITY)).toBeUndefined();
		expect(parseThreshold('p99<1', () => Number.NaN)).toBeUndefined();
		expect(parseThreshold('p99<1', () => -0.001)).toBeUndefined();
	});
});
