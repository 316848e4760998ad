import type {Interval} from '../engine/confidence.js';
import type {FigureName, ReplicationSummary} from '../pipeline/replications.js';
import {
	alignedRows, formatCount, formatDuration, formatMs,
} from './format.js';

/** How each figure is named and written for people. */
const FIGURES: ReadonlyArray<{readonly name: FigureName; readonly label: string; readonly kind: 'rate' | 'ms' | 'share'}> = [
	{name: 'throughputPerSec', label: 'throughput', kind: 'rate'},
	{name: 'makespanMs', label: 'makespan', kind: 'ms'},
	{name: 'avgMs', label: 'send time avg', kind: 'ms'},
	{name: 'p50Ms', label: '          p50', kind: 'ms'},
	{name: 'p95Ms', label: '          p95', kind: 'ms'},
	{name: 'p99Ms', label: '          p99', kind: 'ms'},
	{name: 'waitAvgMs', label: 'wait avg', kind: 'ms'},
	{name: 'waitP50Ms', label: '     p50', kind: 'ms'},
	{name: 'waitP95Ms', label: '     p95', kind: 'ms'},
	{name: 'waitP99Ms', label: '     p99', kind: 'ms'},
	{name: 'latencyAvgMs', label: 'latency avg', kind: 'ms'},
	{name: 'latencyP50Ms', label: '        p50', kind: 'ms'},
	{name: 'latencyP95Ms', label: '        p95', kind: 'ms'},
	{name: 'latencyP99Ms', label: '        p99', kind: 'ms'},
	{name: 'failureRatio', label: 'failure ratio', kind: 'share'},
	{name: 'deadLetteredShare', label: 'dead-lettered', kind: 'share'},
];

/** Each figure's name for people, whole (the summary's rows leave the group's name off its later rows). */
export const FIGURE_LABELS: Readonly<Record<FigureName, string>> = {
	throughputPerSec: 'throughput',
	makespanMs: 'makespan',
	avgMs: 'send time avg',
	p50Ms: 'send time p50',
	p95Ms: 'send time p95',
	p99Ms: 'send time p99',
	waitAvgMs: 'wait avg',
	waitP50Ms: 'wait p50',
	waitP95Ms: 'wait p95',
	waitP99Ms: 'wait p99',
	latencyAvgMs: 'latency avg',
	latencyP50Ms: 'latency p50',
	latencyP95Ms: 'latency p95',
	latencyP99Ms: 'latency p99',
	failureRatio: 'failure ratio',
	deadLetteredShare: 'dead-lettered share',
};

/** A figure's value for people, in its own unit. */
export const formatFigure = (name: FigureName, value: number): string => write(FIGURES.find(figure => figure.name === name)!.kind, value);

const write = (kind: 'rate' | 'ms' | 'share', value: number): string => {
	if (kind === 'rate') {
		// More digits than a run's own rate: the interval is often narrower than 1/s.
		const digits = value < 100 ? 2 : (value < 100_000 ? 1 : 0);
		return `${value.toLocaleString('en-US', {minimumFractionDigits: digits, maximumFractionDigits: digits})}/s`;
	}

	if (kind === 'ms') {
		// Three significant digits under a second: an interval is often a few hundredths of a millisecond wide.
		if (value >= 1000) {
			return formatMs(value);
		}

		return value < 0.001 ? `${value.toFixed(3)}ms` : `${value.toPrecision(3)}ms`;
	}

	return `${(value * 100).toPrecision(3)}%`;
};

/** `seeds 42 to 61`, or each seed where they do not run on (past the largest seed). */
export function seedsText(seeds: readonly number[]): string {
	const consecutive = seeds.every((seed, index) => index === 0 || seed === (seeds[index - 1] ?? Number.NaN) + 1);
	if (seeds.length === 1) {
		return `seed ${seeds[0]}`;
	}

	return consecutive ? `seeds ${seeds[0]} to ${seeds.at(-1)!}` : `seeds ${seeds.join(', ')}`;
}

/**
 * The summary of replications as text: a headline, then each figure's mean and 95% interval
 * (`mean +- half width` and its ends), and the replications' spread (sd).
 */
export function replicationLines(summary: ReplicationSummary, {wallMs, jobs, interrupted = false, planned}: {readonly wallMs?: number; readonly jobs: number; readonly interrupted?: boolean; readonly planned: number}): string[] {
	const percent = `${Math.round(summary.level * 100)}%`;
	const done = `${formatCount(summary.count)} replication${summary.count === 1 ? '' : 's'}`;
	const headline = interrupted
		? `Interrupted: ${done} of ${formatCount(planned)} done (${seedsText(summary.seeds)}); the figures are theirs`
		: `Done: ${done} (${seedsText(summary.seeds)}): means, ${percent} confidence intervals (t)`;
	const rows = [['', 'mean', `${percent} interval`, '', 'sd']];
	for (const {name, label, kind} of FIGURES) {
		const interval: Interval | undefined = summary.figures[name];
		if (interval !== undefined) {
			rows.push([
				`  ${label}`,
				write(kind, interval.mean),
				interval.halfWidth === null ? 'one run: no interval' : `+- ${write(kind, interval.halfWidth)}`,
				interval.low === null ? '' : `${write(kind, interval.low)} to ${write(kind, interval.high!)}`,
				write(kind, interval.stddev),
			]);
		}
	}

	return [
		headline,
		...alignedRows(rows),
		...(summary.warmup === undefined ? [] : [`  warm-up    waits start low in ${formatCount(summary.warmup.replications)} of ${formatCount(summary.count)} replications (the runs begin empty; MSER-5): give --warmup ${formatDuration(Math.ceil(summary.warmup.atMs))} (their median) to leave the start out of wait and latency`]),
		...(wallMs === undefined ? [] : [`  wall time  ${(wallMs / 1000).toFixed(1)}s on ${formatCount(jobs)} thread${jobs === 1 ? '' : 's'}`]),
	];
}

/** A figure's interval for JSON: rounded as the run's own figures are (ms to the microsecond, rates to the hundredth). */
function intervalFields(name: FigureName, interval: Interval) {
	const round = name === 'throughputPerSec'
		? (value: number) => Math.round(value * 100) / 100
		: (name === 'failureRatio' || name === 'deadLetteredShare' ? (value: number) => Number(value.toPrecision(6)) : (value: number) => Math.round(value * 1000) / 1000);
	const maybe = (value: number | null) => (value === null ? null : round(value));
	return {
		n: interval.n, mean: round(interval.mean), halfWidth: maybe(interval.halfWidth), low: maybe(interval.low), high: maybe(interval.high), stddev: round(interval.stddev),
	};
}

/** The `replications` object of the summary line. */
export function replicationsField(summary: ReplicationSummary) {
	return {
		count: summary.count,
		seeds: summary.seeds,
		level: summary.level,
		...(summary.warmup === undefined ? {} : {warmupSuggestion: {replications: summary.warmup.replications, atMs: Math.round(summary.warmup.atMs * 1000) / 1000}}),
		figures: Object.fromEntries(Object.entries(summary.figures).map(([name, interval]) => [name, intervalFields(name as FigureName, interval)])),
	};
}
