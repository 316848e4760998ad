import {writeFile} from 'node:fs/promises';
import type {ResolvedConfig} from '../config.js';
import {renderPage} from '../output/html-page.js';
import {progressRecord, startRecord, summaryRecord} from '../output/json.js';
import {runPage} from '../output/run-page.js';
import {createTimelineRecorder, type TimelineRecorder} from '../output/timeline.js';
import type {SimulationEvent} from '../simulation.js';
import type {Snapshot} from '../snapshot.js';
import {
	wallStopwatch, wallTimeOf, type OutputOptions, type RunIo,
} from './context.js';

export type HtmlRecorder = {
	/** Sees every event of the run, as it goes. */
	readonly observe: (event: SimulationEvent) => void;
	/** Writes the page of what was seen; the problem, in one line, if it could not. */
	readonly write: () => Promise<string | undefined>;
};

/**
 * `--html FILE` on a live run (or a worker's or monitor's view of one): keeps what the page draws
 * as the run goes, in bounded memory (see `createTimelineRecorder`), and writes the page at the end.
 * It needs the run's single results for send times per window: the run must emit them.
 */
export function recordHtml(path: string, options: OutputOptions, io: RunIo): HtmlRecorder {
	let config: ResolvedConfig | undefined;
	let final: Snapshot | undefined;
	let recorder: TimelineRecorder | undefined;
	const wall = wallStopwatch(io);
	return {
		observe(event) {
			switch (event.type) {
				case 'start': {
					config = event.config;
					recorder = createTimelineRecorder(config.intervalMs);
					wall.start();
					break;
				}

				case 'progress': {
					recorder?.addProgress(progressRecord(event));
					break;
				}

				case 'result': {
					if (event.retry !== true) {
						const {arrivalMs} = event.message;
						recorder?.addResult(event.endMs, event.durationMs, arrivalMs === undefined ? undefined : event.startMs - arrivalMs);
					}

					break;
				}

				case 'final': {
					final = event;
					break;
				}

				case 'live': {
					break;
				}
			}
		},
		async write() {
			if (config === undefined || recorder === undefined || final === undefined) {
				return `--html ${path}: the run ended before it had anything to show; no page written`;
			}

			const last = summaryRecord(final, {
				seed: config.seed, maxFailureRate: options.maxFailureRate, thresholds: options.thresholds, wallMs: wallTimeOf(options, wall.elapsedMs()), groups: config.groups,
			});
			recorder.addProgress(last);
			const page = runPage({
				start: startRecord(config, options.header),
				last,
				cutShort: false,
				timeline: recorder.timeline(),
				source: options.header ? `sms-sim ${options.header.role === 'monitor' ? 'monitor' : 'send'} --run ${options.header.run} --html` : 'sms-sim --html (a live run)',
			});
			recorder.dispose();
			try {
				await writeFile(path, renderPage(page));
				return undefined;
			} catch (error) {
				return `--html ${path}: cannot write it: ${(error as Error).message}`;
			}
		},
	};
}
