import type {Connection} from 'rabbitmq-client';
import {
	Observable, Subject, from, type ObservableInput, type SchedulerLike,
} from 'rxjs';
import type {ResolvedConfig} from '../config.js';
import {monitor} from '../monitor.js';
import {packedEncoding, packedSegments} from '../segments.js';
import type {SendResult} from '../senders.js';
import type {SimulationEvent} from '../simulation.js';
import {brokerFailure, isFatalBrokerError, isStreamStarting} from './connection.js';
import {IdSet} from './id-set.js';
import {awaitRun} from './run-identity.js';
import {
	parseControl, queueOptions, runNames, type EpochRecord,
} from './topology.js';
import {messageId, parseOutcomes, type WireResult} from './batches.js';

export type RemoteMonitorOptions = {
	readonly run: string;
	readonly intervalMs: number;
	/** Whether every result is passed on (for `--events`), not only the snapshots. */
	readonly emitResults?: boolean;
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

/** A producer of the run, as its control records tell. */
type Producer = {readonly total: number; published: number | undefined; readonly counted: IdSet};

/** A worker seen in a heartbeat within the last three intervals is live. */
const LIVE_INTERVALS = 3;

/**
 * Follows a run on the broker: reads the run's control and outcomes streams from their start
 * (taking nothing away from another monitor), folds every result of this run's epoch with the same
 * monitor as a local run, counts each message id once (a batch redelivered after a worker died is
 * reported twice), and ends with a final snapshot when every producer is done and every message it
 * confirmed is accounted for. Elapsed time (first start to last end), throughput and ETA come from
 * the results' own times, so a monitor started late, or after the run, prints the same summary as
 * one that watched it, and time before any worker took a message does not count.
 * Records of another epoch (an earlier run under this name), ids no producer of the run made, and
 * records that are not sms-sim's are set aside and reported once.
 * Expects the run declared (`declareRun`) first.
 */
export function watchRun(connection: Connection, options: RemoteMonitorOptions, deps: RemoteMonitorDeps): Observable<SimulationEvent> {
	return new Observable<SimulationEvent>(subscriber => {
		const {scheduler, warn = () => undefined} = deps;
		const names = runNames(options.run);
		const queues = queueOptions(options.run);
		const results$ = new Subject<SendResult>();
		const producers = new Map<string, Producer>();
		/** Results of producers not announced yet (the control stream is read apart from the outcomes). */
		const early = new Map<string, WireResult[]>();
		const workers = new Map<string, {senders: number; inFlight: number; seenAt: number; done: boolean}>();
		let earliestStartMs = Number.POSITIVE_INFINITY;
		let latestEndMs = 0;
		let duplicates = 0;
		const setAside = new Map<string, number>();
		const aside = (reason: string): void => {
			if (!setAside.has(reason)) {
				warn(`set aside: ${reason}`);
			}

			setAside.set(reason, (setAside.get(reason) ?? 0) + 1);
		};

		const total = (): number | null => producers.size === 0 ? null : [...producers.values()].reduce((sum, producer) => sum + (producer.published ?? producer.total), 0);
		const done = (): boolean => producers.size > 0 && [...producers.values()].every(producer => producer.published !== undefined && producer.counted.size >= producer.published);

		const count = (result: WireResult): void => {
			const producer = producers.get(result.producer);
			if (producer === undefined) {
				const waiting = early.get(result.producer);
				if (waiting === undefined) {
					early.set(result.producer, [result]);
				} else {
					waiting.push(result);
				}

				return;
			}

			if (result.n > (producer.published ?? producer.total)) {
				aside(`a result for message ${messageId(result.producer, result.n)}, beyond what its producer published`);
				return;
			}

			if (!producer.counted.addNumber(result.n)) {
				duplicates++;
				return;
			}

			earliestStartMs = Math.min(earliestStartMs, result.startMs);
			latestEndMs = Math.max(latestEndMs, result.endMs);
			results$.next(toSendResult(result));
		};

		const finishIfDone = (): void => {
			if (done()) {
				results$.complete();
			}
		};

		subscriber.next({type: 'start', config: startConfig(options)});
		const subscription = results$.pipe(monitor({
			scheduler,
			intervalMs: options.intervalMs,
			total,
			groups: [],
			// From the first send's start to the last one's end: the time the run was sending, whoever
			// watched it and whenever the workers came.
			elapsedMs: () => (latestEndMs > earliestStartMs ? latestEndMs - earliestStartMs : 0),
			workers() {
				const now = Date.now();
				const live = [...workers.values()].filter(worker => !worker.done && now - worker.seenAt <= LIVE_INTERVALS * options.intervalMs);
				return {live: live.length, senders: live.reduce((sum, worker) => sum + worker.senders, 0), inFlight: live.reduce((sum, worker) => sum + worker.inFlight, 0)};
			},
			stop: deps.stop,
			emitResults: options.emitResults,
		})).subscribe({
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

		const prefetch = options.prefetch ?? 200;
		const streamConsumer = (queue: string, queueDeclare: typeof queues.outcomes, handle: (body: unknown) => void) => {
			const consumer = connection.createConsumer({
				queue, queueOptions: queueDeclare, qos: {prefetchCount: prefetch}, arguments: {'x-stream-offset': 'first'},
			}, delivery => {
				handle(delivery.body);
			});
			consumer.on('error', (error: unknown) => {
				if (closing || isStreamStarting(error)) {
					return; // Our own close, or a stream a moment old: the consumer retries by itself.
				}

				if (isFatalBrokerError(error)) {
					subscriber.error(brokerFailure(error, `reading ${queue}`));
					return;
				}

				warn(`reading ${queue}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
			});
			return consumer;
		};

		let closing = false;
		let control: ReturnType<typeof streamConsumer> | undefined;
		let outcomes: ReturnType<typeof streamConsumer> | undefined;
		const startReading = (run: EpochRecord): void => {
			control = streamConsumer(names.control, queues.control, body => {
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

				switch (record.type) {
					case 'producer-start': {
						if (!producers.has(record.producer)) {
							producers.set(record.producer, {total: record.total, published: undefined, counted: new IdSet()});
							for (const waiting of early.get(record.producer) ?? []) {
								count(waiting);
							}

							early.delete(record.producer);
						}

						break;
					}

					case 'producer-done': {
						const producer = producers.get(record.producer);
						if (producer === undefined || record.published > producer.total) {
							aside(`a producer-done for a producer the run does not have, or beyond what it meant to publish (${record.producer})`);
						} else {
							producer.published = record.published;
						}

						break;
					}

					case 'heartbeat': {
						workers.set(record.worker, {
							senders: record.senders, inFlight: record.inFlight, seenAt: Date.now(), done: record.done,
						});
						break;
					}
				}

				finishIfDone();
			});
			outcomes = streamConsumer(names.outcomes, queues.outcomes, body => {
				const parsed = parseOutcomes(body);
				if ('problem' in parsed) {
					aside(`a record on ${names.outcomes} that is not sms-sim's (${parsed.problem})`);
					return;
				}

				if (parsed.record.run !== options.run || parsed.record.epoch !== run.epoch) {
					aside(`results of an earlier run named ${options.run} (purge it to start afresh)`);
					return;
				}

				for (const result of parsed.record.results) {
					count(result);
				}

				finishIfDone();
			});
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

		const close = async (): Promise<void> => {
			closing = true;
			await Promise.allSettled([finding.close(), control?.close(), outcomes?.close()]);
		};

		const stopSubscription = deps.stop
			? from(deps.stop).subscribe(() => {
				void finding.close();
			})
			: undefined;

		return () => {
			clearTimeout(waitingNote);
			stopSubscription?.unsubscribe();
			subscription.unsubscribe();
			results$.complete();
			void close();
			if (duplicates > 0) {
				warn(`${duplicates} redelivered result${duplicates === 1 ? ' was' : 's were'} counted once`);
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
		messages: 0, groups: [], intervalMs: options.intervalMs, seed: 0, speed: 1, maxBodyLength: 0, arrivals: undefined, charset: 'ascii', priorities: undefined, input: undefined,
	};
}
