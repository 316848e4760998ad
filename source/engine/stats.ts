import type {Histogram} from 'hdr-histogram-js';
// The builder and the WebAssembly loader by their own modules: the package's index also loads its
// log writer, which makes an Intl number format as it loads (25 ms of every start).
import {build} from 'hdr-histogram-js/dist/HistogramBuilder.js';
import {initWebAssemblySync} from 'hdr-histogram-js/dist/wasm/index.js';
import {packedBodyCost} from '../model/segments.js';
import type {SendResult} from '../model/senders.js';
import type {WarmupDetector} from './warmup.js';

/** What one sender did. */
export type SenderTally = {
	readonly group: string;
	/** Its attempts that succeeded: each a message sent. */
	sent: number;
	/** Its attempts that failed, a retried message's too. */
	failed: number;
	/** Messages whose last attempt failed with it: failed for good. */
	failedMessages: number;
	/** Sum of the send times of every message it processed, sent or failed. */
	durationSumMs: number;
	/**
	 * Its group's send-time histogram, once results of a second group have been seen (until then
	 * the run's histogram is the group's: see `groupHistogram`).
	 */
	groupHistogram?: Histogram;
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
	/** Messages sent, at their last attempt. */
	sent: number;
	/** Messages failed for good: at their last attempt, or permanently (dead-lettered when retries are on). */
	failed: number;
	/** Attempts ended: every send, a retried message's failed attempts too. Send times are over these. */
	attempts: number;
	/** With a retry policy (see `RetryStats`); undefined while no result has said which attempt it was. */
	retries: RetryStats | undefined;
	durationSumMs: number;
	/** Exact longest send time (the histogram's max is rounded to its precision). */
	maxDurationMs: number;
	/** Exact shortest send time; Infinity when empty. */
	minDurationMs: number;
	/**
	 * For the standard deviation: sums of (duration - shift) and of its square, shifted by the
	 * first duration seen (NaN when empty), so the sums stay small and a run of equal send times
	 * gives exactly 0. (The histogram's `stdDeviation` walks every bucket from JS: 0.4 ms a
	 * snapshot, most of a `--speed max` run with a snapshot per simulated second.)
	 */
	varianceShiftMs: number;
	shiftedSumMs: number;
	shiftedSquareSumMs: number;
	readonly histogram: Histogram;
	/** Earliest start and latest end seen, simulation ms; Infinity / -Infinity when empty. */
	firstStartMs: number;
	lastEndMs: number;
	readonly senders: Map<string, SenderTally>;
	/**
	 * Senders of each group of each worker, by `<worker>/<group>`, as the workers' stats records
	 * say (a broker monitor's): its groups' sender counts. Empty in one process, whose senders are
	 * its tallies.
	 */
	readonly workerSenders: Map<string, {readonly group: string; readonly count: number}>;
	/** The first group seen; while it is the only one, the run's histogram is its histogram. */
	firstGroup: string | undefined;
	/** A send-time histogram per group, kept from the moment a second group is seen; empty before. */
	readonly groupHistograms: Map<string, Histogram>;
	/** Segments of every processed message's body, once each (at its last attempt). */
	segments: number;
	/** Segments of every attempt: what a carrier bills, as it charges each submission. */
	segmentsSubmitted: number;
	/** Segments of the messages sent. */
	segmentsDelivered: number;
	/** Processed messages whose body travels as UCS-2 (the rest are GSM-7). */
	ucs2: number;
	/** Waits and latencies of messages that arrived during the run (an open model); undefined until the first. */
	queueing: QueueingStats | undefined;
	/** The same, per priority (`--priority`), in the order first seen. */
	readonly byPriority: Map<string, QueueingStats>;
	/** Where the run's start-up transient ends, watched over the waits (a run with arrivals and no warm-up given). */
	warmupDetector?: WarmupDetector;
};

/** What retrying did: the messages that needed more than one attempt, and failures by kind. */
export type RetryStats = {
	/** Finished messages that took more than one attempt. */
	retried: number;
	/** Of those, the ones sent in the end. */
	deliveredAfterRetry: number;
	/** Attempts of every finished message, summed: over `processed`, the mean attempts a message took. */
	attemptsOfFinished: number;
	/** Failed attempts that could be retried (a retried one, or a message's last). */
	transientFailures: number;
	/** Failed attempts that were permanent (never retried). */
	permanentFailures: number;
};

