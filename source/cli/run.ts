import type {Observable} from 'rxjs';
import type {ResolvedConfig} from '../config.js';
import {SimulationScheduler} from '../scheduler.js';
import {simulate, type SimulationEvent} from '../simulation.js';
import {exceedsFailureRate, type Snapshot} from '../snapshot.js';
import type {RunOptions} from './options.js';
import {runJson} from './front-ends/json.js';
import {runLines} from './front-ends/lines.js';

/** Exit codes; the README lists them. */
export const EXIT = {ok: 0, unexpected: 1, usage: 2, threshold: 3, broker: 4, interrupted: 130} as const;

export type RunIo = {
	readonly stdout: NodeJS.WritableStream & {isTTY?: boolean; columns?: number};
	readonly stderr: NodeJS.WritableStream;
	/** Emits when the user asks to stop (SIGINT, SIGTERM). */
	readonly stop$: Observable<unknown>;
};

/** The output choices every command shares. */
export type OutputOptions = {
	readonly json: boolean;
	readonly events: boolean;
	/** Exit 3 when the final failure ratio is above this. */
	readonly maxFailureRate: number | undefined;
};

/** What a front end is handed: the run's events and a writer that respects stdout's backpressure. */
export type FrontEndContext = {
	readonly events$: Observable<SimulationEvent>;
	readonly options: OutputOptions;
	readonly io: RunIo;
	/** Writes a line to stdout; while stdout's buffer is full the simulation clock is held. */
	readonly writeLine: (line: string) => void;
};

/** How a front end's run ended. */
export type FrontEndResult = {readonly final: Snapshot | undefined};

export type RunOutcome = FrontEndResult & {readonly exitCode: number};

/** Runs one local simulation through the front end the environment calls for. */
export async function run(options: RunOptions, io: RunIo): Promise<RunOutcome> {
	const scheduler = new SimulationScheduler(options.simulation.speed);
	const events$ = simulate(options.simulation, {scheduler, stop: io.stop$});
	return present(events$, options, io, scheduler);
}

/**
 * Shows a stream of simulation events (a local run, a worker's own view, or a broker monitor)
 * through the front end the environment calls for, and tells how it ended. `scheduler`, when
 * given, is held while stdout drains.
 */
export async function present(events$: Observable<SimulationEvent>, options: OutputOptions, io: RunIo, scheduler?: SimulationScheduler): Promise<RunOutcome> {
	const writeLine = (line: string): void => {
		if (!io.stdout.write(`${line}\n`) && scheduler) {
			scheduler.pause();
			io.stdout.once('drain', () => {
				scheduler.resume();
			});
		}
	};

	const context: FrontEndContext = {events$, options, io, writeLine};
	let result: FrontEndResult;
	if (options.json) {
		result = await runJson(context);
	} else if (io.stdout.isTTY) {
		// Ink and React load only when a dashboard is wanted: scripts start faster without them.
		const {runDashboard} = await import('../ui/run-dashboard.js');
		result = await runDashboard(context);
	} else {
		result = await runLines(context);
	}

	const {final} = result;
	let exitCode: number = EXIT.ok;
	if (final?.interrupted) {
		exitCode = EXIT.interrupted;
	} else if (final && exceedsFailureRate(final, options.maxFailureRate)) {
		exitCode = EXIT.threshold;
	}

	return {...result, exitCode};
}

/** Subscribes to a run and resolves when it ends; `onEvent` sees every event, with the run's config once it has started. */
export async function consume(events$: Observable<SimulationEvent>, onEvent: (event: SimulationEvent, config: ResolvedConfig | undefined) => void): Promise<FrontEndResult> {
	return new Promise((resolve, reject) => {
		let config: ResolvedConfig | undefined;
		let final: Snapshot | undefined;
		events$.subscribe({
			next(event) {
				if (event.type === 'start') {
					config = event.config;
				} else if (event.type === 'final') {
					final = event;
				}

				onEvent(event, config);
			},
			error: reject,
			complete() {
				resolve({final});
			},
		});
	});
}
