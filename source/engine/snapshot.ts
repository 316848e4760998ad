import type {ResolvedSenderGroup} from '../model/senders.js';
import type {WarmupDetector, WarmupEstimate} from './warmup.js';
import {
	durationStdDevMs, groupHistogram, groupTotals, processedCount, type QueueingStats, type RetryStats, type Stats,
} from './stats.js';

/**
 * A group's figures, with the meanings the run's have: `sent`, `failed` and `processed` count
 * messages (at their last attempt), `attempts` and `failedAttempts` count sends.
 */
export type GroupSnapshot = {
	readonly name: string;
	readonly senders: number;
	readonly sent: number;
	/** Messages failed for good: their last attempt, with this group, failed. */
	readonly failed: number;
	/** Sent + failed. */
	readonly processed: number;
	/** Every send of the group: a retried message's failed attempts too. */
	readonly attempts: number;
	readonly failedAttempts: number;
	/** Mean send time over the group's attempts; 0 before the first. */
	readonly avgMs: number;
	/** The group's 99th percentile send time (3 significant digits); 0 before the first. */
	readonly p99Ms: number;
};

/** A sender's figures, with a group's meanings. */
export type SenderSnapshot = {
	readonly id: string;
	readonly group: string;
	readonly sent: number;
	readonly failed: number;
	readonly processed: number;
	readonly attempts: number;
	readonly failedAttempts: number;
	readonly avgMs: number;
};

/**
 * The monitor's view at one moment. Immutable (frozen), derived from `Stats` plus the pool's
 * gauge. Times are simulated milliseconds.
 */
export type Snapshot = {
	/** `progress` every interval; `live` every glance of a dashboard (wall time); `final` exactly once, at the end. */
	readonly type: 'progress' | 'live' | 'final';
	readonly elapsedMs: number;
	/** Messages in the run; null when the source's size is not known. */
	readonly total: number | null;
	readonly sent: number;
	readonly failed: number;
	/** Sent + failed. */
	readonly processed: number;
	readonly inFlight: number;
	/** Not yet started: total - processed - inFlight; null when total is not known. */
	readonly pending: number | null;
	/**
	 * Mean send time over every processed message, sent or failed (a failed send took its time
	 * too), from the exact sum; 0 before the first. Percentiles come from the histogram
	 * (3 significant digits).
	 */
	readonly avgMs: number;
	readonly p50Ms: number;
	readonly p90Ms: number;
	readonly p95Ms: number;
	readonly p99Ms: number;
	readonly p999Ms: number;
	readonly maxMs: number;
	/** Shortest send time; 0 before the first. */
	readonly minMs: number;
	/** Standard deviation of the send times (population), from exact sums. */
	readonly stddevMs: number;
	/** On a final snapshot: the send times in ten equal bins from min to max (counts from the histogram). */
	readonly histogram?: readonly HistogramBin[];
	/** Processed / elapsed; null when no simulated time has passed (instant sends have no rate). */
	readonly throughputPerSec: number | null;
	/**
	 * Processed over the last whole monitor interval, per second: a live snapshot (a glance between
	 * ticks) keeps the last whole interval's figure, never a partial interval's; null before the
	 * first whole interval, or when it had no time.
	 */
	readonly intervalThroughputPerSec: number | null;
	/** Time left at the overall throughput; null when it cannot be told yet. 0 when done. */
	readonly etaMs: number | null;
	readonly groups: readonly GroupSnapshot[];
	/** One row per sender that has processed at least one message. */
	readonly senders: readonly SenderSnapshot[];
	/** True only on a final snapshot of a run that was stopped before its end. */
	readonly interrupted: boolean;
	/** A broker monitor's view of the workers it hears from: how many are live, with how many senders. */
	readonly workers?: {readonly live: number; readonly senders: number};
	/** A gateway's (`sms-sim gateway`): its binds, submits, throttled submits and receipts. */
	readonly gateway?: GatewayFigures;
	/** A run's with `--via`: its submit_sm PDUs, their answers and its delivery receipts. */
	readonly via?: ViaFigures;
	/** Attempts ended (equal to `processed` unless messages are retried); send times are over these. */
	readonly attempts: number;
	/** With a retry policy: what retrying did. */
	readonly retries?: RetryFigures;
	/** Segments of the processed messages' bodies, each message once. */
	readonly segments: number;
	/** Segments of every attempt: what a carrier bills, as it charges each submission. */
	readonly segmentsSubmitted: number;
	/** Segments of the messages sent. */
	readonly segmentsDelivered: number;
	/** Processed messages whose body is UCS-2 (any character outside GSM-7); the others are GSM-7. */
	readonly ucs2: number;
	/** With arrivals (`--rate`): messages arrived and not started, right now. */
	readonly backlog?: number;
	/** With arrivals: arrival to the start of the send, over processed messages. */
	readonly wait?: TimeFigures;
	/** With arrivals: arrival to the end of the send (wait + send time). */
	readonly latency?: TimeFigures;
	/** With arrivals: how many processed messages waited at all (wait > 0). */
	readonly waited?: number;
	/** With priorities: each one's finished messages, how many waited, and their waits and latencies. */
	readonly priorities?: readonly PriorityFigures[];
	/** A broker monitor's final snapshot: the seeds of the run's producers, in the order they started. */
	readonly seeds?: readonly number[];
	/**
	 * A final snapshot of a run with arrivals and no warm-up given: where MSER-5 puts the end of its
	 * start-up transient (see `needsWarmup`).
	 */
	readonly warmup?: WarmupEstimate;
};

