import {
	ConsumerStatus, type AsyncMessage, type Connection,
} from 'rabbitmq-client';
import {
	Observable, Subject, asyncScheduler, from, type ObservableInput, type SchedulerLike, type Subscriber, type Subscription,
} from 'rxjs';
import {senderCount, type ResolvedConfig} from '../model/config.js';
import {pipeline, type PipelineOptions} from '../pipeline/pipeline.js';
import {SimulationScheduler} from '../engine/scheduler.js';
import {createPoolGauge} from '../engine/pool.js';
import type {Random} from '../model/random.js';
import {createSenders, type ResolvedSenderGroup, type SendResult} from '../model/senders.js';
import type {SimulationEvent} from '../pipeline/simulation.js';
import {addResult} from '../engine/stats.js';
import {
	BrokerError, acrossReconnects, brokerFailure, connectedSince, isFatalBrokerError,
} from './connection.js';
import {awaitRun, type RunIdentityWait} from './run-identity.js';
import {keepRun, type RunKeeper} from './run-keeper.js';
import {readStream, type StreamReading} from './read-stream.js';
import {RunLedger} from './run-ledger.js';
import {joinWithGroups} from './worker-groups.js';
import {HandOut} from './hand-out.js';
import {measureRoundTrip, prefetchBatches} from './prefetch.js';
import {defaultWindowMs, shareClock, type ClockShare} from './run-clock.js';
import {isStatsRecord, type DeadLetter} from './stats-records.js';
import {
	parseControl, queueOptions, runNames, type EpochRecord, type HeartbeatRecord, type RunNames,
} from './topology.js';
import {parseMessages, type WireMessage} from './batches.js';
import {
	heldOf, holdBatch, numberOf, type Held,
} from './held-batch.js';
import {WorkerPublisher} from './worker-publisher.js';

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
	/** Real sends (`--via`) in place of the simulated senders: see `PipelineOptions.send` and `via`. */
	readonly realSends?: Pick<PipelineOptions, 'send' | 'via'>;
};

/** How often an idle worker asks whether the run is complete (wall ms). */
const COMPLETION_CHECK_MS = 200;

/** How long a batch of a producer the run has not announced waits for its producer-start before it is dead-lettered (wall ms). */
const UNKNOWN_PRODUCER_WAIT_MS = 10_000;

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
		const session = new WorkerSession(connection, options, deps, subscriber);
		return () => {
			session.stop();
		};
	});
}

/** What a worker knows once it has joined a run: its identity, what is known of it, and its broker's round trip. */
type Joined = {
	readonly identity: EpochRecord;
	readonly ledger: RunLedger;
	readonly keeper: RunKeeper;
	readonly roundTripMs: number;
};

/** One subscription's worker: what it holds, what it has published, and when it leaves. */
class WorkerSession {
	private readonly scheduler: SchedulerLike;
	private readonly names: RunNames;
	/** The worker's senders: its pool's C. */
	private readonly slots: number;
	private readonly incoming$ = new Subject<WireMessage>();
	private readonly gauge = createPoolGauge();
	/** The batches in hand, to give back if the worker is stopped before their end. */
	private readonly inHand = new Set<Held>();
	/**
	 * The messages of the batches in hand go to the senders half a round at a time; the rest can go
	 * back to the queue when another worker starves (hand-out.ts). So a slow worker's batch of 500
	 * no longer holds the run's end (workers of 1,000 x 200 ms and 10 x 1 s took 100.7 s of
	 * simulated time where one process took 20.8 s).
	 */
	private readonly handOut: HandOut<Held>;
	private readonly publisher: WorkerPublisher;
	private readonly warned = new Set<string>();
	/** At paced speeds: what the other workers' last heartbeats (within three intervals) say their free senders would take. */
	private readonly othersWanting = new Map<string, {readonly wants: number; readonly at: number}>();
	/** Run on leaving: streams read, the shared clock, the consumer. */
	private readonly closers: Array<() => Promise<void>> = [];
	/** How the worker reads the run's streams: a record that throws is skipped (a monitor says why). */
	private readonly streamReading: StreamReading;
	/** Tops up the messages waiting at the senders (scheduled at the instant senders free up). */
	private readonly feedNow: () => void;
	private readonly ticking: Subscription;
	private readonly drainedCheck: Subscription;
	private readonly completionCheck: Subscription | undefined;
	/** The pipeline's clock when it started: the run's time then is the publisher's `offsetMs`. */
	private readonly pipelineOrigin: number;
	private readonly subscription: Subscription;
	private readonly finding: RunIdentityWait;
	private readonly stopSubscription: Subscription | undefined;
	/** The run joined: its epoch is on every record; heartbeats go out only once it is known. */
	private run: EpochRecord | undefined;
	private keepsEvents = false;
	private ledger: RunLedger | undefined;
	private sharedClock: ClockShare | undefined;
	private stopConsuming: (() => Promise<void>) | undefined;
	/** Batches taken at once, once taking has started. */
	private prefetch = 0;
	/** Deliveries taken so far: each held batch's `copy`. */
	private deliveries = 0;
	/** Batches in hand whose every message has its outcome: acknowledged once their records are confirmed. */
	private finishedInHand = 0;
	/** Batches whose record is confirmed, waiting to hear what counted for them (another worker's progress, not the broker's). */
	private awaitingOutcome = 0;
	private feedScheduled = false;
	private processed = 0;
	/** Whether the run's work is all taken (see `drained` in run-clock.ts; at paced speeds, what a heartbeat's `wants` rests on). */
	private drained = false;
	private askingDrained = false;
	private draining = false;
	private closing = false;
	private stopped = false;

