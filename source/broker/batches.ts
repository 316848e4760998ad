import {LIMITS} from '../limits.js';
import type {Message} from '../messages.js';
import {
	packCost, packedBodyCost, packedEncoding, packedSegments, type Encoding,
} from '../segments.js';
import type {SendResult} from '../senders.js';
import {
	MAX_BATCH, MAX_RECORD_BYTES, isRunTime, isText, isTime, type Parsed, type WorkerRecordHeader,
} from './topology.js';

/**
 * A batch on the wire: the messages a producer hands the workers, or the results a worker hands
 * every monitor, each batch one AMQP message. Every message of a run crosses the wire twice, so
 * this is the distributed mode's hot path: binary, not JSON. Numbers are written and read in place
 * (no text to print or parse), the run's names (producers, senders, groups) are written once a
 * batch, and the text (phone numbers and bodies) is one UTF-8 block decoded in one call.
 *
 *   "SMS" 0x01 | u32 header length | header (JSON) | rows (fixed size, little-endian) | text (UTF-8)
 *
 * The header says the batch's type, run and epoch, its row count and the names rows point to.
 * A row is numbers only; the text is each row's phone number then its body, one after another,
 * their lengths (in UTF-16 code units, as JavaScript counts) in the row. A message's id is
 * `<producer>-<n>`: the producer is named in the header, `n` is in the row.
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

/** A message as a worker reads it off a batch: `n` is its number within its producer (its id is `<producer>-<n>`). */
export type WireMessage = Message & {readonly n: number; readonly segments: number; readonly encoding: Encoding};

/** A batch of messages of one producer; `startedAt` is the run's (its epoch's). */
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
	readonly messages: readonly WireMessage[];
};

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

// Rows. Messages: n (f64), cost (u32), to length (u32), body length (u32).
const MESSAGE_ROW = 20;
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

/** A message as a producer hands it to `encodeMessages`: its number, text and packed cost (see `costOf`). */
export type OutgoingMessage = {readonly n: number; readonly to: string; readonly body: string; readonly cost: number};

/** A batch of messages, ready to publish. */
export function encodeMessages(header: Omit<MessagesBatch, 'type' | 'messages'>, messages: readonly OutgoingMessage[]): Buffer {
	let text = '';
	for (const message of messages) {
		text += message.to + message.body;
	}

	const writeRow = (view: DataView, at: number, index: number) => {
		const message = messages[index];
		view.setFloat64(at, message.n, true);
		view.setUint32(at + 8, message.cost, true);
		view.setUint32(at + 12, message.to.length, true);
		view.setUint32(at + 16, message.body.length, true);
	};

	return encode({type: 'messages', ...header}, {rowSize: MESSAGE_ROW, count: messages.length, writeRow}, text);
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
		const result = results[index];
		view.setFloat64(at, result.n, true);
		view.setFloat64(at + 8, result.startMs, true);
		view.setFloat64(at + 16, result.endMs, true);
		view.setFloat64(at + 24, result.durationMs, true);
		view.setUint32(at + 32, indexes[index * 3], true);
		view.setUint32(at + 36, indexes[(index * 3) + 1], true);
		view.setUint32(at + 40, indexes[(index * 3) + 2], true);
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

/** Reads a batch of messages off the broker: the batch, or why it is not one. */
export function parseMessages(body: unknown): Parsed<MessagesBatch> {
	const frame = readFrame(body, 'messages', MESSAGE_ROW);
	if ('problem' in frame) {
		return frame;
	}

	const {header, count, view, rowsAt, text} = frame.record;
	if (!isText(header.producer, 64) || !isTime(header.startedAt) || typeof header.seq !== 'number' || !isNumber(header.seq)) {
		return {problem: 'no producer, batch number or start time'};
	}

	if (header.priority !== undefined && !isText(header.priority, 40)) {
		return {problem: 'a malformed priority'};
	}

	if (header.part !== undefined && !(typeof header.part === 'number' && Number.isSafeInteger(header.part) && header.part >= 1)) {
		return {problem: 'a malformed part of a batch'};
	}

	const {producer} = header;
	const {priority} = header;
	const messages: WireMessage[] = [];
	let textAt = 0;
	for (let index = 0, at = rowsAt; index < count; index++, at += MESSAGE_ROW) {
		const n = view.getFloat64(at, true);
		const cost = view.getUint32(at + 8, true);
		const toLength = view.getUint32(at + 12, true);
		const bodyLength = view.getUint32(at + 16, true);
		if (!isNumber(n) || !isCost(cost) || toLength === 0 || toLength > MAX_TO || bodyLength > MAX_BODY || textAt + toLength + bodyLength > text.length) {
			return {problem: 'malformed messages'};
		}

		const to = text.slice(textAt, textAt + toLength);
		const messageBody = text.slice(textAt + toLength, textAt + toLength + bodyLength);
		textAt += toLength + bodyLength;
		const id = messageId(producer, n);
		const encoding = packedEncoding(cost);
		const segments = packedSegments(cost);
		messages.push(priority === undefined
			? {
				n, id, to, body: messageBody, segments, encoding,
			}
			: {
				n, id, to, body: messageBody, segments, encoding, priority,
			});
	}

	if (textAt !== text.length) {
		return {problem: 'malformed messages'};
	}

	return {
		record: {
			type: 'messages', run: header.run as string, epoch: header.epoch as string, startedAt: header.startedAt, producer, seq: header.seq, ...(priority === undefined ? {} : {priority}), ...(header.part === undefined ? {} : {part: header.part}), messages,
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