/** What a gateway (`sms-sim gateway`) has done so far: the figures its dashboard and summary add to a run's. */
export type GatewayFigures = {
	/** Sessions bound right now, and ever. */
	readonly binds: number;
	readonly bindsTotal: number;
	/** Submit_sm PDUs received, bound or not. */
	readonly submits: number;
	/** Answered ESME_RTHROTTLED: past a bind's rate. */
	readonly throttled: number;
	/** Answered ESME_RMSGQFUL: past a bind's window of outstanding PDUs. */
	readonly windowFull: number;
	/** Delivery receipts sent (deliver_sm), and those no receiver was bound to take. */
	readonly receipts: number;
	readonly receiptsUnrouted: number;
	/** Accepted parts of concatenated messages (a user data header with IEI 0x00 or 0x08), and the messages whose every part has come. */
	readonly parts: number;
	readonly assembled: number;
};

/** What a run's real sends (`--via smpp://...`) did on the wire: its binds, its submit_sm PDUs and their answers, and the delivery receipts. */
export type ViaFigures = {
	readonly binds: number;
	/** Submit_sm PDUs sent (a long message's parts, each retry's): every segment submitted. */
	readonly submits: number;
	/** Of those, answered with status 0 (a message_id). */
	readonly accepted: number;
	/** Failed answers by SMPP status name: `ESME_RTHROTTLED`, `ESME_RSUBMITFAIL`... */
	readonly statuses: Readonly<Record<string, number>>;
	/** Delivery receipts matched to a part this run submitted, by what they said, and those matched to none. */
	readonly receipts: {readonly delivered: number; readonly undelivered: number; readonly unmatched: number};
	/** From a part's submit to its receipt: the delivery latency, beside the send (submit) time. */
	readonly deliveryLatency: TimeFigures;
};

/** The share of a run's waits past which a start-up transient is worth a warning. */
export const WARMUP_WARNING_SHARE = 0.05;

/** Whether a run's start-up transient is long enough to bias its waits: past 5% of them. */
export const needsWarmup = (estimate: WarmupEstimate | undefined): estimate is WarmupEstimate => estimate !== undefined && estimate.messages > WARMUP_WARNING_SHARE * estimate.of;

export type PriorityFigures = {
	readonly name: string;
	/** Finished messages of this priority. */
	readonly count: number;
	readonly waited: number;
	readonly wait: TimeFigures;
	readonly latency: TimeFigures;
};

export type RetryFigures = {
	/** Finished messages that took more than one attempt. */
	readonly retried: number;
	/** Of those, sent in the end. */
	readonly deliveredAfterRetry: number;
	/** Messages that never succeeded: every attempt failed, or one failed permanently. */
	readonly deadLettered: number;
	/** Failed attempts that could be retried. */
	readonly transientFailures: number;
	/** Failed attempts that were permanent. */
	readonly permanentFailures: number;
	/** Attempts a finished message took, on average. */
	readonly meanAttempts: number;
	/** Right now: messages waiting out a backoff or for a sender to try again. */
	readonly waitingToRetry: number;
};

/** A distribution of times in brief: the mean (exact) and percentiles (3 significant digits), ms. */
export type TimeFigures = {
	/** The samples the figures rest on: how much a tail percentile can be trusted. */
	readonly count: number;
	readonly avgMs: number;
	readonly p50Ms: number;
	readonly p90Ms: number;
	readonly p95Ms: number;
	readonly p99Ms: number;
	readonly p999Ms: number;
	readonly maxMs: number;
};