	constructor(private readonly connection: Connection, private readonly options: WorkerOptions, private readonly deps: WorkerDeps, private readonly subscriber: Subscriber<SimulationEvent>) {
		const {scheduler, random} = deps;
		const wall = deps.wallScheduler ?? asyncScheduler;
		this.scheduler = scheduler;
		this.names = runNames(options.run);
		this.slots = senderCount(options.groups);
		this.publisher = new WorkerPublisher(connection, {
			run: options.run, workerId: options.workerId, batch: options.batch, groupSenders: new Map(options.groups.map(group => [group.name, group.count])),
		});
		this.handOut = this.createHandOut();
		this.streamReading = {
			thrown() {
				// Skipped.
			},
			failed(error) {
				subscriber.error(error);
			},
			warn: text => {
				this.warnOnce(text, text);
			},
			closing: () => this.closing,
		};
		this.feedNow = () => {
			this.feedScheduled = false;
			this.handOut.feed(this.draining);
		};

		this.ticking = every(wall, options.intervalMs, () => {
			this.heartbeat(false);
			this.publishPartials();
		});
		// Whether the run is complete is asked often, whatever the interval: a worker ends within a
		// moment of the run's end, not at its next heartbeat (with `--interval 10s`, up to 10 s later).
		this.drainedCheck = every(wall, COMPLETION_CHECK_MS, () => {
			this.checkDrained();
		});
		this.completionCheck = options.follow
			? undefined
			: every(wall, COMPLETION_CHECK_MS, () => {
				this.checkComplete();
			});
		subscriber.next({type: 'start', config: options.config});
		// The same pipeline as a local run, fed by the consumer; at max speed its ticks follow the wall clock.
		this.pipelineOrigin = scheduler.now();
		const senders = createSenders(options.groups, random).map(sender => ({...sender, id: `${options.workerId}/${sender.id}`}));
		this.subscription = pipeline(this.incoming$, {
			senders, groups: options.groups, scheduler, random, intervalMs: options.intervalMs, total: null, gauge: this.gauge, ticks: options.config.speed === 'max' ? wall : undefined, ...deps.realSends,
		}).subscribe({
			next: event => {
				if (event.type === 'result') {
					this.onResult(event);
				}

				subscriber.next(event);
			},
			error(error) {
				subscriber.error(error);
			},
			complete: () => {
				this.leave();
			},
		});
		// The run's identity first: a worker may start before any producer.
		this.finding = awaitRun(connection, options.run);
		this.finding.identity.then(async identity => {
			if (!this.stopped && !this.closing) {
				await this.begin(identity);
			}
		}).catch((error: unknown) => {
			subscriber.error(error);
		});
		this.stopSubscription = deps.stop
			? from(deps.stop).subscribe(() => {
				this.drain();
			})
			: undefined;
	}

