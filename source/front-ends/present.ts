import {tap, type Observable} from 'rxjs';
import type {SimulationEvent} from '../pipeline/simulation.js';
import type {
	FrontEndContext, FrontEndResult, OutputOptions, RunIo,
} from './context.js';
import {runJson} from './ndjson.js';
import {createLineWriter, type Pausable} from './line-writer.js';
import {runLines} from './plain-lines.js';

/** Which front end a run gets: NDJSON with `--json`, the dashboard on a capable terminal, plain lines otherwise. */
export function frontEndFor(options: OutputOptions, io: RunIo): 'json' | 'dashboard' | 'lines' {
	if (options.json) {
		return 'json';
	}

	// A terminal that reports no width (0 columns), or a dumb one (no cursor movement), cannot hold
	// a dashboard: plain lines there.
	const dumb = (io.env ?? process.env).TERM === 'dumb';
	return io.stdout.isTTY && (io.stdout.columns ?? 0) > 0 && !dumb ? 'dashboard' : 'lines';
}

/**
 * Shows a stream of simulation events (a local run, a worker's own view, or a broker monitor)
 * through the front end the environment calls for: NDJSON with `--json`, the Ink dashboard on a
 * terminal, plain lines otherwise. `clock`, when given, is held while stdout drains.
 */
export async function present(events$: Observable<SimulationEvent>, options: OutputOptions, io: RunIo, clock?: Pausable): Promise<FrontEndResult> {
	if (options.html === undefined) {
		return show(events$, options, io, clock);
	}

	const {recordHtml} = await import('./html-file.js');
	const html = recordHtml(options.html, options);
	const result = await show(events$.pipe(tap(html.observe)), options, io, clock);
	const problem = await html.write(result);
	io.stderr.write(`sms-sim: ${problem ?? `wrote the report page to ${options.html}`}\n`);
	return problem === undefined ? result : {...result, htmlProblem: problem};
}

async function show(events$: Observable<SimulationEvent>, options: OutputOptions, io: RunIo, clock?: Pausable): Promise<FrontEndResult> {
	const context: FrontEndContext = {
		events$, options, io, writeLine: createLineWriter(io.stdout, clock),
	};
	if (frontEndFor(options, io) === 'dashboard') {
		// Ink and React load only when a dashboard is wanted: scripts start faster without them.
		const {runDashboard} = await import('./dashboard.js');
		return runDashboard(context); // It shows the warnings itself, above its own output.
	}

	const warnings = options.warnings$?.subscribe(text => {
		io.stderr.write(`sms-sim: ${text}\n`);
	});
	try {
		return await (options.json ? runJson(context) : runLines(context));
	} finally {
		warnings?.unsubscribe();
	}
}