/** Mean (exact) and percentiles of `count` times recorded in `histogram` (microseconds), clamped to the exact max. */
export function timeFigures(histogram: Stats['histogram'], count: number, sumMs: number, maxMs: number): TimeFigures {
	const at = (p: number): number => (count > 0 ? Math.min(histogram.getValueAtPercentile(p) / 1000, maxMs) : 0);
	return Object.freeze({
		count, avgMs: count > 0 ? sumMs / count : 0, p50Ms: at(50), p90Ms: at(90), p95Ms: at(95), p99Ms: at(99), p999Ms: at(99.9), maxMs,
	});
}

/**
 * Each priority's figures as last taken, while nothing was added to it since: percentiles cost a
 * walk of the histogram, and a run of many classes mostly adds to one at a time (highest first),
 * so the others' figures are taken once, not at every tick (32 classes cost 3.5x the run before).
 */
const priorityCache = new WeakMap<QueueingStats, {readonly count: number; readonly waitCount: number; readonly figures: PriorityFigures}>();

function priorityFiguresOf(name: string, figures: QueueingStats): PriorityFigures {
	const cached = priorityCache.get(figures);
	// eslint-disable-next-line @typescript-eslint/prefer-optional-chain -- the chain would not narrow `cached` for the rest
	if (cached !== undefined && cached.count === figures.count && cached.waitCount === figures.waitCount && cached.figures.name === name) {
		return cached.figures;
	}

	const taken: PriorityFigures = Object.freeze({
		name,
		count: figures.count,
		waited: figures.waited,
		wait: timeFigures(figures.waitHistogram, figures.waitCount, figures.waitSumMs, figures.waitMaxMs),
		latency: timeFigures(figures.latencyHistogram, figures.count, figures.latencySumMs, figures.latencyMaxMs),
	});
	priorityCache.set(figures, {count: figures.count, waitCount: figures.waitCount, figures: taken});
	return taken;
}

/** Whether the failure ratio of `snapshot` is above `maxFailureRate` (never, when none is set). */
export function exceedsFailureRate(snapshot: Snapshot, maxFailureRate: number | undefined): boolean {
	return maxFailureRate !== undefined && snapshot.processed > 0 && snapshot.failed / snapshot.processed > maxFailureRate;
}

/** One bin of the send-time histogram: how many sends took from `fromMs` to `toMs` (the last bin includes its end). */
export type HistogramBin = {readonly fromMs: number; readonly toMs: number; readonly count: number};

/**
 * How many of the `count` values recorded in `histogram` (in microseconds) are at most `edgeMs`.
 * The HDR histogram answers only "the value at a percentile", so the rank is found by bisection on
 * percentiles (to 1e-7 of the count): exact to the histogram's 3 significant digits.
 */
export function countAtMost(histogram: Stats['histogram'], count: number, edgeMs: number): number {
	let low = 0;
	let high = 100;
	for (let step = 0; step < 40; step++) {
		const middle = (low + high) / 2;
		if (histogram.getValueAtPercentile(middle) / 1000 <= edgeMs) {
			low = middle;
		} else {
			high = middle;
		}
	}

	return Math.round((low / 100) * count);
}

/** Bins of the send-time histogram on a final snapshot. */
const HISTOGRAM_BINS = 10;

/** The send times in equal bins from min to max, each edge's count by `countAtMost`. */
function histogramBins(stats: Stats, processed: number): HistogramBin[] {
	const min = stats.minDurationMs;
	const max = stats.maxDurationMs;
	if (processed === 0) {
		return [];
	}

	if (max <= min) {
		return [{fromMs: min, toMs: max, count: processed}];
	}

	const width = (max - min) / HISTOGRAM_BINS;
	const bins: HistogramBin[] = [];
	let before = 0;
	for (let index = 0; index < HISTOGRAM_BINS; index++) {
		const fromMs = min + (index * width);
		const toMs = index === HISTOGRAM_BINS - 1 ? max : min + ((index + 1) * width);
		const atMost = index === HISTOGRAM_BINS - 1 ? processed : countAtMost(stats.histogram, processed, toMs);
		bins.push({fromMs, toMs, count: Math.max(0, atMost - before)});
		before = Math.max(before, atMost);
	}

	return bins;
}

