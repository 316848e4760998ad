import {closeSync, createReadStream, openSync} from 'node:fs';
import {createInterface} from 'node:readline';
import {PassThrough, type Readable} from 'node:stream';
import {createGunzip} from 'node:zlib';
import {configLine, summaryLines} from '../output/lines.js';
import {configFromStart, snapshotFromRecord, type JsonRecord as Json} from '../output/recorded.js';
import {parseThreshold, type Threshold} from '../thresholds.js';
import {parseDuration} from './duration.js';
import {EXIT} from './exit-codes.js';

export type ReportOptions = {
	/** A file saved from `--json`, or `-` for standard input; gzip or not. */
	readonly path: string;
	/** One summary object on stdout instead of the text summary. */
	readonly json: boolean;
};

type ReportIo = {readonly stdout: NodeJS.WritableStream; readonly stderr: NodeJS.WritableStream; readonly stdin?: Readable};

const numberOf = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/** The gzip magic number: a file that starts with it is read through gunzip. */
const GZIP = [0x1F, 0x8B];

/** `input` as text, gunzipped when it starts with gzip's magic number. */
function decoded(input: Readable): Readable {
	const output = new PassThrough();
	let decided = false;
	input.on('data', (chunk: Buffer) => {
		if (!decided) {
			decided = true;
			if (chunk[0] === GZIP[0] && chunk[1] === GZIP[1]) {
				const gunzip = createGunzip();
				gunzip.on('error', (error: Error) => output.destroy(error));
				input.removeAllListeners('data');
				input.removeAllListeners('end');
				gunzip.pipe(output);
				gunzip.write(chunk);
				input.pipe(gunzip);
				return;
			}
		}

		output.write(chunk);
	});
	input.on('end', () => {
		output.end();
	});
	input.on('error', (error: Error) => output.destroy(error));
	return output;
}

/**
 * `sms-sim report`: a run saved with `--json` (events or not, a file or standard input, gzip
 * welcome) printed as the run printed its summary, or as one summary object with `--json`. Reads
 * a line at a time and keeps only the start, the last progress line and the summary, so a file of
 * ten million events takes no more memory than one of ten. A run without a summary line (killed,
 * or its file cut) is reported as cut short, from its last progress line; a last line cut
 * mid-record is said and left out; anything else that is not a record is an error (exit 2).
 */
export async function report(options: ReportOptions, io: ReportIo): Promise<number> {
	const say = (line: string) => io.stderr.write(`sms-sim: ${line}\n`);
	const where = options.path === '-' ? 'standard input' : options.path;
	if (options.path !== '-') {
		try {
			closeSync(openSync(options.path, 'r'));
		} catch (error) {
			say(`report: cannot read ${options.path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
			return EXIT.usage;
		}
	}

	const input = decoded(options.path === '-' ? (io.stdin ?? process.stdin) : createReadStream(options.path));
	let start: Json | undefined;
	let lastProgress: Json | undefined;
	let summary: Json | undefined;
	let messages = 0;
	let lineNumber = 0;
	let unreadable: number | undefined;
	try {
		for await (const line of createInterface({input, crlfDelay: Number.POSITIVE_INFINITY})) {
			lineNumber++;
			if (unreadable !== undefined) {
				say(`report: ${where}, line ${unreadable}: not a record of sms-sim --json (each line must be one JSON object with a type)`);
				return EXIT.usage;
			}

			if (line.trim() === '') {
				continue;
			}

			let record: Json;
			try {
				record = JSON.parse(line) as Json;
			} catch {
				unreadable = lineNumber; // An error, unless it is the last line: a file cut mid-record.
				continue;
			}

			switch (record?.type) {
				case 'start': {
					start = record;
					break;
				}

				case 'progress': {
					lastProgress = record;
					break;
				}

				case 'summary': {
					summary = record;
					break;
				}

				case 'message': {
					messages++;
					break;
				}

				default: {
					say(`report: ${where}, line ${lineNumber}: not a record of sms-sim --json (type ${JSON.stringify(String(record?.type)).slice(0, 40)})`);
					return EXIT.usage;
				}
			}
		}
	} catch (error) {
		say(`report: cannot read ${where}: ${(error as Error).message}`);
		return EXIT.usage;
	}

	if (unreadable !== undefined) {
		say(`report: ${where}: its last line (${unreadable}) is cut short mid-record; reported without it`);
	}

	if (start === undefined) {
		say(`report: ${where} holds no run: its first record must be the start line of sms-sim --json`);
		return EXIT.usage;
	}

	const last = summary ?? lastProgress;
	const config = configFromStart(start);
	const cutShort = summary === undefined;
	if (last === undefined) {
		say(`report: ${where} ends right after the run started: nothing to report`);
		return EXIT.usage;
	}

	if (options.json) {
		io.stdout.write(`${JSON.stringify({
			...last, type: 'summary', report: where, cutShort, ...(cutShort ? {interrupted: true} : {}), ...(messages > 0 ? {messageLines: messages} : {}),
		})}\n`);
		return EXIT.ok;
	}

	const snapshot = snapshotFromRecord(last, cutShort);
	const thresholds = ((summary?.thresholds ?? []) as Json[]).map(threshold => parseThreshold(String(threshold.expression), parseDuration)).filter((threshold): threshold is Threshold => threshold !== undefined);
	const lines = [
		configLine(config, {short: true}),
		...summaryLines(snapshot, {
			seed: numberOf(summary?.seed) ?? config.seed, maxFailureRate: numberOf(summary?.maxFailureRate), thresholds, wallMs: numberOf(summary?.wallMs), groups: config.groups,
		}),
	];
	if (cutShort) {
		lines.push(`  (the record ends before the run did: no summary line; these are its figures at ${Math.round(numberOf(last.elapsedMs) ?? 0).toLocaleString('en-US')}ms, its last progress line)`);
	}

	io.stdout.write(`${lines.join('\n')}\n`);
	return EXIT.ok;
}
