import {savedThresholdValue, sendersLine} from './lines.js';
import {
	formatCount, formatDuration, formatMs, formatPercent, formatRate,
} from './format.js';
import type {Page, PageChart, PageTable} from './html-page.js';
import {
	configFromStart, numberOr, objectOf, recordsOf, type JsonRecord as Json,
} from './recorded.js';
import type {Timeline, TimelinePoint} from './timeline.js';

export type RunPageInput = {
	/** The run's start record (`--json`'s first line). */
	readonly start: Json;
	/** Its summary record, or its last progress line when it was cut short. */
	readonly last: Json;
	readonly cutShort: boolean;
	readonly timeline: Timeline;
	/** Where it came from, for the footer: `sms-sim report run.ndjson`, or the live command. */
	readonly source: string;
};

const numberOf = (value: unknown): number => numberOr(value, 0);
const seconds = (ms: number): number => Math.round(ms) / 1000;

/** Rates between neighbouring points: `of` counted per second of run time, and the moments they end. */
function ratesBetween(kept: readonly TimelinePoint[], of: (point: TimelinePoint) => number): {x: number[]; values: number[]} {
	// From the run's start: the first interval's rate too.
	const [first] = kept;
	const points = first !== undefined && first.elapsedMs > 0
		? [{
			...first, elapsedMs: 0, processed: 0, failed: 0,
		}, ...kept]
		: kept;
	const x: number[] = [];
	const values: number[] = [];
	for (const [index, after] of points.entries()) {
		const before = points[index - 1];
		if (before === undefined) {
			continue;
		}

		const spanMs = after.elapsedMs - before.elapsedMs;
		if (spanMs > 0) {
			x.push(seconds(after.elapsedMs));
			values.push(Math.round(((of(after) - of(before)) / spanMs) * 1000 * 100) / 100);
		}
	}

	return {x, values};
}

/**
 * The page of one run (`--html`): its figures, throughput, send-time percentiles and failures over
 * time, the send-time histogram, backlog and waits when messages arrive over time, and the tables
 * of groups, priorities, thresholds and configuration.
 */
export function runPage(input: RunPageInput): Page {
	const {start, last, timeline} = input;
	const config = configFromStart(start);
	const {points, windows} = timeline;
	const processed = numberOf(last.processed);
	const failed = numberOf(last.failed);
	const total = typeof last.total === 'number' ? last.total : config.messages;
	const interrupted = input.cutShort || last.interrupted === true;
	const thresholds = recordsOf(last.thresholds);
	const wait = objectOf(last.wait);
	const latency = objectOf(last.latency);
	const arrivals = config.arrivals !== undefined || points.some(point => point.backlog !== undefined);

	const tiles: Array<Page['tiles'][number]> = [
		{label: `Processed${total > 0 && total !== processed ? ` of ${formatCount(total)}` : ''}${interrupted ? ', stopped' : ''}`, value: formatCount(processed), tone: interrupted ? 'bad' : undefined},
		{label: 'Sent', value: formatCount(numberOf(last.sent))},
		{
			label: `Failed (${formatPercent(failed, processed)})`, value: formatCount(failed), tone: last.thresholdExceeded === true ? 'bad' : undefined,
		},
		{label: 'Throughput', value: formatRate(numberOf(last.throughputPerSec))},
		{label: 'Simulated time', value: formatMs(numberOf(last.elapsedMs))},
		...(typeof last.wallMs === 'number' ? [{label: 'Wall time', value: formatMs(last.wallMs)}] : []),
		{label: 'Send time p50', value: formatMs(numberOf(last.p50Ms))},
		{label: 'p95', value: formatMs(numberOf(last.p95Ms))},
		{label: 'p99', value: formatMs(numberOf(last.p99Ms))},
		{label: 'max', value: formatMs(numberOf(last.maxMs))},
		...(wait ? [{label: 'Wait p99', value: formatMs(numberOf(wait.p99Ms))}, {label: 'Latency p99', value: formatMs(numberOf(latency?.p99Ms))}] : []),
		...(typeof last.segments === 'number' ? [{label: 'Segments (billed)', value: formatCount(last.segments)}] : []),
		...thresholds.map(threshold => ({label: String(threshold.expression), value: threshold.ok === true ? 'passed' : 'FAILED', tone: threshold.ok === true ? 'good' as const : 'bad' as const})),
	];

	const throughput = ratesBetween(points, point => point.processed);
	const failures = ratesBetween(points, point => point.failed);
	const finished = ratesBetween(points, point => point.processed);
	const failureShare = failures.values.map((perSecond, index) => {
		const finishedPerSecond = finished.values[index] ?? 0;
		return finishedPerSecond > 0 ? Math.round((perSecond / finishedPerSecond) * 1000) / 10 : undefined;
	});

	const time = (values: number[]) => ({label: 'run time', unit: 's' as const, values});
	const firstWindow = windows?.[0];
	const windowSeconds = firstWindow ? (firstWindow.toMs - firstWindow.fromMs) / 1000 : 0;
	const charts: PageChart[] = [
		{
			title: 'Throughput', note: 'messages finished per second of run time', kind: 'lines', x: time(throughput.x), series: [{label: 'processed/s', unit: 'rate', values: throughput.values}],
		},
		windows
			? overTime({title: 'Send time percentiles', note: `of the sends that ended in each ${formatDuration(windowSeconds * 1000)} window`}, windows, window => window.toMs, sendTimePercentiles)
			: overTime({title: 'Send time percentiles', note: 'of every send up to each moment (saved with --events, a run gets them per window)'}, points, point => point.elapsedMs, sendTimePercentiles),
		histogramChart(last),
		{
			title: 'Failures',
			note: 'failed messages per second, and their share of the messages finished then',
			kind: 'lines',
			x: time(failures.x),
			series: [{label: 'failed/s', unit: 'rate', values: failures.values}, {
				label: 'failed %', unit: 'percent', values: failureShare, right: true,
			}],
		},
		...(arrivals ? queueingCharts(points, windows) : []),
	];

	return {
		title: `sms-sim run: ${formatCount(total)} messages${interrupted ? ' (stopped early)' : ''}`,
		subtitle: `${sendersLine(config)}${config.arrivals ? `; arriving at ${formatRate(config.arrivals.ratePerSec)} (${config.arrivals.process})` : ''}`,
		tiles,
		charts,
		tables: [sendTimeTable(last), ...groupTables(last), ...thresholdTable(thresholds), configTable(start, config)],
		footer: [
			`Made by ${input.source}.`,
			...(input.cutShort ? ['The record ends before the run did (no summary line): these are its figures at its last progress line.'] : []),
		],
	};
}