export type SnapshotContext = {
	readonly type: Snapshot['type'];
	readonly elapsedMs: number;
	readonly total: number | null;
	readonly inFlight: number;
	readonly groups: readonly ResolvedSenderGroup[];
	readonly previous?: Snapshot;
	readonly interrupted?: boolean;
	readonly workers?: {readonly live: number; readonly senders: number};
	/** A gateway's figures of the moment. */
	readonly gateway?: GatewayFigures;
	/** Real sends' figures of the moment (`--via`). */
	readonly via?: ViaFigures;
	/** Arrived and not started (a run with arrivals); left out when the run has none. */
	readonly backlog?: number;
	/** Messages waiting to be tried again. */
	readonly retrying?: number;
	/** List only the priorities some message had (replayed messages, whose input may have no priority column). */
	readonly usedPrioritiesOnly?: boolean;
};

const perSecond = (count: number, ms: number): number | null => (ms > 0 ? (count * 1000) / ms : null);
const average = (sum: number, count: number): number => (count > 0 ? sum / count : 0);

export function takeSnapshot(stats: Stats, context: SnapshotContext): Snapshot {
	const {type, elapsedMs, total, inFlight} = context;
	const processed = processedCount(stats);
	const {histogram, attempts} = stats;
	// A histogram reports the top of a value's bucket (3 significant digits): never above the exact max.
	const percentileMs = (p: number): number => (attempts > 0 ? Math.min(histogram.getValueAtPercentile(p) / 1000, stats.maxDurationMs) : 0);
	const throughputPerSec = perSecond(processed, elapsedMs);
	// A broker monitor whose workers have all gone: nothing is being sent, so no rate now and no
	// end in sight (the last interval's rate would otherwise stand, and the ETA grow).
	const noLiveWorkers = context.workers?.live === 0 && type !== 'final';
	const remaining = total === null ? null : Math.max(0, total - processed);
	const etaMs = noLiveWorkers && remaining !== 0 ? null : etaOf(remaining, throughputPerSec);
	const p99Ms = percentileMs(99);
	const {senders, groups} = senderFigures(stats, context.groups, p99Ms);
	return Object.freeze({
		type,
		elapsedMs,
		total,
		sent: stats.sent,
		failed: stats.failed,
		processed,
		inFlight,
		pending: remaining === null ? null : Math.max(0, remaining - inFlight - (context.retrying ?? 0)),
		avgMs: average(stats.durationSumMs, attempts),
		p50Ms: percentileMs(50),
		p90Ms: percentileMs(90),
		p95Ms: percentileMs(95),
		p99Ms,
		p999Ms: percentileMs(99.9),
		maxMs: stats.maxDurationMs,
		minMs: attempts > 0 ? stats.minDurationMs : 0,
		stddevMs: durationStdDevMs(stats),
		...(type === 'final' ? {histogram: Object.freeze(histogramBins(stats, attempts).map(bin => Object.freeze(bin)))} : {}),
		throughputPerSec,
		intervalThroughputPerSec: noLiveWorkers ? 0 : intervalThroughput(context, processed, throughputPerSec),
		etaMs,
		groups,
		senders,
		interrupted: context.interrupted ?? false,
		attempts: stats.attempts,
		...(stats.retries ? {retries: retryFigures(stats.retries, stats.failed, processed, context.retrying ?? 0)} : {}),
		segments: stats.segments,
		segmentsSubmitted: stats.segmentsSubmitted,
		segmentsDelivered: stats.segmentsDelivered,
		ucs2: stats.ucs2,
		...(context.workers ? {workers: Object.freeze({...context.workers})} : {}),
		...(context.gateway ? {gateway: Object.freeze({...context.gateway})} : {}),
		...(context.via ? {via: Object.freeze(context.via)} : {}),
		...(context.backlog === undefined ? {} : {backlog: context.backlog}),
		...(stats.queueing ? queueingFigures(stats.queueing) : {}),
		...prioritiesOf(stats, context.usedPrioritiesOnly === true),
		...(type === 'final' && stats.warmupDetector ? warmupOf(stats.warmupDetector) : {}),
	});
}

/** When the run will end at its rate so far (ms from now): null with no end or no rate. */
function etaOf(remaining: number | null, throughputPerSec: number | null): number | null {
	if (remaining === 0) {
		return 0;
	}

	return remaining === null || !throughputPerSec ? null : (remaining / throughputPerSec) * 1000;
}