/**
 * Of a message that arrived at a time (`--rate`): its wait (arrival to the start of its send) and
 * its latency (arrival to the end). Kept apart from send times, so a slow pool shows as waiting.
 */
export type QueueingStats = {
	/** Messages finished (their last attempt) with an arrival time: the latencies' count. */
	count: number;
	/** Messages started (their first attempt) with an arrival time: the waits' count. */
	waitCount: number;
	/** Those that waited at all (wait > 0): with `waitCount`, the probability of waiting. */
	waited: number;
	waitSumMs: number;
	waitMaxMs: number;
	latencySumMs: number;
	latencyMaxMs: number;
	readonly waitHistogram: Histogram;
	readonly latencyHistogram: Histogram;
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

/** A new histogram of the kind every `Stats` uses, destroyed when `owner` is collected. */
export function ownedHistogram(owner: object): Histogram {
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
		attempts: 0,
		retries: undefined,
		durationSumMs: 0,
		maxDurationMs: 0,
		minDurationMs: Number.POSITIVE_INFINITY,
		varianceShiftMs: Number.NaN,
		shiftedSumMs: 0,
		shiftedSquareSumMs: 0,
		firstStartMs: Number.POSITIVE_INFINITY,
		lastEndMs: Number.NEGATIVE_INFINITY,
		senders: new Map(),
		workerSenders: new Map(),
		firstGroup: undefined,
		groupHistograms: new Map(),
		queueing: undefined,
		byPriority: new Map(),
		segments: 0,
		segmentsSubmitted: 0,
		segmentsDelivered: 0,
		ucs2: 0,
	};
	stats.histogram = ownedHistogram(stats);
	return stats as Stats;
}

/**
 * Adds one result to `stats` in place and returns it. The accumulator belongs to the fold that
 * made it (a `scan` seed made per subscription): copying a histogram per message would make the
 * pipeline O(N x histogram). Consumers never see `Stats`, only frozen snapshots derived from it.
 */
export function addResult(stats: Stats, result: SendResult): Stats {
	const tally = tallyOf(stats, result);
	countOutcome(stats, tally, result);
	addDuration(stats, tally, result.durationMs);
	addSegments(stats, result);
	const {arrivalMs} = result.message;
	// A message of the warm-up (`--warmup`) counts in every figure but waits and latencies.
	if (arrivalMs !== undefined && result.message.warmup !== true) {
		addWaits(stats, result, arrivalMs);
	}

	if (result.startMs < stats.firstStartMs) {
		stats.firstStartMs = result.startMs;
	}

	if (result.endMs > stats.lastEndMs) {
		stats.lastEndMs = result.endMs;
	}

	return stats;
}

/** The tally of the result's sender, made at its first result. */
function tallyOf(stats: Stats, result: SendResult): SenderTally {
	let tally = stats.senders.get(result.senderId);
	if (tally === undefined) {
		tally = {
			group: result.group, sent: 0, failed: 0, failedMessages: 0, durationSumMs: 0, groupHistogram: histogramOfGroup(stats, result.group),
		};
		stats.senders.set(result.senderId, tally);
	}

	return tally;
}

/** A sender's tally counts its attempts; the run's sent and failed count messages, at their end. */
function countOutcome(stats: Stats, tally: SenderTally, result: SendResult): void {
	stats.attempts++;
	if (result.status === 'sent') {
		tally.sent++;
	} else {
		tally.failed++;
		if (result.retry !== true) {
			tally.failedMessages++;
		}
	}

	if (result.attempt === undefined) {
		if (result.status === 'sent') {
			stats.sent++;
		} else {
			stats.failed++;
		}
	} else {
		addAttempt(stats, result, result.attempt);
	}
}

