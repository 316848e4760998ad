import {ConsumerStatus, type Connection} from 'rabbitmq-client';
import {
	Observable, Subject, asyncScheduler, from, tap, type ObservableInput, type SchedulerLike,
} from 'rxjs';
import {senderCount, type ResolvedConfig} from '../config.js';
import {pipeline} from '../pipeline.js';
import {createPoolGauge} from '../pool.js';
import type {Random} from '../random.js';
import {createSenders, type ResolvedSenderGroup, type SendResult} from '../senders.js';
import type {SimulationEvent} from '../simulation.js';
import {brokerFailure, isFatalBrokerError, isStreamStarting} from './connection.js';
import {awaitRun} from './run-identity.js';
import {
	parseControl, queueOptions, runNames, type HeartbeatRecord,
} from './topology.js';
import {
	BATCH_CONTENT_TYPE, costOf, encodeOutcomes, parseMessages, type WireMessage, type WireResult,
} from './batches.js';

/** The batch a message in a worker's hands came in, kept on the message itself (cheaper than a WeakMap lookup per message). */
const batchOf = Symbol('batch');

export type WorkerOptions = {
	readonly run: string;
	readonly groups: readonly ResolvedSenderGroup[];
	readonly intervalMs: number;
	/** Shown in the start event (the worker's own view). */
	readonly config: ResolvedConfig;
	/** Put before sender ids, so senders of different workers stay apart in the monitor. */
	readonly workerId: string;
	/** Results in one AMQP message at most. */
	readonly batch: number;
	/** Keep waiting for messages when the run is complete, rather than exit. */
	readonly follow: boolean;
};

export type WorkerDeps = {
	readonly scheduler: SchedulerLike;
	readonly random: Random;
	/** When it emits, the worker drains: it stops consuming, finishes the sends in hand, and ends. */
	readonly stop?: ObservableInput<unknown>;
	/** Told of what was set aside (a malformed batch, dead-lettered) or went wrong, once each. */
	readonly warn?: (text: string) => void;
	/** Heartbeats and the end-of-run check go by this clock (wall time). */
	readonly wallScheduler?: SchedulerLike;
};

/** How often an idle worker asks whether the run is complete (wall ms). */
const COMPLETION_CHECK_MS = 200;

/** Longest a finished result waits for its batch to fill before it is published anyway (wall ms). */
const RESULT_FLUSH_MS = 50;

/** A batch of messages in hand: acknowledged once every result of it is confirmed. */
type Held = {
	remaining: number;
	readonly epoch: string;
	/** The producer of its messages: results name it with each message's number. */
	readonly producer: string;
	/** Wall ms between the run's start and this worker's: added to result times. */
	readonly offsetMs: number;
	readonly done: Settle;
};

/** A promise with its settling functions. */
type Settle = {readonly promise: Promise<void>; readonly resolve: () => void; readonly reject: (error: unknown) => void};

function settle(): Settle {
	let resolve!: () => void;
	let reject!: (error: unknown) => void;
	const promise = new Promise<void>((yes, no) => {
		resolve = yes;
		reject = no;
	});
	return {promise, resolve, reject};
}

/**
 * A sender worker: takes batches of messages from the run's queue (a few at a time, enough that
 * its senders never starve), feeds them to the same pipeline as a local run, publishes results in
 * batches to the run's outcomes stream (flushed by size or after 50 ms), and acknowledges a batch
 * only once every result of it is confirmed by the broker. A worker that dies leaves its batches
 * unacknowledged; the broker gives them, whole, to another worker, and the monitor counts each id
 * once. A malformed batch is dead-lettered to the run's dead-letter queue, reported once, and the
 * worker carries on.
 *
 * It publishes a heartbeat every interval (senders, sends in flight, processed) and, unless
 * `follow`, ends by itself when the run is complete: every producer done, the queue drained and
 * its own sends done. Emits the worker's own events (start, its results, progress, final).
 * Expects the run declared (`declareRun`) first.
 */
