import {render} from 'ink';
import {Subject, defer} from 'rxjs';
import type {SimulationEvent} from '../pipeline/simulation.js';
import {fittedConfigLine, summaryLines} from '../reports/lines.js';
import {failsCriteria} from '../engine/thresholds.js';
import {Dashboard} from '../ui/Dashboard.js';
import {summaryContext, type RunIo} from './context.js';
import type {FinishedRun, FrontEnd, FrontEndSetup} from './front-end.js';
import {openKeyboard} from './keyboard.js';
import {openTerminalSurface} from './terminal-surface.js';

/** Warnings kept to print again on the main screen once the dashboard is gone. */
const KEPT_WARNINGS = 20;

/**
 * Stdout is a terminal: the Ink dashboard on the alternate screen until the run ends, then the
 * summary on the main screen, below what the user had there. It is ready once its component has
 * subscribed to what it is shown (React subscribes after the first render), so the run starts
 * only then and the dashboard misses nothing, not even the start.
 */
export function dashboardFrontEnd({options, io}: FrontEndSetup): FrontEnd {
	const shown$ = new Subject<SimulationEvent>();
	let mounted!: () => void;
	const ready = new Promise<void>(resolve => {
		mounted = resolve;
	});
	const warnings = keepWarnings(options);
	const surface = openTerminalSurface(io.stdout as NodeJS.WriteStream);
	const keyboard = openKeyboard();
	const leave = (): void => {
		keyboard.close();
		surface.leave();
		warnings.stop();
	};

	let instance: ReturnType<typeof render>;
	try {
		instance = render(
			<Dashboard
				events$={defer(() => {
					mounted();
					return shown$;
				})}
				title={options.header?.title}
				hasSummary={false}
				warnings$={options.warnings$}
				maxFailureRate={options.maxFailureRate}
				rows={surface.rows}
				now={io.now}
				onStopKey={keyboard.hasKeys ? io.requestStop : undefined}
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
	} catch (error) {
		leave();
		throw error;
	}

	return {
		ready,
		showsWarnings: true,
		observe(event) {
			if (event.type !== 'result') {
				shown$.next(event); // The dashboard reads snapshots, never every result.
			}
		},
		async finish(result) {
			try {
				if (result?.final === undefined) {
					instance.unmount(); // No summary will come to end it.
				} else {
					await instance.waitUntilExit(); // It exits once its summary is drawn.
				}
			} finally {
				leave();
			}

			warnings.print(io);
			if (result !== undefined) {
				printSummary(result, {options, io});
			}

			return undefined;
		},
	};
}

/**
 * Warnings show above the dashboard while it runs; the alternate screen goes with it, so they are
 * kept (the first `KEPT_WARNINGS`) to print again where they stay.
 */
function keepWarnings(options: FrontEndSetup['options']): {stop: () => void; print: (io: RunIo) => void} {
	const kept: string[] = [];
	let leftOut = 0;
	const subscription = options.warnings$?.subscribe(text => {
		if (kept.length < KEPT_WARNINGS) {
			kept.push(text);
		} else {
			leftOut++;
		}
	});
	return {
		stop() {
			subscription?.unsubscribe();
		},
		print(io) {
			for (const text of kept) {
				io.stderr.write(`sms-sim: ${text}\n`);
			}

			if (leftOut > 0) {
				io.stderr.write(`sms-sim: (${leftOut} more warnings)\n`);
			}
		},
	};
}

/**
 * The summary on the main screen, as lines that are never redrawn: it stays in the scrollback
 * whatever the terminal's height, and the prompt comes on a line of its own.
 */
function printSummary({final, config, wallMs}: FinishedRun, {options, io}: Pick<FrontEndSetup, 'options' | 'io'>): void {
	if (final === undefined || config === undefined) {
		return;
	}

	const {columns} = (io.stdout as NodeJS.WriteStream);
	const [headline, ...rest] = summaryLines(final, {...summaryContext(options, config, wallMs), columns});
	const colour = final.interrupted ? 33 : (failsCriteria(final, options.maxFailureRate, options.thresholds ?? []) ? 31 : 32);
	const paint = (text: string, code: number) => (colours(io) ? `\u001B[${code}m${text}\u001B[39m` : text);
	const title = options.header?.title(config) ?? fittedConfigLine(config, columns);
	io.stdout.write(`${[colours(io) ? `\u001B[2m${title}\u001B[22m` : title, paint(headline ?? '', colour), ...rest].join('\n')}\n`);
}

/** Whether to colour the summary: NO_COLOR and FORCE_COLOR as the dashboard's colours follow them. */
function colours(io: RunIo): boolean {
	const environment = io.env ?? process.env;
	if (environment.FORCE_COLOR !== undefined) {
		return environment.FORCE_COLOR !== '0' && environment.FORCE_COLOR !== 'false';
	}

	return !environment.NO_COLOR;
}
