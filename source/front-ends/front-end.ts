import type {ResolvedConfig} from '../model/config.js';
import type {SimulationEvent} from '../pipeline/simulation.js';
import type {FinishedRun, OutputOptions, RunIo} from './context.js';

export type {FinishedRun} from './context.js';

/**
 * A front end, as k6's outputs are: it is shown every event of a run as it comes and finishes with
 * the run's end. The dashboard, plain lines, NDJSON and the HTML page each are one; `present` runs
 * those asked for side by side on one subscription to the run.
 */
export type FrontEnd = {
	/** Resolves once it can be shown events (the dashboard: once it is on screen), so it misses none, not even the start. */
	readonly ready?: Promise<void>;
	/** It shows the run's warnings itself (the dashboard, above its own output); otherwise they go to stderr as they come. */
	readonly showsWarnings?: boolean;
	/** Sees each event, in order, with the run's config once it has started and its wall time at the final snapshot. */
	readonly observe: (event: SimulationEvent, config: ResolvedConfig | undefined, wallMs: () => number) => void;
	/**
	 * The run is over: what is left is shown or written (the dashboard leaves the screen for the
	 * summary; the page is written). `result` is undefined when the run failed. Resolves with what
	 * went wrong, in one line (said on stderr already), if anything did.
	 */
	readonly finish?: (result: FinishedRun | undefined) => Promise<string | undefined>;
};

/** What a front end is made with: the output options, where to write, and a writer that respects stdout's backpressure. */
export type FrontEndSetup = {
	readonly options: OutputOptions;
	readonly io: RunIo;
	/** Writes a line to stdout; while stdout's buffer is full the simulation clock is held. */
	readonly writeLine: (line: string) => void;
};
