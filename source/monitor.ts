import {Observable, type ObservableInput, type SchedulerLike, type Subscription, from} from 'rxjs';
import type {ResolvedSenderGroup, SendResult} from './senders.js';
import {takeSnapshot, type Snapshot} from './snapshot.js';
import {addResult, emptyStats} from './stats.js';

export type MonitorOptions = {
	readonly scheduler: SchedulerLike;
	/** Simulation ms between progress snapshots. */
	readonly intervalMs: number;
	/** Messages expected; null when not known. A function when it becomes known during the run. */
	readonly total: number | null | (() => number | null);
	readonly groups: readonly ResolvedSenderGroup[];
	/** Sends in flight right now (the pool's gauge). */
	readonly inFlight?: () => number;
	/** Elapsed time is measured from here; defaults to the scheduler's time at subscription. */
	readonly origin?: number;
	/**
	 * When this emits, the run stops: the results stream is unsubscribed (in-flight sends are
	 * cancelled and not counted) and a final snapshot marked `interrupted` ends the stream.
	 */
	readonly stop?: ObservableInput<unknown>;
};

/**
 * Folds results into stats and emits, in time order: every result as it comes, a `progress`
 * snapshot every `intervalMs` of simulation time, and exactly one `final` snapshot when the
 * results complete (or `stop` fires). Unlike `sampleTime`, the last state is never dropped.
 */
export function monitor(results$: Observable<SendResult>, options: MonitorOptions): Observable<SendResult | Snapshot> {
	const {scheduler, intervalMs, groups, inFlight = () => 0} = options;
	const total = typeof options.total === 'function' ? options.total : () => options.total as number | null;
	if (!(intervalMs > 0) || !Number.isFinite(intervalMs)) {
		throw new RangeError(`intervalMs must be a finite number > 0, got ${intervalMs}`);
	}

	return new Observable<SendResult | Snapshot>(subscriber => {
		const origin = options.origin ?? scheduler.now();
		const stats = emptyStats();
		let previous: Snapshot | undefined;
		const snapshot = (type: Snapshot['type'], interrupted = false): Snapshot => {
			previous = takeSnapshot(stats, {
				type,
				elapsedMs: scheduler.now() - origin,
				total: total(),
				inFlight: type === 'final' ? 0 : inFlight(),
				groups,
				previous,
				interrupted,
			});
			return previous;
		};

		let resultsSubscription: Subscription | undefined;
		let stopSubscription: Subscription | undefined;
		// Ticks fall on origin + k * interval exactly, however long setting up took.
		let tick = 1;
		const untilTick = () => Math.max(0, origin + tick * intervalMs - scheduler.now());
		const ticks = scheduler.schedule(function () {
			subscriber.next(snapshot('progress'));
			tick++;
			this.schedule(undefined, untilTick());
		}, untilTick());

		const finish = (interrupted: boolean): void => {
			ticks.unsubscribe();
			stopSubscription?.unsubscribe();
			resultsSubscription?.unsubscribe();
			subscriber.next(snapshot('final', interrupted));
			subscriber.complete();
		};

		resultsSubscription = results$.subscribe({
			next(result) {
				addResult(stats, result);
				subscriber.next(result);
			},
			error(error: unknown) {
				subscriber.error(error);
			},
			complete() {
				finish(false);
			},
		});

		if (options.stop && !subscriber.closed) {
			stopSubscription = from(options.stop).subscribe(() => {
				finish(true);
			});
		}

		return () => {
			ticks.unsubscribe();
			stopSubscription?.unsubscribe();
			resultsSubscription?.unsubscribe();
		};
	});
}