	/** Unsubscribed before the end: what is in hand goes back to the queue (requeued on reject). */
	stop(): void {
		this.stopped = true;
		this.stopSubscription?.unsubscribe();
		this.subscription.unsubscribe();
		this.stopChecks();
		this.publisher.stopTimer();
		for (const held of this.inHand) {
			held.done.reject(new Error('worker stopped'));
		}

		this.closing = true;
		for (const close of this.closers) {
			void close();
		}

		void this.finding.close();
		void this.publisher.close();
	}

	private createHandOut(): HandOut<Held> {
		return new HandOut<Held>({
			slots: this.slots,
			waiting: () => this.gauge.waiting,
			push: message => {
				this.incoming$.next(message);
			},
			publishPart: async (held, offset, count) => this.publisher.publishPart(held, offset, count),
			requeue(held) {
				held.requeued = true;
				held.done.resolve();
			},
			settled: held => {
				if (!held.finished) {
					this.finish(held);
				}
			},
		});
	}

	private warnOnce(key: string, text: string): void {
		if (!this.warned.has(key)) {
			this.warned.add(key);
			this.deps.warn?.(text);
		}
	}

	/** Streams and the queue are read only once the run's identity is known: its epoch decides what is ours. */
	private async begin(identity: EpochRecord): Promise<void> {
		const {connection, options} = this;
		const givenUp = (): boolean => this.stopped || this.closing;
		const refused = await acrossReconnects(async () => joinWithGroups(connection, identity, options.workerId, options.groups, async record => this.publisher.sendControl(record)), givenUp);
		if (refused !== undefined) {
			this.subscriber.error(new BrokerError(refused));
			return;
		}

		if (this.stopped || this.closing) {
			return;
		}

		// Sizes the window of batches: far from its broker, a worker holds more of them.
		const roundTripMs = await acrossReconnects(async () => measureRoundTrip(connection, this.names.messages), givenUp);
		if (this.stopped || this.closing) {
			return;
		}

		this.run = identity;
		this.keepsEvents = identity.events === true;
		const runTimeMs = options.config.speed === 'max' ? 0 : Math.max(0, Date.now() - identity.startedAt) * options.config.speed;
		this.publisher.joined(identity.epoch, runTimeMs - (this.scheduler.now() - this.pipelineOrigin));
		if (options.config.speed === 'max' && this.scheduler instanceof SimulationScheduler) {
			await this.joinClock(identity, this.scheduler);
			if (this.stopped || this.closing) {
				return;
			}
		}

		this.listen(identity, roundTripMs);
	}

	/** One simulated clock for the run's workers: see run-clock.ts. */
	private async joinClock(identity: EpochRecord, scheduler: SimulationScheduler): Promise<void> {
		const {options} = this;
		const clock = shareClock(this.connection, {
			run: options.run,
			epoch: identity.epoch,
			worker: options.workerId,
			windowMs: options.clockWindowMs ?? defaultWindowMs(options.groups.map(group => group.meanMs)),
			scheduler,
			offsetMs: this.publisher.offsetMs,
			warn: text => {
				this.warnOnce(text, text);
			},
			drained: () => this.drained,
			starved: () => this.starved(),
			spare: () => this.handOut.unfed,
			wants: () => this.freeWanting(),
			giveBack: wanted => {
				if (!this.draining && !this.closing) {
					this.handOut.giveBack(wanted);
				}
			},
		});
		this.sharedClock = clock;
		this.closers.push(async () => clock.leave());
		await clock.ready;
	}

	/**
	 * Whether the worker waits for a batch: one is on its way, or will be once a finished one is
	 * acknowledged (wall time, no simulated time), or another worker has messages to give back; not
	 * when every batch in hand waits for sends that need the clock to move, or for another worker's
	 * progress.
	 */
	private starved(): boolean {
		const {gauge} = this;
		return (!this.drained || this.sharedClock?.otherSpare() === true) && gauge.waiting === 0 && this.handOut.unfed === 0 && gauge.inFlight < this.slots
			&& (this.inHand.size < this.prefetch || this.finishedInHand - this.awaitingOutcome > 0);
	}

