import type {ResolvedConfig} from '../model/config.js';
import {figuresOf, type FigureName, type ReplicationSummary} from '../pipeline/replications.js';
import type {Snapshot} from '../engine/snapshot.js';
import {formatCount, formatDuration} from './format.js';
import type {Page, PageChart, Unit} from './html-page.js';
import {configLine} from './lines.js';
import {FIGURE_LABELS, formatFigure, seedsText} from './replication-summary.js';

/** The figures charted, each over the replications: its value in each, and its mean and interval as lines across. */
const CHARTED: ReadonlyArray<{readonly name: FigureName; readonly title: string; readonly unit: Unit}> = [
	{name: 'throughputPerSec', title: 'Throughput', unit: 'rate'},
	{name: 'makespanMs', title: 'Makespan', unit: 'ms'},
	{name: 'p99Ms', title: 'p99 send time', unit: 'ms'},
	{name: 'waitAvgMs', title: 'Mean wait', unit: 'ms'},
	{name: 'latencyP99Ms', title: 'p99 latency', unit: 'ms'},
];

/**
 * The page of `--replications R --html FILE`: each key figure of every replication, with its mean
 * and 95% interval drawn across (the interval is where the mean of all runs lies, not where one run
 * lands: most runs fall outside a narrow one), and the table of every figure.
 */
export function replicationPage(summary: ReplicationSummary, finals: readonly Snapshot[], config: ResolvedConfig, {interrupted = false} = {}): Page {
	const each = finals.map(final => figuresOf(final));
	const x = {label: 'replication', unit: 'count' as const, values: finals.map((_, index) => index + 1)};
	const percent = `${Math.round(summary.level * 100)}%`;
	const charts: PageChart[] = [];
	for (const {name, title, unit} of CHARTED) {
		const interval = summary.figures[name];
		if (interval === undefined || interval.low === null) {
			continue;
		}

		const across = (value: number) => finals.map(() => value);
		charts.push({
			title,
			note: `each replication's, with their mean and its ${percent} interval: ${formatFigure(name, interval.mean)} +- ${formatFigure(name, interval.halfWidth!)}`,
			kind: 'lines',
			fitted: true,
			x,
			series: [
				{label: 'replication', unit, values: each.map(figures => figures[name] ?? undefined)},
				{label: 'mean', unit, values: across(interval.mean)},
				{label: `${percent} low`, unit, values: across(interval.low)},
				{label: `${percent} high`, unit, values: across(interval.high!)},
			],
		});
	}

	const throughput = summary.figures.throughputPerSec;
	const makespan = summary.figures.makespanMs;
	return {
		title: `sms-sim: ${formatCount(summary.count)} replications${interrupted ? ' (interrupted)' : ''}`,
		subtitle: `${configLine(config).replace(/, (?:speed [\d.]+x|max speed), seed \d+$/, '')}; ${seedsText(summary.seeds)}`,
		tiles: [
			{label: 'Replications', value: formatCount(summary.count)},
			...(throughput ? [{label: `Throughput (${percent})`, value: `${formatFigure('throughputPerSec', throughput.mean)} +- ${throughput.halfWidth === null ? '?' : formatFigure('throughputPerSec', throughput.halfWidth)}`}] : []),
			...(makespan ? [{label: `Makespan (${percent})`, value: `${formatDuration(makespan.mean)} +- ${makespan.halfWidth === null ? '?' : formatDuration(makespan.halfWidth)}`}] : []),
		],
		charts,
		tables: [{
			title: `Every figure: mean and ${percent} confidence interval over the replications (Student t)`,
			head: ['figure', 'mean', `${percent} low`, `${percent} high`, 'sd'],
			rows: Object.entries(summary.figures).map(([name, interval]) => {
				const figure = name as FigureName;
				const cell = (value: number | null) => (value === null ? '' : formatFigure(figure, value));
				return [FIGURE_LABELS[figure], formatFigure(figure, interval.mean), cell(interval.low), cell(interval.high), formatFigure(figure, interval.stddev)];
			}),
			numeric: [1, 2, 3, 4],
		}],
		footer: ['Made by sms-sim --replications --html.'],
	};
}
