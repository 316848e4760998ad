import {closeSync, createReadStream, openSync} from 'node:fs';
import {Readable} from 'node:stream';
import {createGunzip} from 'node:zlib';
import {progressRecord} from '../reports/json.js';
import {configFromStart, resultFromRecord, type JsonRecord as Json} from '../reports/recorded.js';
import {takeSnapshot} from '../engine/snapshot.js';
import {addResult, emptyStats, type Stats} from '../engine/stats.js';
import {LineSplitter} from './line-splitter.js';

/** The gzip magic number: a file that starts with it is read through gunzip. */
const GZIP = [0x1F, 0x8B];

/**
 * The longest line read from a saved run, in characters: a summary of a run of many groups is a
 * few megabytes; past this the file is no saved run (a gzip bomb, `/dev/zero`), and reading stops
 * before a string too long for JavaScript ("Invalid string length").
 */
export const MAX_RECORD_CHARS = 64 * 1024 * 1024;

/** Lines read between two calls of `onLines`: a progress line moves without costing a call a line. */
const LINES_BETWEEN_PROGRESS = 16_384;

/** A line longer than `MAX_RECORD_CHARS`. */
class OverlongLine extends Error {
	override name = 'OverlongLine';
}

/** A gzip stream that ends before its end: the file was cut while it was written. */
const isTruncatedGzip = (error: unknown): boolean => (error as NodeJS.ErrnoException | undefined)?.code === 'Z_BUF_ERROR';

/**
 * The lines of `input`, gunzipped when it starts with gzip's magic number, read with backpressure
 * (a gzip bomb is inflated as fast as it is read, never ahead), each at most `MAX_RECORD_CHARS`.
 * A gzip stream cut short ends the lines where it was cut, and says so through `onCut`.
 */
async function * linesOf(input: Readable, onCut: () => void): AsyncGenerator<string, void, undefined> {
	const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
	const first = await chunks.next();
	if (first.done) {
		return;
	}

	const raw = Readable.from((async function * () {
		yield first.value;
		yield * {[Symbol.asyncIterator]: () => chunks};
	})(), {objectMode: false});
	const gzipped = first.value[0] === GZIP[0] && first.value[1] === GZIP[1];
	const text = gzipped ? raw.pipe(createGunzip()) : raw;
	if (gzipped) {
		raw.on('error', (error: Error) => text.destroy(error));
	}

	const splitter = new LineSplitter(MAX_RECORD_CHARS);
	const lines: string[] = [];
	const pushLine = (line: string): void => {
		lines.push(line);
	};

	try {
		for await (const chunk of text as AsyncIterable<Buffer>) {
			const fits = splitter.write(chunk, pushLine);
			yield * lines;
			lines.length = 0;
			if (!fits) {
				throw new OverlongLine();
			}
		}
	} catch (error) {
		if (!isTruncatedGzip(error)) {
			throw error;
		}

		onCut();
	}

	const last = splitter.end();
	if (last !== undefined) {
		yield last;
	}
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
	/** The gzip stream ends before its end: the file was cut while it was written. */
	readonly gzipCut: boolean;
	/** No progress line: `lastProgress` was folded from the message lines. */
	readonly fromEvents: boolean;
};

/**
 * Reads a run saved with `--json` (a file, or `-` for standard input; gzip or not) a line at a time,
 * keeping the start line, the last progress line and the summary (and, with `times`, each event's
 * send time: 8 bytes a message). `observe` sees each record as it is read. A reason (one line) when it is not a saved run.
 */
