import {EventEmitter} from 'node:events';
import {
	constants, fstatSync, openSync, statSync,
} from 'node:fs';
import {open, type FileHandle} from 'node:fs/promises';
import {Socket} from 'node:net';
import {isatty} from 'node:tty';
import type {Readable} from 'node:stream';
import type {Message} from '../model/messages.js';
import {NOT_YET, type PendingSource} from '../engine/pending-source.js';
import {
	MAX_LINE_CHARS, OVERLONG_LINE, ReplayError, ReplayParser, type ReplayOptions,
} from '../model/replay.js';
import {LineSplitter} from './line-splitter.js';

/**
 * Lines read ahead of the senders, at most: about one 64 KiB read. They are kept as text and
 * parsed as they are pulled, so a message is made just before a sender takes it and dies young,
 * as generated ones do. (Thousands of messages parsed ahead outlived the young generation: a
 * million lines from a pipe peaked at 133-158 MB against 128 before; now 123-133.)
 */
const READ_AHEAD = 1024;

/** Replayed messages as they are read, for the pool to pull, and what went wrong if anything did. */
export type InputReader = PendingSource & {
	/** The bad line (or read error) that ended the input early, once it has. */
	readonly problem: () => ReplayError | undefined;
	/** Resolves with the first message, or undefined when the input has none (or stops at once). */
	readonly first: () => Promise<Message | undefined>;
	/** Stops reading: the stream is closed, a pending open or read is let go. */
	readonly close: () => void;
	/** Lines parsed so far. */
	readonly lines: () => number;
};

/**
 * Reads replayed messages from `path` (or `-`, standard input) without ever blocking the process:
 * the input is read as the pool pulls, up to `READ_AHEAD` lines ahead, and a pull that comes
 * before its line answers `NOT_YET` (the pool then holds the clock until `whenReady`). A FIFO with
 * no writer, an idle pipe, a slow one: the process still hears its signals, and a stop ends the
 * run with its summary. A line longer than `MAX_LINE_CHARS` ends reading, as a bad line does;
 * with `onBadLine` (a check of a whole file) bad lines go there and reading goes on.
 */
