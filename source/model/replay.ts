import {parsePhoneNumberFromString} from 'libphonenumber-js/max';
import type {Message} from './messages.js';
import {packedBodyCost, packedEncoding, packedSegments} from './segments.js';
import {LIMITS} from './limits.js';

/**
 * Replayed traffic (`--input`): messages read from NDJSON or CSV lines instead of generated. Each
 * line has `to` (a phone number with its country code, checked with libphonenumber-js and
 * normalised to E.164), `body`, and optionally `priority` and `at` (its arrival, ms from the
 * start, never before the line above's).
 */
export type ReplayFormat = 'ndjson' | 'csv';

/** The priorities a replayed line may name when `--priority` does not list them, highest first. */
export const DEFAULT_REPLAY_PRIORITIES = ['critical', 'high', 'normal', 'low'] as const;

/** A line that breaks a rule: where, and which rule. */
export class ReplayError extends Error {
	constructor(readonly lineNumber: number, readonly rule: string) {
		super(lineNumber > 0 ? `line ${lineNumber}: ${rule}` : rule);
	}
}

/** The longest body a replayed line may have, in characters (as `--max-body-length` allows). */
const MAX_BODY = LIMITS.maxBodyLength.max;

/** Whether `body` is at most `MAX_BODY` characters (code points), counted only when its UTF-16 length could be more. */
const withinBodyLimit = (body: string): boolean => body.length <= MAX_BODY || (body.length <= LIMITS.bodyUnits && [...body].length <= MAX_BODY);

/**
 * The longest line read, in characters: a body of 10,000 characters, JSON-escaped, fits many
 * times over. Past it the input is no message file (`/dev/zero` has no newline at all), and it
 * is not read further: memory holds one line, never the input.
 */
export const MAX_LINE_CHARS = 1024 * 1024;

/** What a line reader gives in place of a line longer than `MAX_LINE_CHARS`, and then stops. */
export const OVERLONG_LINE = '\u0000sms-sim: overlong line\u0000';

export type ReplayOptions = {
	readonly format: ReplayFormat;
	/**
	 * The latest arrival (`at`) a line may give, ms, and why: beyond the simulation clock's range,
	 * or beyond what the monitor interval can report in a bounded number of progress lines.
	 */
	readonly maxAt?: {readonly ms: number; readonly why: string};
	/** The priority names a line may give. */
	readonly priorities: readonly string[];
	/** Go on after a bad line (a check of the whole file); the bad lines come out as `ReplayError`s. */
	readonly keepGoing?: boolean;
};

/**
 * The messages of `lines` (numbered from 1), lazily: one line read, checked and turned into a
 * message at a time. A bad line comes out as a `ReplayError` (and ends the messages, unless
 * `keepGoing`). Ids are the line numbers.
 */
export function * replayMessages(lines: Iterable<string>, options: ReplayOptions): Generator<Message | ReplayError, void, undefined> {
	const parser = new ReplayParser(options);
	for (const line of lines) {
		const outcome = parser.parse(line);
		if (outcome !== undefined) {
			yield outcome;
		}

		if (parser.ended) {
			return;
		}
	}
}

/**
 * Replayed lines to messages, one line at a time, as they are read: the line numbers, the CSV
 * header and the order of `at` are its state. After a bad line it is `ended` unless
 * `options.keepGoing` (a check of the whole file), and always after a line that ends reading
 * (a CSV file without its header, a line past `MAX_LINE_CHARS`).
 */
export class ReplayParser {
	/** No line after this one is read. */
	ended = false;
	private lineNumber = 0;

	/** Lines parsed so far. */
	get lines(): number {
		return this.lineNumber;
	}

	private header: string[] | undefined;
	private lastAt = 0;
	private sawAt: boolean | undefined;
	private readonly options: ReplayOptions;

	constructor(options: ReplayOptions) {
		this.options = options;
	}

	/** The line's message, or its problem, or undefined for a line that holds none (blank, a header). */
	parse(raw: string): Message | ReplayError | undefined {
		const {options} = this;
		const lineNumber = ++this.lineNumber;
		if (raw === OVERLONG_LINE) {
			this.ended = true;
			return new ReplayError(lineNumber, `is longer than ${MAX_LINE_CHARS.toLocaleString('en-US')} characters: not a line of messages (the input is not read further)`);
		}

		const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
		if (line.trim() === '') {
			return undefined;
		}

		try {
			if (options.format === 'csv' && this.header === undefined) {
				this.header = csvHeader(line, lineNumber);
				return undefined;
			}

			const message = messageOf(fieldsOf(line, lineNumber, options.format, this.header), lineNumber, options);
			const at = message.arrivalMs;
			if (this.sawAt !== undefined && this.sawAt !== (at !== undefined)) {
				throw new ReplayError(lineNumber, 'at must be given on every line or on none');
			}

			this.sawAt = at !== undefined;
			if (at !== undefined) {
				if (at < this.lastAt) {
					throw new ReplayError(lineNumber, `at ${at} is before the line above's (${this.lastAt}): lines must be in arrival order`);
				}

				this.lastAt = at;
			}

			return message;
		} catch (error) {
			if (!(error instanceof ReplayError)) {
				throw error;
			}

			if (!options.keepGoing || (this.header === undefined && options.format === 'csv')) {
				this.ended = true;
			}

			return error;
		}
	}
}

