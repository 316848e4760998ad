import {render} from 'ink';
import {filter} from 'rxjs';
import type {Snapshot} from '../snapshot.js';
import {Dashboard} from '../ui/Dashboard.js';
import type {FrontEndContext, FrontEndResult} from './context.js';

/** Stdout is a terminal: the Ink dashboard, until the final summary is on screen. */
export async function runDashboard({events$, options, io}: FrontEndContext): Promise<FrontEndResult> {
	let final: Snapshot | undefined;
	const instance = render(
		<Dashboard
			// The dashboard reads snapshots, never every result.
			events$={events$.pipe(filter(event => event.type !== 'result'))}
			title={options.header?.title}
			warnings$={options.warnings$}
			maxFailureRate={options.maxFailureRate}
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
	return {final};
}