export function readInput(path: string, options: ReplayOptions, {stdin, onBadLine}: {readonly stdin?: Readable; readonly onBadLine?: (error: ReplayError) => void} = {}): InputReader {
	const parser = new ReplayParser(options);
	const splitter = new LineSplitter(MAX_LINE_CHARS);
	/** Lines read and not parsed yet, from `head` on. */
	let lines: Array<string | undefined> = [];
	let head = 0;
	/** Nothing more will be read: the input ended, or a line was too long, or reading was stopped. */
	let readDone = false;
	/** Nothing more will be given: reading is done and every line taken, or a bad line ended it. */
	let ended = false;
	/** A message parsed by `first()` and not pulled yet. */
	let peeked: Message | undefined;
	let problem: ReplayError | undefined;
	let waiters: Array<() => void> = [];

	const notify = (): void => {
		if ((head < lines.length || readDone) && waiters.length > 0) {
			const called = waiters;
			waiters = [];
			for (const waiter of called) {
				waiter();
			}
		}
	};

	const stopReading = (): void => {
		if (!readDone) {
			readDone = true;
			(stream as Readable).off('readable', fill);
			if (stream !== stdin && stream !== process.stdin) {
				stream.destroy();
			}
		}
	};

	const wantsMore = (): boolean => !readDone && lines.length - head < READ_AHEAD;

	const pushLine = (line: string): void => {
		lines.push(line);
	};

	const consume = (chunk: Buffer): void => {
		if (!splitter.write(chunk, pushLine)) {
			lines.push(OVERLONG_LINE); // The parser says so, in its turn; nothing after it is read.
			stopReading();
		}
	};

	// Pipes and sockets are read into one buffer, used again for every read (a stream's 64 KiB
	// piece per read is garbage the heap does not see), and stop reading while the read-ahead is
	// full; anything else is a stream read as asked.
	const stream: Readable | FileReader = path === '-' ? (stdin ?? standardInput(consumeRead)) : openInput(path, consumeRead);
	// A socket and a file reader push into the reused buffer (and are resumed); a stream is read.
	const socket = stream instanceof Socket || stream instanceof FileReader ? stream : undefined;
	/** The socket stopped reading because the read-ahead was full (returning false stops it). */
	let socketPaused = false;
	function consumeRead(bytes: number, into: Uint8Array): boolean {
		if (readDone) {
			return false;
		}

		consume(Buffer.from(into.buffer, into.byteOffset, bytes));
		notify();
		socketPaused = !wantsMore();
		return !socketPaused;
	}

	/** Reads what the input has, until the read-ahead is full. */
	function fill(): void {
		if (socket) {
			if (socketPaused && wantsMore()) {
				socketPaused = false;
				socket.resume();
			}

			return;
		}

		while (wantsMore()) {
			const chunk = (stream as Readable).read() as Buffer | string | null;
			if (chunk === null) {
				break;
			}

			consume(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
		}

		notify();
	}

	if (!socket) {
		(stream as Readable).on('readable', fill);
	}

	stream.once('end', () => {
		if (!readDone) {
			const last = splitter.end();
			if (last !== undefined) {
				lines.push(last);
			}

			stopReading();
		}

		notify();
	});
	stream.once('error', (error: NodeJS.ErrnoException) => {
		if (!readDone) {
			problem ??= new ReplayError(0, `cannot read it: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
			lines.length = head; // What was read after the last good line is not trusted.
			stopReading();
		}

		notify();
	});

	/** The next message of the lines read so far; undefined when they hold none (yet). */
	const parseNext = (): Message | undefined => {
		while (!ended && head < lines.length) {
			const line = lines[head]!;
			lines[head++] = undefined;
			const outcome = parser.parse(line);
			if (outcome instanceof ReplayError) {
				if (onBadLine && !parser.ended) {
					onBadLine(outcome); // A check of the whole file: on to the next line.
					continue;
				}

				problem ??= outcome;
				ended = true;
				stopReading();
			} else if (outcome !== undefined) {
				return outcome;
			}
		}

		if (head === lines.length) {
			lines = [];
			head = 0;
		} else if (head >= READ_AHEAD) {
			lines = lines.slice(head);
			head = 0;
		}

		return undefined;
	};

	const next = (): IteratorResult<Message | typeof NOT_YET> => {
		if (peeked !== undefined) {
			const message = peeked;
			peeked = undefined;
			return {done: false, value: message};
		}

		let message = parseNext();
		if (message === undefined && !ended && !readDone) {
			fill(); // What the input holds already, before saying not yet.
			message = parseNext();
		}

		if (message !== undefined) {
			if (lines.length - head < READ_AHEAD / 2) {
				fill();
			}

			return {done: false, value: message};
		}

		if (readDone && head === lines.length) {
			ended = true;
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
			for (;;) {
				const step = next();
				if (step.done) {
					return undefined;
				}

				if (step.value !== NOT_YET) {
					peeked = step.value;
					return step.value;
				}

				// eslint-disable-next-line no-await-in-loop
				await new Promise<void>(resolve => {
					whenReady(resolve);
				});
			}
		},
		close() {
			stopReading();
			lines.length = head;
			ended = true;
			notify();
		},
		lines: () => parser.lines,
	};
}

/** What a reused-buffer read gives its bytes to; false pauses the reading. */
type OnRead = (bytes: number, buffer: Uint8Array) => boolean;

/** A socket on `fd` (a pipe, a FIFO, a socket) read into one reused 64 KiB buffer. */
const socketOn = (fd: number, onRead: OnRead): Socket => new Socket({
	fd, readable: true, writable: false, onread: {buffer: Buffer.alloc(64 * 1024), callback: onRead},
	// Node 20 takes `onread` here (its types list it for connect() only).
} as ConstructorParameters<typeof Socket>[0]);

/**
 * Standard input as a stream to read messages from: a pipe or a socket without a stream's garbage
 * (see `socketOn`); a terminal, a file or a device as Node's own stream for it.
 */
function standardInput(onRead: OnRead): Readable {
	let pipe = false;
	try {
		const stats = fstatSync(0);
		pipe = !isatty(0) && (stats.isFIFO() || stats.isSocket());
	} catch {
		// No standard input at all: Node's stream says so.
	}

	return pipe ? socketOn(0, onRead) : process.stdin;
}

/**
 * A stream of the file at `path`. A named pipe is opened without waiting for its writer (an open
 * that waits would hold a thread that even exiting must wait for) and read on the event loop, as
 * a pipe: it waits for a writer, and ends when its writer closes it.
 */
function openInput(path: string, onRead: OnRead): Readable | FileReader {
	let fifo = false;
	try {
		fifo = statSync(path).isFIFO();
	} catch {
		// The reader says what is wrong with the path.
	}

	return fifo ? socketOn(openSync(path, constants.O_RDONLY | constants.O_NONBLOCK), onRead) : new FileReader(path, onRead);
}

/**
 * A file (or a device: /dev/zero, /dev/urandom) read into one reused 64 KiB buffer, as a socket is
 * with `onread`: reads go on while `onRead` returns true, and `resume()` starts them again. Emits
 * `end` and `error` as a stream does.
 */
// An emitter, not an EventTarget: it stands where a stream would, for the stream's `once('end')`.
// eslint-disable-next-line unicorn/prefer-event-target
class FileReader extends EventEmitter {
	private readonly buffer = Buffer.alloc(64 * 1024);
	private file: FileHandle | undefined;
	private reading = false;
	private paused = false;
	private destroyed = false;

	constructor(path: string, private readonly onRead: OnRead) {
		super();
		open(path, 'r').then(file => {
			if (this.destroyed) {
				void file.close();
			} else {
				this.file = file;
				this.readNext();
			}
		}, (error: unknown) => {
			this.emit('error', error);
		});
	}

	resume(): void {
		if (this.paused) {
			this.paused = false;
			this.readNext();
		}
	}

	destroy(): void {
		this.destroyed = true;
		if (this.file !== undefined && !this.reading) {
			void this.file.close();
			this.file = undefined;
		}
	}

	private readNext(): void {
		if (this.destroyed || this.reading || this.file === undefined) {
			return;
		}

		this.reading = true;
		this.file.read(this.buffer, 0, this.buffer.length, null).then(({bytesRead}) => {
			this.reading = false;
			if (this.destroyed) {
				this.destroy();
			} else if (bytesRead === 0) {
				this.emit('end');
			} else if (this.onRead(bytesRead, this.buffer)) {
				this.readNext();
			} else {
				this.paused = true;
			}
		}, (error: unknown) => {
			this.reading = false;
			this.emit('error', error);
		});
	}
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
