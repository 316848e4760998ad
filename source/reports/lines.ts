import {firstGroup, type ResolvedConfig, senderCount} from '../model/config.js';
import {hasRetryPolicy, type ResolvedSenderGroup} from '../model/senders.js';
import {
	exceedsFailureRate, type GatewayFigures, needsWarmup, type RetryFigures, type Snapshot, type TimeFigures, type ViaFigures,
} from '../engine/snapshot.js';
import type {WarmupEstimate} from '../engine/warmup.js';
import {
	evaluateThreshold, THRESHOLD_METRICS, thresholdUnit, type Threshold,
} from '../engine/thresholds.js';
import {
	alignedRows, formatCount, formatDuration, formatMs, formatPercent, formatRate,
} from './format.js';

/** `[monitor] 3.0s sent=2712 failed=288 in-flight=10 avg=101.3ms p99=183.0ms 1003/s` */
export function progressLine(snapshot: Snapshot): string {
	const workers = snapshot.workers ? ` workers=${snapshot.workers.live} senders=${snapshot.workers.senders}` : '';
	const {gateway} = snapshot;
	const binds = gateway ? ` binds=${gateway.binds} submits=${gateway.submits} throttled=${gateway.throttled} receipts=${gateway.receipts}` : '';
	const {via} = snapshot;
	const wire = via ? ` submit_sm=${via.submits} receipts=${via.receipts.delivered + via.receipts.undelivered}` : '';
	const queueing = snapshot.backlog === undefined ? '' : ` backlog=${snapshot.backlog}${snapshot.wait ? ` wait-p99=${formatMs(snapshot.wait.p99Ms)}` : ''}`;
	return `[monitor] ${formatDuration(snapshot.elapsedMs)} sent=${snapshot.sent} failed=${snapshot.failed} in-flight=${snapshot.inFlight}${queueing}${workers}${binds}${wire} avg=${formatMs(snapshot.avgMs)} p99=${formatMs(snapshot.p99Ms)} ${formatRate(snapshot.intervalThroughputPerSec)}`;
}

/**
 * The configuration in one line: `1,000 messages, 10 senders (mean 100ms, gamma spread 0.25, 10%
 * fail), speed 1x, seed 42`. `short` sums several groups up, for the dashboard, whose table has them.
 */
export function configLine(config: ResolvedConfig, {short = false} = {}): string {
	const warmup = config.warmup === undefined ? '' : `, warm-up ${'ms' in config.warmup ? formatDuration(config.warmup.ms) : `${formatCount(config.warmup.messages)} messages`}`;
	const arriving = config.arrivals ? ` arriving at ${formatRate(config.arrivals.ratePerSec)} (${config.arrivals.process})${warmup}` : '';
	if (config.input) {
		return `${messagesOf(config)} (${config.input.format}), ${sendersLine(config, {short})}`;
	}

	return `${messagesOf(config)}${arriving}, ${sendersLine(config, {short})}`;
}

/** Where replayed messages come from, for people: a file's name, or `standard input`. */
const inputName = (input: NonNullable<ResolvedConfig['input']>): string => (input.path === '-' ? 'standard input' : input.path);

/** `1,000 messages`, or for a replay `2,000 messages of alerts.csv` (`the messages of` when not counted). */
const messagesOf = (config: ResolvedConfig): string => (config.input
	? `${config.messages > 0 ? formatCount(config.messages) : 'the'} messages of ${inputName(config.input)}`
	: `${formatCount(config.messages)} messages`);

/** `max speed`, `speed 2x`. */
const speedOf = (speed: ResolvedConfig['speed']): string => (speed === 'max' ? 'max speed' : `speed ${speed}x`);

/**
 * The configuration in one line of at most `columns` characters, keeping the seed (what a person
 * needs to run it again): the full line if it fits, else the groups summed up, else the counts.
 */
