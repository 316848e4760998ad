import {lastValueFrom, tap, type Observable} from 'rxjs';
import type {ResolvedConfig} from '../model/config.js';
import type {SimulationEvent} from '../pipeline/simulation.js';
import type {Snapshot} from '../engine/snapshot.js';
import type {SummaryContext} from '../reports/lines.js';
import type {Threshold} from '../engine/thresholds.js';

/** Where a front end writes, and how it hears the user ask to stop. */
export type RunIo = {
	readonly stdout: NodeJS.WritableStream & {isTTY?: boolean; columns?: number};
	readonly stderr: NodeJS.WritableStream;
	/** Emits when the user asks to stop (SIGINT, SIGTERM). */
	readonly stop$: Observable<unknown>;
	/** The environment (TERM); process.env when left out. */
	readonly env?: NodeJS.ProcessEnv;
	/** Asks to stop, as Ctrl-C does (a second time: at once); for keys read by the dashboard. */
	readonly requestStop?: () => void;
	/** The wall clock in ms (`performance.now` when left out): how long a run took for the people watching it. */
	readonly now?: () => number;
};

/**
 * What every front end's summary says beside the final snapshot. The wall time is this process's,
 * except a broker monitor's, whose summary comes from the run's results alone, so that every monitor
 * of a run, early or late, prints the same one.
 */
export function summaryContext(options: OutputOptions, config: ResolvedConfig, wallMs: number): SummaryContext {
	return {
		seed: config.seed, maxFailureRate: options.maxFailureRate, thresholds: options.thresholds, wallMs: options.header?.role === 'monitor' ? undefined : wallMs,
		// A gateway's group answers a window of submits at once, not one at a time: no capacity by send time to show.
		groups: options.header?.role === 'gateway' ? [] : config.groups,
	};
}

/** A stopwatch on `io`'s wall clock, started by `start()` (the run's start event). */
export function wallStopwatch(io: RunIo): {start: () => void; elapsedMs: () => number} {
	const now = io.now ?? (() => performance.now());
	let startedAt: number | undefined;
	return {
		start() {
			startedAt ??= now();
		},
		elapsedMs: () => (startedAt === undefined ? 0 : now() - startedAt),
	};
}

/** Whose view a run is, where it is not a local run's: a broker worker's own, or a monitor's of a run. */
export type RunHeader = {
	readonly role: 'worker' | 'monitor' | 'gateway';
	/** The broker run a worker or monitor is of. */
	readonly run?: string;
	/** Where a gateway listens: `smpp://127.0.0.1:2775`. */
	readonly listen?: string;
	/** A line for people saying what runs, in place of the local config line. */
	readonly title: (config: ResolvedConfig) => string;
};

/** The output choices every command shares. */
export type OutputOptions = {
	readonly json: boolean;
	readonly events: boolean;
	/** The failure ratio above which a run has failed its threshold. */
	readonly maxFailureRate: number | undefined;
	/** `--threshold` rules on the final snapshot: any that fails makes the run fail (exit 3). */
	readonly thresholds?: readonly Threshold[];
	/** Set for the distributed commands. */
	readonly header?: RunHeader;
	/** `--html FILE`: the run's report page is written there when it ends. */
	readonly html?: string;
	/** `--metrics`: where the run's figures are served for Prometheus. */
	readonly metrics?: {readonly host: string; readonly port: number};
	/** `--metrics-linger`: how long to wait for a last scrape once the run is over (default a minute). */
	readonly metricsLingerMs?: number;
	/**
	 * Warnings to show while the run is shown (a lost broker): on stderr, and on a terminal above
	 * the dashboard, so they never write over it.
	 */
	readonly warnings$?: Observable<string>;
};

/** How a front end's run ended: its final snapshot, if it got that far. */
export type FrontEndResult = {
	readonly final: Snapshot | undefined;
	/** Wall time from the run's start to its final snapshot, as the summary gave it. */
	readonly wallMs: number;
	/** What went wrong finishing a front end (writing the `--html` page), if anything did (said on stderr already). */
	readonly problem?: string;
};

/** How a run ended, as a front end finishes with it: with the run's config, once it had started. */
export type FinishedRun = FrontEndResult & {readonly config: ResolvedConfig | undefined};

/**
 * Subscribes to a run and resolves when it ends; `onEvent` sees every event, with the run's config
 * once it has started and the wall time since then.
 */
export async function consume(events$: Observable<SimulationEvent>, io: RunIo, onEvent: (event: SimulationEvent, config: ResolvedConfig | undefined, wallMs: () => number) => void): Promise<FinishedRun> {
	let config: ResolvedConfig | undefined;
	let final: Snapshot | undefined;
	let wallMs = 0;
	const wall = wallStopwatch(io);
	const wallAtFinal = () => wallMs; // One function for the run, not one per event.
	await lastValueFrom(events$.pipe(tap(event => {
		if (event.type === 'start') {
			config = event.config;
			wall.start();
		} else if (event.type === 'final') {
			final = event;
			wallMs = wall.elapsedMs();
		}

		onEvent(event, config, wallAtFinal);
	})), {defaultValue: undefined});
	return {final, wallMs, config};
}
