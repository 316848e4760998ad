import {basename} from 'node:path';
import type {Readable} from 'node:stream';
import {writePage} from '../reports/html-page.js';
import {runPage} from '../reports/run-page.js';
import {createTimelineRecorder, type TimelineRecorder} from '../reports/timeline.js';
import {configLine, summaryLines} from '../reports/lines.js';
import {
	configFromStart, optionalNumber, snapshotFromRecord, type JsonRecord as Json,
} from '../reports/recorded.js';
import {parseThreshold, type Threshold} from '../engine/thresholds.js';
import {SCHEMA_VERSION} from '../reports/schema.js';
import {parseDuration} from './duration.js';
import {EXIT} from './exit-codes.js';
import {createProgressLine} from './progress-line.js';
import {readSavedRun, type SavedRun} from './saved-run.js';

export type ReportOptions = {
	/** A file saved from `--json`, or `-` for standard input; gzip or not. */
	readonly path: string;
	/** One summary object on stdout instead of the text summary. */
	readonly json: boolean;
	/** `--html FILE`: the run's report page, written there too. */
	readonly html?: string;
};

type ReportIo = {readonly stdout: NodeJS.WritableStream; readonly stderr: NodeJS.WritableStream; readonly stdin?: Readable & {isTTY?: boolean}};

/**
 * `sms-sim report`: a run saved with `--json` (events or not, a file or standard input, gzip
 * welcome) printed as the run printed its summary, or as one summary object with `--json`. Only the
 * start, the last progress line and the summary are kept, so a file of ten million events takes no
 * more memory than one of ten. A run without a summary line (killed, or its file cut) is reported
 * as cut short, from its last progress line; a last line cut mid-record is said and left out;
 * anything else that is not a record is an error (exit 2).
 */
export async function report(options: ReportOptions, io: ReportIo): Promise<number> {
	const say = (line: string) => io.stderr.write(`sms-sim: ${line}\n`);
	const where = options.path === '-' ? 'standard input' : options.path;
	if (options.path === '-' && (io.stdin ?? process.stdin).isTTY === true) {
		// Nothing is piped in: waiting for a run typed at the terminal would only look hung.
		say('report needs a saved run: a file (sms-sim report run.ndjson), or one piped in (... | sms-sim report -)');
		return EXIT.usage;
	}

	// The page's timeline starts at the start line: its windows are the run's interval to begin with.
	let timeline: TimelineRecorder | undefined;
	// A long read shows how far it is on a terminal (never with --json: stdout is for scripts then).
	const progress = createProgressLine(io.stderr as NodeJS.WriteStream, !options.json);
	const started = performance.now();
	const run = await readSavedRun(options.path, {
		onLines(lines) {
			progress.set(`report ${((performance.now() - started) / 1000).toFixed(1)}s: ${lines.toLocaleString('en-US')} lines read`);
		},
		stdin: io.stdin,
		observe: options.html === undefined
			? undefined
			: record => {
				if (record.type === 'start') {
					timeline?.dispose();
					timeline = createTimelineRecorder(configFromStart(record).intervalMs);
				} else if (timeline) {
					observeRecord(timeline, record);
				}
			},
	});
	progress.clear();
	if ('problem' in run) {
		say(`report: ${run.problem}`);
		return EXIT.usage;
	}

	if (run.gzipCut) {
		say(`report: ${where}: its gzip stream ends early (the file was cut while it was written); reported up to there`);
	}

	if (run.cutLine !== undefined) {
		say(`report: ${where}: its last line (${run.cutLine}) is cut short mid-record; reported without it`);
	}

	const last = (run.summary ?? run.lastProgress)!;
	const cutShort = run.summary === undefined;
	if (timeline && options.html !== undefined) {
		const page = runPage({
			start: run.start, last, cutShort, timeline: timeline.timeline(), source: `sms-sim report ${options.path === '-' ? '-' : basename(options.path)} --html`,
		});
		timeline.dispose();
		const problem = await writePage(options.html, page);
		if (problem) {
			say(`report: ${problem}`);
			return EXIT.unexpected;
		}

		say(`report: wrote the report page to ${options.html}`);
	}

	if (options.json) {
		// A summary line always says its schema version, a cut-short run's (made from a progress line) too.
		const {type: _type, ...figures} = last;
		io.stdout.write(`${JSON.stringify({
			type: 'summary', schemaVersion: SCHEMA_VERSION, ...figures, report: where, cutShort, ...(cutShort ? {interrupted: true} : {}), ...(run.messages > 0 ? {messageLines: run.messages} : {}),
		})}\n`);
		return EXIT.ok;
	}

	io.stdout.write(`${summaryText(run, last).join('\n')}\n`);
	return EXIT.ok;
}

/** The report for a person: the run's settings and its summary, as the run itself printed them. */
function summaryText(run: SavedRun, last: Json): string[] {
	const {summary} = run;
	const cutShort = summary === undefined;
	const config = configFromStart(run.start);
	const snapshot = snapshotFromRecord(last, cutShort);
	const thresholds = ((summary?.thresholds ?? []) as Json[]).map(threshold => parseThreshold(String(threshold.expression), parseDuration)).filter((threshold): threshold is Threshold => threshold !== undefined);
	const lines = [
		configLine(config, {short: true}),
		...summaryLines(snapshot, {
			seed: optionalNumber(summary?.seed) ?? config.seed, maxFailureRate: optionalNumber(summary?.maxFailureRate), thresholds, wallMs: optionalNumber(summary?.wallMs), groups: config.groups, cutShort,
		}),
	];
	if (cutShort) {
		const elapsed = Math.round(optionalNumber(last.elapsedMs) ?? 0).toLocaleString('en-US');
		lines.push(run.fromEvents
			? `  (the record ends before the run did, before its first progress line: these are the figures of its ${run.messages.toLocaleString('en-US')} message lines, to ${elapsed}ms)`
			: `  (the record ends before the run did: no summary line; these are its figures at ${elapsed}ms, its last progress line)`);
	}

	return lines;
}

/** A saved record into the page's timeline: progress and summary lines, and message lines (events). */
function observeRecord(timeline: TimelineRecorder, record: Json): void {
	if (record.type === 'message') {
		if (record.retry !== true && typeof record.endMs === 'number' && typeof record.durationMs === 'number') {
			timeline.addResult(record.endMs, record.durationMs, typeof record.waitMs === 'number' ? record.waitMs : undefined);
		}

		return;
	}

	timeline.addProgress(record);
}
