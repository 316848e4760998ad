import {randomBytes, randomUUID} from 'node:crypto';
import type {Connection} from 'rabbitmq-client';
import {generateMessages, type Charset, type Message} from '../messages.js';
import {createRandom} from '../random.js';
import {priorityDraw, type Priority} from '../priorities.js';
import {
	MAX_PRIORITY, messageId, parseEpoch, queueOptions, runNames, type EpochRecord, type MessagesRecord, type ProducerDoneRecord, type ProducerStartRecord,
} from './topology.js';

export type ProduceOptions = {
	readonly run: string;
	readonly messages: number;
	readonly seed: number;
	readonly maxBodyLength: number;
	/** What bodies are drawn from; default ascii. */
	readonly charset?: Charset;
	/** Message priorities by share, highest first: published in batches of one priority each, with AMQP priorities. */
	readonly priorities?: readonly Priority[];
	/** Messages in one AMQP message. */
	readonly batch: number;
	/** Batches awaiting their confirm at once. */
	readonly window?: number;
};

export type ProduceProgress = {readonly published: number; readonly total: number; readonly producer: string; readonly epoch: string};

const publishOptions = {durable: true, contentType: 'application/json'} as const;

/**
 * The run's identity: the epoch its first producer wrote, or a new one when there is none. The
 * epoch queue holds one message at most: of two producers that race to write it, the second is
 * refused and reads the first's, so both join one run.
 */
export async function joinRun(connection: Connection, run: string): Promise<EpochRecord> {
	const options = queueOptions(run);
	const channel = await connection.acquire();
	const publisher = connection.createPublisher({confirm: true});
	try {
		await channel.queueDeclare(options.epoch);
		for (let attempt = 0; attempt < 50; attempt++) {
			// eslint-disable-next-line no-await-in-loop
			const held = await channel.basicGet({queue: options.epoch.queue});
			if (held) {
				// Put back at once: it stays for the next producer, monitor or worker.
				channel.basicNack({deliveryTag: held.deliveryTag, requeue: true});
				const parsed = parseEpoch(held.body);
				if ('record' in parsed && parsed.record.run === run) {
					return parsed.record;
				}

				throw new Error(`${options.epoch.queue} holds something that is not this run's identity (${'problem' in parsed ? parsed.problem : 'another run'}); purge the run first`);
			}

			const record: EpochRecord = {
				type: 'epoch', run, epoch: randomUUID(), startedAt: Date.now(),
			};
			try {
				// eslint-disable-next-line no-await-in-loop
				await publisher.send({routingKey: options.epoch.queue, ...publishOptions}, JSON.stringify(record));
			} catch {
				// Refused: another producer wrote it first. Read theirs.
			}
		}

		throw new Error(`could not read or write the identity of run ${run} on ${options.epoch.queue}`);
	} finally {
		await publisher.close();
		await channel.close();
	}
}

/** The epoch of a run if it has one yet (a monitor or worker that starts before any producer waits for it). */
export async function readRun(connection: Connection, run: string): Promise<EpochRecord | undefined> {
	const options = queueOptions(run);
	const channel = await connection.acquire();
	try {
		await channel.queueDeclare(options.epoch);
		const held = await channel.basicGet({queue: options.epoch.queue});
		if (!held) {
			return undefined;
		}

		channel.basicNack({deliveryTag: held.deliveryTag, requeue: true});
		const parsed = parseEpoch(held.body);
		return 'record' in parsed && parsed.record.run === run ? parsed.record : undefined;
	} finally {
		await channel.close();
	}
}

/**
 * Publishes this producer's part of a run: it joins the run (`joinRun`), announces itself on the
 * control stream (`producer-start`: how many it means to publish, its seed), publishes its messages
 * in batches (one AMQP message each, persistent, confirmed by the broker), then `producer-done`
 * with the number confirmed. Ids are `<producer>-<n>`, so producers never collide. Publishes are
 * retried across a lost connection (a broker restart), so a confirmed message is never lost.
 * `shouldStop` is asked between windows: a stopped producer reports what it reached.
 */
