import type {ResolvedConfig} from '../model/config.js';
import {writePage} from '../reports/html-page.js';
import {progressRecord, startRecord, summaryRecord} from '../reports/json.js';
import {runPage} from '../reports/run-page.js';
import {createTimelineRecorder, type TimelineRecorder} from '../reports/timeline.js';
import type {SimulationEvent} from '../pipeline/simulation.js';
import {summaryContext, type FrontEndResult, type OutputOptions} from './context.js';

export type HtmlRecorder = {
	/** Sees every event of the run, as it goes. */
	readonly observe: (event: SimulationEvent) => void;
	/** Writes the page of what was seen, with the summary the front end gave; the problem, in one line, if it could not. */
	readonly write: (result: FrontEndResult) => Promise<string | undefined>;
};

/**
 * `--html FILE` on a live run (or a worker's or monitor's view of one): keeps what the page draws
 * as the run goes, in bounded memory (see `createTimelineRecorder`), and writes the page at the end.
 * It needs the run's single results for send times per window: the run must emit them.
 */
export function recordHtml(path: string, options: OutputOptions): HtmlRecorder {
	let config: ResolvedConfig | undefined;
	let recorder: TimelineRecorder | undefined;
	return {
		observe(event) {
			switch (event.type) {
				case 'start': {
					config = event.config;
					recorder = createTimelineRecorder(config.intervalMs);
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

				case 'live':
				case 'final': {
					break;
				}
			}
		},
		async write({final, wallMs}) {
			if (config === undefined || recorder === undefined || final === undefined) {
				return `--html ${path}: the run ended before it had anything to show; no page written`;
			}

			const last = summaryRecord(final, summaryContext(options, config, wallMs));
			recorder.addProgress(last);
			const page = runPage({
				start: startRecord(config, options.header),
				last,
				cutShort: false,
				timeline: recorder.timeline(),
				source: options.header ? `sms-sim ${options.header.role === 'monitor' ? 'monitor' : 'send'} --run ${options.header.run} --html` : 'sms-sim --html (a live run)',
			});
			recorder.dispose();
			return writePage(path, page);
		},
	};
}
