import {build, initWebAssemblySync, type Histogram} from 'hdr-histogram-js';
import type {SendResult} from './senders.js';

/** What one sender did. */
export type SenderTally = {
	readonly group: string;
	sent: number;
	failed: number;
	/** Sum of the send times of every message it processed, sent or failed. */
	durationSumMs: number;
};

/**
 * Everything the monitor shows is derived from this. It is a monoid: `emptyStats()` is the
 * identity, `mergeStats` is associative and commutative, and folding results with `addResult`
 * agrees with merging the folds of any split of them; so one process or a hundred workers
 * aggregate with the same code.
 *
 * Latencies go into an HDR histogram (hdr-histogram-js: mergeable, fixed memory, 3 significant
 * digits) in whole microseconds; the average comes from the exact sum, not the histogram.
 */
export type Stats = {
	sent: number;
	failed: number;
	durationSumMs: number;
	/** Exact longest send time (the histogram's max is rounded to its precision). */
	maxDurationMs: number;
	/** Exact shortest send time; Infinity when empty. */
	minDurationMs: number;
	readonly histogram: Histogram;
	/** Earliest start and latest end seen, simulation ms; Infinity / -Infinity when empty. */
	firstStartMs: number;
	lastEndMs: number;
	readonly senders: Map<string, SenderTally>;
};

// The WebAssembly build records a value in ~25 ns; the pure-JS one takes ~170 ns (it calls
// Math.log2 and Math.pow per value), which was a third of the whole pipeline's time per message.
let webAssemblyReady = false;

/**
 * WebAssembly histograms live outside the JS heap and must be destroyed: when a `Stats` is
 * garbage-collected, its histogram goes with it.
 */
const histogramReaper = new FinalizationRegistry<Histogram>(histogram => {
	histogram.destroy();
});

function newHistogram(owner: object): Histogram {
	if (!webAssemblyReady) {
		initWebAssemblySync(); // On first use: a producer or a purge never pays for it.
		webAssemblyReady = true;
	}

	// 64-bit (float) counts stay exact to 2^53 per bucket; 32-bit ones would wrap at 4 billion.
	const histogram = build({
		numberOfSignificantValueDigits: 3, bitBucketSize: 64, autoResize: true, lowestDiscernibleValue: 1, useWebAssembly: true,
	});
	histogramReaper.register(owner, histogram);
	return histogram;
}

export function emptyStats(): Stats {
	const stats: Omit<Stats, 'histogram'> & {histogram?: Histogram} = {
		sent: 0,
		failed: 0,
		durationSumMs: 0,
		maxDurationMs: 0,
		minDurationMs: Number.POSITIVE_INFINITY,
		firstStartMs: Number.POSITIVE_INFINITY,
		lastEndMs: Number.NEGATIVE_INFINITY,
		senders: new Map(),
	};
	stats.histogram = newHistogram(stats);
	return stats as Stats;
}

/**
 * Adds one result to `stats` in place and returns it. The accumulator belongs to the fold that
 * made it (a `scan` seed made per subscription): copying a histogram per message would make the
 * pipeline O(N x histogram). Consumers never see `Stats`, only frozen snapshots derived from it.
 */
export function addResult(stats: Stats, result: SendResult): Stats {
	const {durationMs} = result;
	let tally = stats.senders.get(result.senderId);
	if (tally === undefined) {
		tally = {
			group: result.group, sent: 0, failed: 0, durationSumMs: 0,
		};
		stats.senders.set(result.senderId, tally);
	}

	if (result.status === 'sent') {
		stats.sent++;
		tally.sent++;
	} else {
		stats.failed++;
		tally.failed++;
	}

	stats.durationSumMs += durationMs;
	tally.durationSumMs += durationMs;
	if (durationMs > stats.maxDurationMs) {
		stats.maxDurationMs = durationMs;
	}

	if (durationMs < stats.minDurationMs) {
		stats.minDurationMs = durationMs;
	}

	stats.histogram.recordValue(Math.round(durationMs * 1000));
	if (result.startMs < stats.firstStartMs) {
		stats.firstStartMs = result.startMs;
	}

	if (result.endMs > stats.lastEndMs) {
		stats.lastEndMs = result.endMs;
	}

	return stats;
}

/** A new `Stats` holding both; neither argument changes. */
export function mergeStats(a: Stats, b: Stats): Stats {
	const merged = emptyStats();
	merged.sent = a.sent + b.sent;
	merged.failed = a.failed + b.failed;
	merged.durationSumMs = a.durationSumMs + b.durationSumMs;
	merged.maxDurationMs = Math.max(a.maxDurationMs, b.maxDurationMs);
	merged.minDurationMs = Math.min(a.minDurationMs, b.minDurationMs);
	merged.histogram.add(a.histogram);
	merged.histogram.add(b.histogram);
	merged.firstStartMs = Math.min(a.firstStartMs, b.firstStartMs);
	merged.lastEndMs = Math.max(a.lastEndMs, b.lastEndMs);
	for (const source of [a.senders, b.senders]) {
		for (const [id, tally] of source) {
			const into = merged.senders.get(id);
			if (into === undefined) {
				merged.senders.set(id, {...tally});
			} else {
				into.sent += tally.sent;
				into.failed += tally.failed;
				into.durationSumMs += tally.durationSumMs;
			}
		}
	}

	return merged;
}

export function processedCount(stats: Stats): number {
	return stats.sent + stats.failed;
}
