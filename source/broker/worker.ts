import {ConsumerStatus, type Connection} from 'rabbitmq-client';
import {
	Observable, Subject, asyncScheduler, from, tap, type ObservableInput, type SchedulerLike,
} from 'rxjs';
import {senderCount, type ResolvedConfig} from '../model/config.js';
import {pipeline} from '../pipeline/pipeline.js';
import {SimulationScheduler} from '../engine/scheduler.js';
import {createPoolGauge} from '../engine/pool.js';
import type {Random} from '../model/random.js';
import {createSenders, type ResolvedSenderGroup, type SendResult} from '../model/senders.js';
import type {SimulationEvent} from '../pipeline/simulation.js';
import {addResult, emptyStats, type Stats} from '../engine/stats.js';
import {
	BrokerError, brokerFailure, connectedSince, isFatalBrokerError,
} from './connection.js';
import {awaitRun} from './run-identity.js';
import {keepRun} from './run-keeper.js';
import {readStream, type StreamReading} from './read-stream.js';
import {RunLedger} from './run-ledger.js';
import {joinWithGroups} from './worker-groups.js';
import {HandOut, type Portion} from './hand-out.js';
import {measureRoundTrip, prefetchBatches} from './prefetch.js';
import {defaultWindowMs, shareClock, type ClockShare} from './run-clock.js';
import {
	MAX_RECORDS_A_MESSAGE, STATS_CONTENT_TYPE, encodeStatsRecord, encodeStatsRecords, isStatsRecord, type DeadLetter,
} from './stats-records.js';
import {
	parseControl, queueOptions, runNames, type EpochRecord, type HeartbeatRecord,
} from './topology.js';
import {
	BATCH_CONTENT_TYPE, costOf, drawMessages, encodeMessages, encodeOutcomes, parseMessages, type MessagesBatch, type WireMessage, type WireResult,
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
	/** At `--speed max`: how far (simulated ms) its clock may run ahead of the slowest other worker's; default a tenth of its shortest mean send time. */
	readonly clockWindowMs?: number;
};

export type WorkerDeps = {
	readonly scheduler: SchedulerLike;
	readonly random: Random;
	/** When it emits, the worker drains: it stops consuming, finishes the sends in hand, and ends. */
	readonly stop?: ObservableInput<unknown>;
	/** Told of what was set aside (a malformed batch, dead-lettered) or went wrong, once each. */
	readonly warn?: (text: string) => void;
	/** Told, when the worker starts draining, of messages still waiting out a retry's backoff and the wall ms until the last is due. */
	readonly onRetriesWaiting?: (messages: number, lastDueInMs: number) => void;
	/** Heartbeats and the end-of-run check go by this clock (wall time). */
	readonly wallScheduler?: SchedulerLike;
};

/** How often an idle worker asks whether the run is complete (wall ms). */
const COMPLETION_CHECK_MS = 200;

/** How long a batch of a producer the run has not announced waits for its producer-start before it is dead-lettered (wall ms). */
const UNKNOWN_PRODUCER_WAIT_MS = 10_000;

/** Longest a finished result waits for its batch to fill before it is published anyway (wall ms). */
const RESULT_FLUSH_MS = 50;

/**
 * A batch (or a part of one) in hand: acknowledged once its stats record (and its rows and dead
 * letters) are confirmed. How its messages go to the senders, or back to the queue, is its
 * `Portion` (hand-out.ts).
 */
