import {
	constants, createReadStream, openSync, statSync,
} from 'node:fs';
import {Socket} from 'node:net';
import type {Readable} from 'node:stream';
import {StringDecoder} from 'node:string_decoder';
import type {Message} from '../messages.js';
import {NOT_YET, type PendingSource} from '../pending-source.js';
import {
	MAX_LINE_CHARS, OVERLONG_LINE, ReplayError, ReplayParser, type ReplayOptions,
} from '../replay.js';

/** Messages read ahead of the senders, at most: memory holds these and a 64 KiB piece of input. */
const READ_AHEAD = 4096;

/** Replayed messages as they are read, for the pool to pull, and what went wrong if anything did. */
export type InputReader = PendingSource & {
	/** The bad line (or read error) that ended the input early, once it has. */
	readonly problem: () => ReplayError | undefined;
	/** Resolves with the first message, or undefined when the input has none (or stops at once). */
	readonly first: () => Promise<Message | undefined>;
	/** Stops reading: the stream is closed, a pending open or read is let go. */
	readonly close: () => void;
	/** Lines read so far. */
	readonly lines: () => number;
};

/**
 * Reads replayed messages from `path` (or `-`, standard input) without ever blocking the process:
 * the stream is read as the pool pulls, up to `READ_AHEAD` messages ahead, and a pull that comes
 * before its line answers `NOT_YET` (the pool then holds the clock until `whenReady`). A FIFO with
 * no writer, an idle pipe, a slow one: the process still hears its signals, and a stop ends the
 * run with its summary. A line longer than `MAX_LINE_CHARS` ends reading, as a bad line does.
 */
