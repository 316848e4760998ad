import {LIMITS} from '../model/limits.js';
import {
	CHARSETS, generateMessages, type Charset, type Message,
} from '../model/messages.js';
import {MAX_SEED, createRandom} from '../model/random.js';
import {
	packCost, packedBodyCost, type Encoding,
} from '../model/segments.js';
import type {SendResult} from '../model/senders.js';
import {
	MAX_BATCH, MAX_RECORD_BYTES, isRunTime, isText, isTime, type Parsed, type WorkerRecordHeader,
} from './topology.js';

/**
 * A batch on the wire: the messages a producer hands the workers, or the results a worker hands
 * every monitor (in runs that keep events), each batch one AMQP message. Binary, not JSON: numbers
 * are written and read in place, the run's names (producers, senders, groups) are written once a
 * batch, and the text (phone numbers and bodies) is one UTF-8 block decoded in one call.
 *
 *   "SMS" 0x01 | u32 header length | header (JSON) | rows (fixed size, little-endian) | text (UTF-8)
 *
 * The header says the batch's type, run and epoch, its row count and the names rows point to.
 * A row is numbers only; the text is each row's phone number then its body, one after another,
 * their lengths (in UTF-16 code units, as JavaScript counts) in the row.
 *
 * A batch of messages has no rows: it says how to draw them. A producer's messages are random, so
 * the batch carries the seed of its own stream of draws (`streamSeed` of the producer's seed and
 * the batch's number), the numbers of its messages and what bodies are drawn from; the worker that
 * takes it draws them, the same whoever it is. The bodies never cross the wire: a producer costs
 * next to nothing a message, the broker stores 200 bytes a batch, not 50 KB, and a worker makes
 * each message only when a sender is about to take it, so it dies young (measured, end to end: see
 * docs/performance.md, "How far it scales").
 *
 * A reader refuses (with the reason) anything that is not such a batch, or whose numbers could
 * poison a monitor's stats: lengths that disagree, times that are negative, out of range or out of
 * order, names or indexes out of range.
 */

/** The first four bytes of every batch: "SMS" and the layout's version. */
const MAGIC = Buffer.from('SMS\u0001', 'latin1');

/** Whether `body` is laid out as a batch (its reader says whether it is a good one). */
export const isBatch = (body: unknown): boolean => Buffer.isBuffer(body) && body.length >= 8 && MAGIC.compare(body, 0, 4) === 0;

/** The AMQP content type batches are published with. */
export const BATCH_CONTENT_TYPE = 'application/vnd.sms-sim.batch';

/** Longest phone number (E.164 is at most 15 digits and a plus) and body, in UTF-16 code units. */
const MAX_TO = 32;
const MAX_BODY = LIMITS.bodyUnits;

/** A message as a worker draws it from a batch: `n` is its number within its producer (its id is `<producer>-<n>`). */
export type WireMessage = Message & {readonly n: number; readonly segments: number; readonly encoding: Encoding};

/** A batch of messages of one producer: how to draw them. `startedAt` is the run's (its epoch's). */
export type MessagesBatch = {
	readonly type: 'messages';
	readonly run: string;
	readonly epoch: string;
	readonly startedAt: number;
	readonly producer: string;
	/** The batch's number within its producer, from 1: stats records name the batch by it. */
	readonly seq: number;
	/** The one priority of every message of the batch (`--priority`), if any. */
	readonly priority?: string;
	/**
	 * The part of batch `seq` these messages are: from this offset in it on. A worker gives back the
	 * messages of a batch it has not started as a part (see run-ledger.ts); a producer's batch is part 0.
	 */
	readonly part?: number;
	/** The number of the producer's batch's first message: message `offset` of the batch is numbered `first + offset`. */
	readonly first: number;
	/** How many messages it has: those at offsets `part` to `part + messages - 1` of the producer's batch. */
	readonly messages: number;
	/** The seed the batch's messages are drawn with, in order. */
	readonly seed: number;
	/** Longest body, characters, and what bodies are drawn from: the producer's. */
	readonly maxBodyLength: number;
	readonly charset: Charset;
};

/**
 * The messages of a batch or part, drawn in order as asked for (`all`: from the producer's batch's
 * first on). Those before the part are drawn and dropped, so every part of a batch draws the same.
 */
