import type {Histogram} from 'hdr-histogram-js';
// The builder and the WebAssembly loader by their own modules: the package's index also loads its
// log writer, which makes an Intl number format as it loads (25 ms of every start).
import {build} from 'hdr-histogram-js/dist/HistogramBuilder.js';
import {initWebAssemblySync} from 'hdr-histogram-js/dist/wasm/index.js';
import {
	numberOr, objectOf, optionalNumber, type JsonRecord as Json,
} from './recorded.js';

/** Points kept of a run's progress: past this, every other one is dropped (the counters stay exact). */
export const MAX_POINTS = 1000;
/** Windows of send times kept: past this, neighbours merge and each window covers twice the time. */
export const MAX_WINDOWS = 200;

/** The run at one moment, as its progress line said. Counters are cumulative. */
export type TimelinePoint = {
	readonly elapsedMs: number;
	readonly processed: number;
	readonly failed: number;
	readonly backlog: number | undefined;
	readonly p50Ms: number;
	readonly p95Ms: number;
	readonly p99Ms: number;
	readonly waitP50Ms: number | undefined;
	readonly waitP99Ms: number | undefined;
};

/** Send times (and waits, with arrivals) of the messages that ended in one stretch of time. */
export type TimelineWindow = {
	readonly fromMs: number;
	readonly toMs: number;
	readonly count: number;
	readonly p50Ms: number;
	readonly p95Ms: number;
	readonly p99Ms: number;
	readonly waitP50Ms: number | undefined;
	readonly waitP99Ms: number | undefined;
};

export type Timeline = {
	readonly points: readonly TimelinePoint[];
	/** Present when the run's single results were seen (a live run, or a saved one with `--events`). */
	readonly windows: readonly TimelineWindow[] | undefined;
};

export type TimelineRecorder = {
	/** A progress (or summary) record, as `--json` writes it. */
	readonly addProgress: (record: Json) => void;
	/** One message's outcome: when it ended, its send time, and its wait when it had an arrival. */
	readonly addResult: (endMs: number, durationMs: number, waitMs: number | undefined) => void;
	readonly timeline: () => Timeline;
	/** Frees the windows' histograms (WebAssembly memory). */
	readonly dispose: () => void;
};

let webAssemblyReady = false;

/** Two significant digits: a chart's line needs no more, and a window's histogram stays small. */
function newHistogram(): Histogram {
	if (!webAssemblyReady) {
		initWebAssemblySync();
		webAssemblyReady = true;
	}

	return build({
		numberOfSignificantValueDigits: 2, bitBucketSize: 64, autoResize: true, lowestDiscernibleValue: 1, useWebAssembly: true,
	});
}

/** Histograms hold whole numbers: record microseconds, read milliseconds. */
const US = 1000;

type OpenWindow = {sends: Histogram; waits: Histogram | undefined; count: number};

/**
 * Collects what a report page draws over time, in bounded memory whatever the run's length: at
 * most `MAX_POINTS` progress points (when full, every other one goes, so the counters at the points
 * kept are still exact and rates between them are true averages), and at most `MAX_WINDOWS`
 * windows of send times (when full, neighbours merge, each covering twice the time).
 */
export function createTimelineRecorder(intervalMs: number): TimelineRecorder {
	return new TimelineCollector(intervalMs);
}

class TimelineCollector implements TimelineRecorder {
	private points: TimelinePoint[] = [];
	/** Progress points kept: one in `keepEvery` of those seen. */
	private keepEvery = 1;
	private seen = 0;
	private lastPoint: TimelinePoint | undefined;
	private windowMs: number;
	private windows: Array<OpenWindow | undefined> = [];
	private anyResult = false;

	constructor(intervalMs: number) {
		this.windowMs = Math.max(1, intervalMs);
	}

