import type {Observable} from 'rxjs';
import type {SimulationEvent} from '../pipeline/simulation.js';
import {
	consume, type FinishedRun, type FrontEndResult, type OutputOptions, type RunIo,
} from './context.js';
import type {FrontEnd, FrontEndSetup} from './front-end.js';
import {createLineWriter, type Pausable} from './line-writer.js';
import {ndjsonFrontEnd} from './ndjson.js';
import {plainLinesFrontEnd} from './plain-lines.js';

/** Which front end shows a run on stdout: NDJSON with `--json`, the dashboard on a capable terminal, plain lines otherwise. */
export function frontEndFor(options: OutputOptions, io: RunIo): 'json' | 'dashboard' | 'lines' {
	if (options.json) {
		return 'json';
	}

	// A terminal that reports no width (0 columns), or a dumb one (no cursor movement), cannot hold
	// a dashboard: plain lines there.
	const dumb = (io.env ?? process.env).TERM === 'dumb';
	return io.stdout.isTTY && (io.stdout.columns ?? 0) > 0 && !dumb ? 'dashboard' : 'lines';
}

/** How each front end is made; Ink and React, and the page's code, load only when wanted: scripts start faster without them. */
const FRONT_ENDS: Record<ReturnType<typeof frontEndFor>, (setup: FrontEndSetup) => Promise<FrontEnd> | FrontEnd> = {
	json: ndjsonFrontEnd,
	lines: plainLinesFrontEnd,
	async dashboard(setup) {
		const {dashboardFrontEnd} = await import('./dashboard.js');
		return dashboardFrontEnd(setup);
	},
};

/**
 * Shows a stream of simulation events (a local run, a worker's own view, or a broker monitor)
 * through the front ends asked for, side by side on one subscription: the one stdout calls for
 * (see `frontEndFor`), the HTML page with `--html`, and any made by the caller (`others`: the
 * metrics endpoint, which the run must know of too), finished last. `clock`, when given, is held
 * while stdout drains. Resolves with how the run ended, and what went wrong finishing a front end,
 * if anything.
 */
export async function present(events$: Observable<SimulationEvent>, options: OutputOptions, io: RunIo, {clock, others = []}: {readonly clock?: Pausable; readonly others?: readonly FrontEnd[]} = {}): Promise<FrontEndResult> {
	const setup: FrontEndSetup = {options, io, writeLine: createLineWriter(io.stdout, clock)};
	const frontEnds = [await FRONT_ENDS[frontEndFor(options, io)](setup)];
	if (options.html !== undefined) {
		const {htmlFileFrontEnd} = await import('./html-file.js');
		frontEnds.push(htmlFileFrontEnd(options.html, setup));
	}

	frontEnds.push(...others);

	await Promise.all(frontEnds.map(async frontEnd => frontEnd.ready));
	const warnings = frontEnds.some(frontEnd => frontEnd.showsWarnings)
		? undefined
		: options.warnings$?.subscribe(text => {
			io.stderr.write(`sms-sim: ${text}\n`);
		});
	let result: FinishedRun;
	try {
		result = await consume(events$, io, (event, config, wallMs) => {
			for (const frontEnd of frontEnds) {
				frontEnd.observe(event, config, wallMs);
			}
		});
	} catch (error) {
		await Promise.all(frontEnds.map(async frontEnd => frontEnd.finish?.(undefined)));
		throw error;
	} finally {
		warnings?.unsubscribe();
	}

	let problem: string | undefined;
	for (const frontEnd of frontEnds) {
		// In order: the dashboard leaves the screen and prints its summary before the page says where it went.
		// eslint-disable-next-line no-await-in-loop
		problem ??= await frontEnd.finish?.(result);
	}

	return problem === undefined ? result : {...result, problem};
}