export function fittedConfigLine(config: ResolvedConfig, columns = Number.POSITIVE_INFINITY): string {
	const full = configLine(config, {short: true});
	if (full.length <= columns) {
		return full;
	}

	const senders = config.via ? `up to ${formatCount(senderCount(config.groups))} at once via SMPP` : `${formatCount(senderCount(config.groups))} sender${senderCount(config.groups) === 1 ? '' : 's'}`;
	const source = config.input ? inputName(config.input) : messagesOf(config);
	const candidates = [
		`${messagesOf(config)}, ${senders}, ${speedOf(config.speed)}, seed ${config.seed}`,
		`${source}, ${senders}, seed ${config.seed}`,
		`${source}, seed ${config.seed}`,
		`seed ${config.seed}`,
	];
	return candidates.find(line => line.length <= columns) ?? candidates.at(-1)!;
}

/** The senders, speed and seed: `10 senders (mean 100ms, gamma spread 0.25, 10.0% fail), speed 1x, seed 42`. */
export function sendersLine(config: Pick<ResolvedConfig, 'groups' | 'speed' | 'seed' | 'via'>, {short = false} = {}): string {
	if (config.via) {
		return `${viaLine(config.via, firstGroup(config))}, seed ${config.seed}`;
	}

	const groups = short && config.groups.length > 1
		? [`${formatCount(senderCount(config.groups))} senders in ${config.groups.length} groups`]
		: config.groups.map(group => {
			const shape = group.distribution === 'empirical'
				? `empirical: ${formatCount(group.sendTimes?.length ?? 0)} measured send times${group.sendTimesFrom === undefined ? '' : ` of ${group.sendTimesFrom}`}`
				: (group.distribution === 'fixed' || group.distribution === 'exponential' ? group.distribution : `${group.distribution} spread ${group.spread}`);
			const label = config.groups.length > 1 ? `${group.name}: ` : '';
			const retries = hasRetryPolicy(group) ? `, ${group.maxAttempts} attempts, backoff ${formatDuration(group.backoffMs)}${group.permanentFailureRate > 0 ? `, ${formatPercent(group.permanentFailureRate, 1)} of failures permanent` : ''}` : '';
			const limit = group.ratePerSec === undefined ? '' : `, at most ${formatRate(group.ratePerSec)} each`;
			return `${label}${formatCount(group.count)} sender${group.count === 1 ? '' : 's'} (mean ${formatDuration(group.meanMs)}, ${shape}, ${formatPercent(group.failureRate, 1)} fail${retries}${limit})`;
		});
	return `${groups.join('; ')}, ${speedOf(config.speed)}, seed ${config.seed}`;
}

/**
 * Real senders (`--via`): `up to 50 at once via smpp://alerts@127.0.0.1:2775 over 2 binds (8
 * attempts, backoff 5ms)`. The send times are the gateway's; the group gives the window and retries.
 */
function viaLine(via: NonNullable<ResolvedConfig['via']>, group: ResolvedSenderGroup): string {
	const retries = hasRetryPolicy(group) ? ` (${group.maxAttempts} attempts, backoff ${formatDuration(group.backoffMs)})` : '';
	return `up to ${formatCount(group.count)} at once via ${via.gateway} over ${formatCount(via.binds)} bind${via.binds === 1 ? '' : 's'}${retries}`;
}

/** What a summary says beside the final snapshot. */
export type SummaryContext = {
	readonly seed: number;
	/** `--max-failure-rate`. */
	readonly maxFailureRate?: number;
	/** `--threshold` rules. */
	readonly thresholds?: readonly Threshold[];
	/** Wall-clock time the run took, as the process that showed it measured it. */
	readonly wallMs?: number;
	/** The run's sender groups, for what bounds a rate-limited group's throughput. */
	readonly groups?: readonly ResolvedSenderGroup[];
	/** A saved run whose file ends before its summary: told as cut short, not as interrupted (Ctrl-C). */
	readonly cutShort?: boolean;
	/** The terminal's width, where the summary goes to one: wide tables leave out columns to fit. */
	readonly columns?: number;
};

/** What bounds a rate-limited group: its senders' rate limit, or their send time. */
export type GroupCapacity = {
	readonly group: string;
	/** Messages a second the rate limit allows at most: senders x rate / segments an attempt / attempts a message. */
	readonly rateLimitPerSec: number;
	/** Messages a second the send time allows at most: senders / mean send time / attempts a message. */
	readonly sendTimePerSec: number;
	readonly boundBy: 'rate-limit' | 'send-time';
};

