import type {Message} from '../messages.js';
import {flattenResult, type SendResult} from '../senders.js';

/**
 * The queues of one run, all durable, every message persistent:
 *
 *   producer --(messages)--> sms-sim.<run>.messages --> sender workers (prefetch = their senders)
 *   workers  --(results)---> sms-sim.<run>.results  --> monitor
 *   producer --(run-start, run-done)-----------^
 *
 * The producer announces the run on the results queue before its first message and confirms its
 * end after its last, so the monitor learns the total whenever it starts.
 */
export function queueNames(run: string): {messages: string; results: string} {
	return {messages: `sms-sim.${run}.messages`, results: `sms-sim.${run}.results`};
}

export const QUEUE_OPTIONS = {durable: true} as const;

/** A run's name: it becomes part of queue names. */
export const RUN_PATTERN = /^[\w.-]{1,100}$/;

/** What the producer says of a run; the monitor's start. */
export type RunStartRecord = {
	readonly type: 'run-start';
	readonly run: string;
	readonly total: number;
	readonly seed: number;
	readonly maxBodyLength: number;
	/** Wall clock, ms since the epoch. */
	readonly startedAt: number;
};

/** Sent once every message of the run is confirmed by the broker. */
export type RunDoneRecord = {readonly type: 'run-done'; readonly run: string; readonly total: number};

/** One finished message, as a worker reports it. Times are on the worker's simulation clock. */
export type ResultRecord = {readonly type: 'result'} & Readonly<ReturnType<typeof flattenResult>>;

export type ResultsQueueRecord = RunStartRecord | RunDoneRecord | ResultRecord;

export function toResultRecord(result: SendResult): ResultRecord {
	return {type: 'result', ...flattenResult(result)};
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

/** Reads a message body off the messages queue; undefined when it is not one of ours. */
export function parseMessage(body: unknown): Message | undefined {
	const value = typeof body === 'string' || Buffer.isBuffer(body) ? safeJson(String(body)) : body;
	if (typeof value === 'object' && value !== null) {
		const {id, to, body: text} = value as Record<string, unknown>;
		if (typeof id === 'string' && typeof to === 'string' && typeof text === 'string') {
			return {id, to, body: text};
		}
	}

	return undefined;
}

/** Reads a record off the results queue; undefined when it is not one of ours. */
export function parseResultsRecord(body: unknown): ResultsQueueRecord | undefined {
	const value = typeof body === 'string' || Buffer.isBuffer(body) ? safeJson(String(body)) : body;
	if (typeof value !== 'object' || value === null) {
		return undefined;
	}

	const record = value as Record<string, unknown>;
	switch (record.type) {
		case 'run-start': {
			return typeof record.total === 'number' ? (record as RunStartRecord) : undefined;
		}

		case 'run-done': {
			return typeof record.total === 'number' ? (record as RunDoneRecord) : undefined;
		}

		case 'result': {
			return typeof record.id === 'string' && (record.status === 'sent' || record.status === 'failed') && typeof record.durationMs === 'number'
				? (record as ResultRecord)
				: undefined;
		}

		default: {
			return undefined;
		}
	}
}

function safeJson(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return undefined;
	}
}
