import {render} from 'ink';
import {filter, tap} from 'rxjs';
import type {ResolvedConfig} from '../model/config.js';
import {fittedConfigLine, summaryLines} from '../reports/lines.js';
import type {Snapshot} from '../engine/snapshot.js';
import {failsCriteria} from '../engine/thresholds.js';
import {Dashboard} from '../ui/Dashboard.js';
import {
	summaryContext, wallStopwatch, type FrontEndContext, type FrontEndResult,
} from './context.js';
import {openKeyboard} from './keyboard.js';
import {openTerminalSurface} from './terminal-surface.js';

/** Warnings kept to print again on the main screen once the dashboard is gone. */
const KEPT_WARNINGS = 20;

/**
 * Stdout is a terminal: the Ink dashboard on the alternate screen until the run ends, then the
 * summary on the main screen, below what the user had there.
 */
export async function runDashboard({events$, options, io}: FrontEndContext): Promise<FrontEndResult> {
	let final: Snapshot | undefined;
	let config: ResolvedConfig | undefined;
	const wall = wallStopwatch(io);
	let wallMs = 0;
	const events = events$.pipe(tap(event => {
		if (event.type === 'start') {
			config = event.config;
			wall.start();
		} else if (event.type === 'final') {
			wallMs = wall.elapsedMs();
		}
	}));
	// Warnings show above the dashboard while it runs; the alternate screen goes with it, so they
	// are printed again where they stay.
	const warnings: string[] = [];
	let warningsLeftOut = 0;
	const keepWarnings = options.warnings$?.subscribe(text => {
		if (warnings.length < KEPT_WARNINGS) {
			warnings.push(text);
		} else {
			warningsLeftOut++;
		}
	});
	const surface = openTerminalSurface(io.stdout as NodeJS.WriteStream);
	const keyboard = openKeyboard();
	try {
		const instance = render(
			<Dashboard
				// The dashboard reads snapshots, never every result.
				events$={events.pipe(filter(event => event.type !== 'result'))}
				title={options.header?.title}
				hasSummary={false}
				warnings$={options.warnings$}
				maxFailureRate={options.maxFailureRate}
				rows={surface.rows}
				now={io.now}
				onStopKey={keyboard.hasKeys ? io.requestStop : undefined}
				onFinal={snapshot => {
					final = snapshot;
				}}
			/>,
			{
				stdout: surface.stdout,
				stdin: keyboard.stdin,
				stderr: io.stderr as NodeJS.WriteStream,
				exitOnCtrlC: false,
				patchConsole: false,
				maxFps: 10,
			},
		);
		await instance.waitUntilExit();
	} finally {
		keyboard.close();
		surface.leave();
		keepWarnings?.unsubscribe();
	}

	for (const text of warnings) {
		io.stderr.write(`sms-sim: ${text}\n`);
	}

	if (warningsLeftOut > 0) {
		io.stderr.write(`sms-sim: (${warningsLeftOut} more warnings)\n`);
	}

	if (final && config) {
		// Printed on the main screen, as lines that are never redrawn: the summary stays in the
		// scrollback whatever the terminal's height, and the prompt comes on a line of its own.
		const {columns} = (io.stdout as NodeJS.WriteStream);
		const [headline, ...rest] = summaryLines(final, {...summaryContext(options, config, wallMs), columns});
		const colour = final.interrupted ? 33 : (failsCriteria(final, options.maxFailureRate, options.thresholds ?? []) ? 31 : 32);
		const paint = (text: string, code: number) => (colours(io) ? `\u001B[${code}m${text}\u001B[39m` : text);
		const title = options.header?.title(config) ?? fittedConfigLine(config, columns);
		io.stdout.write(`${[colours(io) ? `\u001B[2m${title}\u001B[22m` : title, paint(headline, colour), ...rest].join('\n')}\n`);
	}

	return {final, wallMs};
}

/** Whether to colour the summary: NO_COLOR and FORCE_COLOR as the dashboard's colours follow them. */
function colours(io: FrontEndContext['io']): boolean {
	const environment = io.env ?? process.env;
	if (environment.FORCE_COLOR !== undefined) {
		return environment.FORCE_COLOR !== '0' && environment.FORCE_COLOR !== 'false';
	}

	return !environment.NO_COLOR;
}