export function * drawMessages(batch: MessagesBatch, all = false): Generator<WireMessage, void, undefined> {
	const {first, priority} = batch;
	const from = all ? first : first + (batch.part ?? 0);
	let n = first;
	for (const message of generateMessages(createRandom(batch.seed), {
		count: (batch.part ?? 0) + batch.messages, maxBodyLength: batch.maxBodyLength, charset: batch.charset, idPrefix: `${batch.producer}-`, first,
	})) {
		if (n >= from) {
			yield priority === undefined
				? {
					n, id: message.id, to: message.to, body: message.body, segments: message.segments, encoding: message.encoding,
				}
				: {
					n, id: message.id, to: message.to, body: message.body, segments: message.segments, encoding: message.encoding, priority,
				};
		}

		n++;
	}
}

/** One finished message, as a worker reports it. Times are ms since the run's epoch began (its `startedAt`). */
export type WireResult = Pick<SendResult, 'senderId' | 'group' | 'status' | 'startMs' | 'endMs' | 'durationMs'> & {
	readonly producer: string;
	readonly n: number;
	readonly to: string;
	readonly body: string;
	/** Segments x 2, + 1 when the body travels as UCS-2 (see `packedBodyCost`). */
	readonly cost: number;
};

/** A batch of results from one worker. */
export type OutcomesBatch = WorkerRecordHeader & {
	readonly type: 'outcomes';
	readonly results: readonly WireResult[];
};

/** A message's id: `<producer>-<n>`, n from 1. */
export function messageId(producer: string, n: number): string {
	return `${producer}-${n}`;
}

// Results: n, start, end, duration (f64); producer, sender, group, cost, to length, body length (u32); failed (u8); 3 spare.
const RESULT_ROW = 60;

/** How a batch's rows are written: `count` rows of `rowSize` bytes, row `index` by `writeRow` at `offset`. */
type Rows = {readonly rowSize: number; readonly count: number; readonly writeRow: (view: DataView, offset: number, index: number) => void};

/** Writes header, rows and text into one Buffer. */
function encode(header: Record<string, unknown>, {rowSize, count, writeRow}: Rows, text: string): Buffer {
	const head = Buffer.from(JSON.stringify({...header, count}), 'utf8');
	const rowsAt = 8 + head.length;
	const textAt = rowsAt + (rowSize * count);
	// Every byte is written below (rows have no padding), so nothing of an earlier allocation goes out.
	const bytes = Buffer.allocUnsafe(textAt + Buffer.byteLength(text, 'utf8'));
	MAGIC.copy(bytes, 0);
	bytes.writeUInt32LE(head.length, 4);
	head.copy(bytes, 8);
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
	for (let index = 0; index < count; index++) {
		writeRow(view, rowsAt + (index * rowSize), index);
	}

	bytes.write(text, textAt, 'utf8');
	return bytes;
}

const noRows: Rows = {
	rowSize: 0,
	count: 0,
	writeRow() {
		// A batch of messages has no rows.
	},
};

/** A batch of messages, ready to publish. */
export function encodeMessages(batch: Omit<MessagesBatch, 'type'>): Buffer {
	return encode({...batch, type: 'messages'}, noRows, '');
}

/** A batch of results, ready to publish: every producer, sender and group named once. */
export function encodeOutcomes(header: Omit<OutcomesBatch, 'type' | 'results'>, results: readonly WireResult[]): Buffer {
	const producers = new Names();
	const senders = new Names();
	const groups = new Names();
	const indexes = new Uint32Array(results.length * 3);
	let text = '';
	for (const [index, result] of results.entries()) {
		indexes[index * 3] = producers.indexOf(result.producer);
		indexes[(index * 3) + 1] = senders.indexOf(result.senderId);
		indexes[(index * 3) + 2] = groups.indexOf(result.group);
		text += result.to + result.body;
	}

	const writeRow = (view: DataView, at: number, index: number) => {
		const result = results[index]!; // Index is one of the rows' (encode writes `results.length` of them).
		view.setFloat64(at, result.n, true);
		view.setFloat64(at + 8, result.startMs, true);
		view.setFloat64(at + 16, result.endMs, true);
		view.setFloat64(at + 24, result.durationMs, true);
		view.setUint32(at + 32, indexes[index * 3]!, true);
		view.setUint32(at + 36, indexes[(index * 3) + 1]!, true);
		view.setUint32(at + 40, indexes[(index * 3) + 2]!, true);
		view.setUint32(at + 44, result.cost, true);
		view.setUint32(at + 48, result.to.length, true);
		view.setUint32(at + 52, result.body.length, true);
		view.setUint32(at + 56, result.status === 'failed' ? 1 : 0, true);
	};

	return encode({
		type: 'outcomes', ...header, producers: producers.list, senders: senders.list, groups: groups.list,
	}, {rowSize: RESULT_ROW, count: results.length, writeRow}, text);
}

