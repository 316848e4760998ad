import {Observable, type ObservableInput, type SchedulerLike} from 'rxjs';
import {resolveConfig, type ResolvedConfig, type SimulationConfig} from './config.js';
import {generateMessages} from './messages.js';
import {monitor} from './monitor.js';
import {createPoolGauge, senderPool, type MessageSource} from './pool.js';
import {createRandom, type Random} from './random.js';
import {SimulationScheduler} from './scheduler.js';
import {createSenders, type SendResult} from './senders.js';
import type {Snapshot} from './snapshot.js';

/**
 * The first event of a run: the configuration with every default filled in, seed included. In
 * distributed mode `role` says whose view it is (a worker's own, or the monitor's of a `run`).
 */
export type StartEvent = {
	readonly type: 'start';
	readonly config: ResolvedConfig;
	readonly role?: 'worker' | 'monitor';
	readonly run?: string;
	/** A line for people saying what runs, where it is not the local config line. */
	readonly title?: string;
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
	/** Emits to stop the run early; see `MonitorOptions.stop`. */
	readonly stop?: ObservableInput<unknown>;
};

/**
 * Runs a simulation: a lazy seeded message source, the sender pool and the monitor. Cold: each
 * subscription is a run of its own, and unsubscribing stops it and clears every timer. With the
 * same seed at `speed: 'max'` (or on a `TestScheduler`), every run gives the same events.
 */
export function simulate(config: SimulationConfig, deps: SimulationDeps = {}): Observable<SimulationEvent> {
	return new Observable<SimulationEvent>(subscriber => {
		const resolved = resolveConfig(config);
		const scheduler = deps.scheduler ?? new SimulationScheduler(resolved.speed);
		const random = deps.random ?? createRandom(resolved.seed);
		const senders = createSenders(resolved.groups, random);
		const gauge = createPoolGauge();
		const origin = scheduler.now();
		const source = deps.source ?? generateMessages(random, {count: resolved.messages, maxBodyLength: resolved.maxBodyLength});

		subscriber.next({type: 'start', config: resolved});
		const results$ = senderPool(source, {senders, scheduler, random, gauge, origin});
		return monitor(results$, {
			scheduler,
			intervalMs: resolved.intervalMs,
			total: deps.source ? null : resolved.messages,
			groups: resolved.groups,
			inFlight: () => gauge.inFlight,
			origin,
			stop: deps.stop,
		}).subscribe(subscriber);
	});
}

/** Resolves with the final snapshot of a run. */
export async function runToCompletion(config: SimulationConfig, deps: SimulationDeps = {}): Promise<Snapshot> {
	return new Promise((resolve, reject) => {
		let final: Snapshot | undefined;
		simulate(config, deps).subscribe({
			next(event) {
				if (event.type === 'final') {
					final = event;
				}
			},
			error: reject,
			complete() {
				resolve(final!);
			},
		});
	});
}
