import {randomBytes} from 'node:crypto';
import type {Connection, Publisher} from 'rabbitmq-client';
import type {Charset} from '../model/messages.js';
import {createRandom, streamSeed} from '../model/random.js';
import {priorityDraw, type Priority} from '../model/priorities.js';
import {
	MAX_PRIORITY, PRODUCER_HEARTBEAT_MS, queueOptions, runNames, type ProducerAliveRecord, type RunNames, type ProducerDoneRecord, type ProducerStartRecord,
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
export async function produce(connection: Connection, options: ProduceOptions, hooks: ProduceHooks = {}): Promise<ProduceProgress> {
	const run = await joinRun(connection, options.run, {events: options.events ?? false});
	const producer = new Producer(connection, options, run, hooks);
	try {
		return await producer.publishAll();
	} finally {
		await producer.close();
	}
}

type ProduceHooks = {
	/** Told after each window of batches is confirmed. */
	readonly onProgress?: (progress: ProduceProgress) => void;
	/** Asked between windows: a stopped producer reports what it reached. */
	readonly shouldStop?: () => boolean;
};

/** One producer of a run: what it has published and what the broker has confirmed. */
class Producer {
	private readonly names: RunNames;
	private readonly producer = randomBytes(4).toString('hex');
	private readonly publisher: Publisher;
	/** Batches published and not confirmed yet, each to its number of messages. */
	private readonly pending: Array<Promise<number>> = [];
	/** Messages drawn for each priority's next batch so far. */
	private readonly filling = new Map<string | undefined, number>();
	private alive: NodeJS.Timeout | undefined;
	/** What the broker has confirmed: the producer's heartbeats say so. */
	private confirmed = {published: 0, batches: 0};
	private saidAt = performance.now();
	private published = 0;
	/** Batches published so far: the last one's number. */
	private seq = 0;
	/** Messages in the batches published so far: the next batch's first is numbered one more. */
	private numbered = 0;

	constructor(private readonly connection: Connection, private readonly options: ProduceOptions, private readonly run: {readonly epoch: string; readonly startedAt: number}, private readonly hooks: ProduceHooks) {
		const queues = queueOptions(options.run);
		this.names = runNames(options.run);
		this.publisher = connection.createPublisher({
			confirm: true,
			// A broker restart takes a few seconds; retries back off up to the connection's retryHigh.
			maxAttempts: 50,
			// Every queue of the run, so nothing published to it is unroutable, whoever starts first.
			queues: [queues.messages, queues.outcomes, queues.control, queues.dead],
		});
	}

	/** Announces the producer, publishes its messages in batches, and says it is done. */
	async publishAll(): Promise<ProduceProgress> {
		const {options, run, producer} = this;
		const start: ProducerStartRecord = {
			type: 'producer-start', run: options.run, epoch: run.epoch, producer, total: options.messages, seed: options.seed, maxBodyLength: options.maxBodyLength, maxBatches: mostBatches(options), batch: options.batch,
		};
		await this.sendControl(start);
		const complete = await completeBeforeStart(this.connection, options.run, run.epoch, producer);
		if (complete !== undefined) {
			throw new BrokerError(`run ${options.run} is complete (its ${complete.producers} producer${complete.producers === 1 ? ' is' : 's are'} done and every message is counted): a producer cannot add to it; use another --run, or purge it to start afresh`);
		}

		// Alive every second, with what is confirmed so far: if this process is killed, readers see the
		// heartbeats stop and complete the run with that (see ProducerAliveRecord).
		this.alive = setInterval(() => {
			this.sayAlive();
		}, PRODUCER_HEARTBEAT_MS);
		await this.publishBatches();
		await this.confirmWindow();
		const done: ProducerDoneRecord = {
			type: 'producer-done', run: options.run, epoch: run.epoch, producer, published: this.published, batches: this.seq,
		};
		clearInterval(this.alive);
		await this.sendControl(done);
		return this.progress();
	}

	async close(): Promise<void> {
		clearInterval(this.alive);
		await this.publisher.close();
	}

	/**
	 * Draws each message's priority (from the producer's own stream; nothing else is drawn here) and
	 * publishes a batch whenever one of a priority fills, waiting for a window of them to be confirmed.
	 * Stopped, a producer publishes no more: the batches of other priorities it had begun are
	 * dropped, and its producer-done says which it published (their count and batches).
	 */
	private async publishBatches(): Promise<void> {
		const {options, filling} = this;
		const {priorities = []} = options;
		const shouldStop = this.hooks.shouldStop ?? (() => false);
		const window = options.window ?? 8;
		const priorityOf = priorities.length > 0 ? priorityDraw(priorities, createRandom(options.seed)) : undefined;
		for (let n = 1; n <= options.messages; n++) {
			const priority = priorityOf?.();
			const size = (filling.get(priority) ?? 0) + 1;
			filling.set(priority, size);
			if (size >= options.batch) {
				this.flush(priority);
				if (this.pending.length >= window) {
					// eslint-disable-next-line no-await-in-loop
					await this.confirmWindow();
					if (shouldStop()) {
						return;
					}
				}
			}
		}

		if (!shouldStop()) {
			for (const [priority, size] of filling) {
				if (size > 0) {
					this.flush(priority);
				}
			}
		}
	}

	/**
	 * Publishes the batch of `priority` drawn so far. With priorities, a batch per priority: each
	 * batch is one AMQP message with that priority, so the broker's priority queue hands out the
	 * higher ones first. The batch says how to draw its messages (see batches.ts); whichever worker
	 * takes it draws them.
	 */
	private flush(priority: string | undefined): void {
		const {options, run} = this;
		const size = this.filling.get(priority) ?? 0;
		this.filling.set(priority, 0);
		const seq = ++this.seq;
		const body = encodeMessages({
			run: options.run, epoch: run.epoch, startedAt: run.startedAt, producer: this.producer, seq, ...(priority === undefined ? {} : {priority}), first: this.numbered + 1, messages: size, seed: streamSeed(options.seed, seq), maxBodyLength: options.maxBodyLength, charset: options.charset ?? 'ascii',
		});
		this.numbered += size;
		const rank = (options.priorities ?? []).findIndex(candidate => candidate.name === priority);
		const amqpPriority = rank === -1 ? undefined : Math.max(1, MAX_PRIORITY - rank);
		this.pending.push(this.publisher.send({
			routingKey: this.names.messages, durable: true, contentType: BATCH_CONTENT_TYPE, ...(amqpPriority === undefined ? {} : {priority: amqpPriority}),
		}, body).then(() => size));
	}

	/** Waits for every batch in flight to be confirmed, then says so: progress, and a heartbeat if none went out for a moment. */
	private async confirmWindow(): Promise<void> {
		const confirmedBatches = this.seq;
		this.published += sum(await Promise.all(this.pending));
		this.pending.length = 0;
		this.confirmed = {published: this.published, batches: confirmedBatches};
		// Soon after each confirm, not only every second: killed, a producer's run counts what its
		// last heartbeat said, and batches confirmed after it are set aside.
		if (performance.now() - this.saidAt >= ALIVE_AFTER_CONFIRM_MS) {
			this.sayAlive();
		}

		this.hooks.onProgress?.(this.progress());
	}

	private sayAlive(): void {
		this.saidAt = performance.now();
		const record: ProducerAliveRecord = {
			type: 'producer-alive', run: this.options.run, epoch: this.run.epoch, producer: this.producer, ...this.confirmed,
		};
		this.sendControl(record).catch(() => undefined);
	}

	private async sendControl(record: unknown): Promise<void> {
		await this.publisher.send({routingKey: this.names.control, ...publishOptions}, JSON.stringify(record));
	}

	private progress(): ProduceProgress {
		return {
			published: this.published, total: this.options.messages, producer: this.producer, epoch: this.run.epoch,
		};
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
