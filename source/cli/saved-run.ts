import {closeSync, createReadStream, openSync} from 'node:fs';
import {createInterface} from 'node:readline';
import {PassThrough, type Readable} from 'node:stream';
import {createGunzip} from 'node:zlib';
import type {JsonRecord as Json} from '../output/recorded.js';

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

/** What a saved `--json` run holds: the records a report needs, and its send times when asked for. */
export type SavedRun = {
	readonly start: Json;
	readonly lastProgress: Json | undefined;
	readonly summary: Json | undefined;
	/** Message lines (events) it holds. */
	readonly messages: number;
	/** Every event's send time, ms, when asked for and the file has events. */
	readonly times: Float64Array | undefined;
	/** The number of a last line cut mid-record, left out. */
	readonly cutLine: number | undefined;
};

/**
 * Reads a run saved with `--json` (a file, or `-` for standard input; gzip or not) a line at a time,
 * keeping the start line, the last progress line and the summary (and, with `times`, each event's
 * send time: 8 bytes a message). `observe` sees each record as it is read. A reason (one line) when it is not a saved run.
 */
export async function readSavedRun(path: string, {times: wantTimes = false, stdin, observe}: {times?: boolean; stdin?: Readable; observe?: (record: Json) => void} = {}): Promise<SavedRun | {problem: string}> {
	const where = path === '-' ? 'standard input' : path;
	if (path !== '-') {
		try {
			closeSync(openSync(path, 'r'));
		} catch (error) {
			return {problem: `cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`};
		}
	}

	const input = decoded(path === '-' ? (stdin ?? process.stdin) : createReadStream(path));
	let start: Json | undefined;
	let lastProgress: Json | undefined;
	let summary: Json | undefined;
	let messages = 0;
	let times = new Float64Array(wantTimes ? 1024 : 0);
	let lineNumber = 0;
	let unreadable: number | undefined;
	try {
		for await (const line of createInterface({input, crlfDelay: Number.POSITIVE_INFINITY})) {
			lineNumber++;
			if (unreadable !== undefined) {
				return {problem: `${where}, line ${unreadable}: not a record of sms-sim --json (each line must be one JSON object with a type)`};
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
					observe?.(record);
					break;
				}

				case 'progress': {
					lastProgress = record;
					observe?.(record);
					break;
				}

				case 'summary': {
					summary = record;
					observe?.(record);
					break;
				}

				case 'message': {
					if (wantTimes && typeof record.durationMs === 'number') {
						if (messages === times.length) {
							const grown = new Float64Array(times.length * 2);
							grown.set(times);
							times = grown;
						}

						times[messages] = record.durationMs;
					}

					observe?.(record);
					messages++;
					break;
				}

				default: {
					return {problem: `${where}, line ${lineNumber}: not a record of sms-sim --json (type ${JSON.stringify(String(record?.type)).slice(0, 40)})`};
				}
			}
		}
	} catch (error) {
		return {problem: `cannot read ${where}: ${(error as Error).message}`};
	}

	if (start === undefined) {
		return {problem: `${where} holds no run: its first record must be the start line of sms-sim --json`};
	}

	if (summary === undefined && lastProgress === undefined) {
		return {problem: `${where} ends right after the run started: nothing to report`};
	}

	return {
		start, lastProgress, summary, messages, times: wantTimes && messages > 0 ? times.subarray(0, messages) : undefined, cutLine: unreadable,
	};
}
