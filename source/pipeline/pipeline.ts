import {
	defer, type Observable, type ObservableInput, type SchedulerLike,
} from 'rxjs';
import {monitor, type MonitorOptions} from '../engine/monitor.js';
import {
	createPoolGauge, senderPool, type MessageSource, type PoolGauge,
} from '../engine/pool.js';
import type {Random} from '../model/random.js';
import type {ResolvedSenderGroup, SendResult, Sender} from '../model/senders.js';
import type {Snapshot} from '../engine/snapshot.js';

export type PipelineOptions = {
	readonly senders: readonly Sender[];
	/** The groups the senders belong to, for the snapshots' group rows. */
	readonly groups: readonly ResolvedSenderGroup[];
	/** The simulation clock. */
	readonly scheduler: SchedulerLike;
	/** Draws send times and outcomes. */
	readonly random: Random;
	/** Simulation ms between progress snapshots. */
	readonly intervalMs: number;
	/** Messages expected; null when not known (a pushed source). */
	readonly total: number | null | (() => number | null);
	/** When it emits, the run stops; see `MonitorOptions.stop`. */
	readonly stop?: ObservableInput<unknown>;
	/** Whether every result is passed on, not only the snapshots (default true). */
	readonly emitResults?: boolean;
	/** The pool's gauge, for a caller that reports sends in flight itself (a broker worker's heartbeats). */
	readonly gauge?: PoolGauge;
	/** The clock the monitor's ticks follow, when not `scheduler`; see `MonitorOptions.ticks`. */
	readonly ticks?: SchedulerLike;
	/** Also a `live` snapshot every this many wall ms; see `MonitorOptions.liveMs`. */
	readonly liveMs?: number;
	/** Messages arrive over time (an open model): snapshots report the backlog. */
	readonly arrivals?: boolean;
	/** Priority names, highest first: the pool's line is kept in this order. */
	readonly priorities?: readonly string[];
	/** Report only the priorities some message had: see `MonitorOptions.usedPrioritiesOnly`. */
	readonly usedPrioritiesOnly?: boolean;
	/** Watch the waits for a start-up transient: see `MonitorOptions.detectWarmup`. */
	readonly detectWarmup?: boolean;
	/** Shown the stats of each snapshot: see `MonitorOptions.onSample`. */
	readonly onSample?: MonitorOptions['onSample'];
	/**
	 * Real sends in place of the simulated pool (`--via`): given the messages, the gauge to keep and
	 * the origin of result times, the results. The monitor is the same.
	 */
	readonly send?: (messages: MessageSource, gauge: PoolGauge, origin: number) => Observable<SendResult>;
	/** Figures of the real sends, on every snapshot: see `MonitorOptions.via`. */
	readonly via?: MonitorOptions['via'];
};

/**
 * The product owner's design card, wired once, for a local run and for a broker worker alike:
 *
 *   messages  ->  sender pool        ->  results  ->  scan(addResult, emptyStats())  ->  sampled on the clock  ->  snapshots
 *   (lazy)       (mergeMap(send, C))
 *
 * `senderPool` is the card's concurrency-limited `mergeMap(send, C)` over a demand-driven source,
 * rebuilt for speed and proven to emit the same values at the same times (test/equivalence.test.ts);
 * `monitor` is the card's `scan` sampled on the simulation clock.
 */
export function pipeline(messages: MessageSource, options: PipelineOptions): Observable<SendResult | Snapshot> {
	return defer(() => {
		const {scheduler} = options;
		const gauge = options.gauge ?? createPoolGauge();
		const origin = scheduler.now();
		const results$ = options.send
			? options.send(messages, gauge, origin)
			: senderPool(messages, {
				senders: options.senders, scheduler, random: options.random, gauge, origin, priorities: options.priorities,
			});
		return results$.pipe(monitor({
			scheduler,
			intervalMs: options.intervalMs,
			total: options.total,
			groups: options.groups,
			inFlight: () => gauge.inFlight,
			origin,
			stop: options.stop,
			emitResults: options.emitResults,
			ticks: options.ticks,
			liveMs: options.liveMs,
			backlog: options.arrivals ? () => gauge.waiting : undefined,
			retrying: () => gauge.retrying,
			priorities: options.priorities,
			usedPrioritiesOnly: options.usedPrioritiesOnly,
			detectWarmup: options.detectWarmup,
			onSample: options.onSample,
			via: options.via,
		}));
	});
}