export async function produce(
	connection: Connection,
	options: ProduceOptions,
	{onProgress, shouldStop = () => false}: {onProgress?: (progress: ProduceProgress) => void; shouldStop?: () => boolean} = {},
): Promise<ProduceProgress> {
	const queues = queueOptions(options.run);
	const names = runNames(options.run);
	const {epoch, startedAt} = await joinRun(connection, options.run);
	const producer = randomBytes(4).toString('hex');
	const publisher = connection.createPublisher({
		confirm: true,
		// A broker restart takes a few seconds; retries back off up to the connection's retryHigh.
		maxAttempts: 50,
		// Every queue of the run, so nothing published to it is unroutable, whoever starts first.
		queues: [queues.messages, queues.outcomes, queues.control, queues.dead],
	});
	const send = async (queue: string, record: unknown) => publisher.send({routingKey: queue, ...publishOptions}, JSON.stringify(record));
	const progress = (published: number): ProduceProgress => ({
		published, total: options.messages, producer, epoch,
	});
	try {
		const start: ProducerStartRecord = {
			type: 'producer-start', run: options.run, epoch, producer, total: options.messages, seed: options.seed, maxBodyLength: options.maxBodyLength,
		};
		await send(names.control, start);
		const window = options.window ?? 8;
		const pending: Array<Promise<number>> = [];
		let published = 0;
		// With priorities, a batch per priority: each batch is one AMQP message with that priority, so
		// the broker's priority queue hands out the higher ones first.
		const {priorities = []} = options;
		const batches = new Map<string | undefined, Message[]>();
		const flush = (priority: string | undefined): void => {
			const batch = batches.get(priority) ?? [];
			batches.set(priority, []);
			const record: MessagesRecord = {
				type: 'messages', run: options.run, epoch, startedAt, producer, messages: batch, ...(priority === undefined ? {} : {priority}),
			};
			const rank = priorities.findIndex(candidate => candidate.name === priority);
			const amqpPriority = rank === -1 ? undefined : Math.max(1, MAX_PRIORITY - rank);
			pending.push(publisher.send({routingKey: names.messages, ...publishOptions, ...(amqpPriority === undefined ? {} : {priority: amqpPriority})}, JSON.stringify(record)).then(() => batch.length));
		};

		const random = createRandom(options.seed);
		const priorityOf = priorities.length > 0 ? priorityDraw(priorities, random) : undefined;
		let n = 0;
		for (const message of generateMessages(random, {count: options.messages, maxBodyLength: options.maxBodyLength, charset: options.charset})) {
			const priority = priorityOf?.();
			let batch = batches.get(priority);
			if (batch === undefined) {
				batch = [];
				batches.set(priority, batch);
			}

			batch.push(priority === undefined
				? {id: messageId(producer, ++n), to: message.to, body: message.body}
				: {
					id: messageId(producer, ++n), to: message.to, body: message.body, priority,
				});
			if (batch.length >= options.batch) {
				flush(priority);
				if (pending.length >= window) {
					// eslint-disable-next-line no-await-in-loop
					published += sum(await Promise.all(pending));
					pending.length = 0;
					onProgress?.(progress(published));
					if (shouldStop()) {
						break;
					}
				}
			}
		}

		if (!shouldStop()) {
			for (const [priority, batch] of batches) {
				if (batch.length > 0) {
					flush(priority);
				}
			}
		}

		published += sum(await Promise.all(pending));
		onProgress?.(progress(published));
		const done: ProducerDoneRecord = {
			type: 'producer-done', run: options.run, epoch, producer, published,
		};
		await send(names.control, done);
		return progress(published);
	} finally {
		await publisher.close();
	}
}

const sum = (values: number[]): number => values.reduce((total, value) => total + value, 0);