/** The send time into the sums, extremes and histograms (the run's and its group's). */
function addDuration(stats: Stats, tally: SenderTally, durationMs: number): void {
	stats.durationSumMs += durationMs;
	tally.durationSumMs += durationMs;
	if (durationMs > stats.maxDurationMs) {
		stats.maxDurationMs = durationMs;
	}

	if (durationMs < stats.minDurationMs) {
		stats.minDurationMs = durationMs;
		if (Number.isNaN(stats.varianceShiftMs)) {
			stats.varianceShiftMs = durationMs; // The first result: every one lowers or keeps the minimum.
		}
	}

	const shifted = durationMs - stats.varianceShiftMs;
	stats.shiftedSumMs += shifted;
	stats.shiftedSquareSumMs += shifted * shifted;

	const micros = Math.round(durationMs * 1000);
	stats.histogram.recordValue(micros);
	tally.groupHistogram?.recordValue(micros);
}

/** Every attempt is submitted, and billed; a message counts once, at its last. */
function addSegments(stats: Stats, result: SendResult): void {
	const {message} = result;
	let segments: number;
	let ucs2: number;
	if (message.segments === undefined) {
		const packed = packedBodyCost(message.body); // A source that did not say (a library user's own messages).
		segments = packed >>> 1;
		ucs2 = packed & 1;
	} else {
		segments = message.segments;
		ucs2 = message.encoding === 'ucs2' ? 1 : 0;
	}

	stats.segmentsSubmitted += segments;
	if (result.retry !== true) {
		stats.segments += segments;
		stats.ucs2 += ucs2;
		if (result.status === 'sent') {
			stats.segmentsDelivered += segments;
		}
	}
}

/** A message's wait is to its first attempt's start; its latency to its last attempt's end: the run's and its priority's. */
function addWaits(stats: Stats, result: SendResult, arrivalMs: number): void {
	const first = result.attempt === undefined || result.attempt === 1;
	const last = result.retry !== true;
	stats.queueing ??= emptyQueueing(stats);
	addQueueing(stats.queueing, result, arrivalMs, first, last);
	if (first && stats.warmupDetector !== undefined) {
		stats.warmupDetector.add(result.startMs - arrivalMs, arrivalMs);
	}

	const {priority} = result.message;
	if (priority !== undefined) {
		let byPriority = stats.byPriority.get(priority);
		if (byPriority === undefined) {
			byPriority = emptyQueueing(stats);
			stats.byPriority.set(priority, byPriority);
		}

		addQueueing(byPriority, result, arrivalMs, first, last);
	}
}

/** A result of a group with a retry policy: counted as a message only when it is the message's last attempt. */
function addAttempt(stats: Stats, result: SendResult, attempt: number): void {
	stats.retries ??= {
		retried: 0, deliveredAfterRetry: 0, attemptsOfFinished: 0, transientFailures: 0, permanentFailures: 0,
	};
	const {retries} = stats;
	if (result.status === 'failed') {
		if (result.permanent === true) {
			retries.permanentFailures++;
		} else {
			retries.transientFailures++;
		}
	}

	if (result.retry === true) {
		return; // Not the end of the message: it goes again.
	}

	retries.attemptsOfFinished += attempt;
	if (attempt > 1) {
		retries.retried++;
	}

	if (result.status === 'sent') {
		stats.sent++;
		if (attempt > 1) {
			retries.deliveredAfterRetry++;
		}
	} else {
		stats.failed++;
	}
}

/** Sets out the per-priority figures in the order given (highest first), so every report lists them so. */
export function listPriorities(stats: Stats, names: readonly string[]): Stats {
	for (const name of names) {
		if (!stats.byPriority.has(name)) {
			stats.byPriority.set(name, emptyQueueing(stats));
		}
	}

	return stats;
}

/** Empty waits and latencies, their histograms owned by `owner`. */
export function emptyQueueing(owner: object): QueueingStats {
	return {
		count: 0, waitCount: 0, waited: 0, waitSumMs: 0, waitMaxMs: 0, latencySumMs: 0, latencyMaxMs: 0, waitHistogram: ownedHistogram(owner), latencyHistogram: ownedHistogram(owner),
	};
}

