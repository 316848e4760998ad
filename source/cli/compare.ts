import {compareRuns, type Comparison} from '../reports/comparison.js';
import {alignedRows, formatCount, formatMs} from '../reports/format.js';
import {EXIT} from './exit-codes.js';
import {createProgressLine} from './progress-line.js';
import {readSavedRun} from './saved-run.js';

export type CompareOptions = {
	readonly a: string;
	readonly b: string;
	readonly json: boolean;
};

type CompareIo = {readonly stdout: NodeJS.WritableStream; readonly stderr: NodeJS.WritableStream};

/**
 * Each figure in words. The table's percentiles are the summaries' (from the HDR histogram, 3
 * significant digits); the noise section's are exact, from the events: each says which it is.
 */
const LABELS: Record<string, string> = {
	processed: 'messages processed',
	sent: 'sent',
	failed: 'failed',
	failureRatio: 'failure ratio',
	avgMs: 'send time avg',
	p50Ms: 'send time p50 (histogram)',
	p90Ms: 'send time p90 (histogram)',
	p95Ms: 'send time p95 (histogram)',
	p99Ms: 'send time p99 (histogram)',
	p999Ms: 'send time p99.9 (histogram)',
	maxMs: 'send time max',
	throughputPerSec: 'throughput',
	elapsedMs: 'simulated time',
};

/** How a figure is shown: ms with a unit, ratios as %, counts with separators. */
function shown(name: string, value: number): string {
	if (name.endsWith('Ms')) {
		return formatMs(value);
	}

	if (name === 'failureRatio') {
		return `${(value * 100).toFixed(2)}%`;
	}

	return name === 'throughputPerSec' ? `${formatCount(value)}/s` : formatCount(value);
}

/**
 * `sms-sim compare A B`: two runs saved with `--json` side by side, each figure with B - A and B / A;
 * with events in both, whether their send times differ beyond noise (see output/compare.ts). Exit 0
 * whatever the difference; `--json` gives one object for scripts.
 */
export async function compare(options: CompareOptions, io: CompareIo): Promise<number> {
	// Both runs are read at once; a long read shows how far on a terminal (never with --json).
	const progress = createProgressLine(io.stderr as NodeJS.WriteStream, !options.json);
	const started = performance.now();
	const read = {a: 0, b: 0};
	const onLines = (side: keyof typeof read) => (lines: number) => {
		read[side] = lines;
		progress.set(`compare ${((performance.now() - started) / 1000).toFixed(1)}s: ${read.a.toLocaleString('en-US')} lines of A, ${read.b.toLocaleString('en-US')} of B read`);
	};

	const [a, b] = await Promise.all([readSavedRun(options.a, {times: true, onLines: onLines('a')}), readSavedRun(options.b, {times: true, onLines: onLines('b')})]);
	progress.clear();
	for (const run of [a, b]) {
		if ('problem' in run) {
			io.stderr.write(`sms-sim: compare: ${run.problem}\n`);
			return EXIT.usage;
		}
	}

	if ('problem' in a || 'problem' in b) {
		return EXIT.usage;
	}

	const last = (run: typeof a) => (run.summary ?? run.lastProgress)!;
	const comparison: Comparison = compareRuns(last(a), last(b), a.times && b.times ? {a: a.times, b: b.times} : undefined);
	if (options.json) {
		io.stdout.write(`${JSON.stringify({
			type: 'comparison', a: options.a, b: options.b, ...comparison,
		})}\n`);
		return EXIT.ok;
	}

	const rows = [['figure', 'A', 'B', 'B - A', 'B / A'], ...comparison.figures.map(figure => [
		LABELS[figure.name] ?? figure.name, shown(figure.name, figure.a), shown(figure.name, figure.b), `${figure.difference >= 0 ? '+' : '-'}${shown(figure.name, Math.abs(figure.difference))}`, figure.ratio === null ? '-' : `${figure.ratio.toFixed(3)}x`,
	])];
	const lines = [
		`A  ${options.a}${a.summary ? '' : ' (cut short)'}`,
		`B  ${options.b}${b.summary ? '' : ' (cut short)'}`,
		...alignedRows(rows),
	];
	const {sendTimes} = comparison;
	if (sendTimes === null) {
		lines.push('send times: noise not known (save both runs with --json --events to have it judged)');
	} else {
		for (const shift of sendTimes.percentiles) {
			const interval = (side: typeof shift.a) => `${formatMs(side.valueMs)} [${formatMs(side.lowMs)}, ${formatMs(side.highMs)}]`;
			lines.push(`p${shift.percentile} send time (exact, from events)  A ${interval(shift.a)}  B ${interval(shift.b)}: ${shift.beyondNoise ? 'differs beyond noise' : 'within noise'} (95% intervals)`);
		}

		const direction = sendTimes.rankZ > 0 ? 'longer' : 'shorter';
		lines.push(`rank test (Mann-Whitney): z = ${sendTimes.rankZ.toFixed(2)}: ${sendTimes.shifted ? `B's send times are ${direction} (p < 0.001)` : 'no shift beyond noise'}`);
	}

	io.stdout.write(`${lines.join('\n')}\n`);
	return EXIT.ok;
}