	addProgress(record: Json): void {
		const point = pointOf(record);
		const {lastPoint} = this;
		this.lastPoint = point;
		if (lastPoint !== undefined && point.elapsedMs <= lastPoint.elapsedMs) {
			// The summary repeats the last progress moment: the later record is the truer one.
			if (this.points.at(-1) === lastPoint) {
				this.points[this.points.length - 1] = point;
			}

			return;
		}

		if (this.seen++ % this.keepEvery === 0) {
			this.points.push(point);
			if (this.points.length > MAX_POINTS) {
				this.points = this.points.filter((_, index) => index % 2 === 0);
				this.keepEvery *= 2;
			}
		}
	}

	addResult(endMs: number, durationMs: number, waitMs: number | undefined): void {
		this.anyResult = true;
		let index = Math.floor(Math.max(0, endMs) / this.windowMs);
		while (index >= MAX_WINDOWS) {
			this.windows = mergedPairs(this.windows);
			this.windowMs *= 2;
			index = Math.floor(Math.max(0, endMs) / this.windowMs);
		}

		let window = this.windows[index];
		if (window === undefined) {
			window = {sends: newHistogram(), waits: undefined, count: 0};
			this.windows[index] = window;
		}

		window.count++;
		window.sends.recordValue(Math.max(1, Math.round(durationMs * US)));
		if (waitMs !== undefined) {
			window.waits ??= newHistogram();
			window.waits.recordValue(Math.max(1, Math.round(waitMs * US)));
		}
	}

	timeline(): Timeline {
		const {points, lastPoint, windowMs} = this;
		// The last moment of the run is always a point, so the chart runs to the end.
		const all = lastPoint !== undefined && points.at(-1) !== lastPoint ? [...points, lastPoint] : points;
		return {
			points: all,
			windows: this.anyResult
				? this.windows.flatMap((window, index) => window === undefined
					? []
					: [{
						fromMs: index * windowMs,
						toMs: (index + 1) * windowMs,
						count: window.count,
						p50Ms: window.sends.getValueAtPercentile(50) / US,
						p95Ms: window.sends.getValueAtPercentile(95) / US,
						p99Ms: window.sends.getValueAtPercentile(99) / US,
						waitP50Ms: window.waits && window.waits.getValueAtPercentile(50) / US,
						waitP99Ms: window.waits && window.waits.getValueAtPercentile(99) / US,
					}])
				: undefined,
		};
	}

	dispose(): void {
		for (const window of this.windows) {
			window?.sends.destroy();
			window?.waits?.destroy();
		}

		this.windows = [];
	}
}

/** A progress (or summary) record's point on the charts. */
function pointOf(record: Json): TimelinePoint {
	const wait = objectOf(record.wait);
	return {
		elapsedMs: numberOr(record.elapsedMs, 0),
		processed: numberOr(record.processed, 0),
		failed: numberOr(record.failed, 0),
		backlog: optionalNumber(record.backlog),
		p50Ms: numberOr(record.p50Ms, 0),
		p95Ms: numberOr(record.p95Ms, 0),
		p99Ms: numberOr(record.p99Ms, 0),
		waitP50Ms: optionalNumber(wait?.p50Ms),
		waitP99Ms: optionalNumber(wait?.p99Ms),
	};
}

/** Windows two by two into one each: their histograms added, the second freed. */
function mergedPairs(windows: Array<OpenWindow | undefined>): Array<OpenWindow | undefined> {
	const merged: Array<OpenWindow | undefined> = [];
	for (let index = 0; index < windows.length; index += 2) {
		const [first, second] = [windows[index], windows[index + 1]];
		if (first === undefined || second === undefined) {
			merged.push(first ?? second);
			continue;
		}

		first.sends.add(second.sends);
		if (second.waits) {
			first.waits ??= newHistogram();
			first.waits.add(second.waits);
			second.waits.destroy();
		}

		first.count += second.count;
		second.sends.destroy();
		merged.push(first);
	}

	return merged;
}