/**
 * For each rate-limited group, the two ceilings on its throughput in messages a second: count x
 * rate, the rate counted in segments as carriers count (so a message of two segments halves it),
 * and count / mean; each over the attempts a message took (every attempt is submitted, and rests
 * its sender). Ceilings, each as if the other were not there: a send lasts max(its time, its
 * segments / rate), so when the two are near, the group finishes fewer than the lower of them
 * (3% fewer at 20 senders of 100 ms and 10/s with 300-character bodies).
 */
export function groupCapacities(snapshot: Snapshot, groups: readonly ResolvedSenderGroup[]): GroupCapacity[] {
	// Saved summaries from before segments were counted by attempt have only the messages' segments.
	const segmentsPerAttempt = snapshot.segmentsSubmitted === undefined
		? (snapshot.processed > 0 ? Math.max(1, snapshot.segments / snapshot.processed) : 1)
		: (snapshot.attempts > 0 ? Math.max(1, snapshot.segmentsSubmitted / snapshot.attempts) : 1);
	return groups.filter(group => group.ratePerSec !== undefined).map(group => {
		const figures = snapshot.groups.find(shown => shown.name === group.name);
		const attemptsPerMessage = figures !== undefined && figures.processed > 0 ? Math.max(1, figures.attempts / figures.processed) : 1;
		const rateLimitPerSec = (group.count * group.ratePerSec!) / segmentsPerAttempt / attemptsPerMessage;
		const sendTimePerSec = group.meanMs > 0 ? (group.count * 1000) / group.meanMs / attemptsPerMessage : Number.POSITIVE_INFINITY;
		return {
			group: group.name, rateLimitPerSec, sendTimePerSec, boundBy: rateLimitPerSec < sendTimePerSec ? 'rate-limit' : 'send-time',
		};
	});
}

/**
 * What the carriers bill: the segments of every attempt submitted (of those delivered, and of
 * each message once, where retries make them differ), a message's mean, and the UCS-2 share.
 */
function segmentsLine(snapshot: Snapshot): string {
	const {processed} = snapshot;
	const perMessage = processed > 0 ? (snapshot.segments / processed).toFixed(2) : '0.00';
	const encodings = `${perMessage} a message; ${formatPercent(snapshot.ucs2, processed)} UCS-2`;
	if (snapshot.segmentsSubmitted === undefined) {
		return `  segments   ${formatCount(snapshot.segments)} billed (${encodings})`; // A summary saved before they were counted by attempt.
	}

	return `  segments   ${formatCount(snapshot.segmentsSubmitted)} submitted, ${formatCount(snapshot.segmentsDelivered)} delivered (${encodings})`;
}

/**
 * `1.2s (speed-up 8.3x)`: the wall time and how much faster than real time the simulation went;
 * a run in which no simulated time passed (every send instant) has no speed-up to tell.
 */
export function wallLine(simulatedMs: number, wallMs: number): string {
	if (simulatedMs === 0) {
		return `${formatDuration(wallMs)} (instant: no simulated time passed)`;
	}

	return wallMs > 0 ? `${formatDuration(wallMs)} (speed-up ${formatSpeedUp(simulatedMs / wallMs)})` : formatDuration(wallMs);
}

/** `8.3x`, `1.00x`, `1,250x`. */
export function formatSpeedUp(ratio: number): string {
	return ratio < 10 ? `${ratio.toFixed(2)}x` : `${formatCount(ratio)}x`;
}

/**
 * `  warm-up    waits start low: ...`: the run began empty and its first waits bias the figures;
 * the warm-up to give, as a time (what --warmup takes) and the messages it leaves out. Or, when
 * the waits never settle (an overloaded run), that no warm-up helps.
 */
function warmupLines(estimate: WarmupEstimate): string[] {
	if (!estimate.settled) {
		return [
			'  warm-up    waits never settle in this run (MSER-5): the load is at or above',
			'             capacity, or the run is too short for it; a warm-up would not help',
		];
	}

	const share = formatPercent(estimate.messages, estimate.of);
	return [
		'  warm-up    waits start low: the run began empty; MSER-5 ends the start-up',
		`             ${formatCount(estimate.messages)} messages in (${share}): try --warmup ${formatDuration(Math.ceil(estimate.atMs))}`,
	];
}

