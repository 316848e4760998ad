import {describe, expect, it} from 'vitest';
import {parseDuration} from '../source/cli/duration.js';
import {takeSnapshot} from '../source/engine/snapshot.js';
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