/** Throughput over the interval since the previous snapshot; a final one at the instant of the last tick has no interval of its own: it keeps the tick's. */
function intervalThroughput(context: SnapshotContext, processed: number, throughputPerSec: number | null): number | null {
	const {type, previous, elapsedMs} = context;
	if (type === 'live') {
		return previous ? previous.intervalThroughputPerSec : null;
	}

	if (previous === undefined) {
		return throughputPerSec;
	}

	return elapsedMs > previous.elapsedMs ? perSecond(processed - previous.processed, elapsedMs - previous.elapsedMs) : previous.intervalThroughputPerSec;
}

/** Each sender's figures, and each group's (those the run was told of, then any other a sender was in). */
function senderFigures(stats: Stats, knownGroups: readonly ResolvedSenderGroup[], p99Ms: number): {senders: readonly SenderSnapshot[]; groups: Snapshot['groups']} {
	const senders: SenderSnapshot[] = [];
	for (const [id, tally] of stats.senders) {
		const senderAttempts = tally.sent + tally.failed;
		senders.push(Object.freeze({
			id, group: tally.group, sent: tally.sent, failed: tally.failedMessages, processed: tally.sent + tally.failedMessages, attempts: senderAttempts, failedAttempts: tally.failed, avgMs: average(tally.durationSumMs, senderAttempts),
		}));
	}

	const totalsByGroup = groupTotals(stats, knownGroups.map(group => group.name));

	const senderCounts = new Map(knownGroups.map(group => [group.name, group.count]));
	for (const {group, count} of stats.workerSenders.values()) {
		senderCounts.set(group, (senderCounts.get(group) ?? 0) + count);
	}

	const groups = [...totalsByGroup].map(([name, totals]) => {
		const attempts = totals.sent + totals.failed;
		return Object.freeze({
			name,
			senders: senderCounts.get(name) ?? senders.filter(sender => sender.group === name).length,
			sent: totals.sent,
			failed: totals.failedMessages,
			processed: totals.sent + totals.failedMessages,
			attempts,
			failedAttempts: totals.failed,
			avgMs: average(totals.durationSumMs, attempts),
			p99Ms: attempts > 0 ? groupP99Ms(stats, name, p99Ms) : 0,
		});
	});
	return {senders: Object.freeze(senders), groups: Object.freeze(groups)};
}

/** While one group has been seen its histogram is the run's: its p99 is the run's, found once. */
function groupP99Ms(stats: Stats, name: string, p99Ms: number): number {
	const times = groupHistogram(stats, name);
	return times === stats.histogram ? p99Ms : Math.min((times?.getValueAtPercentile(99) ?? 0) / 1000, stats.maxDurationMs);
}

function retryFigures(retries: RetryStats, deadLettered: number, processed: number, waitingToRetry: number): NonNullable<Snapshot['retries']> {
	return Object.freeze({
		retried: retries.retried,
		deliveredAfterRetry: retries.deliveredAfterRetry,
		deadLettered,
		transientFailures: retries.transientFailures,
		permanentFailures: retries.permanentFailures,
		meanAttempts: processed > 0 ? retries.attemptsOfFinished / processed : 0,
		waitingToRetry,
	});
}

function queueingFigures(queueing: QueueingStats): Pick<Snapshot, 'wait' | 'latency' | 'waited'> {
	return {
		wait: timeFigures(queueing.waitHistogram, queueing.waitCount, queueing.waitSumMs, queueing.waitMaxMs),
		latency: timeFigures(queueing.latencyHistogram, queueing.count, queueing.latencySumMs, queueing.latencyMaxMs),
		waited: queueing.waited,
	};
}

/** Waits and latencies by priority: of every priority, or of those some message had. */
function prioritiesOf(stats: Stats, usedOnly: boolean): Pick<Snapshot, 'priorities'> {
	const priorityFigures = [...stats.byPriority].filter(([, figures]) => !usedOnly || figures.count > 0 || figures.waitCount > 0);
	return priorityFigures.length > 0 ? {priorities: Object.freeze(priorityFigures.map(([name, figures]) => priorityFiguresOf(name, figures)))} : {};
}

/** The detector's estimate, as a snapshot's field (none for a run too short to tell). */
function warmupOf(detector: WarmupDetector): {warmup?: WarmupEstimate} {
	const estimate = detector.estimate();
	return estimate === undefined ? {} : {warmup: Object.freeze(estimate)};
}
