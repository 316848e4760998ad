import {describe, expect, it} from 'vitest';
import {parseDuration} from '../../source/cli/duration.js';
import {
	histogramLines, summaryLines, verdictLine, wallLine,
} from '../../source/reports/lines.js';
import {runOnce} from '../../source/pipeline/replications.js';
import {takeSnapshot, type Snapshot} from '../../source/engine/snapshot.js';
import {timingLine} from '../../source/ui/Dashboard.js';
import {emptyStats} from '../../source/engine/stats.js';
import {parseThreshold, type Threshold} from '../../source/engine/thresholds.js';

/** A real final snapshot: 500 sends of 100 ms on 10 senders, 10% failing, seed 1. */
const final: Snapshot = await runOnce({messages: 500, seed: 1, intervalMs: 1000});
const rule = (text: string): Threshold => parseThreshold(text, parseDuration)!;

describe('histogramLines', () => {
	it('gives every bin with a send in it a cell, however small beside the tallest', () => {
		const lines = histogramLines({
			...final,
			histogram: [
				{fromMs: 1, toMs: 2, count: 100_000},
				{fromMs: 2, toMs: 3, count: 41},
				{fromMs: 3, toMs: 4, count: 0},
			],
		});
		expect(lines[2]).toMatch(/ █ 41$/);
		expect(lines[3]).not.toContain('█');
	});
});

describe('verdictLine', () => {
	it('says how many thresholds were crossed, each with its value, and nothing without any', () => {
		const p99 = final.p99Ms;
		expect(verdictLine(final, {thresholds: [rule(`p99<${Math.floor(p99 / 2)}ms`), rule('p99<1s'), rule('failure-rate<1%')]}))
			.toBe(`✗ 2 of 3 thresholds crossed: p99<${Math.floor(p99 / 2)}ms (was ${p99.toFixed(1)}ms), failure-rate<1% (was ${((final.failed / final.processed) * 100).toFixed(1)}%)`);
		expect(verdictLine(final, {thresholds: [rule('p99<1s')], maxFailureRate: 0.5})).toBe('✓ 2 of 2 thresholds met');
		expect(verdictLine(final, {})).toBeUndefined();
	});

	it('is the summary\'s last line', () => {
		const lines = summaryLines(final, {seed: 1, thresholds: [rule('p99<1ms')]});
		expect(lines.at(-1)).toMatch(/^✗ 1 of 1 threshold crossed: p99<1ms \(was /);
	});
});

describe('a run in which no simulated time passed', () => {
	it('has no rate and no speed-up: instant, and null in the snapshot', async () => {
		const instant = await runOnce({messages: 1000, seed: 1, groups: [{count: 10, meanMs: 0}]});
		expect(instant.elapsedMs).toBe(0);
		expect(instant.throughputPerSec).toBeNull();
		expect(wallLine(0, 120)).toBe('120ms (instant: no simulated time passed)');
		expect(summaryLines(instant, {seed: 1})).toContain('  throughput instant');
	});
});

describe('the seed line', () => {
	it('names the run\'s seed, each producer\'s in a distributed run, and none (not 0) before a producer started it', async () => {
		const final = await runOnce({messages: 10, seed: 7, groups: [{count: 2, meanMs: 10}]});
		expect(summaryLines({...final, seeds: [7]}, {seed: 7})).toContain('  seed       7');
		expect(summaryLines({...final, seeds: [3, 4]}, {seed: 0})).toContain('  seeds      3, 4 (one per producer)');
		const lines = summaryLines({...final, seeds: []}, {seed: 0});
		expect(lines).toContain('  seed       none: no producer started the run');
		expect(lines).not.toContain('  seed       0');
	});
});

describe('a saved run cut short', () => {
	it('is told as cut short, not as interrupted', () => {
		const [headline] = summaryLines({...final, interrupted: true}, {seed: 1, cutShort: true});
		expect(headline).toMatch(/^Cut short after [\d.]+s \(simulated; the file ends mid-run\): 500 of 500 messages processed$/);
	});
});

describe('the live throughput', () => {
	const context = {total: 1000, inFlight: 0, groups: []} as const;

	it('is the last whole interval\'s on a live snapshot, never a partial interval\'s', () => {
		const tick = {
			...final, type: 'progress' as const, elapsedMs: 1000, processed: 187, intervalThroughputPerSec: 187,
		};
		// A glance 100 ms into the next interval with only 3 more done: a partial interval would say 30/s.
		const glance = takeSnapshot(emptyStats(), {
			...context, type: 'live', elapsedMs: 1100, previous: tick,
		});
		expect(glance.intervalThroughputPerSec).toBe(187);
	});

	it('is not known before the first whole interval', () => {
		const glance = takeSnapshot(emptyStats(), {...context, type: 'live', elapsedMs: 300});
		expect(glance.intervalThroughputPerSec).toBeNull();
	});
});

describe('a broker monitor whose workers have all gone', () => {
	it('reports no rate now and no ETA, however fast the last interval was', () => {
		const tick = {
			...final, type: 'progress' as const, elapsedMs: 1000, processed: 217, intervalThroughputPerSec: 217,
		};
		// The monitor's clock comes from the results: with nobody sending, it stands still.
		const context = {
			type: 'progress', elapsedMs: 1000, total: 20_000, inFlight: 0, groups: [], previous: tick,
		} as const;
		const gone = takeSnapshot(emptyStats(), {...context, workers: {live: 0, senders: 0}});
		expect(gone.intervalThroughputPerSec).toBe(0);
		expect(gone.etaMs).toBeNull();
		expect(timingLine(gone, 5000)).toMatch(/eta no live workers$/);
		// With a worker alive, the last interval's rate stands, as before.
		expect(takeSnapshot(emptyStats(), {...context, workers: {live: 1, senders: 10}}).intervalThroughputPerSec).toBe(217);
	});
});

describe('the verdict at a narrow width', () => {
	it('folds between the thresholds it lists, never mid-threshold', () => {
		const lines = summaryLines(final, {
			seed: 1, thresholds: [rule('p99<1ms'), rule('p95<1ms'), rule('avg<1ms'), rule('failure-rate<1%')], columns: 60,
		});
		const verdict = lines.slice(lines.findIndex(line => line.startsWith('✗ ')));
		expect(verdict[0]).toBe('✗ 4 of 4 thresholds crossed:');
		expect(verdict.slice(1).every(line => line.startsWith('  ') && line.length <= 60)).toBe(true);
		expect(verdict.slice(1).join(' ').replaceAll(/\s+/g, ' ')).toMatch(/^ p99<1ms \(was [\d.]+ms\), p95<1ms \(was [\d.]+ms\), avg<1ms \(was [\d.]+ms\), failure-rate<1% \(was [\d.]+%\)$/);
	});
});
