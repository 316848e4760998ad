import {type SimulationConfig, resolveConfig} from '../model/config.js';
import type {SweepPoint} from '../planning/sender-search.js';
import {
	formatCount, formatDuration, formatMs, formatRate,
} from './format.js';
import type {Page} from './html-page.js';
import {configLine} from './lines.js';

/**
 * The page of `plan --sweep ... --html`: sender count against makespan, p99 and throughput, with
 * the table of every count run.
 */
export function sweepPage(points: readonly SweepPoint[], simulation: SimulationConfig, {replications, latency}: {replications: number; latency: boolean}): Page {
	const config = resolveConfig({...simulation, seed: 1});
	const senders = {label: 'senders', unit: 'count' as const, values: points.map(point => point.senders)};
	const p99 = latency ? 'p99 latency' : 'p99 send time';
	const fastest = points.length === 0 ? undefined : points.toSorted((a, b) => a.makespanMs - b.makespanMs)[0];
	return {
		title: `sms-sim plan: ${formatCount(points[0]?.senders ?? 0)} to ${formatCount(points.at(-1)?.senders ?? 0)} senders`,
		subtitle: `${configLine(config).replace(/, (?:speed [\d.]+x|max speed), seed \d+$/, '').replace(/\d[\d,]* senders? /, 'each count of senders ')}; ${replications} seeded run${replications === 1 ? '' : 's'} per count, averaged`,
		tiles: [
			{label: 'Counts run', value: formatCount(points.length)},
			...(fastest ? [{label: 'Shortest makespan', value: `${formatDuration(fastest.makespanMs)} (${formatCount(fastest.senders)} senders)`}] : []),
		],
		charts: [
			{
				title: 'Makespan', note: 'from the first send to the last message\'s end', kind: 'lines', x: senders, series: [{label: 'makespan', unit: 'ms', values: points.map(point => point.makespanMs)}],
			},
			{
				title: p99, note: latency ? 'from arrival to the end of the send' : 'of the sends', kind: 'lines', x: senders, series: [{label: 'p99', unit: 'ms', values: points.map(point => point.p99Ms)}],
			},
			{
				title: 'Throughput', note: 'messages finished per second over the run', kind: 'lines', x: senders, series: [{label: 'throughput', unit: 'rate', values: points.map(point => point.throughputPerSec ?? undefined)}],
			},
		],
		tables: [{
			title: 'Every count run',
			head: ['senders', 'makespan', p99, 'throughput', 'failed'],
			rows: points.map(point => [formatCount(point.senders), formatDuration(point.makespanMs), formatMs(point.p99Ms), formatRate(point.throughputPerSec), `${(point.failureRatio * 100).toFixed(1)}%`]),
			numeric: [0, 1, 2, 3, 4],
		}],
		footer: ['Made by sms-sim plan --sweep --html.'],
	};
}
