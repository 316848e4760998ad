import type {Message} from '../messages.js';
import {flattenResult, type SendResult} from '../senders.js';

/**
 * What a run `ID` keeps on the broker, all durable, every message persistent:
 *
 *   produce --(batches of messages)--> sms-sim.ID.messages --> send (each worker: a few batches in hand)
 *                                            | rejected (not ours, malformed, too large)
 *                                            v
 *                                      sms-sim.ID.dead
 *   send    --(batches of results)---> sms-sim.ID.outcomes  (a stream) --> any number of monitors, each from its start
 *   produce --(producer-start, producer-done)--> sms-sim.ID.control (a stream) --> monitors, workers
 *   send    --(heartbeats)-----------------------^
 *   every produce --(an identity it offers)--> sms-sim.ID.identity (a stream: the first one is the run's)
 *   each program, as it starts: sms-sim.ID.declaring (an exclusive queue, held while it declares; see declare-run.ts)
 *
 * Streams keep what is written to them: a monitor reads without taking anything away from
 * another, and one started late, or again, reads the run from its start.
 */
export type RunNames = {
	readonly messages: string;
	readonly outcomes: string;
	readonly control: string;
	readonly dead: string;
	readonly identity: string;
};

export function runNames(run: string): RunNames {
	return {
		messages: `sms-sim.${run}.messages`,
		outcomes: `sms-sim.${run}.outcomes`,
		control: `sms-sim.${run}.control`,
		dead: `sms-sim.${run}.dead`,
		identity: `sms-sim.${run}.identity`,
	};
}

/** How each queue is declared: every program declares them the same way (RabbitMQ refuses a mismatch). */
export function queueOptions(run: string) {
	const names = runNames(run);
	return {
		// A priority queue (`--priority`): batches of higher priorities are handed out first.
		messages: {queue: names.messages, durable: true, arguments: {'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': names.dead, 'x-max-priority': MAX_PRIORITY}},
		outcomes: {queue: names.outcomes, durable: true, arguments: {'x-queue-type': 'stream'}},
		control: {queue: names.control, durable: true, arguments: {'x-queue-type': 'stream'}},
		dead: {queue: names.dead, durable: true},
		identity: {queue: names.identity, durable: true, arguments: {'x-queue-type': 'stream'}},
	} as const;
}

/** The broker when neither --broker nor SMS_SIM_BROKER says: a local RabbitMQ, as guest. */
export const DEFAULT_BROKER = 'amqp://localhost';

/** A run's name: it becomes part of queue names. */
export const RUN_PATTERN = /^[\w.-]{1,100}$/;

/** The highest AMQP priority a batch of messages gets (the queue's x-max-priority); lower priorities count down from it. */
export const MAX_PRIORITY = 10;

/** Messages (or results) in one AMQP message unless `--batch` says otherwise. */
export const DEFAULT_BATCH = 500;
/** The most a batch may hold. */
export const MAX_BATCH = 10_000;
/** The largest record read off the broker: a batch of 10,000 messages with 10,000-character bodies is ~100 MB; anything larger is not ours. */
export const MAX_RECORD_BYTES = 128 * 1024 * 1024;

/** The run's identity: the first of these on the identity stream. Every record of the run carries its `epoch`. */
export type EpochRecord = {readonly type: 'epoch'; readonly run: string; readonly epoch: string; readonly startedAt: number};

/** A producer joins the run: what it means to publish. */
export type ProducerStartRecord = {
	readonly type: 'producer-start';
	readonly run: string;
	readonly epoch: string;
	readonly producer: string;
	readonly total: number;
	readonly seed: number;
	readonly maxBodyLength: number;
};

/** A producer is done: every one of its `published` messages is confirmed by the broker. */
export type ProducerDoneRecord = {readonly type: 'producer-done'; readonly run: string; readonly epoch: string; readonly producer: string; readonly published: number};

/** A worker is alive: what it holds, every interval. `done` on its last. */
export type HeartbeatRecord = {
	readonly type: 'heartbeat';
	readonly run: string;
	readonly epoch: string;
	readonly worker: string;
	readonly senders: number;
	readonly inFlight: number;
	readonly processed: number;
	readonly done: boolean;
};

export type ControlRecord = ProducerStartRecord | ProducerDoneRecord | HeartbeatRecord;

/** A batch of messages, ids `<producer>-<n>`; `startedAt` is the run's (its epoch's). */
export type MessagesRecord = {
	readonly type: 'messages';
	readonly run: string;
	readonly epoch: string;
	readonly startedAt: number;
	readonly producer: string;
	readonly messages: readonly Message[];
	/** The one priority of every message of the batch (`--priority`), if any. */
	readonly priority?: string;
};

/** One finished message. Times are ms since the run's epoch began (its `startedAt`). */
export type ResultRecord = Readonly<ReturnType<typeof flattenResult>>;