/** The final summary as a block of plain text lines. */
export function summaryLines(snapshot: Snapshot, {
	seed, maxFailureRate, thresholds = [], wallMs, groups = [], cutShort = false, columns,
}: SummaryContext): string[] {
	const {processed, total} = snapshot;
	const of = `${formatCount(processed)} of ${total === null ? '?' : formatCount(total)} messages processed`;
	// Real sends (`--via`) and a gateway take the time they take: their clock is the wall's.
	const clock = (snapshot.via ?? snapshot.gateway) === undefined ? 'simulated' : 'wall clock';
	let headline = `Done in ${formatDuration(snapshot.elapsedMs)} (${clock}): ${formatCount(processed)} messages processed`;
	if (cutShort) {
		headline = `Cut short after ${formatDuration(snapshot.elapsedMs)} (${clock}; the file ends mid-run): ${of}`;
	} else if (snapshot.interrupted) {
		headline = `Interrupted after ${formatDuration(snapshot.elapsedMs)} (${clock}): ${of}`;
	}

	const lines = [
		headline,
		`  sent       ${formatCount(snapshot.sent)}`,
		`  failed     ${formatCount(snapshot.failed)} (${formatPercent(snapshot.failed, processed)})`,
		`  send time  avg ${formatMs(snapshot.avgMs)}  min ${formatMs(snapshot.minMs)}  max ${formatMs(snapshot.maxMs)}  stddev ${formatMs(snapshot.stddevMs)}`,
		`  percentile p50 ${formatMs(snapshot.p50Ms)}  p90 ${formatMs(snapshot.p90Ms)}  p95 ${formatMs(snapshot.p95Ms)}  p99 ${formatMs(snapshot.p99Ms)}  p99.9 ${formatMs(snapshot.p999Ms)}`,
		...(snapshot.wait && snapshot.latency
			? [
				`  wait       ${timeLine(snapshot.wait)} (${formatPercent(snapshot.waited ?? 0, processed)} waited)`,
				`  latency    ${timeLine(snapshot.latency)}`,
			]
			: []),
		...(needsWarmup(snapshot.warmup) ? warmupLines(snapshot.warmup) : []),
		...histogramLines(snapshot),
		...priorityLines(snapshot, columns),
		...(snapshot.retries ? retryLines(snapshot, snapshot.retries) : []),
		// Every processed message has a segment at least: none counted means none known (a report of a run cut short).
		...(snapshot.segments > 0 || processed === 0 ? [segmentsLine(snapshot)] : []),
		`  throughput ${formatRate(snapshot.throughputPerSec)}`,
		...(snapshot.gateway ? gatewayLines(snapshot.gateway) : []),
		...(snapshot.via ? viaLines(snapshot.via) : []),
		...groupCapacities(snapshot, groups).map(capacity => `  capacity   ${capacity.group} (messages): at most ${formatRate(capacity.rateLimitPerSec)} by the rate limit, ${Number.isFinite(capacity.sendTimePerSec) ? `at most ${formatRate(capacity.sendTimePerSec)}` : 'no limit'} by send time: the ${capacity.boundBy === 'rate-limit' ? 'rate limit' : 'send time'} binds`),
		...(wallMs === undefined ? [] : [`  wall time  ${wallLine(snapshot.elapsedMs, wallMs)}`]),
		seedLine(snapshot.seeds, seed),
	];
	if (maxFailureRate !== undefined) {
		const exceeded = exceedsFailureRate(snapshot, maxFailureRate);
		lines.push(`  threshold  failure ratio ${formatPercent(snapshot.failed, processed)} ${exceeded ? '>' : '<='} max ${formatPercent(maxFailureRate, 1)}${exceeded ? ': FAILED' : ': ok'}`);
	}

	for (const threshold of thresholds) {
		const {value, ok} = evaluateThreshold(threshold, snapshot);
		lines.push(`  threshold  ${threshold.expression}: ${thresholdValue(threshold, value)} ${ok ? 'ok' : 'FAILED'}`);
	}

	if (snapshot.groups.length > 0) {
		// Every group: a summary is read once, and nothing else shows the ones a table leaves out.
		lines.push(...groupTable(snapshot, Number.POSITIVE_INFINITY, (columns ?? Number.POSITIVE_INFINITY) - 2).map(line => `  ${line}`));
	}

	const verdict = verdictLine(snapshot, {maxFailureRate, thresholds});
	if (verdict !== undefined) {
		lines.push(verdict); // Last, where the eye lands, as k6 has it.
	}

	return columns === undefined ? lines : lines.flatMap(line => fitFigureLine(line, columns));
}

