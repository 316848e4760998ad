import {
	NEVER, Observable, asyncScheduler, connect, defer, from, interval, map, merge, scan, take, takeUntil, tap, type ObservableInput, type OperatorFunction, type SchedulerLike,
} from 'rxjs';
import type {ResolvedSenderGroup, SendResult} from '../model/senders.js';
import {lastAtInstant} from './scheduler.js';
import {toMicros, toMillis} from './time.js';
import {WarmupDetector} from './warmup.js';
import {
	takeSnapshot, type GatewayFigures, type Snapshot, type ViaFigures,
} from './snapshot.js';
import {
	addResult, emptyStats, listPriorities, type Stats,
} from './stats.js';

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
	/** Whether every result is passed on too (default true); false gives snapshots only. */
	readonly emitResults?: boolean;
	/** The clock the ticks follow, when not `scheduler` (a broker worker at max speed ticks on the wall clock). */
	readonly ticks?: SchedulerLike;
	/**
	 * Elapsed time from the results themselves rather than the clock (a broker monitor: the latest
	 * end among the results it has read). Its final snapshot then depends on the results alone, so
	 * two monitors of one run agree: its interval throughput is the run's.
	 */
	readonly elapsedMs?: () => number;
	/**
	 * Also a `live` snapshot every this many ms of wall time, for a dashboard that moves at its own
	 * pace whatever the interval; progress lines and JSON keep to `intervalMs`.
	 */
	readonly liveMs?: number;
	/** Priority names, highest first: the order reports list them in. */
	readonly priorities?: readonly string[];
	/** Report only the priorities some message had (replays), not every name of `priorities`. */
	readonly usedPrioritiesOnly?: boolean;
	/** Watch the waits for where a start-up transient ends (MSER-5, warmup.ts): the final snapshot says, as `warmup`. */
	readonly detectWarmup?: boolean;
	/** Messages waiting to be tried again (the pool's gauge). */
	readonly retrying?: () => number;
	/** Messages arrived and not started (a run with arrivals); snapshots report it as `backlog`. */
	readonly backlog?: () => number;
	/** The run's seeds, on the final snapshot (a broker monitor: its producers'). */
	readonly seeds?: () => readonly number[];
	/** Live workers and their senders (a broker monitor, from heartbeats). */
	readonly workers?: () => {readonly live: number; readonly senders: number; readonly inFlight: number};
	/** A gateway's binds, submits and receipts (`sms-sim gateway`), on every snapshot. */
	readonly gateway?: () => GatewayFigures;
	/** Real sends' PDUs and receipts (`--via`), on every snapshot. */
	readonly via?: () => ViaFigures;
	/**
	 * Shown the stats each snapshot is taken from, as it is taken: for a reader that needs more than
	 * a snapshot holds (Prometheus's histograms, from the HDR histograms at a scrape). The stats go
	 * on changing in place after the call.
	 */
	readonly onSample?: (stats: Stats, snapshot: Snapshot) => void;
};

/**
 * The monitor, as the design card draws it: results are folded into stats with `scan`, and the
 * stats are sampled on the simulation clock, a `progress` snapshot every `intervalMs`, then
 * exactly one `final` snapshot when the results complete (or `stop` fires). Results are passed on
 * as they come (unless `emitResults` is false), in time order with the snapshots.
 *
 * On a `SimulationScheduler` a tick runs after every other event of its instant, so a snapshot at
 * time t counts every send that ended at or before t; a run that ends exactly on a tick gives its
 * final snapshot in that tick's place. (On another scheduler, events of one instant run in the
 * order they were scheduled.)
 */
export function monitor(options: MonitorOptions): OperatorFunction<SendResult, SendResult | Snapshot> {
	const {intervalMs} = options;
	if (!(intervalMs > 0) || !Number.isFinite(intervalMs)) {
		throw new RangeError(`intervalMs must be a finite number > 0, got ${intervalMs}`);
	}

	return results$ => defer(() => {
		const {stop$, interrupted} = stopSignal(options.stop);
		// The scan's seed, made per subscription: `addResult` updates it in place (copying a
		// histogram per result would cost O(histogram) a message), so it must not be shared.
		const seed = listPriorities(emptyStats(), options.priorities ?? []);
		if (options.detectWarmup) {
			seed.warmupDetector = new WarmupDetector();
		}

		/** The card's fold and sampling: stats accumulate with `scan` and are read on the ticks. */
		const snapshots = (results: Observable<SendResult>): Observable<Snapshot> => results.pipe(
			scan(addResult, seed),
			sampleStats(options, seed, interrupted),
		);

		const stopped$ = options.stop === undefined ? results$ : results$.pipe(takeUntil(stop$));
		// Results passed on as well as folded: one pool run shared by both readers (`connect`).
		// Snapshots only: one reader, so no multicasting in the way of every result.
		return options.emitResults === false
			? snapshots(stopped$)
			: stopped$.pipe(connect(results => merge(results, snapshots(results))));
	});
}