export async function readSavedRun(path: string, {
	times: wantTimes = false, stdin, observe, onLines,
}: {times?: boolean; stdin?: Readable; observe?: (record: Json) => void; onLines?: (lines: number) => void} = {}): Promise<SavedRun | {problem: string}> {
	const where = path === '-' ? 'standard input' : path;
	if (path !== '-') {
		try {
			closeSync(openSync(path, 'r'));
		} catch (error) {
			return {problem: `cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`};
		}
	}

	const input = path === '-' ? (stdin ?? process.stdin) : createReadStream(path);
	const saved = new SavedRunLines(where, wantTimes, observe);
	let gzipCut = false;
	let lineNumber = 0;
	/** The first line that is not JSON: an error, unless it is the last line (a file cut mid-record). */
	let unreadable: number | undefined;
	try {
		for await (const rawLine of linesOf(input, () => {
			gzipCut = true;
		})) {
			const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
			if (++lineNumber % LINES_BETWEEN_PROGRESS === 0) {
				onLines?.(lineNumber);
			}

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
				unreadable = lineNumber;
				continue;
			}

			const problem = saved.take(record, lineNumber);
			if (problem !== undefined) {
				return {problem};
			}
		}
	} catch (error) {
		if (error instanceof OverlongLine) {
			return {problem: `${where}, line ${lineNumber + 1}: longer than ${MAX_RECORD_CHARS.toLocaleString('en-US')} characters: not a record of sms-sim --json (reading stopped there)`};
		}

		return {problem: `cannot read ${where}: ${(error as Error).message}`};
	}

	return saved.finish({cutLine: unreadable, gzipCut});
}

/** What is kept of a saved run's records as they are read. */
class SavedRunLines {
	private start: Json | undefined;
	private lastProgress: Json | undefined;
	private summary: Json | undefined;
	/** Message lines folded while no progress line has come. */
	private folded: Stats | undefined;
	private messages = 0;
	private times: Float64Array;

	constructor(private readonly where: string, private readonly wantTimes: boolean, private readonly observe: ((record: Json) => void) | undefined) {
		this.times = new Float64Array(wantTimes ? 1024 : 0);
	}

	/** Takes the record of line `lineNumber`; a problem for a record that is not sms-sim's. */
	take(record: Json, lineNumber: number): string | undefined {
		switch (record?.type) {
			case 'start': {
				this.start = record;
				break;
			}

			case 'progress': {
				this.lastProgress = record;
				break;
			}

			case 'summary': {
				this.summary = record;
				break;
			}

			case 'message': {
				this.addMessage(record);
				break;
			}

			default: {
				return `${this.where}, line ${lineNumber}: not a record of sms-sim --json (type ${JSON.stringify(String(record?.type)).slice(0, 40)})`;
			}
		}

		this.observe?.(record);
		return undefined;
	}

	/** The saved run, or a problem when it holds none. */
	finish({cutLine, gzipCut}: {readonly cutLine: number | undefined; readonly gzipCut: boolean}): SavedRun | {problem: string} {
		const {start, summary, folded, messages} = this;
		if (start === undefined) {
			return {problem: `${this.where} holds no run: its first record must be the start line of sms-sim --json`};
		}

		let {lastProgress} = this;
		if (summary === undefined && lastProgress === undefined && folded !== undefined) {
			// Killed before its first progress line (a SIGHUP used to do that): its events tell the figures.
			const config = configFromStart(start);
			lastProgress = progressRecord(takeSnapshot(folded, {
				type: 'progress', elapsedMs: folded.lastEndMs, total: config.messages > 0 ? config.messages : null, inFlight: 0, groups: config.groups,
			}));
		}

		if (summary === undefined && lastProgress === undefined) {
			return {problem: `${this.where} ends right after the run started: nothing to report`};
		}

		return {
			start, lastProgress, summary, messages, times: this.wantTimes && messages > 0 ? this.times.subarray(0, messages) : undefined, cutLine, gzipCut, fromEvents: folded !== undefined && summary === undefined && this.lastProgress === undefined,
		};
	}

	private addMessage(record: Json): void {
		// Until a progress line comes, the message lines are all there is: fold them.
		if (this.lastProgress === undefined && this.summary === undefined) {
			const result = resultFromRecord(record);
			if (result !== undefined) {
				this.folded ??= emptyStats();
				addResult(this.folded, result);
			}
		}

		if (this.wantTimes && typeof record.durationMs === 'number') {
			if (this.messages === this.times.length) {
				const grown = new Float64Array(this.times.length * 2);
				grown.set(this.times);
				this.times = grown;
			}

			this.times[this.messages] = record.durationMs;
		}

		this.messages++;
	}
}
