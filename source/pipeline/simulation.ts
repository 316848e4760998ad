import {
	Observable, isObservable, lastValueFrom, filter, type ObservableInput, type SchedulerLike,
} from 'rxjs';
import {arrivingMessages} from '../model/arrivals.js';
import {prioritizedAtStart} from '../model/priorities.js';
import {resolveConfig, type ResolvedConfig, type SimulationConfig} from '../model/config.js';
import {generateMessages} from '../model/messages.js';
import type {MessageSource} from '../engine/pool.js';
import {createRandom, type Random} from '../model/random.js';
import {SimulationScheduler} from '../engine/scheduler.js';
import {createSenders, type SendResult} from '../model/senders.js';
import type {Snapshot} from '../engine/snapshot.js';
import type {MonitorOptions} from '../engine/monitor.js';
import {pipeline, type PipelineOptions} from './pipeline.js';

/** The first event of a run: the configuration with every default filled in, seed included. */
export type StartEvent = {
	readonly type: 'start';
	readonly config: ResolvedConfig;
};

/** `start`, then results and `progress` snapshots in time order, then one `final` snapshot. */
export type SimulationEvent = StartEvent | SendResult | Snapshot;

export type SimulationDeps = {
	/** The clock. Default: a `SimulationScheduler` at the config's speed, made per subscription. */
	readonly scheduler?: SchedulerLike;
	/** Default: seeded from the config's seed, made per subscription. */
	readonly random?: Random;
	/** Messages to send instead of the generated ones. */
	readonly source?: MessageSource;
	/** How many `source` holds, when known (a replayed file); unknown otherwise. */
	readonly total?: number;
	/** Whether `source` pushes messages as they arrive (replayed arrival times): snapshots report the backlog. */
	readonly arrivals?: boolean;
	/** Priority names, highest first, when `source`'s messages carry priorities the config does not list. */
	readonly priorityOrder?: readonly string[];
	/** Emits to stop the run early; see `MonitorOptions.stop`. */
	readonly stop?: ObservableInput<unknown>;
	/** Whether every result is emitted (default true); false gives the start event and snapshots only. */
	readonly emitResults?: boolean;
	/** Also a `live` snapshot every this many wall ms (a dashboard); see `MonitorOptions.liveMs`. */
	readonly liveMs?: number;
	/** Shown the stats of each snapshot (a Prometheus exporter); see `MonitorOptions.onSample`. */
	readonly onSample?: MonitorOptions['onSample'];
	/** Real sends in place of the simulated senders (`--via`); see `PipelineOptions.send`. */
	readonly send?: PipelineOptions['send'];
	readonly via?: PipelineOptions['via'];
};

/**
 * Runs a simulation: a lazy seeded message source through the design card's pipeline (see
 * `pipeline.ts`). Cold: each subscription is a run of its own, and unsubscribing stops it and
 * clears every timer. The same seed gives the same events at every speed.
 */
export function simulate(config: SimulationConfig, deps: SimulationDeps = {}): Observable<SimulationEvent> {
	return new Observable<SimulationEvent>(subscriber => {
		const resolved = resolveConfig(config);
		const scheduler = deps.scheduler ?? new SimulationScheduler(resolved.speed);
		const random = deps.random ?? createRandom(resolved.seed);
		const senders = createSenders(resolved.groups, random);
		// With a rate, the messages arrive over simulated time (an open model) instead of all at the start;
		// priorities are drawn by share as they arrive, or given in priority order when all are there at once.
		// Given messages (a replay, a broker's) come as they are.
		const {priorities} = resolved;
		let messages: MessageSource;
		if (deps.source) {
			messages = deps.source;
		} else {
			const made = generateMessages(random, {count: resolved.messages, maxBodyLength: resolved.maxBodyLength, charset: resolved.charset});
			if (resolved.arrivals) {
				messages = arrivingMessages(made, resolved.arrivals, {
					scheduler, random, priorities, warmup: resolved.warmup,
				});
			} else if (priorities) {
				messages = prioritizedAtStart(made, resolved.messages, priorities);
			} else {
				messages = made;
			}
		}

		subscriber.next({type: 'start', config: resolved});
		return pipeline(messages, {
			senders,
			groups: resolved.groups,
			scheduler,
			random,
			intervalMs: resolved.intervalMs,
			total: deps.source ? (deps.total ?? null) : resolved.messages,
			stop: deps.stop,
			emitResults: deps.emitResults,
			liveMs: deps.liveMs,
			onSample: deps.onSample,
			send: deps.send,
			via: deps.via,
			arrivals: resolved.arrivals !== undefined || deps.arrivals === true,
			priorities: priorities?.map(priority => priority.name) ?? deps.priorityOrder,
			// Replayed messages have the priorities their input gives, if it has that column at all.
			usedPrioritiesOnly: priorities === undefined && deps.priorityOrder !== undefined,
			// Generated arrivals with no warm-up given: find out whether the run needed one.
			detectWarmup: !deps.source && resolved.arrivals !== undefined && resolved.warmup === undefined,
		}).subscribe(subscriber);
	});
}

/** Resolves with the final snapshot of a run. */
export async function runToCompletion(config: SimulationConfig, deps: SimulationDeps = {}): Promise<Snapshot> {
	const final$ = simulate(config, {emitResults: false, ...deps}).pipe(filter((event): event is Snapshot => event.type === 'final'));
	return lastValueFrom(final$);
}