function csvHeader(line: string, lineNumber: number): string[] {
	const header = csvCells(line, lineNumber).map(cell => cell.trim());
	const unknown = header.find(name => !['to', 'body', 'priority', 'at'].includes(name));
	if (!header.includes('to') || !header.includes('body') || unknown !== undefined || new Set(header).size !== header.length) {
		throw new ReplayError(lineNumber, 'the first line must name the columns, each once: to, body, and optionally priority and at');
	}

	return header;
}

function fieldsOf(line: string, lineNumber: number, format: ReplayFormat, header: string[] | undefined): Record<string, unknown> {
	if (format === 'csv') {
		const cells = csvCells(line, lineNumber);
		if (cells.length !== header!.length) {
			throw new ReplayError(lineNumber, `has ${cells.length} fields where the header names ${header!.length}`);
		}

		return Object.fromEntries(header!.map((name, index) => [name, cells[index]]));
	}

	let fields: unknown;
	try {
		fields = JSON.parse(line);
	} catch {
		throw new ReplayError(lineNumber, 'is not JSON (each line must be an object such as {"to": "+12025550123", "body": "..."})');
	}

	if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
		throw new ReplayError(lineNumber, 'must be a JSON object such as {"to": "+12025550123", "body": "..."}');
	}

	return fields as Record<string, unknown>;
}

function messageOf(fields: Record<string, unknown>, lineNumber: number, options: ReplayOptions): Message {
	const {to, body, priority, at} = fields;
	if (typeof to !== 'string' || to.trim() === '') {
		throw new ReplayError(lineNumber, 'to is required: a phone number with its country code, such as +12025550123');
	}

	const phone = parsePhoneNumberFromString(to.trim());
	if (!phone?.isValid()) {
		throw new ReplayError(lineNumber, `to ${JSON.stringify(to.slice(0, 40))} is not a valid phone number with its country code (such as +12025550123)`);
	}

	if (typeof body !== 'string' || !withinBodyLimit(body)) {
		throw new ReplayError(lineNumber, `body is required: text of at most ${MAX_BODY.toLocaleString('en-US')} characters`);
	}

	let arrivalMs: number | undefined;
	if (at !== undefined && at !== '') {
		arrivalMs = typeof at === 'number' ? at : Number(at);
		if (!Number.isFinite(arrivalMs) || arrivalMs < 0) {
			throw new ReplayError(lineNumber, `at must be a number of ms from the start, 0 or more, got ${JSON.stringify(at)}`);
		}

		if (options.maxAt !== undefined && arrivalMs > options.maxAt.ms) {
			throw new ReplayError(lineNumber, `at ${arrivalMs} is later than ${options.maxAt.ms.toLocaleString('en-US')} ms: ${options.maxAt.why}`);
		}
	}

	if (priority !== undefined && priority !== '' && (typeof priority !== 'string' || !options.priorities.includes(priority))) {
		throw new ReplayError(lineNumber, `priority must be one of ${options.priorities.join(', ')}, got ${JSON.stringify(priority)}`);
	}

	const cost = packedBodyCost(body);
	return {
		id: String(lineNumber),
		to: phone.number,
		body,
		encoding: packedEncoding(cost),
		segments: packedSegments(cost),
		...(typeof priority === 'string' && priority !== '' ? {priority} : {}),
		...(arrivalMs === undefined ? {} : {arrivalMs}),
	};
}

/** One CSV line's fields (RFC 4180 quoting: `"a, b"` keeps its comma, `""` is a quote). */
function csvCells(line: string, lineNumber: number): string[] {
	const cells: string[] = [];
	let cell = '';
	let quoted = false;
	let index = 0;
	while (index < line.length) {
		const character = line[index];
		if (quoted) {
			if (character === '"' && line[index + 1] === '"') {
				cell += '"';
				index += 2;
				continue;
			}

			if (character === '"') {
				quoted = false;
			} else {
				cell += character;
			}
		} else if (character === '"' && cell === '') {
			quoted = true;
		} else if (character === ',') {
			cells.push(cell);
			cell = '';
		} else {
			cell += character;
		}

		index++;
	}

	if (quoted) {
		throw new ReplayError(lineNumber, 'has a quote that is not closed (a field may not span lines)');
	}

	cells.push(cell);
	return cells;
}