	/** Reads the run's control and outcome streams; messages are taken once a producer has said how large its batches are. */
	private listen(identity: EpochRecord, roundTripMs: number): void {
		const {connection} = this;
		const queues = queueOptions(this.options.run);
		// What is set aside is for monitors to report; a worker only needs to know when the run is over.
		const ledger = new RunLedger({
			run: this.options.run, epoch: identity.epoch, fold: false, aside: () => undefined,
		});
		this.ledger = ledger;
		const listening = connectedSince(connection);
		const keeper = keepRun(ledger, identity, async record => this.publisher.sendControl(record), listening.since);
		const joined: Joined = {
			identity, ledger, keeper, roundTripMs,
		};
		this.closers.push(
			async () => {
				keeper.stop();
				listening.stop();
			},
			readStream(connection, queues.control, body => {
				this.onControl(body, joined);
			}, this.streamReading),
			readStream(connection, queues.outcomes, body => {
				if (isStatsRecord(body)) {
					ledger.records(body as Buffer);
					keeper.check();
				}
			}, this.streamReading),
			async () => this.stopConsuming?.(),
		);
	}

	private onControl(body: unknown, joined: Joined): void {
		const parsed = parseControl(body);
		if (!('record' in parsed) || parsed.record.run !== this.options.run) {
			return;
		}

		const {record} = parsed;
		if (record.type === 'heartbeat' && record.worker !== this.options.workerId && record.epoch === joined.identity.epoch) {
			this.othersWanting.set(record.worker, {wants: record.done ? 0 : record.wants ?? 0, at: Date.now()});
		}

		joined.ledger.control(record);
		joined.keeper.check();
		if (this.stopConsuming === undefined && joined.ledger.largestBatch.messages > 0) {
			this.stopConsuming = this.consume(joined);
		}
	}

	/**
	 * Takes batches off the run's queue, a few at a time (`prefetchBatches` says how many), counted in
	 * the producers' batches, not the worker's own `--batch`. A batch is acknowledged, and the next
	 * one comes, only once its record is confirmed.
	 */
	private consume(joined: Joined): () => Promise<void> {
		const {names} = this;
		this.prefetch = prefetchBatches({
			groups: this.options.groups, speed: this.options.config.speed, batch: joined.ledger.largestBatch, roundTripMs: joined.roundTripMs,
		});
		const queues = queueOptions(this.options.run);
		const consumer = this.connection.createConsumer({
			queue: names.messages, queueOptions: queues.messages, qos: {prefetchCount: this.prefetch}, concurrency: this.prefetch, requeue: true,
		}, async delivery => this.take(delivery, joined));
		consumer.on('error', (error: unknown) => {
			if (this.closing) {
				return; // Deliveries cut short by our own close: nothing to report.
			}

			if (isFatalBrokerError(error)) {
				this.subscriber.error(brokerFailure(error, `taking messages from ${names.messages}`));
				return;
			}

			this.warnOnce(`consumer ${describe(error)}`, `taking messages from ${names.messages}: ${describe(error)}`);
		});
		return async () => consumer.close();
	}

	/** A batch delivered: held until every message has its outcome and its record is confirmed, then acknowledged. */
	private async take(delivery: AsyncMessage, joined: Joined): Promise<ConsumerStatus> {
		if (this.draining) {
			return ConsumerStatus.REQUEUE; // Came in while stopping: back to the queue for another worker.
		}

		const parsed = parseMessages(delivery.body);
		const problem = 'problem' in parsed ? parsed.problem : notOurs(parsed.record, joined.identity);
		if (problem !== undefined || !('record' in parsed)) {
			this.setAside(problem);
			return ConsumerStatus.DROP; // Dead-lettered to the run's dead-letter queue.
		}

		const unpublished = await joined.ledger.batchProblem(parsed.record, UNKNOWN_PRODUCER_WAIT_MS);
		if (this.draining) {
			return ConsumerStatus.REQUEUE;
		}

		if (unpublished !== undefined) {
			this.setAside(unpublished);
			return ConsumerStatus.DROP;
		}

		const held = holdBatch(parsed.record, delivery, ++this.deliveries);
		this.inHand.add(held);
		this.drained = false; // Work came after all (a producer joined a run followed with --follow).
		try {
			this.handOut.add(held);
			this.handOut.feed();
			this.sharedClock?.update();
			await held.done.promise;
			return held.requeued === true ? ConsumerStatus.REQUEUE : ConsumerStatus.ACK;
		} finally {
			this.inHand.delete(held);
			if (held.finished) {
				this.finishedInHand--;
			}
		}
	}

