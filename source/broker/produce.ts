import {randomBytes} from 'node:crypto';
import type {Connection} from 'rabbitmq-client';
import type {Charset} from '../model/messages.js';
import {createRandom, streamSeed} from '../model/random.js';
import {priorityDraw, type Priority} from '../model/priorities.js';
import {
	MAX_PRIORITY, PRODUCER_HEARTBEAT_MS, queueOptions, runNames, type ProducerAliveRecord, type ProducerDoneRecord, type ProducerStartRecord,
} from './topology.js';
import {BATCH_CONTENT_TYPE, encodeMessages} from './batches.js';
import {BrokerError} from './connection.js';
import {completeBeforeStart, joinRun} from './run-identity.js';

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
	/** The run keeps a row per finished message (`--events`): said in the run's identity, which the first producer writes. */
	readonly events?: boolean;
};

export type ProduceProgress = {readonly published: number; readonly total: number; readonly producer: string; readonly epoch: string};

/** The least wall time between two producer-alive records sent on a confirm. */
const ALIVE_AFTER_CONFIRM_MS = 100;

const publishOptions = {durable: true, contentType: 'application/json'} as const;

/**
 * Publishes this producer's part of a run: it joins the run (`joinRun`), announces itself on the
 * control stream (`producer-start`: how many it means to publish, its seed), publishes its messages
 * in batches (one AMQP message each, persistent, confirmed by the broker), then `producer-done`
 * with the number confirmed. Ids are `<producer>-<n>`, so producers never collide. Publishes are
 * retried across a lost connection (a broker restart), so a confirmed message is never lost.
 * `shouldStop` is asked between windows: a stopped producer reports what it reached.
 * Expects the run declared (`declareRun`) first.
 */
export async function produce(
	connection: Connection,
	options: ProduceOptions,
	{onProgress, shouldStop = () => false}: {onProgress?: (progress: ProduceProgress) => void; shouldStop?: () => boolean} = {},
): Promise<ProduceProgress> {
	const queues = queueOptions(options.run);
	const names = runNames(options.run);
	const {epoch, startedAt} = await joinRun(connection, options.run, {events: options.events ?? false});
	const producer = randomBytes(4).toString('hex');
	const publisher = connection.createPublisher({
		confirm: true,
		// A broker restart takes a few seconds; retries back off up to the connection's retryHigh.
		maxAttempts: 50,
		// Every queue of the run, so nothing published to it is unroutable, whoever starts first.
		queues: [queues.messages, queues.outcomes, queues.control, queues.dead],
	});
	const send = async (queue: string, record: unknown) => publisher.send({routingKey: queue, ...publishOptions}, JSON.stringify(record));
	let stopAlive = (): void => undefined;
	const progress = (published: number): ProduceProgress => ({
		published, total: options.messages, producer, epoch,
	});
	try {
		const start: ProducerStartRecord = {
			type: 'producer-start', run: options.run, epoch, producer, total: options.messages, seed: options.seed, maxBodyLength: options.maxBodyLength, maxBatches: mostBatches(options), batch: options.batch,
		};
		await send(names.control, start);
		const complete = await completeBeforeStart(connection, options.run, epoch, producer);
		if (complete !== undefined) {
			throw new BrokerError(`run ${options.run} is complete (its ${complete.producers} producer${complete.producers === 1 ? ' is' : 's are'} done and every message is counted): a producer cannot add to it; use another --run, or purge it to start afresh`);
		}

		// Alive every second, with what is confirmed so far: if this process is killed, readers see the
		// heartbeats stop and complete the run with that (see ProducerLostRecord).
		let confirmed = {published: 0, batches: 0};
		let saidAt = performance.now();
		const sayAlive = (): void => {
			saidAt = performance.now();
			const record: ProducerAliveRecord = {
				type: 'producer-alive', run: options.run, epoch, producer, ...confirmed,
			};
			send(names.control, record).catch(() => undefined);
		};

		const alive = setInterval(sayAlive, PRODUCER_HEARTBEAT_MS);
		stopAlive = () => {
			clearInterval(alive);
		};

		const window = options.window ?? 8;
		const pending: Array<Promise<number>> = [];
		let published = 0;
		// With priorities, a batch per priority: each batch is one AMQP message with that priority, so
		// the broker's priority queue hands out the higher ones first.
		const {priorities = []} = options;
		/** Messages drawn for each priority's next batch so far. */
		const filling = new Map<string | undefined, number>();
		let seq = 0;
		/** Messages in the batches published so far: the next batch's first is numbered one more. */
		let numbered = 0;
		const flush = (priority: string | undefined): void => {
			const size = filling.get(priority) ?? 0;
			filling.set(priority, 0);
			seq++;
			// The batch says how to draw its messages (see batches.ts); whichever worker takes it draws them.
			const body = encodeMessages({
				run: options.run, epoch, startedAt, producer, seq, ...(priority === undefined ? {} : {priority}), first: numbered + 1, messages: size, seed: streamSeed(options.seed, seq), maxBodyLength: options.maxBodyLength, charset: options.charset ?? 'ascii',
			});
			numbered += size;
			const rank = priorities.findIndex(candidate => candidate.name === priority);
			const amqpPriority = rank === -1 ? undefined : Math.max(1, MAX_PRIORITY - rank);
			pending.push(publisher.send({
				routingKey: names.messages, durable: true, contentType: BATCH_CONTENT_TYPE, ...(amqpPriority === undefined ? {} : {priority: amqpPriority}),
			}, body).then(() => size));
		};

		/** Waits for every batch in flight to be confirmed, then says so: progress, and a heartbeat if none went out for a moment. */
		const confirmWindow = async (): Promise<void> => {
			const confirmedBatches = seq;
			published += sum(await Promise.all(pending));
			pending.length = 0;
			confirmed = {published, batches: confirmedBatches};
			// Soon after each confirm, not only every second: killed, a producer's run counts what its
			// last heartbeat said, and batches confirmed after it are set aside.
			if (performance.now() - saidAt >= ALIVE_AFTER_CONFIRM_MS) {
				sayAlive();
			}

			onProgress?.(progress(published));
		};

		// Only priorities are drawn here, one a message, from the producer's own stream.
		const priorityOf = priorities.length > 0 ? priorityDraw(priorities, createRandom(options.seed)) : undefined;
		for (let n = 1; n <= options.messages; n++) {
			const priority = priorityOf?.();
			const size = (filling.get(priority) ?? 0) + 1;
			filling.set(priority, size);
			if (size >= options.batch) {
				flush(priority);
				if (pending.length >= window) {
					// eslint-disable-next-line no-await-in-loop
					await confirmWindow();
					if (shouldStop()) {
						break;
					}
				}
			}
		}

		// Stopped, a producer publishes no more: the batches of other priorities it had begun are
		// dropped, and its producer-done says which it published (their count and batches).
		if (!shouldStop()) {
			for (const [priority, size] of filling) {
				if (size > 0) {
					flush(priority);
				}
			}
		}

		await confirmWindow();
		const done: ProducerDoneRecord = {
			type: 'producer-done', run: options.run, epoch, producer, published, batches: seq,
		};
		stopAlive();
		await send(names.control, done);
		return progress(published);
	} finally {
		stopAlive();
		await publisher.close();
	}
}

/**
 * The most batches a producer can publish: full ones and a partial one per priority. Readers
 * refuse a record of a batch numbered beyond it.
 */
function mostBatches(options: ProduceOptions): number {
	return Math.ceil(options.messages / options.batch) + Math.max(1, options.priorities?.length ?? 0);
}

const sum = (values: number[]): number => values.reduce((total, value) => total + value, 0);