function histogramChart(last: Json): PageChart {
	const bins = recordsOf(last.histogram);
	return {
		title: 'Send time histogram',
		note: 'messages by send time, every send of the run',
		kind: 'bars',
		x: {label: 'send time', unit: 'ms', values: bins.map(bin => (numberOf(bin.fromMs) + numberOf(bin.toMs)) / 2)},
		series: [{label: 'messages', unit: 'count', values: bins.map(bin => numberOf(bin.count))}],
	};
}

type Percentiles = {readonly p50Ms: number; readonly p95Ms: number; readonly p99Ms: number; readonly waitP50Ms: number | undefined; readonly waitP99Ms: number | undefined};
type SeriesOf = ReadonlyArray<{readonly label: string; readonly unit: 'ms' | 'count'; readonly of: (row: Percentiles & {backlog?: number}) => number | undefined}>;
const sendTimePercentiles: SeriesOf = [{label: 'p50', unit: 'ms', of: row => row.p50Ms}, {label: 'p95', unit: 'ms', of: row => row.p95Ms}, {label: 'p99', unit: 'ms', of: row => row.p99Ms}];
const waitPercentiles: SeriesOf = [{label: 'wait p50', unit: 'ms', of: row => row.waitP50Ms}, {label: 'wait p99', unit: 'ms', of: row => row.waitP99Ms}];

/** A chart over run time of `rows` (progress points or windows): a series per entry of `series`. */
function overTime<Row extends Percentiles>({title, note}: {title: string; note: string}, rows: readonly Row[], at: (row: Row) => number, series: SeriesOf): PageChart {
	return {
		title,
		note,
		kind: 'lines',
		x: {label: 'run time', unit: 's', values: rows.map(row => seconds(at(row)))},
		series: series.map(({label, unit, of}) => ({label, unit, values: rows.map(row => of(row))})),
	};
}