type Held = Portion & {
	/** The batch (or part) as it came: its producer and number, and how to draw its messages. */
	readonly batch: MessagesBatch;
	/** Not one of its messages was started when another worker starved: it goes back to the queue whole. */
	requeued?: boolean;
	/** The AMQP priority it came with: a part given back goes with the same. */
	readonly amqpPriority?: number;
	/** Its results folded, every attempt: what its stats records say. */
	readonly stats: Stats;
	/** Wall ms it came in. */
	readonly takenAt: number;
	/** Attempts its last partial record held (one is published only when there are more). */
	publishedAttempts: number;
	/** Its final record is out: no partial one after it. */
	finished: boolean;
	/** Publishes its finishing waits for: its rows of `--events` runs. */
	readonly confirms: Array<Promise<unknown>>;
	/** Its messages that never succeeded (a retry policy's dead letters), as its record names them. */
	readonly dead: DeadLetter[];
	/** The broker has delivered it before (to this worker or another): another record of it may have counted. */
	readonly redelivered: boolean;
	/** Which of this worker's deliveries it is: its records say so, to know whether the one that counted is its own. */
	readonly copy: number;
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
 * its senders never starve), feeds them to the same pipeline as a local run, folds each batch's
 * results into the stats monoid, and when a batch's last message has its outcome publishes the
 * batch's stats record (see stats-records.ts) to the run's outcomes stream and acknowledges the
 * batch once the broker confirms it. A batch that takes longer than an interval gets a partial
 * record every interval, so monitors see progress. Per-message rows go out too only for a run that
 * keeps events (`produce --events`). A worker that dies leaves its batches unacknowledged; the
 * broker gives them, whole, to another worker, and every reader takes one final record per batch.
 * A batch that is not this run's (malformed, another run or epoch) is dead-lettered to the run's
 * dead-letter queue, reported once, and the worker carries on.
 *
 * Times go out on the run's clock: at a paced speed, the run's time when the worker joined (wall
 * time since the run's start, times the speed; never less than 0, so a machine whose clock is
 * behind the producer's starts at 0 rather than before the run) plus the worker's own time since;
 * at max speed, the worker's simulated time from 0.
 *
 * It publishes a heartbeat every interval (senders, sends in flight, processed) and, unless
 * `follow`, ends by itself when the run is complete: every producer done and every batch it
 * published finished (read off the streams, as a monitor reads them), and its own sends done. So a
 * worker never leaves while another still holds batches that could come back. Emits the worker's
 * own events (start, its results, progress, final). Expects the run declared (`declareRun`) first.
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
		/** The batches in hand, to give back if the worker is stopped before their end. */
		const inHand = new Set<Held>();
		/**
		 * The messages of the batches in hand go to the senders half a round at a time; the rest can go
		 * back to the queue when another worker starves (hand-out.ts). So a slow worker's batch of 500
		 * no longer holds the run's end (workers of 1,000 x 200 ms and 10 x 1 s took 100.7 s of
		 * simulated time where one process took 20.8 s).
		 */
		const handOut: HandOut<Held> = new HandOut<Held>({
			slots,
			waiting: () => gauge.waiting,
			push(message) {
				incoming$.next(message as HeldMessage);
			},
			publishPart: async (held, offset, count) => publishPart(held, offset, count),
			requeue(held) {
				held.requeued = true;
				held.done.resolve();
			},
			settled(held) {
				if (!held.finished) {
					finish(held);
				}
			},
		});
		/** Batches whose record is confirmed, waiting to hear what counted for them (another worker's progress, not the broker's). */
		let awaitingOutcome = 0;
		let feedScheduled = false;
		/** Deliveries taken so far: each held batch's `copy`. */
		let deliveries = 0;
		let draining = false;
		let closing = false;
		let stopped = false;
		let processed = 0;
		const warned = new Set<string>();
		const warnOnce = (key: string, text: string): void => {
			if (!warned.has(key)) {
				warned.add(key);
				warn(text);
			}
		};

		const publisher = connection.createPublisher({confirm: true, maxAttempts: 50, queues: [queues.outcomes, queues.control, queues.dead]});
		const unconfirmed = new Set<Promise<unknown>>();
		const track = (confirm: Promise<unknown>): void => {
			unconfirmed.add(confirm);
			void confirm.finally(() => unconfirmed.delete(confirm));
		};

		let run: EpochRecord | undefined;
		/** Added to the pipeline's times: the run's time when the pipeline started (see above). */
		let offsetMs = 0;
		let keepsEvents = false;
		let ledger: RunLedger | undefined;
		let sharedClock: ClockShare | undefined;
		const closers: Array<() => Promise<void>> = [];
		/** Streams and the queue are read only once the run's identity is known: its epoch decides what is ours. */
		const begin = async (identity: EpochRecord): Promise<void> => {
			const refused = await joinWithGroups(connection, identity, options.workerId, options.groups, async record => publisher.send({routingKey: names.control, durable: true, contentType: 'application/json'}, JSON.stringify(record)));
			if (refused !== undefined) {
				subscriber.error(new BrokerError(refused));
				return;
			}

			if (stopped || closing) {
				return;
			}

			// Sizes the window of batches: far from its broker, a worker holds more of them.
			const roundTripMs = await measureRoundTrip(connection, names.messages);
			if (stopped || closing) {
				return;
			}

			run = identity;
			keepsEvents = identity.events === true;
			const runTimeMs = options.config.speed === 'max' ? 0 : Math.max(0, Date.now() - identity.startedAt) * options.config.speed;
			offsetMs = runTimeMs - (scheduler.now() - pipelineOrigin);
			if (options.config.speed === 'max' && scheduler instanceof SimulationScheduler) {
				// One simulated clock for the run's workers: see run-clock.ts.
				sharedClock = shareClock(connection, {
					run: options.run,
					epoch: identity.epoch,
					worker: options.workerId,
					windowMs: options.clockWindowMs ?? defaultWindowMs(options.groups.map(group => group.meanMs)),
					scheduler,
					offsetMs,
					warn(text) {
						warnOnce(text, text);
					},
					drained: () => drained,
					// A batch is on its way, or will be once a finished one is acknowledged (wall time, no
					// simulated time), or another worker has messages to give back: not when every batch in
					// hand waits for sends that need the clock to move, or for another worker's progress.
					starved: () => (!drained || sharedClock?.otherSpare() === true) && gauge.waiting === 0 && handOut.unfed === 0 && gauge.inFlight < slots
						&& (inHand.size < prefetch || finishedInHand - awaitingOutcome > 0),
					spare: () => handOut.unfed,
					wants: freeWanting,
					giveBack(wanted) {
						if (!draining && !closing) {
							handOut.giveBack(wanted);
						}
					},
				});
				closers.push(async () => sharedClock?.leave());
				await sharedClock.ready;
				if (stopped || closing) {
					return;
				}
			}

			// What is set aside is for monitors to report; a worker only needs to know when the run is over.
			ledger = new RunLedger({
				run: options.run, epoch: identity.epoch, fold: false, aside: () => undefined,
			});
			const runLedger = ledger;
			const listening = connectedSince(connection);
			const keeper = keepRun(runLedger, identity, async record => publisher.send({routingKey: names.control, durable: true, contentType: 'application/json'}, JSON.stringify(record)), listening.since);
			closers.push(
				async () => {
					keeper.stop();
					listening.stop();
				},
				readStream(connection, queues.control, body => {
					const parsed = parseControl(body);
					if ('record' in parsed && parsed.record.run === options.run) {
						const {record} = parsed;
						if (record.type === 'heartbeat' && record.worker !== options.workerId && record.epoch === identity.epoch) {
							othersWanting.set(record.worker, {wants: record.done ? 0 : record.wants ?? 0, at: Date.now()});
						}

						runLedger.control(record);
						keeper.check();
						// Messages are taken once a producer has said how large its batches are.
						if (stopConsuming === undefined && runLedger.largestBatch.messages > 0) {
							stopConsuming = consume(identity, runLedger.largestBatch, roundTripMs);
						}
					}
				}, streamReading),
				readStream(connection, queues.outcomes, body => {
					if (isStatsRecord(body)) {
						runLedger.records(body as Buffer);
						keeper.check();
					}
				}, streamReading),
				async () => stopConsuming?.(),
			);
		};

		/** How the worker reads the run's streams: a record that throws is skipped (a monitor says why). */
		const streamReading: StreamReading = {
			thrown() {
				// Skipped.
			},
			failed(error) {
				subscriber.error(error);
			},
			warn(text) {
				warnOnce(text, text);
			},
			closing: () => closing,
		};

		let stopConsuming: (() => Promise<void>) | undefined;
		/** Batches taken at once, once taking has started. */
		let prefetch = 0;
		/** Batches in hand whose every message has its outcome: acknowledged once their records are confirmed. */
		let finishedInHand = 0;
		/**
		 * Takes batches off the run's queue, a few at a time (`prefetchBatches` says how many), counted in
		 * the producers' batches, not the worker's own `--batch`. A batch is acknowledged, and the next
		 * one comes, only once its record is confirmed.
		 */
		const consume = (identity: EpochRecord, batch: {readonly messages: number}, roundTripMs: number): (() => Promise<void>) => {
			prefetch = prefetchBatches({
				groups: options.groups, speed: options.config.speed, batch, roundTripMs,
			});
			const consumer = connection.createConsumer({
				queue: names.messages, queueOptions: queues.messages, qos: {prefetchCount: prefetch}, concurrency: prefetch, requeue: true,
			}, async delivery => {
				if (draining) {
					return ConsumerStatus.REQUEUE; // Came in while stopping: back to the queue for another worker.
				}

				const parsed = parseMessages(delivery.body);
				const problem = 'problem' in parsed ? parsed.problem : notOurs(parsed.record, identity);
				if (problem !== undefined || !('record' in parsed)) {
					warnOnce(`bad-batch ${problem}`, `set aside a batch on ${names.messages} that is not this run's (${problem}): it is in ${names.dead}`);
					return ConsumerStatus.DROP; // Dead-lettered to the run's dead-letter queue.
				}

				const {record} = parsed;
				const unpublished = await ledger!.batchProblem(record, UNKNOWN_PRODUCER_WAIT_MS);
				if (draining) {
					return ConsumerStatus.REQUEUE;
				}

				if (unpublished !== undefined) {
					warnOnce(`bad-batch ${unpublished}`, `set aside a batch on ${names.messages} that is not this run's (${unpublished}): it is in ${names.dead}`);
					return ConsumerStatus.DROP;
				}

				const draw = drawMessages(record);
				const held: Held = {
					batch: record,
					next() {
						// Drawn as a sender is about to take it, so it dies young; it carries its batch itself.
						const message = draw.next().value as Holding;
						message[batchOf] = held;
						return message;
					},
					remaining: record.messages,
					part: record.part ?? 0,
					kept: record.messages,
					fed: 0,
					giving: false,
					...(delivery.priority === undefined ? {} : {amqpPriority: delivery.priority}),
					stats: emptyStats(),
					takenAt: Date.now(),
					publishedAttempts: 0,
					finished: false,
					confirms: [],
					dead: [],
					redelivered: delivery.redelivered,
					copy: ++deliveries,
					done: settle(),
				};
				inHand.add(held);
				drained = false; // Work came after all (a producer joined a run followed with --follow).
				try {
					handOut.add(held);
					handOut.feed();
					sharedClock?.update();

					await held.done.promise; // Resolving acknowledges the batch (or gives it back whole); a rejection requeues it.
					return held.requeued === true ? ConsumerStatus.REQUEUE : ConsumerStatus.ACK;
				} finally {
					inHand.delete(held);
					if (held.finished) {
						finishedInHand--;
					}
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
			return async () => consumer.close();
		};

		// Rows of a run that keeps events wait here until a batch is full or RESULT_FLUSH_MS passes.
		let pendingRows: SendResult[] = [];
		let flushTimer: NodeJS.Timeout | undefined;
		const flushRows = (): void => {
			clearTimeout(flushTimer);
			flushTimer = undefined;
			if (pendingRows.length === 0 || run === undefined) {
				return;
			}

			const out = pendingRows;
			pendingRows = [];
			const rows: WireResult[] = out.map(result => ({
				producer: heldOf(result).batch.producer,
				n: (result.message as HeldMessage).n,
				to: result.message.to,
				body: result.message.body,
				cost: costOf(result.message),
				senderId: result.senderId,
				group: result.group,
				status: result.status,
				startMs: result.startMs + offsetMs,
				endMs: result.endMs + offsetMs,
				durationMs: result.durationMs,
			}));
			const confirm = publisher.send({routingKey: names.outcomes, durable: true, contentType: BATCH_CONTENT_TYPE}, encodeOutcomes({run: options.run, epoch: run.epoch, worker: options.workerId}, rows));
			for (const held of new Set(out.map(result => heldOf(result)))) {
				held.confirms.push(confirm);
			}
		};

		const groupSenders = new Map(options.groups.map(group => [group.name, group.count]));
		/**
		 * Records go out as group commits: one envelope awaiting its confirm at a time, and the records
		 * that finish meanwhile go out together once it is confirmed (or once there are
		 * `MAX_RECORDS_A_MESSAGE`). An idle worker's record goes at once; a busy one's share an AMQP
		 * message (fewer for the broker and monitors), waiting no longer than one confirm. A timer
		 * instead (10 ms) made every batch wait for it: one worker's window of 6 batches took 15 ms a
		 * round and it ran at half its speed.
		 */
		let pendingRecords: Array<{readonly bytes: Buffer; readonly sent: Settle}> = [];
		let envelopeInFlight = false;
		const flushRecords = (): void => {
			const out = pendingRecords;
			pendingRecords = [];
			if (out.length === 0) {
				return;
			}

			envelopeInFlight = true;
			publisher.send({routingKey: names.outcomes, durable: true, contentType: STATS_CONTENT_TYPE}, encodeStatsRecords(out.map(record => record.bytes))).then(() => {
				for (const record of out) {
					record.sent.resolve();
				}
			}, (error: unknown) => {
				for (const record of out) {
					record.sent.reject(error);
				}
			}).finally(() => {
				envelopeInFlight = false;
				flushRecords();
			});
		};

		const publishRecord = async (held: Held, final: boolean): Promise<void> => {
			const sent = settle();
			pendingRecords.push({
				bytes: encodeStatsRecord({
					run: options.run, epoch: run!.epoch, worker: options.workerId, producer: held.batch.producer, seq: held.batch.seq, messages: held.kept, copy: held.copy, ...(held.part === 0 ? {} : {part: held.part}), ...(final && held.cut !== undefined ? {cut: held.cut} : {}), final, ...(final && held.dead.length > 0 ? {dead: held.dead} : {}),
				}, held.stats, {shiftMs: offsetMs, groupSenders}),
				sent,
			});
			if (!envelopeInFlight || pendingRecords.length >= MAX_RECORDS_A_MESSAGE) {
				flushRecords();
			}

			return sent.promise;
		};

		/**
		 * Every message of the batch has its outcome: its rows and its final record go out; then the
		 * dead letters of the batch's first final record go to the run's dead-letter queue (this
		 * worker's own for a first delivery; for a redelivered batch, whichever record is first on the
		 * stream, read back: another worker's that did it before it died); then the batch is
		 * acknowledged. So the queue holds the outcome every monitor counts, one per message:
		 * a message may appear twice there only if a worker dies between putting it there and
		 * acknowledging, and then the same letter, with the same id.
		 */
		const finish = (held: Held): void => {
			held.finished = true;
			finishedInHand++;
			flushRows();
			const confirm = Promise.all([...held.confirms, publishRecord(held, true)])
				.then(async () => deadLettersOf(held))
				.then(async dead => deadLetter(held, dead))
				.then(
					() => {
						held.done.resolve();
					},
					(error: unknown) => {
						warnOnce('publish', `publishing results to ${names.outcomes}: ${describe(error)}; their batches go back to the queue`);
						held.done.reject(error);
					},
				);
			track(confirm);
		};

		/**
		 * The dead letters of `held` to put on the dead-letter queue, once its record is confirmed: those
		 * of whichever record counted for its part, read back. A redelivered one puts them whoever wrote
		 * them (another worker's that did it before it died). Any other puts its own, only if its record
		 * is the one that counted: a part given back may be a copy, or reached by no chain (see
		 * run-ledger.ts), and a worker whose connection dropped may finish a batch the broker gave to
		 * another (the chaos test saw 2 dead letters too many: a zombie's, of messages the other sent).
		 * With none of its own, a first delivery waits for nothing: there is nothing it could put.
		 */
		const deadLettersOf = async (held: Held): Promise<readonly DeadLetter[]> => {
			if (!held.redelivered && held.dead.length === 0) {
				return held.dead;
			}

			awaitingOutcome++;
			try {
				const outcome = await ledger!.outcomeOf(held.batch.producer, held.batch.seq, held.part);
				if (held.redelivered) {
					return outcome?.dead ?? [];
				}

				return outcome?.worker === options.workerId && outcome.copy === held.copy ? held.dead : [];
			} finally {
				awaitingOutcome--;
			}
		};

		/** Tops up the messages waiting at the senders (scheduled at the instant senders free up). */
		const feed = (): void => {
			feedScheduled = false;
			handOut.feed(draining);
		};

		/**
		 * How many messages its free senders would take, once the run's queue is found empty (while it
		 * has batches, a worker takes one of those, and another's give-back would only go back and
		 * forth); 0 while it has messages of its own to hand them.
		 */
		const freeWanting = (): number => (drained && handOut.unfed === 0 && gauge.waiting === 0 && gauge.inFlight < slots ? slots - gauge.inFlight : 0);

		/** At paced speeds: what the other workers' last heartbeats (within three intervals) say their free senders would take. */
		const othersWanting = new Map<string, {readonly wants: number; readonly at: number}>();
		const othersWant = (): number => {
			let wants = 0;
			for (const [worker, {wants: theirs, at}] of othersWanting) {
				if (Date.now() - at > 3 * options.intervalMs) {
					othersWanting.delete(worker);
				} else {
					wants += theirs;
				}
			}

			return wants;
		};

		/** Publishes the `count` messages given back, the part of `held`'s batch that starts at `offset`, confirmed. */
		const publishPart = async (held: Held, offset: number, count: number): Promise<unknown> => {
			const {type, ...batch} = held.batch;
			const sent = publisher.send({
				routingKey: names.messages, durable: true, contentType: BATCH_CONTENT_TYPE, ...(held.amqpPriority === undefined ? {} : {priority: held.amqpPriority}),
			}, encodeMessages({...batch, part: offset, messages: count}));
			track(sent);
			return sent;
		};

		/** Puts `dead` (of `held`'s messages) on the run's dead-letter queue, confirmed: their messages drawn again. */
		const deadLetter = async (held: Held, dead: readonly DeadLetter[]): Promise<void> => {
			if (dead.length === 0) {
				return;
			}

			const letters = new Map(dead.map(([n, attempts, permanent]) => [n, {attempts, permanent: permanent === 1}]));
			const messages = [];
			for (const message of drawMessages(held.batch, true)) {
				const letter = letters.get(message.n);
				if (letter !== undefined) {
					messages.push({
						id: message.id, to: message.to, body: message.body, ...letter,
					});
				}
			}

			await publisher.send({routingKey: names.dead, durable: true, contentType: 'application/json'}, JSON.stringify({
				type: 'dead-letters', run: options.run, epoch: run!.epoch, worker: options.workerId, messages,
			}));
		};

		const onResult = (result: SendResult): void => {
			const held = (result.message as Partial<HeldMessage>)[batchOf];
			processed++;
			if (held === undefined) {
				return;
			}

			addResult(held.stats, result);
			// A failed attempt that will be retried is not the message's outcome: the worker retries it itself.
			if (result.retry === true) {
				return;
			}

			if (keepsEvents) {
				pendingRows.push(result);
				if (pendingRows.length >= options.batch) {
					flushRows();
				} else {
					flushTimer ??= setTimeout(flushRows, RESULT_FLUSH_MS);
				}
			}

			if (result.attempt !== undefined && result.status === 'failed') {
				held.dead.push([(result.message as HeldMessage).n, result.attempt, result.permanent === true ? 1 : 0]);
			}

			if (--held.remaining === 0 && !held.giving) {
				finish(held);
			}

			// Senders free up: top the pool up at this instant, once for a quarter of a round of them.
			if (!feedScheduled && handOut.hungry) {
				feedScheduled = true;
				scheduler.schedule(feed);
			}
		};

		const heartbeat = (done: boolean): void => {
			if (run === undefined) {
				return;
			}

			const wants = options.config.speed === 'max' || done ? 0 : freeWanting();
			const record: HeartbeatRecord = {
				type: 'heartbeat', run: options.run, epoch: run.epoch, worker: options.workerId, senders: slots, inFlight: gauge.inFlight, processed, done, ...(wants > 0 ? {wants} : {}),
			};
			publisher.send({routingKey: names.control, durable: true, contentType: 'application/json'}, JSON.stringify(record)).catch(() => undefined);
		};

		/** A partial record of each batch in hand for longer than an interval that has news: progress while slow senders work. */
		const publishPartials = (): void => {
			const now = Date.now();
			for (const held of inHand) {
				if (!held.finished && held.stats.attempts > held.publishedAttempts && now - held.takenAt >= options.intervalMs) {
					held.publishedAttempts = held.stats.attempts;
					publishRecord(held, false).catch(() => undefined); // The final record says it all anyway.
				}
			}
		};

		const drain = (): void => {
			if (!draining) {
				draining = true;
				handOut.feed(true); // Every message in hand goes to the senders: the worker finishes what it took.
				incoming$.complete(); // The pool finishes what it holds, then completes.
				if (gauge.retrying > 0) {
					// Their backoff may be long (--backoff 1h): the drain waits for them, and says how long.
					const waitMs = options.config.speed === 'max' ? 0 : Math.max(0, gauge.lastRetryDueAt - scheduler.now()) / options.config.speed;
					deps.onRetriesWaiting?.(gauge.retrying, waitMs);
				}
			}
		};

		const ticking = wall.schedule(function () {
			heartbeat(false);
			publishPartials();
			this.schedule(undefined, options.intervalMs);
		}, options.intervalMs);
		// Whether the run is complete is asked often, whatever the interval: a worker ends within a
		// moment of the run's end, not at its next heartbeat (with `--interval 10s`, up to 10 s later).
		// Whether the run's work is all taken (see `drained` in run-clock.ts; at paced speeds, what a
		// heartbeat's `wants` rests on). Asked only when this worker has nothing waiting for its
		// senders, all producers are done, and it has not already been found so.
		let drained = false;
		let askingDrained = false;
		const drainedCheck = wall.schedule(function () {
			// Paced: another worker's free senders wait with the queue empty (its heartbeat says so).
			if (options.config.speed !== 'max' && !draining && !closing && handOut.unfed > 0 && othersWant() > 0) {
				handOut.giveBack(Number.POSITIVE_INFINITY);
			}

			if (!drained && !askingDrained && ledger?.producersDone === true && gauge.waiting === 0) {
				askingDrained = true;
				connection.queueDeclare({queue: names.messages, passive: true}).then(({messageCount}) => {
					drained = messageCount === 0;
					if (drained) {
						sharedClock?.update();
					}
				}, () => undefined).finally(() => {
					askingDrained = false;
				});
			}

			this.schedule(undefined, COMPLETION_CHECK_MS);
		}, COMPLETION_CHECK_MS);
		const checking = options.follow
			? undefined
			: wall.schedule(function () {
				if (!draining && ledger?.done === true && inHand.size === 0 && gauge.inFlight === 0) {
					drain();
				}

				this.schedule(undefined, COMPLETION_CHECK_MS);
			}, COMPLETION_CHECK_MS);

		subscriber.next({type: 'start', config: options.config});
		// The same pipeline as a local run, fed by the consumer; at max speed its ticks follow the wall clock.
		const pipelineOrigin = scheduler.now();
		const events$ = pipeline(incoming$, {
			senders, groups: options.groups, scheduler, random, intervalMs: options.intervalMs, total: null, gauge, ticks: options.config.speed === 'max' ? wall : undefined,
		}).pipe(tap(event => {
			if (event.type === 'result') {
				onResult(event);
			}
		}));
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
				flushRows();
				flushRecords();
				void Promise.allSettled([...unconfirmed]).then(async () => {
					ticking.unsubscribe();
					checking?.unsubscribe();
					drainedCheck?.unsubscribe();
					heartbeat(true);
					closing = true;
					await Promise.allSettled([...closers.map(async close => close()), finding.close()]);
					await publisher.close();
					subscriber.complete();
				});
			},
		});

		// The run's identity first: a worker may start before any producer.
		const finding = awaitRun(connection, options.run);
		finding.identity.then(async identity => {
			if (!stopped && !closing) {
				await begin(identity);
			}
		}).catch((error: unknown) => {
			subscriber.error(error);
		});

		const stopSubscription = deps.stop ? from(deps.stop).subscribe(drain) : undefined;

		return () => {
			stopped = true;
			stopSubscription?.unsubscribe();
			subscription.unsubscribe();
			ticking.unsubscribe();
			checking?.unsubscribe();
			drainedCheck?.unsubscribe();
			clearTimeout(flushTimer);
			// Unsubscribed before the end: what is in hand goes back to the queue (requeued on reject).
			for (const held of inHand) {
				held.done.reject(new Error('worker stopped'));
			}

			closing = true;
			for (const close of closers) {
				void close();
			}

			void finding.close();
			void publisher.close();
		};
	});
}

/** Why a batch is not of the run `identity` names (another run, or an earlier run of its name), if it is not. */
function notOurs(batch: {readonly run: string; readonly epoch: string}, identity: EpochRecord): string | undefined {
	if (batch.run !== identity.run) {
		return 'another run';
	}

	return batch.epoch === identity.epoch ? undefined : 'an earlier run of this name';
}

/** A message in a worker's hands: it carries the batch it came in (a redelivered batch brings new message objects). */
type HeldMessage = WireMessage & {readonly [batchOf]: Held};
type Holding = WireMessage & {[batchOf]?: Held};

/** The batch the message of a result came in, for a result of a message in the worker's hands. */
const heldOf = (result: SendResult): Held => (result.message as HeldMessage)[batchOf];

function describe(error: unknown): string {
	return error instanceof Error ? error.message.split('\n')[0] : String(error);
}