/**
 * A batch of results from one worker, in columns: one array per field, each sender and group
 * named once. About half the JSON of one object per result, and quicker to write and to read.
 */
export type OutcomesRecord = {
	readonly type: 'outcomes';
	readonly run: string;
	readonly epoch: string;
	readonly worker: string;
	readonly senders: readonly string[];
	readonly groups: readonly string[];
	readonly id: readonly string[];
	readonly to: readonly string[];
	readonly body: readonly string[];
	/** Index into `senders`. */
	readonly sender: readonly number[];
	/** Index into `groups`. */
	readonly group: readonly number[];
	/** 1 failed, 0 sent. */
	readonly failed: readonly number[];
	readonly startMs: readonly number[];
	readonly endMs: readonly number[];
	readonly durationMs: readonly number[];
};

/** Results of one epoch, as one outcomes record. */
export function encodeOutcomes(header: {run: string; epoch: string; worker: string}, results: readonly ResultRecord[]): OutcomesRecord {
	const senders = new Map<string, number>();
	const groups = new Map<string, number>();
	const indexOf = (map: Map<string, number>, key: string): number => {
		let index = map.get(key);
		if (index === undefined) {
			index = map.size;
			map.set(key, index);
		}

		return index;
	};

	return {
		type: 'outcomes',
		...header,
		id: results.map(result => result.id),
		to: results.map(result => result.to),
		body: results.map(result => result.body),
		sender: results.map(result => indexOf(senders, result.senderId)),
		group: results.map(result => indexOf(groups, result.group)),
		failed: results.map(result => (result.status === 'failed' ? 1 : 0)),
		startMs: results.map(result => result.startMs),
		endMs: results.map(result => result.endMs),
		durationMs: results.map(result => result.durationMs),
		senders: [...senders.keys()],
		groups: [...groups.keys()],
	};
}

/** The results of an outcomes record (checked by `parseOutcomes`), one by one. */
export function * decodeOutcomes(record: OutcomesRecord): Generator<ResultRecord> {
	for (let index = 0; index < record.id.length; index++) {
		yield {
			id: record.id[index],
			to: record.to[index],
			body: record.body[index],
			senderId: record.senders[record.sender[index]],
			group: record.groups[record.group[index]],
			status: record.failed[index] === 1 ? 'failed' : 'sent',
			startMs: record.startMs[index],
			endMs: record.endMs[index],
			durationMs: record.durationMs[index],
		};
	}
}

export function toResultRecord(result: SendResult, offsetMs: number): ResultRecord {
	return flattenResult(result, offsetMs);
}

export function fromResultRecord(record: ResultRecord): SendResult {
	return {
		type: 'result',
		id: record.id,
		message: {id: record.id, to: record.to, body: record.body},
		senderId: record.senderId,
		group: record.group,
		status: record.status,
		startMs: record.startMs,
		endMs: record.endMs,
		durationMs: record.durationMs,
	};
}

/** Why a record was not taken, or the record. */
export type Parsed<T> = {readonly record: T} | {readonly problem: string};

type Json = Record<string, unknown>;

const isText = (value: unknown, max: number): value is string => typeof value === 'string' && value.length > 0 && value.length <= max;
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
/** A time or duration a result may carry: finite, not negative, within the clock's range. */
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 2 ** 51 / 1000;

/** Reads one AMQP body as a JSON object, refusing what is too large or not JSON. */
function readJson(body: unknown): Parsed<Json> {
	if (Buffer.isBuffer(body) && body.length > MAX_RECORD_BYTES) {
		return {problem: `larger than ${MAX_RECORD_BYTES / 1024 / 1024} MB`};
	}

	let value: unknown = body;
	if (typeof body === 'string' || Buffer.isBuffer(body)) {
		// Decoded once: a batch is hundreds of kilobytes.
		const text = typeof body === 'string' ? body : body.toString('utf8');
		if (text.length > MAX_RECORD_BYTES) {
			return {problem: `larger than ${MAX_RECORD_BYTES / 1024 / 1024} MB`};
		}

		try {
			value = JSON.parse(text);
		} catch {
			return {problem: 'not JSON'};
		}
	}

	return typeof value === 'object' && value !== null && !Array.isArray(value) ? {record: value as Json} : {problem: 'not a JSON object'};
}

/** The fields every record of a run has. */
function ofRun(value: Json, type: string): string | undefined {
	if (value.type !== type) {
		return `not a ${type} record`;
	}

	return isText(value.run, 100) && isText(value.epoch, 100) ? undefined : 'no run or epoch';
}

const isMessage = (value: unknown): value is Message => {
	const message = value as Json;
	return typeof value === 'object' && value !== null && isText(message.id, 200) && isText(message.to, 32) && typeof message.body === 'string' && message.body.length <= 10_000;
};

