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
	return new ReplayInput(path, options, stdin, onBadLine);
}

/** The input of one replay: lines read ahead as text, parsed as they are pulled. */
class ReplayInput implements InputReader {
	private readonly parser: ReplayParser;
	private readonly splitter = new LineSplitter(MAX_LINE_CHARS);
	private readonly stream: Readable | FileReader;
	/** A socket and a file reader push into the reused buffer (and are resumed); a stream is read. */
	private readonly socket: Socket | FileReader | undefined;
	/** Lines read and not parsed yet, from `head` on. */
	private unparsed: Array<string | undefined> = [];
	private head = 0;
	/** Nothing more will be read: the input ended, or a line was too long, or reading was stopped. */
	private readDone = false;
	/** Nothing more will be given: reading is done and every line taken, or a bad line ended it. */
	private ended = false;
	/** A message parsed by `first()` and not pulled yet. */
	private peeked: Message | undefined;
	private failure: ReplayError | undefined;
	private waiters: Array<() => void> = [];
	/** The socket stopped reading because the read-ahead was full (returning false stops it). */
	private socketPaused = false;
	private readonly fill = (): void => {
		this.readAvailable();
	};

	constructor(path: string, options: ReplayOptions, private readonly stdin: Readable | undefined, private readonly onBadLine: ((error: ReplayError) => void) | undefined) {
		this.parser = new ReplayParser(options);
		// Pipes and sockets are read into one buffer, used again for every read (a stream's 64 KiB
		// piece per read is garbage the heap does not see), and stop reading while the read-ahead is
		// full; anything else is a stream read as asked.
		const consumeRead = (bytes: number, into: Uint8Array): boolean => this.consumeRead(bytes, into);
		this.stream = path === '-' ? (stdin ?? standardInput(consumeRead)) : openInput(path, consumeRead);
		this.socket = this.stream instanceof Socket || this.stream instanceof FileReader ? this.stream : undefined;
		if (!this.socket) {
			(this.stream as Readable).on('readable', this.fill);
		}

		this.stream.once('end', () => {
			this.onEnd();
		});
		this.stream.once('error', (error: NodeJS.ErrnoException) => {
			if (!this.readDone) {
				this.failure ??= new ReplayError(0, `cannot read it: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
				this.unparsed.length = this.head; // What was read after the last good line is not trusted.
				this.stopReading();
			}

			this.notify();
		});
	}

	[Symbol.iterator](): Iterator<Message | typeof NOT_YET> {
		return {
			next: () => this.next(),
			return: () => ({done: true, value: undefined}),
		};
	}

	whenReady(callback: () => void): void {
		this.waiters.push(() => {
			setImmediate(callback); // Never within the pull that waited: the pool is mid-step there.
		});
		this.notify();
	}

	problem(): ReplayError | undefined {
		return this.failure;
	}

	async first(): Promise<Message | undefined> {
		for (;;) {
			const step = this.next();
			if (step.done) {
				return undefined;
			}

			if (step.value !== NOT_YET) {
				this.peeked = step.value;
				return step.value;
			}

			// eslint-disable-next-line no-await-in-loop
			await new Promise<void>(resolve => {
				this.whenReady(resolve);
			});
		}
	}

	close(): void {
		this.stopReading();
		this.unparsed.length = this.head;
		this.ended = true;
		this.notify();
	}

	lines(): number {
		return this.parser.lines;
	}

	private notify(): void {
		if ((this.head < this.unparsed.length || this.readDone) && this.waiters.length > 0) {
			const called = this.waiters;
			this.waiters = [];
			for (const waiter of called) {
				waiter();
			}
		}
	}

	private stopReading(): void {
		if (!this.readDone) {
			this.readDone = true;
			(this.stream as Readable).off('readable', this.fill);
			if (this.stream !== this.stdin && this.stream !== process.stdin) {
				this.stream.destroy();
			}
		}
	}

	private wantsMore(): boolean {
		return !this.readDone && this.unparsed.length - this.head < READ_AHEAD;
	}

	private consume(chunk: Buffer): void {
		if (!this.splitter.write(chunk, line => {
			this.unparsed.push(line);
		})) {
			this.unparsed.push(OVERLONG_LINE); // The parser says so, in its turn; nothing after it is read.
			this.stopReading();
		}
	}

	private consumeRead(bytes: number, into: Uint8Array): boolean {
		if (this.readDone) {
			return false;
		}

		this.consume(Buffer.from(into.buffer, into.byteOffset, bytes));
		this.notify();
		this.socketPaused = !this.wantsMore();
		return !this.socketPaused;
	}

	/** Reads what the input has, until the read-ahead is full. */
	private readAvailable(): void {
		if (this.socket) {
			if (this.socketPaused && this.wantsMore()) {
				this.socketPaused = false;
				this.socket.resume();
			}

			return;
		}

		while (this.wantsMore()) {
			const chunk = (this.stream as Readable).read() as Buffer | string | null;
			if (chunk === null) {
				break;
			}

			this.consume(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
		}

		this.notify();
	}

	private onEnd(): void {
		if (!this.readDone) {
			const last = this.splitter.end();
			if (last !== undefined) {
				this.unparsed.push(last);
			}

			this.stopReading();
		}

		this.notify();
	}

	/** The next message of the lines read so far; undefined when they hold none (yet). */
	private parseNext(): Message | undefined {
		while (!this.ended && this.head < this.unparsed.length) {
			const line = this.unparsed[this.head]!;
			this.unparsed[this.head++] = undefined;
			const outcome = this.parser.parse(line);
			if (outcome instanceof ReplayError) {
				if (this.onBadLine && !this.parser.ended) {
					this.onBadLine(outcome); // A check of the whole file: on to the next line.
					continue;
				}

				this.failure ??= outcome;
				this.ended = true;
				this.stopReading();
			} else if (outcome !== undefined) {
				return outcome;
			}
		}

		if (this.head === this.unparsed.length) {
			this.unparsed = [];
			this.head = 0;
		} else if (this.head >= READ_AHEAD) {
			this.unparsed = this.unparsed.slice(this.head);
			this.head = 0;
		}

		return undefined;
	}

	private next(): IteratorResult<Message | typeof NOT_YET> {
		if (this.peeked !== undefined) {
			const message = this.peeked;
			this.peeked = undefined;
			return {done: false, value: message};
		}

		let message = this.parseNext();
		if (message === undefined && !this.ended && !this.readDone) {
			this.readAvailable(); // What the input holds already, before saying not yet.
			message = this.parseNext();
		}

		if (message !== undefined) {
			if (this.unparsed.length - this.head < READ_AHEAD / 2) {
				this.readAvailable();
			}

			return {done: false, value: message};
		}

		if (this.readDone && this.head === this.unparsed.length) {
			this.ended = true;
		}

		return this.ended ? {done: true, value: undefined} : {done: false, value: NOT_YET};
	}
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
