import {render} from 'ink';
import type {Snapshot} from '../snapshot.js';
import type {FrontEndContext, FrontEndResult} from '../cli/run.js';
import {Dashboard} from './Dashboard.js';

/** stdout is a terminal: the Ink dashboard, until the final summary is on screen. */
export async function runDashboard({events$, options, io}: FrontEndContext): Promise<FrontEndResult> {
	let final: Snapshot | undefined;
	const instance = render(
		<Dashboard
			events$={events$}
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
