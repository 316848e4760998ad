import type {Connection} from 'rabbitmq-client';
import {
	Observable, Subject, from, merge, type ObservableInput, type SchedulerLike, type Subscriber, type Subscription,
} from 'rxjs';
import type {ResolvedConfig} from '../model/config.js';
import {monitorStats, type MonitorOptions} from '../engine/monitor.js';
import {packedEncoding, packedSegments} from '../model/segments.js';
import type {SendResult} from '../model/senders.js';
import type {Stats} from '../engine/stats.js';
import type {SimulationEvent} from '../pipeline/simulation.js';
import {connectedSince} from './connection.js';
import {IdSet} from './id-set.js';
import {awaitRun, type RunIdentityWait} from './run-identity.js';
import {keepRun, type RunKeeper} from './run-keeper.js';
import {readStream, type StreamReading} from './read-stream.js';
import {RunLedger} from './run-ledger.js';
import {isStatsRecord} from './stats-records.js';
import {
	parseControl, queueOptions, runNames, type EpochRecord, type RunNames,
} from './topology.js';
import {
	isBatch, messageId, parseOutcomes, type WireResult,
} from './batches.js';

export type RemoteMonitorOptions = {
	readonly run: string;
	readonly intervalMs: number;
	/** Whether every result is passed on (for `--events` or a page), not only the snapshots. */
	readonly emitResults?: boolean;
	/** The person asked for `--events`: told in one line when the run keeps no per-message rows. */
	readonly eventsAsked?: boolean;
	/** Records in hand, unacknowledged, at once, per stream. */
	readonly prefetch?: number;
};

export type RemoteMonitorDeps = {
	/** A real-time clock: progress is shown every interval of wall time. */
	readonly scheduler: SchedulerLike;
	readonly stop?: ObservableInput<unknown>;
	/** Told once of each kind of record set aside, and of duplicates at the end. */
	readonly warn?: (text: string) => void;
	/** Shown the whole run's stats at each snapshot (a Prometheus exporter); see `MonitorOptions.onSample`. */
	readonly onSample?: MonitorOptions['onSample'];
};

/** Wall ms a monitor waits for its run to be started before it says that it is waiting. */
const WAITING_NOTE_MS = 1000;

/** A worker seen in a heartbeat within the last three intervals is live. */
const LIVE_INTERVALS = 3;

/**
 * Follows a run on the broker: reads the run's control and outcomes streams from their start
 * (taking nothing away from another monitor) and merges the stats records its workers publish
 * (one per batch: see stats-records.ts and run-ledger.ts), so its work grows with batches, not
 * messages. It ends with a final snapshot when every producer is done and every batch it published
 * is finished. Elapsed time (first start to last end), throughput and ETA come from the records'
 * own times, so a monitor started late, or after the run, prints the same summary as one that
 * watched it. With `emitResults`, it also passes on the per-message rows of a run that keeps them
 * (`produce --events`), each message once.
 * Records of another epoch (an earlier run under this name), batches no producer of the run
 * published, and records that are not sms-sim's are set aside, and each reason reported once.
 * Expects the run declared (`declareRun`) first.
 */
export function watchRun(connection: Connection, options: RemoteMonitorOptions, deps: RemoteMonitorDeps): Observable<SimulationEvent> {
	return new Observable<SimulationEvent>(subscriber => {
		const watch = new RunWatch(connection, options, deps, subscriber);
		return () => {
			watch.stop();
		};
	});
}

/** What a monitor reads a run's streams with, once the run's identity is known. */
type Reading = {
	readonly run: EpochRecord;
	readonly ledger: RunLedger;
	readonly keeper: RunKeeper;
};

/** One subscription's monitor of a run on the broker. */
class RunWatch {
	private readonly names: RunNames;
	private readonly stats$ = new Subject<Stats>();
	private readonly rows$ = new Subject<SendResult>();
	/** Workers as their last heartbeats describe them. */
	private readonly workers = new Map<string, {senders: number; inFlight: number; seenAt: number; done: boolean}>();
	/** Rows passed on, per producer: a batch redone after a worker died sends its rows again. */
	private readonly rowsSeen = new Map<string, IdSet>();
	/** Records set aside, by reason: each reason is told once. */
	private readonly setAside = new Map<string, number>();
	/** How the monitor reads the run's streams: a record its handler cannot take is set aside with the reason, and reading goes on. */
	private readonly streamReading: StreamReading;
	private readonly subscription: Subscription;
	private readonly finding: RunIdentityWait;
	private readonly waitingNote: NodeJS.Timeout;
	private readonly stopSubscription: Subscription | undefined;
	private ledger: RunLedger | undefined;
	private finished = false;
	private closing = false;
	private stopReading = async (): Promise<unknown> => undefined;
	private stopPublishing = async (): Promise<void> => undefined;

