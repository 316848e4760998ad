import {render} from 'ink';
import {filter, tap} from 'rxjs';
import type {ResolvedConfig} from '../config.js';
import {configLine, summaryLines} from '../output/lines.js';
import type {Snapshot} from '../snapshot.js';
import {failsCriteria} from '../thresholds.js';
import {Dashboard} from '../ui/Dashboard.js';
import type {FrontEndContext, FrontEndResult} from './context.js';

/** Stdout is a terminal: the Ink dashboard, until the final summary is on screen. */
export async function runDashboard({events$, options, io}: FrontEndContext): Promise<FrontEndResult> {
	let final: Snapshot | undefined;
	let config: ResolvedConfig | undefined;
	const events = events$.pipe(tap(event => {
		if (event.type === 'start') {
			config = event.config;
		}
	}));
	const instance = render(
		<Dashboard
			// The dashboard reads snapshots, never every result.
			events$={events.pipe(filter(event => event.type !== 'result'))}
			title={options.header?.title}
			hasSummary={false}
			warnings$={options.warnings$}
			maxFailureRate={options.maxFailureRate}
			onStopKey={io.requestStop}
			onFinal={snapshot => {
				final = snapshot;
			}}
		/>,
		{
			stdout: io.stdout as NodeJS.WriteStream,
			stderr: io.stderr as NodeJS.WriteStream,
			exitOnCtrlC: false,
			patchConsole: false,
			maxFps: 10,
		},
	);
	await instance.waitUntilExit();
	if (final && config) {
		// Printed once the live area is gone, as lines that are never redrawn: the summary stays in
		// the scrollback whatever the terminal's height, and the prompt comes on a line of its own.
		const [headline, ...rest] = summaryLines(final, config.seed, options.maxFailureRate, options.thresholds);
		const colour = final.interrupted ? 33 : (failsCriteria(final, options.maxFailureRate, options.thresholds ?? []) ? 31 : 32);
		const paint = (text: string, code: number) => (colours(io) ? `\u001B[${code}m${text}\u001B[39m` : text);
		const title = options.header?.title(config) ?? configLine(config, {short: true});
		io.stdout.write(`${[colours(io) ? `\u001B[2m${title}\u001B[22m` : title, paint(headline, colour), ...rest].join('\n')}\n`);
	}

	return {final};
}

/** Whether to colour the summary: NO_COLOR and FORCE_COLOR as the dashboard's colours follow them. */
function colours(io: FrontEndContext['io']): boolean {
	const environment = io.env ?? process.env;
	if (environment.FORCE_COLOR !== undefined) {
		return environment.FORCE_COLOR !== '0' && environment.FORCE_COLOR !== 'false';
	}

	return !environment.NO_COLOR;
}