/** Names in the order first seen, each with its index. */
class Names {
	readonly list: string[] = [];
	private readonly index = new Map<string, number>();

	indexOf(name: string): number {
		let index = this.index.get(name);
		if (index === undefined) {
			index = this.list.length;
			this.index.set(name, index);
			this.list.push(name);
		}

		return index;
	}
}

type Header = Record<string, unknown>;

/** A batch read: its header, a view on its rows, and its text. */
type Frame = {readonly header: Header; readonly count: number; readonly view: DataView; readonly rowsAt: number; readonly text: string};

const isNames = (value: unknown, max: number): value is string[] => Array.isArray(value) && value.length <= MAX_BATCH && value.every(name => isText(name, max));
/** A message's number within its producer: a whole number from 1, exact as a double. */
const isNumber = (value: number): boolean => Number.isSafeInteger(value) && value >= 1;
/** A packed cost: at least one segment, and no more than a longest body can take. */
const isCost = (value: number): boolean => value >= 2 && value <= (2 * MAX_BODY) + 1;

/** Why `body` is not a batch at all: a JSON batch is one of an sms-sim before batches were binary. */
function notABatch(body: unknown): string {
	const first = typeof body === 'string' ? body.slice(0, 1) : (Buffer.isBuffer(body) ? body.subarray(0, 1).toString() : '');
	const parsedJson = typeof body === 'object' && body !== null && !Buffer.isBuffer(body); // The client parses application/json.
	return first === '{' || parsedJson ? 'JSON, not a batch (an older sms-sim\'s?)' : 'not a batch';
}

/** The header of a batch: a JSON object, or why not. */
function readHeader(body: Buffer, headLength: number): Parsed<Header> {
	let header: unknown;
	try {
		header = JSON.parse(body.toString('utf8', 8, 8 + headLength));
	} catch {
		return {problem: 'a batch whose header is not JSON'};
	}

	return typeof header === 'object' && header !== null && !Array.isArray(header) ? {record: header as Header} : {problem: 'a batch whose header is not a JSON object'};
}

/** Splits a batch into header, rows and text, or says why it is not a batch of `type`. */
function readFrame(body: unknown, type: string, rowSize: number): Parsed<Frame> {
	if (!Buffer.isBuffer(body) || body.length < 8 || MAGIC.compare(body, 0, 4) !== 0) {
		return {problem: notABatch(body)};
	}

	if (body.length > MAX_RECORD_BYTES) {
		return {problem: `larger than ${MAX_RECORD_BYTES / 1024 / 1024} MB`};
	}

	const headLength = body.readUInt32LE(4);
	if (8 + headLength > body.length) {
		return {problem: 'a batch cut short'};
	}

	const header = readHeader(body, headLength);
	if ('problem' in header) {
		return header;
	}

	const fields = header.record;
	if (fields.type !== type) {
		return {problem: `not a batch of ${type}`};
	}

	if (!isText(fields.run, 100) || !isText(fields.epoch, 100)) {
		return {problem: 'no run or epoch'};
	}

	const {count} = fields;
	if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > MAX_BATCH) {
		return {problem: `not 0 to ${MAX_BATCH} rows`};
	}

	const rowsAt = 8 + headLength;
	const textAt = rowsAt + (count * rowSize);
	if (textAt > body.length) {
		return {problem: 'a batch cut short'};
	}

	return {
		record: {
			header: fields, count, rowsAt, view: new DataView(body.buffer, body.byteOffset, body.length), text: body.toString('utf8', textAt),
		},
	};
}

/** A whole number in [min, max]. */
const isWhole = (value: unknown, min: number, max: number): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;