/** Per priority, highest first as they were listed: messages, and their wait and latency. */
function priorityLines(snapshot: Snapshot, columns = Number.POSITIVE_INFINITY): string[] {
	if (!snapshot.priorities) {
		return [];
	}

	const full = [['priority', 'messages', 'waited', 'wait avg', 'p50', 'p95', 'p99', 'latency p99'], ...snapshot.priorities.map(priority => [
		priority.name, formatCount(priority.count), formatPercent(priority.waited, priority.count), formatMs(priority.wait.avgMs), formatMs(priority.wait.p50Ms), formatMs(priority.wait.p95Ms), formatMs(priority.wait.p99Ms), formatMs(priority.latency.p99Ms),
	])];
	return fittedRows(full, ['p50', 'wait avg', 'p95', 'waited'], columns - 2).map(line => `  ${line}`);
}

/**
 * A table's aligned rows within `columns`: too wide, it leaves out the columns of `leaveOut`, one
 * at a time in that order (the figures the others imply most), rather than wrap.
 */
function fittedRows(table: readonly string[][], leaveOut: readonly string[], columns: number): string[] {
	let kept = table;
	let lines = alignedRows(kept);
	for (const title of leaveOut) {
		if (Math.max(...lines.map(line => line.length)) <= columns) {
			break;
		}

		const index = kept[0]?.indexOf(title);
		kept = kept.map(row => row.filter((_, column) => column !== index));
		lines = alignedRows(kept);
	}

	return lines;
}

/** What retrying did: attempts, messages retried and sent after a retry, dead letters and failures by kind. */
function retryLines(snapshot: Snapshot, retries: RetryFigures): string[] {
	return [
		`  attempts   ${formatCount(snapshot.attempts)} (${retries.meanAttempts.toFixed(2)} a message); ${formatCount(retries.retried)} messages retried, ${formatCount(retries.deliveredAfterRetry)} sent after a retry`,
		`  dead       ${formatCount(retries.deadLettered)} dead-lettered; failed attempts ${formatCount(retries.transientFailures)} transient, ${formatCount(retries.permanentFailures)} permanent`,
	];
}

/** `avg 1.2ms  p50 0.0ms  p95 8.1ms  p99 20.3ms  max 41.0ms`. */
function timeLine(figures: TimeFigures): string {
	return `avg ${formatMs(figures.avgMs)}  p50 ${formatMs(figures.p50Ms)}  p95 ${formatMs(figures.p95Ms)}  p99 ${formatMs(figures.p99Ms)}  max ${formatMs(figures.maxMs)}`;
}

/** Group rows, aligned; the busiest first when there are more than `limit`. */
export function groupTable(snapshot: Snapshot, limit = 10, columns = Number.POSITIVE_INFINITY): string[] {
	const rows = [...snapshot.groups];
	const shown = rows.length > limit ? rows.toSorted((a, b) => b.processed - a.processed).slice(0, limit) : rows;
	const table = [['group', 'senders', 'sent', 'failed', 'fail %', 'avg', 'p99'], ...shown.map(group => [group.name, formatCount(group.senders), formatCount(group.sent), formatCount(group.failed), formatPercent(group.failed, group.processed), formatMs(group.avgMs), formatMs(group.p99Ms)])];
	const lines = fittedRows(table, ['avg', 'failed', 'senders'], columns);
	if (rows.length > shown.length) {
		lines.push(`(${rows.length - shown.length} more groups)`);
	}

	return lines;
}