	private setAside(problem: string | undefined): void {
		const {names} = this;
		this.warnOnce(`bad-batch ${problem}`, `set aside a batch on ${names.messages} that is not this run's (${problem}): it is in ${names.dead}`);
	}

	/**
	 * Every message of the batch has its outcome: its rows and its final record go out; then the
	 * dead letters of the batch's first final record go to the run's dead-letter queue (this
	 * worker's own for a first delivery; for a redelivered batch, whichever record is first on the
	 * stream, read back: another worker's that did it before it died); then the batch is
	 * acknowledged. So the queue holds the outcome every monitor counts, one per message:
	 * a message may appear twice there only if a worker dies between putting it there and
	 * acknowledging, and then the same letter, with the same id.
	 */
	private finish(held: Held): void {
		held.finished = true;
		this.finishedInHand++;
		this.publisher.flushRows();
		const confirm = Promise.all([...held.confirms, this.publisher.publishRecord(held, true)])
			.then(async () => this.deadLettersOf(held))
			.then(async dead => this.publisher.deadLetter(held, dead))
			.then(
				() => {
					held.done.resolve();
				},
				(error: unknown) => {
					this.warnOnce('publish', `publishing results to ${this.names.outcomes}: ${describe(error)}; their batches go back to the queue`);
					held.done.reject(error);
				},
			);
		this.publisher.track(confirm);
	}

	/**
	 * The dead letters of `held` to put on the dead-letter queue, once its record is confirmed: those
	 * of whichever record counted for its part, read back. A redelivered one puts them whoever wrote
	 * them (another worker's that did it before it died). Any other puts its own, only if its record
	 * is the one that counted: a part given back may be a copy, or reached by no chain (see
	 * run-ledger.ts), and a worker whose connection dropped may finish a batch the broker gave to
	 * another (the chaos test saw 2 dead letters too many: a zombie's, of messages the other sent).
	 * With none of its own, a first delivery waits for nothing: there is nothing it could put.
	 */
	private async deadLettersOf(held: Held): Promise<readonly DeadLetter[]> {
		if (!held.redelivered && held.dead.length === 0) {
			return held.dead;
		}

		this.awaitingOutcome++;
		try {
			const outcome = await this.ledger?.outcomeOf(held.batch.producer, held.batch.seq, held.part);
			if (held.redelivered) {
				return outcome?.dead ?? [];
			}

			return outcome?.worker === this.options.workerId && outcome.copy === held.copy ? held.dead : [];
		} finally {
			this.awaitingOutcome--;
		}
	}

	/**
	 * How many messages its free senders would take, once the run's queue is found empty (while it
	 * has batches, a worker takes one of those, and another's give-back would only go back and
	 * forth); 0 while it has messages of its own to hand them.
	 */
	private freeWanting(): number {
		const {gauge, slots} = this;
		return this.drained && this.handOut.unfed === 0 && gauge.waiting === 0 && gauge.inFlight < slots ? slots - gauge.inFlight : 0;
	}

	private othersWant(): number {
		let wants = 0;
		for (const [worker, {wants: theirs, at}] of this.othersWanting) {
			if (Date.now() - at > 3 * this.options.intervalMs) {
				this.othersWanting.delete(worker);
			} else {
				wants += theirs;
			}
		}

		return wants;
	}

	private onResult(result: SendResult): void {
		const held = heldOf(result);
		this.processed++;
		if (held === undefined) {
			return;
		}

		addResult(held.stats, result);
		// A failed attempt that will be retried is not the message's outcome: the worker retries it itself.
		if (result.retry === true) {
			return;
		}

		if (this.keepsEvents) {
			this.publisher.addRow(result);
		}

		if (result.attempt !== undefined && result.status === 'failed') {
			held.dead.push([numberOf(result), result.attempt, result.permanent === true ? 1 : 0]);
		}

		if (--held.remaining === 0 && !held.giving) {
			this.finish(held);
		}

		// Senders free up: top the pool up at this instant, once for a quarter of a round of them.
		if (!this.feedScheduled && this.handOut.hungry) {
			this.feedScheduled = true;
			this.scheduler.schedule(this.feedNow);
		}
	}