export function runWorker(connection: Connection, options: WorkerOptions, deps: WorkerDeps): Observable<SimulationEvent> {
	return new Observable<SimulationEvent>(subscriber => {
		const {scheduler, random, warn = () => undefined} = deps;
		const wall = deps.wallScheduler ?? asyncScheduler;
		const names = runNames(options.run);
		const queues = queueOptions(options.run);
		const slots = senderCount(options.groups);
		const senders = createSenders(options.groups, random).map(sender => ({...sender, id: `${options.workerId}/${sender.id}`}));
		const incoming$ = new Subject<HeldMessage>();
		const gauge = createPoolGauge();
		const workerStartedAt = Date.now();
		/** The batches in hand, to give back if the worker is stopped before their end. */
		const inHand = new Set<Held>();
		let batchesInHand = 0;
		let draining = false;
		let closing = false;
		let epoch: string | undefined;
		let processed = 0;
		const warned = new Set<string>();
		const warnOnce = (key: string, text: string): void => {
			if (!warned.has(key)) {
				warned.add(key);
				warn(text);
			}
		};

		const publisher = connection.createPublisher({confirm: true, maxAttempts: 50, queues: [queues.outcomes, queues.control, queues.dead]});
		// Batches in hand: three rounds of its senders. A batch is acknowledged, and the next one comes,
		// only once its results are confirmed: with two rounds, senders that all finish at once (fixed
		// send times) waited for the first confirms at the start of a run. And whole rounds: with a
		// batch more, the last round of a run was that one batch, 100 ms more for 500 messages (the
		// bench's real-time case went from 1.05x to 1.04x of ideal, median of 8).
		const prefetch = Math.max(2, Math.ceil((3 * slots) / Math.max(1, options.batch)));
		const consumer = connection.createConsumer({
			queue: names.messages, queueOptions: queues.messages, qos: {prefetchCount: prefetch}, concurrency: prefetch, requeue: true,
		}, async delivery => {
			if (draining) {
				return ConsumerStatus.REQUEUE; // Came in while stopping: back to the queue for another worker.
			}

			const parsed = parseMessages(delivery.body);
			if ('problem' in parsed || parsed.record.run !== options.run) {
				warnOnce('bad-batch', `set aside a batch on ${names.messages} that is not this run's (${'problem' in parsed ? parsed.problem : 'another run'}): it is in ${names.dead}`);
				return ConsumerStatus.DROP; // Dead-lettered to the run's dead-letter queue.
			}

			const {record} = parsed;
			epoch = record.epoch;
			if (record.messages.length === 0) {
				return ConsumerStatus.ACK;
			}

			const held: Held = {
				remaining: record.messages.length, epoch: record.epoch, producer: record.producer, offsetMs: workerStartedAt - record.startedAt, done: settle(),
			};
			batchesInHand++;
			inHand.add(held);
			try {
				for (const message of record.messages) {
					// The message was read for this delivery alone: it carries its batch itself.
					(message as Holding)[batchOf] = held;
					incoming$.next(message as HeldMessage);
				}

				await held.done.promise; // Resolving acknowledges the batch; a rejection requeues it.
				return ConsumerStatus.ACK;
			} finally {
				batchesInHand--;
				inHand.delete(held);
			}
		});
		consumer.on('error', (error: unknown) => {
			if (closing) {
				return; // Deliveries cut short by our own close: nothing to report.
			}

			if (isFatalBrokerError(error)) {
				subscriber.error(brokerFailure(error, `taking messages from ${names.messages}`));
				return;
			}

			warnOnce(`consumer ${describe(error)}`, `taking messages from ${names.messages}: ${describe(error)}`);
		});

		// Results wait here until a batch is full or RESULT_FLUSH_MS passes, then go out as one record.
		let pendingResults: SendResult[] = [];
		let flushTimer: NodeJS.Timeout | undefined;
		const unconfirmed = new Set<Promise<void>>();
		const flush = (): void => {
			clearTimeout(flushTimer);
			flushTimer = undefined;
			if (pendingResults.length === 0) {
				return;
			}

			const out = pendingResults;
			pendingResults = [];
			const byEpoch = new Map<string, SendResult[]>();
			for (const result of out) {
				const {epoch} = heldOf(result);
				const same = byEpoch.get(epoch);
				if (same === undefined) {
					byEpoch.set(epoch, [result]);
				} else {
					same.push(result);
				}
			}

			for (const [recordEpoch, entries] of byEpoch) {
				const results: WireResult[] = entries.map(result => {
					const held = heldOf(result);
					return {
						producer: held.producer,
						n: (result.message as HeldMessage).n,
						to: result.message.to,
						body: result.message.body,
						cost: costOf(result.message),
						senderId: result.senderId,
						group: result.group,
						status: result.status,
						startMs: result.startMs + held.offsetMs,
						endMs: result.endMs + held.offsetMs,
						durationMs: result.durationMs,
					};
				});
				const batch = encodeOutcomes({run: options.run, epoch: recordEpoch, worker: options.workerId}, results);
				// Messages that never succeeded under a retry policy go to the run's dead-letter queue too,
				// confirmed with their results before their batch is acknowledged.
				const dead = entries.filter(result => result.attempt !== undefined && result.status === 'failed').map(result => ({
					id: result.id, to: result.message.to, body: result.message.body, attempts: result.attempt, permanent: result.permanent === true,
				}));
				const deadLettered = dead.length === 0
					? Promise.resolve()
					: publisher.send({routingKey: names.dead, durable: true, contentType: 'application/json'}, JSON.stringify({
						type: 'dead-letters', run: options.run, epoch: recordEpoch, worker: options.workerId, messages: dead,
					}));
				const confirmed = Promise.all([publisher.send({routingKey: names.outcomes, durable: true, contentType: BATCH_CONTENT_TYPE}, batch), deadLettered]).then(
					() => {
						for (const result of entries) {
							const held = heldOf(result);
							if (--held.remaining === 0) {
								held.done.resolve();
							}
						}
					},
					(error: unknown) => {
						warnOnce('publish', `publishing results to ${names.outcomes}: ${describe(error)}; their batches go back to the queue`);
						for (const result of entries) {
							heldOf(result).done.reject(error);
						}
					},
				);
				unconfirmed.add(confirmed);
				void confirmed.finally(() => unconfirmed.delete(confirmed));
			}
		};

		const onResult = (result: SendResult): void => {
			const held = (result.message as Partial<HeldMessage>)[batchOf];
			processed++;
			// A failed attempt that will be retried is not the message's outcome: the worker retries it
			// itself, and only the last attempt goes out (the monitor counts each id once).
			if (held === undefined || result.retry === true) {
				return;
			}

			pendingResults.push(result);
			if (pendingResults.length >= options.batch) {
				flush();
			} else {
				flushTimer ??= setTimeout(flush, RESULT_FLUSH_MS);
			}
		};

		// The control stream tells the worker when every producer is done; it reads it from the start.
		/** Per epoch, each producer and whether it is done. */
		const producersByEpoch = new Map<string, Map<string, boolean>>();
		const control = connection.createConsumer({
			queue: names.control, queueOptions: queues.control, qos: {prefetchCount: 500}, arguments: {'x-stream-offset': 'first'},
		}, delivery => {
			const parsed = parseControl(delivery.body);
			if (!('record' in parsed) || parsed.record.run !== options.run || parsed.record.type === 'heartbeat') {
				return;
			}

			const {record} = parsed;
			const producers = producersByEpoch.get(record.epoch) ?? new Map<string, boolean>();
			producersByEpoch.set(record.epoch, producers);
			producers.set(record.producer, record.type === 'producer-done' || (producers.get(record.producer) ?? false));
		});
		control.on('error', (error: unknown) => {
			if (closing || isStreamStarting(error)) {
				return; // Our own close, or a stream a moment old: the consumer retries by itself.
			}

			if (isFatalBrokerError(error)) {
				subscriber.error(brokerFailure(error, `reading ${names.control}`));
				return;
			}

			warnOnce(`control ${describe(error)}`, `reading ${names.control}: ${describe(error)}`);
		});

		const heartbeat = (done: boolean): void => {
			if (epoch === undefined) {
				return;
			}

			const record: HeartbeatRecord = {
				type: 'heartbeat', run: options.run, epoch, worker: options.workerId, senders: slots, inFlight: gauge.inFlight, processed, done,
			};
			publisher.send({routingKey: names.control, durable: true, contentType: 'application/json'}, JSON.stringify(record)).catch(() => undefined);
		};

		// A worker that has had no batch (another took them all) learns the run's identity from the run.
		const finding = awaitRun(connection, options.run);
		finding.identity.then(run => {
			epoch ??= run.epoch; // A batch may have come in meanwhile.
		}, (error: unknown) => {
			subscriber.error(error);
		});

		/** The run is complete when every producer of its epoch is done, nothing is in hand and the queue is empty. */
		const runComplete = async (): Promise<boolean> => {
			const producers = epoch === undefined ? undefined : producersByEpoch.get(epoch);
			if (producers === undefined || producers.size === 0 || [...producers.values()].includes(false) || batchesInHand > 0 || gauge.inFlight > 0) {
				return false;
			}

			const {messageCount} = await connection.queueDeclare(queues.messages);
			return messageCount === 0 && batchesInHand === 0;
		};

		const drain = (): void => {
			if (!draining) {
				draining = true;
				incoming$.complete(); // The pool finishes what it holds, then completes.
			}
		};

		const ticking = wall.schedule(function () {
			heartbeat(false);
			this.schedule(undefined, options.intervalMs);
		}, options.intervalMs);
		// Whether the run is complete is asked often, whatever the interval: a worker ends within a
		// moment of the run's end, not at its next heartbeat (with `--interval 10s`, up to 10 s later).
		let asking = false;
		const checking = options.follow
			? undefined
			: wall.schedule(function () {
				if (!draining && !asking && batchesInHand === 0 && gauge.inFlight === 0) {
					asking = true;
					runComplete().then(complete => {
						if (complete) {
							drain();
						}
					}, () => undefined).finally(() => {
						asking = false;
					});
				}

				this.schedule(undefined, COMPLETION_CHECK_MS);
			}, COMPLETION_CHECK_MS);

		// The same pipeline as a local run, fed by the consumer; at max speed its ticks follow the wall clock.
		const speedIsMax = options.config.speed === 'max';
		const events$ = pipeline(incoming$, {
			senders, groups: options.groups, scheduler, random, intervalMs: options.intervalMs, total: null, gauge, ticks: speedIsMax ? wall : undefined,
		}).pipe(tap(event => {
			if (event.type === 'result') {
				onResult(event);
			}
		}));

		subscriber.next({type: 'start', config: options.config});
		const subscription = events$.subscribe({
			next(event) {
				subscriber.next(event);
			},
			error(error) {
				subscriber.error(error);
			},
			complete() {
				// The pool has drained: publish what is left, wait for every confirm (so every batch is
				// acknowledged), say goodbye, and only then close.
				flush();
				void Promise.allSettled([...unconfirmed]).then(async () => {
					ticking.unsubscribe();
					checking?.unsubscribe();
					heartbeat(true);
					closing = true;
					await Promise.allSettled([consumer.close(), control.close(), finding.close()]);
					await publisher.close();
					subscriber.complete();
				});
			},
		});

		const stopSubscription = deps.stop ? from(deps.stop).subscribe(drain) : undefined;

		return () => {
			stopSubscription?.unsubscribe();
			subscription.unsubscribe();
			ticking.unsubscribe();
			checking?.unsubscribe();
			clearTimeout(flushTimer);
			// Unsubscribed before the end: what is in hand goes back to the queue (requeued on reject).
			for (const held of inHand) {
				held.done.reject(new Error('worker stopped'));
			}

			closing = true;
			void consumer.close();
			void control.close();
			void finding.close();
			void publisher.close();
		};
	});
}

/** A message in a worker's hands: it carries the batch it came in (a redelivered batch brings new message objects). */
type HeldMessage = WireMessage & {readonly [batchOf]: Held};
type Holding = WireMessage & {[batchOf]?: Held};

/** The batch the message of a result came in, for a result of a message in the worker's hands. */
const heldOf = (result: SendResult): Held => (result.message as HeldMessage)[batchOf];

function describe(error: unknown): string {
	return error instanceof Error ? error.message.split('\n')[0] : String(error);
}