export function readInput(path: string, options: ReplayOptions, {stdin = process.stdin, onBadLine}: {readonly stdin?: Readable; readonly onBadLine?: (error: ReplayError) => void} = {}): InputReader {
	const stream: Readable = path === '-' ? stdin : openInput(path);
	const parser = new ReplayParser(options);
	const decoder = new StringDecoder('utf8');
	const buffer: Array<Message | undefined> = [];
	let head = 0;
	let ended = false;
	let problem: ReplayError | undefined;
	let waiters: Array<() => void> = [];
	// The line being read, in pieces (a long line costs its length, not its length squared).
	let pieces: string[] = [];
	let pending = 0;

	const notify = (): void => {
		if ((head < buffer.length || ended) && waiters.length > 0) {
			const called = waiters;
			waiters = [];
			for (const waiter of called) {
				waiter();
			}
		}
	};

	const end = (): void => {
		if (!ended) {
			ended = true;
			stream.off('readable', fill);
			if (stream !== stdin) {
				stream.destroy();
			}
		}
	};

	const take = (line: string): void => {
		const outcome = parser.parse(line);
		if (outcome instanceof ReplayError) {
			if (onBadLine && !parser.ended) {
				onBadLine(outcome); // A check of the whole file: on to the next line.
			} else {
				problem ??= outcome;
			}
		} else if (outcome !== undefined) {
			buffer.push(outcome);
		}

		if (parser.ended || problem !== undefined) {
			end();
		}
	};

	const consume = (chunk: Buffer): void => {
		const text = decoder.write(chunk);
		let from = 0;
		// eslint-disable-next-line no-unmodified-loop-condition -- `take` ends reading (a bad line), which sets it.
		for (let newline = text.indexOf('\n'); newline >= 0 && !ended; newline = text.indexOf('\n', from)) {
			pieces.push(text.slice(from, newline));
			take(pieces.join(''));
			pieces = [];
			pending = 0;
			from = newline + 1;
		}

		if (ended) {
			return;
		}

		pieces.push(text.slice(from));
		pending += text.length - from;
		if (pending > MAX_LINE_CHARS) {
			take(OVERLONG_LINE);
		}
	};

	/** Reads what the stream has, until the read-ahead is full. */
	function fill(): void {
		// eslint-disable-next-line no-unmodified-loop-condition -- `take` ends reading (a bad line), which sets it.
		while (!ended && buffer.length - head < READ_AHEAD) {
			const chunk = stream.read() as Buffer | string | null;
			if (chunk === null) {
				break;
			}

			consume(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
		}

		notify();
	}

	stream.on('readable', fill);
	stream.once('end', () => {
		if (!ended) {
			pieces.push(decoder.end());
			const last = pieces.join('');
			if (last !== '') {
				take(last);
			}

			end();
		}

		notify();
	});
	stream.once('error', (error: NodeJS.ErrnoException) => {
		problem ??= new ReplayError(0, `cannot read it: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
		end();
		notify();
	});

	const next = (): IteratorResult<Message | typeof NOT_YET> => {
		if (head === buffer.length && !ended) {
			fill(); // What the stream holds already, before saying not yet.
		}

		if (head < buffer.length) {
			const message = buffer[head]!;
			buffer[head++] = undefined;
			if (head === buffer.length) {
				buffer.length = 0;
				head = 0;
			} else if (head >= READ_AHEAD) {
				buffer.splice(0, head);
				head = 0;
			}

			if (!ended && buffer.length - head < READ_AHEAD / 2) {
				fill();
			}

			return {done: false, value: message};
		}

		return ended ? {done: true, value: undefined} : {done: false, value: NOT_YET};
	};

	const whenReady = (callback: () => void): void => {
		waiters.push(() => {
			setImmediate(callback); // Never within the pull that waited: the pool is mid-step there.
		});
		notify();
	};

	return {
		[Symbol.iterator]: () => ({next, return: () => ({done: true, value: undefined})}),
		whenReady,
		problem: () => problem,
		async first() {
			if (head === buffer.length && !ended) {
				await new Promise<void>(resolve => {
					whenReady(resolve);
				});
			}

			return head < buffer.length ? buffer[head] : undefined;
		},
		close() {
			end();
			notify();
		},
		lines: () => parser.lines,
	};
}

/**
 * A stream of the file at `path`. A named pipe is opened without waiting for its writer (an open
 * that waits would hold a thread that even exiting must wait for) and read on the event loop, as
 * a pipe: it waits for a writer, and ends when its writer closes it.
 */
function openInput(path: string): Readable {
	let fifo = false;
	try {
		fifo = statSync(path).isFIFO();
	} catch {
		// The stream says what is wrong with the path.
	}

	return fifo
		? new Socket({fd: openSync(path, constants.O_RDONLY | constants.O_NONBLOCK), readable: true, writable: false})
		: createReadStream(path, {highWaterMark: 64 * 1024});
}

/** What a check of a whole file found. */
export type InputCheck = {
	readonly messages: number;
	/** Every bad line, up to `shown`, then how many more. */
	readonly errors: readonly string[];
	/** Stopped (a signal) before the end: `lines` were read. */
	readonly interrupted: boolean;
	readonly lines: number;
};

/**
 * Reads a whole file once before the run: every bad line (up to `shown`, then how many more) at
 * once, and how many messages it holds. It never blocks: `stopped()` is asked between pulls, and
 * a stop ends the check at once, `interrupted`.
 */
export async function checkInput(path: string, options: ReplayOptions, {shown, stopped}: {readonly shown: number; readonly stopped: () => boolean}): Promise<InputCheck> {
	const errors: string[] = [];
	let bad = 0;
	const where = `--input ${path}`;
	const reader = readInput(path, {...options, keepGoing: true}, {
		onBadLine(error) {
			bad++;
			if (errors.length < shown) {
				errors.push(`${where}: ${error.message}`);
			}
		},
	});
	const iterator = reader[Symbol.iterator]();
	let messages = 0;
	for (;;) {
		if (stopped()) {
			reader.close();
			return {
				messages, errors, interrupted: true, lines: reader.lines(),
			};
		}

		const step = iterator.next();
		if (step.done) {
			break;
		}

		if (step.value === NOT_YET) {
			// eslint-disable-next-line no-await-in-loop
			await new Promise<void>(resolve => {
				reader.whenReady(resolve);
			});
			continue;
		}

		messages++;
	}

	const problem = reader.problem();
	if (problem) {
		bad++;
		if (errors.length < shown) {
			errors.push(`${where}: ${problem.message}`);
		}
	}

	if (bad > errors.length) {
		errors.push(`${where}: ${(bad - errors.length).toLocaleString('en-US')} more bad lines`);
	}

	return {
		messages, errors, interrupted: false, lines: reader.lines(),
	};
}