/**
 * Reads a record off the broker: JSON (not too large), then `problemOf` says what, if anything, is
 * wrong with it; the record, or why it is not one.
 */
function parseRecord<T>(body: unknown, problemOf: (value: Json) => string | undefined): Parsed<T> {
	const json = readJson(body);
	if ('problem' in json) {
		return json;
	}

	const problem = problemOf(json.record);
	return problem === undefined ? {record: json.record as T} : {problem};
}

export const parseEpoch = (body: unknown): Parsed<EpochRecord> => parseRecord(body, value =>
	ofRun(value, 'epoch') ?? (isTime(value.startedAt) && value.startedAt > 0 ? undefined : 'no start time'));

export const parseMessages = (body: unknown): Parsed<MessagesRecord> => parseRecord(body, value =>
	ofRun(value, 'messages')
	?? (isText(value.producer, 64) ? undefined : 'no producer')
	?? (isTime(value.startedAt) ? undefined : 'no start time')
	?? (value.priority === undefined || isText(value.priority, 40) ? undefined : 'a malformed priority')
	?? (Array.isArray(value.messages) && value.messages.length <= MAX_BATCH && value.messages.every(message => isMessage(message)) ? undefined : 'malformed messages'));

const every = (values: unknown, test: (value: unknown) => boolean): boolean => Array.isArray(values) && values.every(value => test(value));

/** What is wrong with the columns of an outcomes record, if anything: anything that would poison the stats. */
function outcomesProblem(value: Json): string | undefined {
	const {id} = value;
	if (!Array.isArray(id) || id.length > MAX_BATCH) {
		return 'no results';
	}

	const columns = ['to', 'body', 'sender', 'group', 'failed', 'startMs', 'endMs', 'durationMs'] as const;
	if (columns.some(column => !Array.isArray(value[column]) || (value[column] as unknown[]).length !== id.length)) {
		return 'result columns of different lengths';
	}

	if (!every(value.senders, sender => isText(sender, 300)) || !every(value.groups, group => isText(group, 40))) {
		return 'no senders or groups';
	}

	const senders = (value.senders as unknown[]).length;
	const groups = (value.groups as unknown[]).length;
	const isIndex = (limit: number) => (index: unknown) => typeof index === 'number' && Number.isInteger(index) && index >= 0 && index < limit;
	if (!every(id, item => isText(item, 200)) || !every(value.to, to => isText(to, 32)) || !every(value.body, body => typeof body === 'string' && body.length <= 10_000)) {
		return 'a result has no id, number or body';
	}

	if (!every(value.sender, isIndex(senders)) || !every(value.group, isIndex(groups)) || !every(value.failed, failed => failed === 0 || failed === 1)) {
		return 'a result\'s sender, group or status is not one of the record\'s';
	}

	const starts = value.startMs as unknown[];
	const ends = value.endMs as unknown[];
	if (!every(starts, isTime) || !every(ends, isTime) || !every(value.durationMs, isTime) || ends.some((end, index) => (end as number) < (starts[index] as number))) {
		return 'a result\'s times are negative, out of range or out of order';
	}

	return undefined;
}

export const parseOutcomes = (body: unknown): Parsed<OutcomesRecord> => parseRecord(body, value =>
	ofRun(value, 'outcomes') ?? (isText(value.worker, 300) ? undefined : 'no worker') ?? outcomesProblem(value));

/** What is wrong with a control record, if anything. */
function controlProblem(value: Json): string | undefined {
	switch (value.type) {
		case 'producer-start': {
			return ofRun(value, 'producer-start') ?? (isText(value.producer, 64) && isCount(value.total) && isCount(value.seed) && isCount(value.maxBodyLength) ? undefined : 'malformed producer-start');
		}

		case 'producer-done': {
			return ofRun(value, 'producer-done') ?? (isText(value.producer, 64) && isCount(value.published) ? undefined : 'malformed producer-done');
		}

		case 'heartbeat': {
			return ofRun(value, 'heartbeat') ?? (isText(value.worker, 300) && isCount(value.senders) && isCount(value.inFlight) && isCount(value.processed) && typeof value.done === 'boolean' ? undefined : 'malformed heartbeat');
		}

		default: {
			return 'not a control record';
		}
	}
}

export const parseControl = (body: unknown): Parsed<ControlRecord> => parseRecord(body, controlProblem);

/** A producer's message id: `<producer>-<n>`, n from 1. */
export function messageId(producer: string, n: number): string {
	return `${producer}-${n}`;
}

/** The producer and number of a message id; undefined when it is not one of ours. */
export function splitMessageId(id: string): {producer: string; n: number} | undefined {
	const match = /^([\da-z]{1,64})-([1-9]\d{0,15})$/.exec(id);
	return match === null ? undefined : {producer: match[1], n: Number(match[2])};
}
