import {describe, expect, it} from 'vitest';
import {createTimelineRecorder, MAX_POINTS, MAX_WINDOWS} from '../../source/reports/timeline.js';

const progress = (second: number) => ({
	type: 'progress', elapsedMs: second * 1000, processed: second * 10, failed: second, backlog: second % 7, p50Ms: 1, p95Ms: 2, p99Ms: 3,
});

describe('the report page\'s timeline', () => {
	it('keeps at most MAX_POINTS progress points however long the run, with exact counters and the last moment', () => {
		const recorder = createTimelineRecorder(1000);
		const seconds = 10 * MAX_POINTS + 3;
		for (let second = 1; second <= seconds; second++) {
			recorder.addProgress(progress(second));
		}

		const {points} = recorder.timeline();
		expect(points.length).toBeLessThanOrEqual(MAX_POINTS + 1);
		expect(points.length).toBeGreaterThan(MAX_POINTS / 2);
		// Every point kept is a real moment, its counters as the run gave them.
		for (const point of points) {
			expect(point.processed).toBe(point.elapsedMs / 100);
			expect(point.failed).toBe(point.elapsedMs / 1000);
		}

		expect(points.at(-1)!.elapsedMs).toBe(seconds * 1000);
		// Evenly spread (dropping every other point keeps the spacing regular), the last moment added after.
		const regular = points.slice(0, -1);
		const gaps = new Set(regular.slice(0, -1).map((point, index) => regular[index + 1].elapsedMs - point.elapsedMs));
		expect(gaps.size).toBe(1);
		recorder.dispose();
	});

	it('lets the summary replace the progress line of its own moment', () => {
		const recorder = createTimelineRecorder(1000);
		recorder.addProgress(progress(1));
		recorder.addProgress(progress(2));
		recorder.addProgress({...progress(2), type: 'summary', processed: 25});
		expect(recorder.timeline().points.map(point => point.processed)).toEqual([10, 25]);
		recorder.dispose();
	});

	it('windows send times by when they ended, merging neighbours past MAX_WINDOWS, and counts every one', () => {
		const recorder = createTimelineRecorder(1000);
		// Ends 0.5 s apart over 4 x MAX_WINDOWS seconds: windows of 1 s must merge twice, to 4 s.
		const results = 8 * MAX_WINDOWS;
		for (let index = 0; index < results; index++) {
			// Send times 1..100 ms in each stretch of 100 results.
			recorder.addResult(index * 500, (index % 100) + 1, undefined);
		}

		const {windows} = recorder.timeline();
		expect(windows).toBeDefined();
		expect(windows!.length).toBeLessThanOrEqual(MAX_WINDOWS);
		expect(windows!.reduce((sum, window) => sum + window.count, 0)).toBe(results);
		expect(windows![0].toMs - windows![0].fromMs).toBe(4000);
		expect(windows!.every(window => window.waitP50Ms === undefined)).toBe(true);
		recorder.dispose();
	});

	it('gives each window its own percentiles, to the histogram\'s two significant digits', () => {
		const recorder = createTimelineRecorder(1000);
		// First second: 1..1000 ms, uniform. Second: all 5 ms, waiting 2 ms.
		for (let ms = 1; ms <= 1000; ms++) {
			recorder.addResult(500, ms, undefined);
			recorder.addResult(1500, 5, 2);
		}

		const [first, second] = recorder.timeline().windows!;
		// Two significant digits: within 1% of the exact order statistic.
		expect(first.p50Ms).toBeCloseTo(500, -1);
		expect(Math.abs(first.p99Ms - 990) / 990).toBeLessThan(0.01);
		expect(second.p50Ms).toBeCloseTo(5, 1);
		expect(second.p99Ms).toBeCloseTo(5, 1);
		expect(second.waitP99Ms).toBeCloseTo(2, 1);
		recorder.dispose();
	});

	it('has no windows when it saw no single results (a saved run without events)', () => {
		const recorder = createTimelineRecorder(1000);
		recorder.addProgress(progress(1));
		expect(recorder.timeline().windows).toBeUndefined();
		recorder.dispose();
	});
});