function addQueueing(queueing: QueueingStats, result: SendResult, arrivalMs: number, first: boolean, last: boolean): void {
	if (first) {
		const waitMs = result.startMs - arrivalMs;
		queueing.waitCount++;
		if (waitMs > 0) {
			queueing.waited++;
		}

		queueing.waitSumMs += waitMs;
		queueing.waitMaxMs = Math.max(queueing.waitMaxMs, waitMs);
		queueing.waitHistogram.recordValue(Math.round(waitMs * 1000));
	}

	if (last) {
		const latencyMs = result.endMs - arrivalMs;
		queueing.count++;
		queueing.latencySumMs += latencyMs;
		queueing.latencyMaxMs = Math.max(queueing.latencyMaxMs, latencyMs);
		queueing.latencyHistogram.recordValue(Math.round(latencyMs * 1000));
	}
}

function mergeQueueing(into: QueueingStats, source: QueueingStats): void {
	into.count += source.count;
	into.waitCount += source.waitCount;
	into.waited += source.waited;
	into.waitSumMs += source.waitSumMs;
	into.latencySumMs += source.latencySumMs;
	into.waitMaxMs = Math.max(into.waitMaxMs, source.waitMaxMs);
	into.latencyMaxMs = Math.max(into.latencyMaxMs, source.latencyMaxMs);
	into.waitHistogram.add(source.waitHistogram);
	into.latencyHistogram.add(source.latencyHistogram);
}

/**
 * The histogram a new sender of `group` records into, or none while `group` is the only group
 * seen: a run of one group (the default) pays for one histogram, not two. When a second group
 * first appears, every send so far was the first group's, so its histogram starts as a copy of
 * the run's.
 */
function histogramOfGroup(stats: Stats, group: string): Histogram | undefined {
	stats.firstGroup ??= group;
	if (stats.groupHistograms.size === 0) {
		if (group === stats.firstGroup) {
			return undefined;
		}

		const first = ownedHistogram(stats);
		first.add(stats.histogram);
		stats.groupHistograms.set(stats.firstGroup, first);
		for (const tally of stats.senders.values()) {
			tally.groupHistogram = first;
		}
	}

	let histogram = stats.groupHistograms.get(group);
	if (histogram === undefined) {
		histogram = ownedHistogram(stats);
		stats.groupHistograms.set(group, histogram);
	}

	return histogram;
}

/** The send times of one group's processed messages: its own histogram, or the run's while it is the only group. */
export function groupHistogram(stats: Stats, group: string): Histogram | undefined {
	return stats.groupHistograms.get(group) ?? (group === stats.firstGroup && stats.groupHistograms.size === 0 ? stats.histogram : undefined);
}

/** A new `Stats` holding both; neither argument changes. */
export function mergeStats(a: Stats, b: Stats): Stats {
	return mergeInto(mergeInto(emptyStats(), a), b);
}

/**
 * Adds everything of `from` to `into`, in place, and returns `into` (`from` does not change): what
 * a monitor does with each stats record a worker publishes, with no new histograms per record.
 */
export function mergeInto(into: Stats, from: Stats): Stats {
	into.sent += from.sent;
	into.failed += from.failed;
	if (from.retries) {
		mergeRetries(into, from.retries);
	}

	mergeDurations(into, from);
	// Senders first: a sender of a new group splits `into`'s histogram by group (see
	// `histogramOfGroup`), which must happen before `from`'s send times are in it.
	mergeSenders(into, from);
	into.histogram.add(from.histogram);
	into.segments += from.segments;
	into.segmentsSubmitted += from.segmentsSubmitted;
	into.segmentsDelivered += from.segmentsDelivered;
	into.ucs2 += from.ucs2;
	if (from.queueing) {
		into.queueing ??= emptyQueueing(into);
		mergeQueueing(into.queueing, from.queueing);
	}

	for (const [name, figures] of from.byPriority) {
		let target = into.byPriority.get(name);
		if (target === undefined) {
			target = emptyQueueing(into);
			into.byPriority.set(name, target);
		}

		mergeQueueing(target, figures);
	}

	return into;
}

function mergeRetries(into: Stats, from: RetryStats): void {
	into.retries ??= {
		retried: 0, deliveredAfterRetry: 0, attemptsOfFinished: 0, transientFailures: 0, permanentFailures: 0,
	};
	into.retries.retried += from.retried;
	into.retries.deliveredAfterRetry += from.deliveredAfterRetry;
	into.retries.attemptsOfFinished += from.attemptsOfFinished;
	into.retries.transientFailures += from.transientFailures;
	into.retries.permanentFailures += from.permanentFailures;
}