/** The stop signal, once, and whether it has fired. */
function stopSignal(stop: ObservableInput<unknown> | undefined): {stop$: Observable<unknown>; interrupted: () => boolean} {
	let interrupted = false;
	const stop$ = stop === undefined
		? NEVER
		: from(stop).pipe(take(1), tap(() => {
			interrupted = true;
		}));
	return {stop$, interrupted: () => interrupted};
}

type SnapshotSources = {
	readonly total: () => number | null;
	readonly inFlight: () => number;
	readonly elapsedMs: () => number;
	readonly interrupted: () => boolean;
};

/** Turns each sample of the stats into a snapshot, remembering the last one for the interval's throughput. */
function takeSnapshots(options: MonitorOptions, sources: SnapshotSources): (sample: Sample<Stats, 'progress' | 'live'>) => Snapshot {
	let previous: Snapshot | undefined;
	return ({value: stats, last, tick}) => {
		// Live workers are a view of the moment, not part of a run's result: not in the final snapshot.
		const workers = last ? undefined : options.workers?.();
		const snapshot = takeSnapshot(stats, {
			type: last ? 'final' : (tick ?? 'progress'),
			elapsedMs: sources.elapsedMs(),
			total: sources.total(),
			inFlight: last ? 0 : (workers?.inFlight ?? sources.inFlight()),
			groups: options.groups,
			previous: last && options.elapsedMs ? undefined : previous,
			interrupted: last && sources.interrupted(),
			workers: workers && {live: workers.live, senders: workers.senders},
			gateway: options.gateway?.(),
			via: options.via?.(),
			backlog: options.backlog?.(),
			retrying: last ? 0 : options.retrying?.(),
			usedPrioritiesOnly: options.usedPrioritiesOnly,
		});
		// A live snapshot is a glance: the next interval's throughput still counts from the last progress one.
		if (snapshot.type !== 'live') {
			previous = snapshot;
		}

		const taken = last && options.seeds ? Object.freeze({...snapshot, seeds: options.seeds()}) : snapshot;
		options.onSample?.(stats, taken);
		return taken;
	};
}

/**
 * The monitor's sampling for stats folded elsewhere (a broker monitor merges the stats records of
 * workers): the latest stats at every tick, a `progress` snapshot every `intervalMs` of
 * `scheduler`'s time, and one `final` snapshot when the stats complete or `stop` fires.
 */
export function monitorStats(options: MonitorOptions): OperatorFunction<Stats, Snapshot> {
	return stats$ => defer(() => {
		const {stop$, interrupted} = stopSignal(options.stop);
		const seed = listPriorities(emptyStats(), options.priorities ?? []);
		return stats$.pipe(takeUntil(stop$), sampleStats(options, seed, interrupted));
	});
}

/** The stats, sampled on the monitor's ticks (from the moment of subscription), as snapshots. */
function sampleStats(options: MonitorOptions, seed: Stats, interrupted: () => boolean): OperatorFunction<Stats, Snapshot> {
	const {scheduler, intervalMs, inFlight = () => 0} = options;
	const total = typeof options.total === 'function' ? options.total : () => options.total as number | null;
	return stats$ => defer(() => {
		const origin = toMicros(options.origin ?? scheduler.now());
		// Ticks fall on origin + k * interval exactly (whole microseconds), after the events of their instant.
		const progressTicks$ = interval(intervalMs, options.ticks ?? lastAtInstant(scheduler)).pipe(map(() => 'progress' as const));
		const ticks$ = options.liveMs === undefined ? progressTicks$ : merge(progressTicks$, interval(options.liveMs, asyncScheduler).pipe(map(() => 'live' as const)));
		const elapsedMs = options.elapsedMs ?? (() => toMillis(toMicros(scheduler.now()) - origin));
		const snapshotOf = takeSnapshots(options, {
			total, inFlight, elapsedMs, interrupted,
		});
		return stats$.pipe(sampleOnTicks(ticks$, seed), map(sample => snapshotOf(sample)));
	});
}

/** A value sampled by `sampleOnTicks`; `last` marks the source's final value, `tick` what the tick said. */
export type Sample<T, Tick = unknown> = {readonly value: T; readonly last: boolean; readonly tick: Tick | undefined};

/**
 * The latest value at every tick, whether or not a new one came since the last tick (unlike rxjs's
 * `sample`, which skips a tick with nothing new: a progress line per interval is promised even
 * while every send is still in flight), and the latest value once more, marked `last`, when the
 * source completes (unlike `sampleTime`, the final state is never dropped). Ticking stops then.
 */
export function sampleOnTicks<T, Tick>(ticks$: Observable<Tick>, initial: T): OperatorFunction<T, Sample<T, Tick>> {
	return source => new Observable<Sample<T, Tick>>(subscriber => {
		let latest = initial;
		const ticking = ticks$.subscribe(tick => {
			subscriber.next({value: latest, last: false, tick});
		});
		const subscription = source.subscribe({
			next(value) {
				latest = value;
			},
			error(error: unknown) {
				ticking.unsubscribe();
				subscriber.error(error);
			},
			complete() {
				ticking.unsubscribe();
				subscriber.next({value: latest, last: true, tick: undefined});
				subscriber.complete();
			},
		});
		return () => {
			ticking.unsubscribe();
			subscription.unsubscribe();
		};
	});
}