/** Widest bar of the summary's histogram, in cells. */
const HISTOGRAM_WIDTH = 30;

/** The send-time histogram as bars, one line a bin (as oha draws it); none when there is nothing to draw. */
export function histogramLines(snapshot: Snapshot): string[] {
	const bins = snapshot.histogram ?? [];
	if (bins.length < 2) {
		return [];
	}

	const tallest = Math.max(...bins.map(bin => bin.count));
	const labels = bins.map(bin => `${formatMs(bin.fromMs)} - ${formatMs(bin.toMs)}`);
	const labelWidth = Math.max(...labels.map(label => label.length));
	return ['  histogram', ...bins.map((bin, index) => {
		// Every bin with a send in it shows at least one cell: an empty-looking bar must mean none.
		const cells = bin.count > 0 ? Math.max(1, Math.round((bin.count / tallest) * HISTOGRAM_WIDTH)) : 0;
		return `    ${(labels[index] ?? '').padStart(labelWidth)}  ${'█'.repeat(cells)}${cells > 0 ? ' ' : ''}${formatCount(bin.count)}`;
	})];
}

/** A threshold's value in its unit: `290.0ms`, `10.0%`, `1,003/s` (`instant` for a run with no simulated time). */
function thresholdValue(threshold: Pick<Threshold, 'metric'>, value: number): string {
	const unit = thresholdUnit(threshold.metric);
	if (unit === 'ms') {
		return formatMs(value);
	}

	return unit === 'ratio' ? formatPercent(value, 1) : formatRate(Number.isFinite(value) ? value : null);
}

/**
 * The verdict on the run's pass/fail rules, for the summary's last line: `✓ 3 of 3 thresholds met`,
 * or `✗ 2 of 3 thresholds crossed: p99<200ms (was 290.0ms), ...`; undefined when there are none.
 */
export function verdictLine(snapshot: Snapshot, {maxFailureRate, thresholds = []}: Pick<SummaryContext, 'maxFailureRate' | 'thresholds'>): string | undefined {
	const crossed: string[] = [];
	let count = thresholds.length;
	if (maxFailureRate !== undefined) {
		count++;
		if (exceedsFailureRate(snapshot, maxFailureRate)) {
			crossed.push(`failure ratio <= ${formatPercent(maxFailureRate, 1)} (was ${formatPercent(snapshot.failed, snapshot.processed)})`);
		}
	}

	for (const threshold of thresholds) {
		const {value, ok} = evaluateThreshold(threshold, snapshot);
		if (!ok) {
			crossed.push(`${threshold.expression} (was ${thresholdValue(threshold, value)})`);
		}
	}

	if (count === 0) {
		return undefined;
	}

	const noun = count === 1 ? 'threshold' : 'thresholds';
	return crossed.length === 0 ? `✓ ${count} of ${count} ${noun} met` : `✗ ${crossed.length} of ${count} ${noun} crossed: ${crossed.join(', ')}`;
}

/**
 * A saved threshold's value in its unit, from its expression (`p99<500ms` -> `166.0ms`): what a
 * page shows; null (an instant run's throughput, as JSON writes infinity) is `instant`.
 */
export function savedThresholdValue(expression: string, value: number | null): string {
	const metric = THRESHOLD_METRICS.find(name => expression.startsWith(name));
	if (metric === undefined) {
		return value === null ? '' : String(value);
	}

	return thresholdValue({metric}, value ?? Number.POSITIVE_INFINITY);
}

/** Summary lines of figures (a label, then figures two spaces apart) that may be folded to fit. */
const FOLDED_LABELS = new Set(['send time', 'percentile', 'wait', 'latency', 'segments', 'capacity', 'attempts', 'dead', 'threshold', 'wall time']);
/** Where a figure line's figures start: two spaces, the label padded to ten, a space. */
const FIGURES_COLUMN = 13;

/**
 * A figure line too wide for `columns`, folded between its figures onto lines that start under the
 * first figure (a terminal would break it mid-number). Tables and other lines are left as they are.
 */