	private heartbeat(done: boolean): void {
		const {run, options, gauge} = this;
		if (run === undefined) {
			return;
		}

		const wants = options.config.speed === 'max' || done ? 0 : this.freeWanting();
		const record: HeartbeatRecord = {
			type: 'heartbeat', run: options.run, epoch: run.epoch, worker: options.workerId, senders: this.slots, inFlight: gauge.inFlight, processed: this.processed, done, ...(wants > 0 ? {wants} : {}),
		};
		this.publisher.sendControl(record).catch(() => undefined);
	}

	/** A partial record of each batch in hand for longer than an interval that has news: progress while slow senders work. */
	private publishPartials(): void {
		const now = Date.now();
		for (const held of this.inHand) {
			if (!held.finished && held.stats.attempts > held.publishedAttempts && now - held.takenAt >= this.options.intervalMs) {
				held.publishedAttempts = held.stats.attempts;
				this.publisher.publishRecord(held, false).catch(() => undefined); // The final record says it all anyway.
			}
		}
	}

	private drain(): void {
		if (this.draining) {
			return;
		}

		this.draining = true;
		this.handOut.feed(true); // Every message in hand goes to the senders: the worker finishes what it took.
		this.incoming$.complete(); // The pool finishes what it holds, then completes.
		const {gauge, options} = this;
		if (gauge.retrying > 0) {
			// Their backoff may be long (--backoff 1h): the drain waits for them, and says how long.
			const waitMs = options.config.speed === 'max' ? 0 : Math.max(0, gauge.lastRetryDueAt - this.scheduler.now()) / options.config.speed;
			this.deps.onRetriesWaiting?.(gauge.retrying, waitMs);
		}
	}

	/**
	 * Whether the run's work is all taken: asked only when this worker has nothing waiting for its
	 * senders, all producers are done, and it has not already been found so. Paced, it also gives
	 * back what it holds when another worker's free senders wait with the queue empty (its heartbeat
	 * says so).
	 */
	private checkDrained(): void {
		if (this.options.config.speed !== 'max' && !this.draining && !this.closing && this.handOut.unfed > 0 && this.othersWant() > 0) {
			this.handOut.giveBack(Number.POSITIVE_INFINITY);
		}

		if (!this.drained && !this.askingDrained && this.ledger?.producersDone === true && this.gauge.waiting === 0) {
			this.askingDrained = true;
			this.connection.queueDeclare({queue: this.names.messages, passive: true}).then(({messageCount}) => {
				this.drained = messageCount === 0;
				if (this.drained) {
					this.sharedClock?.update();
				}
			}, () => undefined).finally(() => {
				this.askingDrained = false;
			});
		}
	}

	/** The run is complete and nothing is in hand: the worker drains and leaves (unless it follows the run). */
	private checkComplete(): void {
		if (!this.draining && this.ledger?.done === true && this.inHand.size === 0 && this.gauge.inFlight === 0) {
			this.drain();
		}
	}

	private stopChecks(): void {
		this.ticking.unsubscribe();
		this.completionCheck?.unsubscribe();
		this.drainedCheck.unsubscribe();
	}

	/**
	 * The pool has drained: publish what is left, wait for every confirm (so every batch is
	 * acknowledged), say goodbye, and only then close.
	 */
	private leave(): void {
		this.publisher.flushRows();
		this.publisher.flushRecords();
		void this.publisher.allSettled().then(async () => {
			this.stopChecks();
			this.heartbeat(true);
			this.closing = true;
			await Promise.allSettled([...this.closers.map(async close => close()), this.finding.close()]);
			await this.publisher.close();
			this.subscriber.complete();
		});
	}
}

/** Runs `work` every `periodMs` on `scheduler`, rescheduling one action. */
function every(scheduler: SchedulerLike, periodMs: number, work: () => void): Subscription {
	return scheduler.schedule(function () {
		work();
		this.schedule(undefined, periodMs);
	}, periodMs);
}

/** Why a batch is not of the run `identity` names (another run, or an earlier run of its name), if it is not. */
function notOurs(batch: {readonly run: string; readonly epoch: string}, identity: EpochRecord): string | undefined {
	if (batch.run !== identity.run) {
		return 'another run';
	}

	return batch.epoch === identity.epoch ? undefined : 'an earlier run of this name';
}

function describe(error: unknown): string {
	return error instanceof Error ? error.message.split('\n', 1)[0] ?? '' : String(error);
}