function queueingCharts(points: readonly TimelinePoint[], windows: Timeline['windows']): PageChart[] {
	const windowsWithWaits = windows?.some(window => window.waitP50Ms !== undefined) ? windows : undefined;
	return [
		overTime({title: 'Backlog', note: 'messages that have arrived and wait for a sender'}, points, point => point.elapsedMs, [{label: 'backlog', unit: 'count', of: row => row.backlog}]),
		windowsWithWaits
			? overTime({title: 'Waits', note: 'from arrival to a sender\'s start, of the sends that ended in each window'}, windowsWithWaits, window => window.toMs, waitPercentiles)
			: overTime({title: 'Waits', note: 'from arrival to a sender\'s start, of every message up to each moment'}, points, point => point.elapsedMs, waitPercentiles),
	];
}

function sendTimeTable(last: Json): PageTable {
	const row = (label: string, figures: Json | undefined): string[] => [
		label,
		...['minMs', 'avgMs', 'p50Ms', 'p90Ms', 'p95Ms', 'p99Ms', 'p999Ms', 'maxMs'].map(key => (figures && typeof figures[key] === 'number' ? formatMs(figures[key]) : '')),
	];
	const wait = objectOf(last.wait);
	const latency = objectOf(last.latency);
	return {
		title: 'Times',
		head: ['', 'min', 'avg', 'p50', 'p90', 'p95', 'p99', 'p99.9', 'max'],
		rows: [row('send time', last), ...(wait ? [row('wait', wait)] : []), ...(latency ? [row('latency', latency)] : [])],
		numeric: [1, 2, 3, 4, 5, 6, 7, 8],
	};
}

function groupTables(last: Json): PageTable[] {
	const groups = recordsOf(last.groups);
	const priorities = recordsOf(last.priorities);
	return [
		...(groups.length > 0
			? [{
				title: 'Sender groups',
				head: ['group', 'senders', 'sent', 'failed', 'failed %', 'avg', 'p99'],
				rows: groups.map(group => [String(group.name), formatCount(numberOf(group.senders)), formatCount(numberOf(group.sent)), formatCount(numberOf(group.failed)), formatPercent(numberOf(group.failed), numberOf(group.sent) + numberOf(group.failed)), formatMs(numberOf(group.avgMs)), formatMs(numberOf(group.p99Ms))]),
				numeric: [1, 2, 3, 4, 5, 6],
			}]
			: []),
		...(priorities.length > 0
			? [{
				title: 'Priorities',
				head: ['priority', 'messages', 'wait p50', 'wait p99', 'latency p50', 'latency p99'],
				rows: priorities.map(priority => [String(priority.name), formatCount(numberOf(priority.count)), formatMs(numberOf(objectOf(priority.wait)?.p50Ms)), formatMs(numberOf(objectOf(priority.wait)?.p99Ms)), formatMs(numberOf(objectOf(priority.latency)?.p50Ms)), formatMs(numberOf(objectOf(priority.latency)?.p99Ms))]),
				numeric: [1, 2, 3, 4, 5],
			}]
			: []),
	];
}

function thresholdTable(thresholds: Json[]): PageTable[] {
	return thresholds.length === 0
		? []
		: [{
			title: 'Thresholds',
			head: ['threshold', 'value', 'result'],
			rows: thresholds.map(threshold => [String(threshold.expression), savedThresholdValue(String(threshold.expression), typeof threshold.value === 'number' ? threshold.value : null), threshold.ok === true ? 'passed' : 'FAILED']),
		}];
}

function configTable(start: Json, config: ReturnType<typeof configFromStart>): PageTable {
	const rows: string[][] = [
		['messages', config.input ? `from ${config.input.path === '-' ? 'standard input' : config.input.path} (${config.input.format})` : formatCount(config.messages)],
		['seed', String(config.seed)],
		['speed', config.speed === 'max' ? 'max' : `${config.speed}x`],
		['interval', formatDuration(config.intervalMs)],
		['arrivals', config.arrivals ? `${formatRate(config.arrivals.ratePerSec)}, ${config.arrivals.process}` : 'all at the start'],
		['bodies', `${config.charset}, up to ${formatCount(config.maxBodyLength)} characters`],
		...(config.priorities ? [['priorities', config.priorities.map(priority => `${priority.name}=${priority.share}`).join(', ')]] : []),
		...config.groups.map(group => [`group ${group.name}`, sendersLine({groups: [{...group, name: ''}], speed: config.speed, seed: config.seed}).replace(/, (?:speed [\d.]+x|max speed), seed \d+$/, '')]),
		...(typeof start.role === 'string' ? [['view', `${start.role} of run ${String(start.run)}`]] : []),
	];
	return {title: 'Configuration', head: ['', ''], rows};
}