/** Send times' sums and extremes, and the span of the run's attempts. */
function mergeDurations(into: Stats, from: Stats): void {
	into.durationSumMs += from.durationSumMs;
	into.maxDurationMs = Math.max(into.maxDurationMs, from.maxDurationMs);
	into.minDurationMs = Math.min(into.minDurationMs, from.minDurationMs);
	if (from.attempts > 0) {
		// `from`'s shifted sums moved to `into`'s shift: sum(x - k') = sum(x - k) + n(k - k'), and its square likewise.
		if (into.attempts === 0) {
			into.varianceShiftMs = from.varianceShiftMs;
			into.shiftedSumMs = 0;
			into.shiftedSquareSumMs = 0;
		}

		const count = from.attempts;
		const delta = from.varianceShiftMs - into.varianceShiftMs;
		into.shiftedSquareSumMs += from.shiftedSquareSumMs + (2 * delta * from.shiftedSumMs) + (count * delta * delta);
		into.shiftedSumMs += from.shiftedSumMs + (count * delta);
	}

	into.attempts += from.attempts;
	into.firstStartMs = Math.min(into.firstStartMs, from.firstStartMs);
	into.lastEndMs = Math.max(into.lastEndMs, from.lastEndMs);
}

/** Senders' tallies, workers' senders and the histograms by group. */
function mergeSenders(into: Stats, from: Stats): void {
	for (const [id, tally] of from.senders) {
		const known = into.senders.get(id);
		if (known === undefined) {
			into.senders.set(id, {
				group: tally.group, sent: tally.sent, failed: tally.failed, failedMessages: tally.failedMessages, durationSumMs: tally.durationSumMs, groupHistogram: histogramOfGroup(into, tally.group),
			});
		} else {
			known.sent += tally.sent;
			known.failed += tally.failed;
			known.failedMessages += tally.failedMessages;
			known.durationSumMs += tally.durationSumMs;
		}
	}

	for (const [key, senders] of from.workerSenders) {
		into.workerSenders.set(key, senders); // The same worker's group: the same senders, however many records say so.
	}

	if (into.groupHistograms.size > 0) {
		for (const group of groupsOf(from)) {
			const source = groupHistogram(from, group);
			const target = into.groupHistograms.get(group);
			if (source && target) {
				target.add(source);
			}
		}
	}
}

/** The groups `stats` has send times of. */
export function groupsOf(stats: Stats): string[] {
	if (stats.groupHistograms.size > 0) {
		return [...stats.groupHistograms.keys()];
	}

	return stats.firstGroup === undefined ? [] : [stats.firstGroup];
}

/** The standard deviation of every send time (population: divided by n); 0 below two. */
export function durationStdDevMs(stats: Stats): number {
	const count = stats.attempts;
	if (count < 2) {
		return 0;
	}

	const variance = (stats.shiftedSquareSumMs - ((stats.shiftedSumMs * stats.shiftedSumMs) / count)) / count;
	return variance > 0 ? Math.sqrt(variance) : 0;
}

export function processedCount(stats: Stats): number {
	return stats.sent + stats.failed;
}

/** A group's sends, from its senders' tallies: `sent` and `failed` count attempts, `failedMessages` messages failed for good. */
export type GroupTotals = {sent: number; failed: number; failedMessages: number; durationSumMs: number};

/**
 * Each group's totals from its senders' tallies: the `known` groups first (at zero before their
 * first send), then any other a sender was in (a remote worker's, which this process was not told of).
 */
export function groupTotals(stats: Stats, known: readonly string[]): Map<string, GroupTotals> {
	const empty = (): GroupTotals => ({
		sent: 0, failed: 0, failedMessages: 0, durationSumMs: 0,
	});
	const totals = new Map<string, GroupTotals>(known.map(name => [name, empty()]));
	for (const tally of stats.senders.values()) {
		let group = totals.get(tally.group);
		if (group === undefined) {
			group = empty();
			totals.set(tally.group, group);
		}

		group.sent += tally.sent;
		group.failed += tally.failed;
		group.failedMessages += tally.failedMessages;
		group.durationSumMs += tally.durationSumMs;
	}

	return totals;
}