export function fitFigureLine(line: string, columns: number): string[] {
	if (line.length > columns && /^[✓✗] /.test(line)) {
		return foldVerdict(line, columns);
	}

	if (line.length <= columns || !FOLDED_LABELS.has(line.slice(2, FIGURES_COLUMN - 1).trim()) || columns <= FIGURES_COLUMN + 10) {
		return [line];
	}

	const width = columns - FIGURES_COLUMN;
	// Figures are two spaces apart; one too long for a line on its own breaks at its single spaces.
	const pieces = line.slice(FIGURES_COLUMN).split('  ').flatMap(part => (part.length > width
		? part.split(' ').map((word, index) => ({word, separator: index === 0 ? '  ' : ' '}))
		: [{word: part, separator: '  '}]));
	const folded: string[] = [];
	let current = '';
	for (const {word, separator} of pieces) {
		if (current !== '' && current.length + separator.length + word.length > width) {
			folded.push(current);
			current = word;
		} else {
			current = current === '' ? word : current + separator + word;
		}
	}

	folded.push(current);
	return folded.map((text, index) => `${index === 0 ? line.slice(0, FIGURES_COLUMN) : ' '.repeat(FIGURES_COLUMN)}${text}`);
}

/** The verdict folded after its colon and between the thresholds it lists, continuations indented. */
function foldVerdict(line: string, columns: number): string[] {
	const colon = line.indexOf(': ');
	if (colon === -1 || columns < 24) {
		return [line];
	}

	const lines = [line.slice(0, colon + 1)];
	let current = '';
	for (const item of line.slice(colon + 2).split(', ')) {
		const next = current === '' ? `  ${item}` : `${current}, ${item}`;
		if (current !== '' && next.length > columns - 1) {
			lines.push(`${current},`);
			current = `  ${item}`;
		} else {
			current = next;
		}
	}

	lines.push(current);
	return lines;
}

/** The run's seed: its producers' in a distributed run (none before the first starts), else the config's. */
function seedLine(seeds: readonly number[] | undefined, seed: number): string {
	if (seeds === undefined || seeds.length === 1) {
		return `  seed       ${seeds?.[0] ?? seed}`;
	}

	return seeds.length === 0 ? '  seed       none: no producer started the run' : `  seeds      ${seeds.join(', ')} (one per producer)`;
}

/** `  gateway    submits 10,200  throttled 150  window full 0  binds 4 (6 in all)`, and its receipts. */
function gatewayLines(gateway: GatewayFigures): string[] {
	const unrouted = gateway.receiptsUnrouted > 0 ? ` (${formatCount(gateway.receiptsUnrouted)} with no receiver bound, dropped)` : '';
	return [
		`  gateway    submits ${formatCount(gateway.submits)}  throttled ${formatCount(gateway.throttled)}  window full ${formatCount(gateway.windowFull)}  binds ${formatCount(gateway.binds)} (${formatCount(gateway.bindsTotal)} in all)`,
		`  receipts   ${formatCount(gateway.receipts)} sent${unrouted}${gateway.parts > 0 ? `; ${formatCount(gateway.parts)} parts of long messages, ${formatCount(gateway.assembled)} messages whole` : ''}`,
	];
}

/** What `--via` did on the wire: its PDUs and the failed answers by status, and the delivery latency and receipts. */
function viaLines(via: ViaFigures): string[] {
	const statuses = Object.entries(via.statuses).toSorted(([, a], [, b]) => b - a).map(([name, count]) => `${name} ${formatCount(count)}`).join('  ');
	const {receipts} = via;
	const unmatched = receipts.unmatched > 0 ? `, ${formatCount(receipts.unmatched)} matched to nothing sent` : '';
	return [
		`  smpp       ${formatCount(via.binds)} bind${via.binds === 1 ? '' : 's'}, ${formatCount(via.submits)} submit_sm, ${formatCount(via.accepted)} accepted`,
		...(statuses === '' ? [] : [`  refused    ${statuses}`]),
		`  delivery   ${timeLine(via.deliveryLatency)}`,
		`  receipts   ${formatCount(receipts.delivered)} DELIVRD, ${formatCount(receipts.undelivered)} other${unmatched}`,
	];
}
