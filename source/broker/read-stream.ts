import type {Cmd, Connection, MethodParams} from 'rabbitmq-client';
import {brokerFailure, isFatalBrokerError, isStreamStarting} from './connection.js';
import {parseControl, queueOptions, type ControlRecord} from './topology.js';

export type StreamReading = {
	/** Told of a record `handle` threw on: it is skipped, never handed back to the broker. */
	readonly thrown: (queue: string, error: unknown) => void;
	/** A failure the client will not get over (the broker refuses the user, the queue is not as declared). */
	readonly failed: (error: unknown) => void;
	/** Anything else that went wrong; the client retries by itself. */
	readonly warn: (text: string) => void;
	/** Whether the reader is closing: errors of its own close say nothing. */
	readonly closing: () => boolean;
	/** Records in hand, unacknowledged, at once. */
	readonly prefetch?: number;
};

/**
 * Reads a stream of a run from its start, each record to `handle`, as monitors and workers read
 * the control and outcomes streams. A record `handle` throws on is skipped and told of: thrown back
 * to the client, it would be nacked, the broker would close the connection, and the reader would
 * read the same record again after reconnecting, for ever. Returns what closes the reading.
 */
export function readStream(connection: Connection, queue: MethodParams[Cmd.QueueDeclare] & {readonly queue: string}, handle: (body: unknown) => void, reading: StreamReading): () => Promise<void> {
	const consumer = connection.createConsumer({
		queue: queue.queue, queueOptions: queue, qos: {prefetchCount: reading.prefetch ?? 500}, arguments: {'x-stream-offset': 'first'},
	}, delivery => {
		try {
			handle(delivery.body);
		} catch (error) {
			reading.thrown(queue.queue, error);
		}
	});
	consumer.on('error', (error: unknown) => {
		if (reading.closing() || isStreamStarting(error)) {
			return; // Our own close, or a stream a moment old: the consumer retries by itself.
		}

		if (isFatalBrokerError(error)) {
			reading.failed(brokerFailure(error, `reading ${queue.queue}`));
			return;
		}

		reading.warn(`reading ${queue.queue}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
	});
	return async () => consumer.close();
}

/**
 * Reads a run's control stream from its start up to the record `isOwn` picks (the caller's own,
 * just written), each record before it to `take`: what a program must know of the run as of the
 * moment it joined, in the order every reader sees. Resolves without it if the broker fails (what
 * the caller does next says what is wrong).
 */
export async function readControlUntil(connection: Connection, run: string, isOwn: (record: ControlRecord) => boolean, take: (record: ControlRecord) => void): Promise<void> {
	const options = queueOptions(run);
	let resolve!: () => void;
	const reached = new Promise<void>(settle => {
		resolve = settle;
	});
	const close = readStream(connection, options.control, body => {
		const parsed = parseControl(body);
		if ('record' in parsed && parsed.record.run === run) {
			if (isOwn(parsed.record)) {
				resolve();
			} else {
				take(parsed.record);
			}
		}
	}, {
		thrown() {
			// Skipped, as every reader skips it.
		},
		failed: resolve,
		warn() {
			// The client retries by itself.
		},
		closing: () => false,
	});
	try {
		await reached;
	} finally {
		await close();
	}
}

