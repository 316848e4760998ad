import type {Connection} from 'rabbitmq-client';
import {generateMessages} from '../messages.js';
import {createRandom} from '../random.js';
import {
	QUEUE_OPTIONS, queueNames, type RunDoneRecord, type RunStartRecord,
} from './topology.js';

export type ProduceOptions = {
	readonly run: string;
	readonly messages: number;
	readonly seed: number;
	readonly maxBodyLength: number;
	/** Publishes awaiting their confirm at once. */
	readonly window?: number;
};

export type ProduceProgress = {readonly published: number; readonly total: number};

/**
 * Publishes a run: `run-start` on the results queue, every message (persistent, each confirmed by
 * the broker) on the messages queue, then `run-done` with the number published. Publishes are
 * retried across a lost connection (a broker restart), so a confirmed message is never lost.
 * `shouldStop` is asked between windows: a stopped run is closed with the count it reached.
 */
export async function produce(
	connection: Connection,
	options: ProduceOptions,
	{onProgress, shouldStop = () => false}: {onProgress?: (progress: ProduceProgress) => void; shouldStop?: () => boolean} = {},
): Promise<ProduceProgress> {
	const queues = queueNames(options.run);
	const publisher = connection.createPublisher({
		confirm: true,
		// A broker restart takes a few seconds; retries back off up to the connection's retryHigh.
		maxAttempts: 50,
		queues: [{queue: queues.messages, ...QUEUE_OPTIONS}, {queue: queues.results, ...QUEUE_OPTIONS}],
	});
	const send = async (queue: string, record: unknown) => publisher.send({routingKey: queue, durable: true, contentType: 'application/json'}, JSON.stringify(record));
	try {
		const start: RunStartRecord = {
			type: 'run-start', run: options.run, total: options.messages, seed: options.seed, maxBodyLength: options.maxBodyLength, startedAt: Date.now(),
		};
		await send(queues.results, start);
		const window = options.window ?? 500;
		const pending: Array<Promise<void>> = [];
		let published = 0;
		for (const message of generateMessages(createRandom(options.seed), {count: options.messages, maxBodyLength: options.maxBodyLength})) {
			pending.push(send(queues.messages, message));
			if (pending.length >= window) {
				// eslint-disable-next-line no-await-in-loop
				await Promise.all(pending);
				published += pending.length;
				pending.length = 0;
				onProgress?.({published, total: options.messages});
				if (shouldStop()) {
					break;
				}
			}
		}

		await Promise.all(pending);
		published += pending.length;
		onProgress?.({published, total: options.messages});
		const done: RunDoneRecord = {type: 'run-done', run: options.run, total: published};
		await send(queues.results, done);
		return {published, total: options.messages};
	} finally {
		await publisher.close();
	}
}
