import type {Connection} from 'rabbitmq-client';
import {
	Observable, Subject, from, merge, type ObservableInput, type SchedulerLike,
} from 'rxjs';
import type {ResolvedConfig} from '../model/config.js';
import {monitorStats} from '../engine/monitor.js';
import {packedEncoding, packedSegments} from '../model/segments.js';
import type {SendResult} from '../model/senders.js';
import type {Stats} from '../engine/stats.js';
import type {SimulationEvent} from '../pipeline/simulation.js';
import {connectedSince} from './connection.js';
import {IdSet} from './id-set.js';
import {awaitRun} from './run-identity.js';
import {keepRun} from './run-keeper.js';
import {readStream, type StreamReading} from './read-stream.js';
import {RunLedger} from './run-ledger.js';
import {isStatsRecord} from './stats-records.js';
import {
	parseControl, queueOptions, runNames, type EpochRecord,
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
		const {scheduler, warn = () => undefined} = deps;
		const names = runNames(options.run);
		const queues = queueOptions(options.run);
		const stats$ = new Subject<Stats>();
		const rows$ = new Subject<SendResult>();
		const workers = new Map<string, {senders: number; inFlight: number; seenAt: number; done: boolean}>();
		/** Rows passed on, per producer: a batch redone after a worker died sends its rows again. */
		const rowsSeen = new Map<string, IdSet>();
		const setAside = new Map<string, number>();
		const aside = (reason: string): void => {
			if (!setAside.has(reason)) {
				warn(`set aside: ${reason}`);
			}

			setAside.set(reason, (setAside.get(reason) ?? 0) + 1);
		};

		let ledger: RunLedger | undefined;
		const elapsedMs = (): number => {
			const stats = ledger?.stats();
			return stats && stats.lastEndMs > stats.firstStartMs ? stats.lastEndMs - stats.firstStartMs : 0;
		};

		let finished = false;
		const finishIfDone = (): void => {
			if (!finished && ledger?.done === true) {
				finished = true;
				for (const {producer, published} of ledger.lostProducers) {
					warn(`producer ${producer} stopped before it was done (killed?): the run ends with the ${published} message${published === 1 ? '' : 's'} it had confirmed`);
				}

				rows$.complete(); // Every row of a batch comes before its record.
				stats$.complete();
			}
		};

		subscriber.next({type: 'start', config: startConfig(options)});
		const snapshots$ = stats$.pipe(monitorStats({
			scheduler,
			intervalMs: options.intervalMs,
			total: () => ledger?.total ?? null,
			groups: [],
			// From the first send's start to the last one's end: the time the run was sending, whoever
			// watched it and whenever the workers came.
			elapsedMs,
			seeds: () => ledger?.seeds ?? [],
			workers() {
				const now = Date.now();
				const live = [...workers.values()].filter(worker => !worker.done && now - worker.seenAt <= LIVE_INTERVALS * options.intervalMs);
				return {live: live.length, senders: live.reduce((sum, worker) => sum + worker.senders, 0), inFlight: live.reduce((sum, worker) => sum + worker.inFlight, 0)};
			},
			stop: deps.stop,
		}));
		const subscription = merge(rows$, snapshots$).subscribe({
			next(event) {
				subscriber.next(event);
			},
			error(error) {
				subscriber.error(error);
			},
			complete() {
				void close().then(() => {
					subscriber.complete();
				});
			},
		});

		/** How the monitor reads the run's streams: a record its handler cannot take is set aside with the reason, and reading goes on. */
		const streamReading: StreamReading = {
			thrown(queue, error) {
				aside(`a record on ${queue} that could not be read (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
			},
			failed(error) {
				subscriber.error(error);
			},
			warn,
			closing: () => closing,
			prefetch: options.prefetch ?? 200,
		};

		/** A row of a run that keeps events: passed on once per message. */
		const passOn = (row: WireResult): void => {
			let seen = rowsSeen.get(row.producer);
			if (seen === undefined) {
				seen = new IdSet();
				rowsSeen.set(row.producer, seen);
			}

			if (seen.addNumber(row.n)) {
				rows$.next(toSendResult(row));
			}
		};

		let closing = false;
		let stopReading = async (): Promise<unknown> => undefined;
		const startReading = (run: EpochRecord): void => {
			const runLedger = new RunLedger({
				run: options.run, epoch: run.epoch, fold: true, aside,
			});
			ledger = runLedger;
			const publisher = connection.createPublisher({confirm: true, maxAttempts: 5});
			const listening = connectedSince(connection);
			const keeper = keepRun(runLedger, run, async record => publisher.send({routingKey: names.control, durable: true, contentType: 'application/json'}, JSON.stringify(record)), listening.since);
			stopPublishing = async () => {
				keeper.stop();
				listening.stop();
				await publisher.close();
			};

			if (options.emitResults && run.events !== true && options.eventsAsked) {
				warn(`run ${options.run} keeps no per-message rows (it was started without produce --events): --events shows progress and the summary only`);
			}

			const control = readStream(connection, queues.control, body => {
				const parsed = parseControl(body);
				if ('problem' in parsed) {
					aside(`a record on ${names.control} that is not sms-sim's (${parsed.problem})`);
					return;
				}

				const {record} = parsed;
				if (record.run !== options.run || record.epoch !== run.epoch) {
					aside(`control records of an earlier run named ${options.run} (purge it to start afresh)`);
					return;
				}

				if (record.type === 'heartbeat') {
					workers.set(record.worker, {
						senders: record.senders, inFlight: record.inFlight, seenAt: Date.now(), done: record.done,
					});
				} else {
					runLedger.control(record);
					keeper.check();
					stats$.next(runLedger.stats());
				}

				finishIfDone();
			}, streamReading);
			const outcomes = readStream(connection, queues.outcomes, body => {
				if (isStatsRecord(body)) {
					runLedger.records(body as Buffer);
					keeper.check();
					stats$.next(runLedger.stats());
					finishIfDone();
					return;
				}

				if (run.events === true && !options.emitResults && isBatch(body)) {
					return; // Per-message rows of a run that keeps them: not asked for, not read.
				}

				const parsed = parseOutcomes(body);
				if ('problem' in parsed) {
					aside(`a record on ${names.outcomes} that is not sms-sim's (${parsed.problem})`);
				} else if (parsed.record.run !== options.run || parsed.record.epoch !== run.epoch) {
					aside(`results of an earlier run named ${options.run} (purge it to start afresh)`);
				} else if (run.events === true) {
					for (const row of parsed.record.results) {
						passOn(row);
					}
				} else {
					aside(`per-message rows on ${names.outcomes}, in a run started without --events (no worker of it writes them)`);
				}
			}, streamReading);
			stopReading = async () => Promise.all([control(), outcomes()]);
		};

		// A monitor may start before any producer: it waits for the run to have an identity, and says
		// so if that takes a moment (a name typed wrong would otherwise look like a run of zeros).
		const finding = awaitRun(connection, options.run, {aside});
		const waitingNote = setTimeout(() => {
			warn(`waiting for run '${options.run}': no producer has started it yet`);
		}, WAITING_NOTE_MS);
		waitingNote.unref();
		finding.identity.then(run => {
			clearTimeout(waitingNote);
			if (!subscriber.closed && !closing) {
				startReading(run);
			}
		}, (error: unknown) => {
			subscriber.error(error);
		});

		let stopPublishing = async (): Promise<void> => undefined;
		const close = async (): Promise<void> => {
			closing = true;
			await Promise.allSettled([finding.close(), stopReading(), stopPublishing()]);
		};

		const stopSubscription = deps.stop
			? from(deps.stop).subscribe(() => {
				rows$.complete();
				void finding.close();
			})
			: undefined;

		return () => {
			clearTimeout(waitingNote);
			stopSubscription?.unsubscribe();
			subscription.unsubscribe();
			stats$.complete();
			void close();
			const redelivered = ledger?.redelivered ?? 0;
			if (redelivered > 0) {
				warn(`${redelivered} redelivered batch${redelivered === 1 ? ' was' : 'es were'} counted once`);
			}
		};
	});
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
