import type {Connection} from 'rabbitmq-client';
import {
	Observable, Subject, type ObservableInput, type SchedulerLike, from,
} from 'rxjs';
import type {ResolvedConfig} from '../config.js';
import {monitor} from '../monitor.js';
import type {SendResult} from '../senders.js';
import type {SimulationEvent} from '../simulation.js';
import {IdSet} from './id-set.js';
import {
	QUEUE_OPTIONS, fromResultRecord, parseResultsRecord, queueNames, type RunStartRecord,
} from './topology.js';

export type RemoteMonitorOptions = {
	readonly run: string;
	readonly intervalMs: number;
	/** How many results may be in hand, unacknowledged, at once. */
	readonly prefetch?: number;
};

export type RemoteMonitorDeps = {
	/** A real-time clock (speed 1): elapsed time is wall time since the producer started. */
	readonly scheduler: SchedulerLike;
	readonly stop?: ObservableInput<unknown>;
	readonly warn?: (text: string) => void;
};

/**
 * Follows a run on the broker: folds every worker's results with the same stats code as a local
 * run, counting each message id once (a redelivered message is reported twice), and ends with a
 * final snapshot when every message the producer confirmed is accounted for. It may start before
 * or after the producer: the results wait in their durable queue. It is the results queue's one
 * reader: what it acknowledges is gone from the queue.
 */
export function watchRun(connection: Connection, options: RemoteMonitorOptions, deps: RemoteMonitorDeps): Observable<SimulationEvent> {
	return new Observable<SimulationEvent>(subscriber => {
		const {scheduler} = deps;
		const queues = queueNames(options.run);
		const counted = new IdSet();
		const results$ = new Subject<SendResult>();
		let runStart: RunStartRecord | undefined;
		let doneTotal: number | undefined;
		let started = false;
		let duplicates = 0;
		const stopNow$ = new Subject<void>();

		const start = (record: RunStartRecord | undefined): void => {
			started = true;
			const config: ResolvedConfig = {
				messages: record?.total ?? doneTotal ?? 0,
				groups: [],
				intervalMs: options.intervalMs,
				seed: record?.seed ?? 0,
				speed: 1,
				maxBodyLength: record?.maxBodyLength ?? 0,
			};
			subscriber.next({type: 'start', config});
			// Elapsed time counts from the producer's start, wherever the monitor joins.
			const origin = scheduler.now() - (record ? Math.max(0, Date.now() - record.startedAt) : 0);
			results$.pipe(monitor({
				scheduler, intervalMs: options.intervalMs, total: () => doneTotal ?? runStart?.total ?? null, groups: [], origin, stop: stopNow$,
			}))
				.subscribe({
					next(event) {
						subscriber.next(event);
					},
					error(error) {
						subscriber.error(error);
					},
					complete() {
						void consumer.close().then(() => {
							subscriber.complete();
						});
					},
				});
		};

		const completeIfDone = (): void => {
			if (doneTotal !== undefined && counted.size >= doneTotal) {
				results$.complete();
			}
		};

		const consumer = connection.createConsumer({
			queue: queues.results,
			queueOptions: QUEUE_OPTIONS,
			qos: {prefetchCount: options.prefetch ?? 1000},
		}, delivery => {
			const record = parseResultsRecord(delivery.body);
			if (record === undefined) {
				deps.warn?.(`ignored a record that is not sms-sim's on ${queues.results}`);
				return;
			}

			switch (record.type) {
				case 'run-start': {
					runStart ??= record;
					if (!started) {
						start(record);
					}

					break;
				}

				case 'run-done': {
					doneTotal = record.total;
					if (!started) {
						start(undefined);
					}

					break;
				}

				case 'result': {
					if (!started) {
						start(undefined); // Its run-start was read by an earlier monitor: go on without it.
					}

					if (counted.add(record.id)) {
						results$.next(fromResultRecord(record));
					} else {
						duplicates++;
					}

					break;
				}
			}

			completeIfDone();
		});
		consumer.on('error', (error: unknown) => {
			deps.warn?.(`consumer: ${error instanceof Error ? error.message : String(error)}`);
		});

		// Stopped before anything arrived: still end with an (empty) interrupted summary.
		const stopSubscription = deps.stop
			? from(deps.stop).subscribe(() => {
				if (!started) {
					start(runStart);
				}

				stopNow$.next();
			})
			: undefined;

		return () => {
			stopSubscription?.unsubscribe();
			results$.complete();
			void consumer.close();
			if (duplicates > 0) {
				deps.warn?.(`${duplicates} redelivered result${duplicates === 1 ? ' was' : 's were'} counted once`);
			}
		};
	});
}