	constructor(private readonly connection: Connection, private readonly options: RemoteMonitorOptions, private readonly deps: RemoteMonitorDeps, subscriber: Subscriber<SimulationEvent>) {
		this.names = runNames(options.run);
		this.streamReading = {
			thrown: (queue, error) => {
				this.aside(`a record on ${queue} that could not be read (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
			},
			failed(error) {
				subscriber.error(error);
			},
			warn: text => {
				this.warn(text);
			},
			closing: () => this.closing,
			prefetch: options.prefetch ?? 200,
		};
		subscriber.next({type: 'start', config: startConfig(options)});
		this.subscription = merge(this.rows$, this.snapshots()).subscribe({
			next(event) {
				subscriber.next(event);
			},
			error(error) {
				subscriber.error(error);
			},
			complete: () => {
				void this.close().then(() => {
					subscriber.complete();
				});
			},
		});
		// A monitor may start before any producer: it waits for the run to have an identity, and says
		// so if that takes a moment (a name typed wrong would otherwise look like a run of zeros).
		this.finding = awaitRun(connection, options.run, {
			aside: reason => {
				this.aside(reason);
			},
		});
		this.waitingNote = setTimeout(() => {
			this.warn(`waiting for run '${options.run}': no producer has started it yet`);
		}, WAITING_NOTE_MS);
		this.waitingNote.unref();
		this.finding.identity.then(run => {
			clearTimeout(this.waitingNote);
			if (!subscriber.closed && !this.closing) {
				this.startReading(run);
			}
		}, (error: unknown) => {
			subscriber.error(error);
		});
		this.stopSubscription = deps.stop
			? from(deps.stop).subscribe(() => {
				this.rows$.complete();
				void this.finding.close();
			})
			: undefined;
	}

	stop(): void {
		clearTimeout(this.waitingNote);
		this.stopSubscription?.unsubscribe();
		this.subscription.unsubscribe();
		this.stats$.complete();
		void this.close();
		const redelivered = this.ledger?.redelivered ?? 0;
		if (redelivered > 0) {
			this.warn(`${redelivered} redelivered batch${redelivered === 1 ? ' was' : 'es were'} counted once`);
		}
	}

	private warn(text: string): void {
		this.deps.warn?.(text);
	}

	private aside(reason: string): void {
		if (!this.setAside.has(reason)) {
			this.warn(`set aside: ${reason}`);
		}

		this.setAside.set(reason, (this.setAside.get(reason) ?? 0) + 1);
	}

	/** The run's snapshots, every interval and at its end. */
	private snapshots(): Observable<SimulationEvent> {
		const {options} = this;
		return this.stats$.pipe(monitorStats({
			scheduler: this.deps.scheduler,
			intervalMs: options.intervalMs,
			total: () => this.ledger?.total ?? null,
			groups: [],
			// From the first send's start to the last one's end: the time the run was sending, whoever
			// watched it and whenever the workers came.
			elapsedMs: () => {
				const stats = this.ledger?.stats();
				return stats && stats.lastEndMs > stats.firstStartMs ? stats.lastEndMs - stats.firstStartMs : 0;
			},
			seeds: () => this.ledger?.seeds ?? [],
			workers: () => this.liveWorkers(),
			stop: this.deps.stop,
			onSample: this.deps.onSample,
		}));
	}

	/** Workers seen in a heartbeat within the last three intervals, and not done. */
	private liveWorkers(): {live: number; senders: number; inFlight: number} {
		const now = Date.now();
		const live = [...this.workers.values()].filter(worker => !worker.done && now - worker.seenAt <= LIVE_INTERVALS * this.options.intervalMs);
		return {live: live.length, senders: live.reduce((sum, worker) => sum + worker.senders, 0), inFlight: live.reduce((sum, worker) => sum + worker.inFlight, 0)};
	}

	private finishIfDone(): void {
		const {ledger} = this;
		if (!this.finished && ledger?.done === true) {
			this.finished = true;
			for (const {producer, published} of ledger.lostProducers) {
				this.warn(`producer ${producer} stopped before it was done (killed?): the run ends with the ${published} message${published === 1 ? '' : 's'} it had confirmed`);
			}

			this.rows$.complete(); // Every row of a batch comes before its record.
			this.stats$.complete();
		}
	}

	private startReading(run: EpochRecord): void {
		const {connection, options, names} = this;
		const queues = queueOptions(options.run);
		const ledger = new RunLedger({
			run: options.run,
			epoch: run.epoch,
			fold: true,
			aside: reason => {
				this.aside(reason);
			},
		});
		this.ledger = ledger;
		const publisher = connection.createPublisher({confirm: true, maxAttempts: 5});
		const listening = connectedSince(connection);
		const keeper = keepRun(ledger, run, async record => publisher.send({routingKey: names.control, durable: true, contentType: 'application/json'}, JSON.stringify(record)), listening.since);
		this.stopPublishing = async () => {
			keeper.stop();
			listening.stop();
			await publisher.close();
		};

		if (options.emitResults && run.events !== true && options.eventsAsked) {
			this.warn(`run ${options.run} keeps no per-message rows (it was started without produce --events): --events shows progress and the summary only`);
		}

		const reading: Reading = {run, ledger, keeper};
		const control = readStream(connection, queues.control, body => {
			this.onControl(body, reading);
		}, this.streamReading);
		const outcomes = readStream(connection, queues.outcomes, body => {
			this.onOutcomes(body, reading);
		}, this.streamReading);
		this.stopReading = async () => Promise.all([control(), outcomes()]);
	}

	private onControl(body: unknown, {run, ledger, keeper}: Reading): void {
		const parsed = parseControl(body);
		if ('problem' in parsed) {
			this.aside(`a record on ${this.names.control} that is not sms-sim's (${parsed.problem})`);
			return;
		}

		const {record} = parsed;
		if (record.run !== this.options.run || record.epoch !== run.epoch) {
			this.aside(`control records of an earlier run named ${this.options.run} (purge it to start afresh)`);
			return;
		}

		if (record.type === 'heartbeat') {
			this.workers.set(record.worker, {
				senders: record.senders, inFlight: record.inFlight, seenAt: Date.now(), done: record.done,
			});
		} else {
			ledger.control(record);
			keeper.check();
			this.stats$.next(ledger.stats());
		}

		this.finishIfDone();
	}

	private onOutcomes(body: unknown, {run, ledger, keeper}: Reading): void {
		const {options, names} = this;
		if (isStatsRecord(body)) {
			ledger.records(body as Buffer);
			keeper.check();
			this.stats$.next(ledger.stats());
			this.finishIfDone();
			return;
		}

		if (run.events === true && !options.emitResults && isBatch(body)) {
			return; // Per-message rows of a run that keeps them: not asked for, not read.
		}

		const parsed = parseOutcomes(body);
		if ('problem' in parsed) {
			this.aside(`a record on ${names.outcomes} that is not sms-sim's (${parsed.problem})`);
		} else if (parsed.record.run !== options.run || parsed.record.epoch !== run.epoch) {
			this.aside(`results of an earlier run named ${options.run} (purge it to start afresh)`);
		} else if (run.events === true) {
			for (const row of parsed.record.results) {
				this.passOn(row);
			}
		} else {
			this.aside(`per-message rows on ${names.outcomes}, in a run started without --events (no worker of it writes them)`);
		}
	}

	/** A row of a run that keeps events: passed on once per message. */
	private passOn(row: WireResult): void {
		let seen = this.rowsSeen.get(row.producer);
		if (seen === undefined) {
			seen = new IdSet();
			this.rowsSeen.set(row.producer, seen);
		}

		if (seen.addNumber(row.n)) {
			this.rows$.next(toSendResult(row));
		}
	}

	private async close(): Promise<void> {
		this.closing = true;
		await Promise.allSettled([this.finding.close(), this.stopReading(), this.stopPublishing()]);
	}
}

/** A result off the wire as the monitor folds it: its message's encoding and segments as the worker worked them out. */
function toSendResult(result: WireResult): SendResult {
	const id = messageId(result.producer, result.n);
	return {
		type: 'result',
		id,
		message: {
			id, to: result.to, body: result.body, encoding: packedEncoding(result.cost), segments: packedSegments(result.cost),
		},
		senderId: result.senderId,
		group: result.group,
		status: result.status,
		startMs: result.startMs,
		endMs: result.endMs,
		durationMs: result.durationMs,
	};
}

/** What the monitor's start event says: the run's totals are not known until its producers say. */
function startConfig(options: RemoteMonitorOptions): ResolvedConfig {
	return {
		messages: 0, groups: [], intervalMs: options.intervalMs, seed: 0, speed: 1, maxBodyLength: 0, arrivals: undefined, charset: 'ascii', priorities: undefined, input: undefined, warmup: undefined,
	};
}