/** Reads a batch of messages off the broker: the batch, or why it is not one. */
export function parseMessages(body: unknown): Parsed<MessagesBatch> {
	const frame = readFrame(body, 'messages', 0);
	if ('problem' in frame) {
		return frame;
	}

	const {header, count} = frame.record;
	if (!isText(header.producer, 64) || !isTime(header.startedAt) || typeof header.seq !== 'number' || !isNumber(header.seq)) {
		return {problem: 'no producer, batch number or start time'};
	}

	if (header.priority !== undefined && !isText(header.priority, 40)) {
		return {problem: 'a malformed priority'};
	}

	const {first, messages, part = 0} = header;
	if (part !== 0 && !isWhole(part, 1, MAX_BATCH - 1)) {
		return {problem: 'a malformed part of a batch'};
	}

	if (count !== 0 || !isWhole(messages, 1, MAX_BATCH - (part)) || !isWhole(first, 1, Number.MAX_SAFE_INTEGER - MAX_BATCH)) {
		return {problem: 'malformed messages'};
	}

	const {seed, maxBodyLength, charset} = header;
	if (!isWhole(seed, 0, MAX_SEED) || !isWhole(maxBodyLength, LIMITS.maxBodyLength.min, LIMITS.maxBodyLength.max) || !CHARSETS.includes(charset as Charset)) {
		return {problem: 'no seed, longest body or charset to draw its messages with'};
	}

	return {
		record: {
			type: 'messages', run: header.run as string, epoch: header.epoch as string, startedAt: header.startedAt, producer: header.producer, seq: header.seq, ...(header.priority === undefined ? {} : {priority: header.priority}), ...(part === 0 ? {} : {part}), first, messages, seed, maxBodyLength, charset: charset as Charset,
		},
	};
}

/** Reads a batch of results off the broker: the batch, or why it is not one. */
export function parseOutcomes(body: unknown): Parsed<OutcomesBatch> {
	const frame = readFrame(body, 'outcomes', RESULT_ROW);
	if ('problem' in frame) {
		return frame;
	}

	const {header, count, view, rowsAt, text} = frame.record;
	if (!isText(header.worker, 300)) {
		return {problem: 'no worker'};
	}

	const {producers, senders, groups} = header;
	if (!isNames(producers, 64) || !isNames(senders, 300) || !isNames(groups, 40)) {
		return {problem: 'no producers, senders or groups'};
	}

	const context: ResultContext = {
		producers, senders, groups, text,
	};
	const results: WireResult[] = [];
	let textAt = 0;
	for (let index = 0, at = rowsAt; index < count; index++, at += RESULT_ROW) {
		const result = readResult(view, at, context, textAt);
		if (typeof result === 'string') {
			return {problem: result};
		}

		results.push(result);
		textAt += result.to.length + result.body.length;
	}

	if (textAt !== text.length) {
		return {problem: 'a result has no number or body'};
	}

	return {
		record: {
			type: 'outcomes', run: header.run as string, epoch: header.epoch as string, worker: header.worker, results,
		},
	};
}

/** What a result's row points into: the batch's names and its text. */
type ResultContext = {readonly producers: string[]; readonly senders: string[]; readonly groups: string[]; readonly text: string};

/** The result in the row at `at`, its text from `textAt`; or what is wrong with it. */
function readResult(view: DataView, at: number, batch: ResultContext, textAt: number): WireResult | string {
	const {text} = batch;
	const n = view.getFloat64(at, true);
	const startMs = view.getFloat64(at + 8, true);
	const endMs = view.getFloat64(at + 16, true);
	const durationMs = view.getFloat64(at + 24, true);
	if (!isNumber(n) || !isRunTime(startMs) || !isRunTime(endMs) || !isRunTime(durationMs) || endMs < startMs) {
		return 'a result\'s number or times are negative, out of range or out of order';
	}

	const producer = batch.producers[view.getUint32(at + 32, true)];
	const senderId = batch.senders[view.getUint32(at + 36, true)];
	const group = batch.groups[view.getUint32(at + 40, true)];
	const cost = view.getUint32(at + 44, true);
	const failed = view.getUint32(at + 56, true);
	if (producer === undefined || senderId === undefined || group === undefined || !isCost(cost) || failed > 1) {
		return 'a result\'s producer, sender, group, cost or status is not one of the batch\'s';
	}

	const toLength = view.getUint32(at + 48, true);
	const bodyLength = view.getUint32(at + 52, true);
	if (toLength === 0 || toLength > MAX_TO || bodyLength > MAX_BODY || textAt + toLength + bodyLength > text.length) {
		return 'a result has no number or body';
	}

	return {
		producer,
		n,
		to: text.slice(textAt, textAt + toLength),
		body: text.slice(textAt + toLength, textAt + toLength + bodyLength),
		cost,
		senderId,
		group,
		status: failed === 1 ? 'failed' : 'sent',
		startMs,
		endMs,
		durationMs,
	};
}

/** The packed cost (see `packedBodyCost`) of a message: from its own fields, or worked out from its body. */
export function costOf(message: Message): number {
	return message.segments === undefined || message.encoding === undefined ? packedBodyCost(message.body) : packCost(message.encoding, message.segments);
}
