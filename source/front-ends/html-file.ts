import {writePage} from '../reports/html-page.js';
import {progressRecord, startRecord, summaryRecord} from '../reports/json.js';
import {runPage} from '../reports/run-page.js';
import {createTimelineRecorder, type TimelineRecorder} from '../reports/timeline.js';
import {summaryContext} from './context.js';
import type {FrontEnd, FrontEndSetup} from './front-end.js';

/**
 * `--html FILE` on a live run (or a worker's or monitor's view of one): keeps what the page draws
 * as the run goes, in bounded memory (see `createTimelineRecorder`), and writes the page at the end.
 * It needs the run's single results for send times per window: the run must emit them.
 */
export function htmlFileFrontEnd(path: string, {options, io}: FrontEndSetup): FrontEnd {
	let recorder: TimelineRecorder | undefined;
	const write = async (result: Parameters<NonNullable<FrontEnd['finish']>>[0]): Promise<string | undefined> => {
		if (result?.config === undefined || recorder === undefined || result.final === undefined) {
			return `--html ${path}: the run ended before it had anything to show; no page written`;
		}

		const last = summaryRecord(result.final, summaryContext(options, result.config, result.wallMs));
		recorder.addProgress(last);
		const page = runPage({
			start: startRecord(result.config, options.header),
			last,
			cutShort: false,
			timeline: recorder.timeline(),
			source: options.header?.run === undefined ? 'sms-sim --html (a live run)' : `sms-sim ${options.header.role === 'monitor' ? 'monitor' : 'send'} --run ${options.header.run} --html`,
		});
		recorder.dispose();
		return writePage(path, page);
	};

	return {
		observe(event) {
			switch (event.type) {
				case 'start': {
					recorder = createTimelineRecorder(event.config.intervalMs);
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
		async finish(result) {
			if (result === undefined) {
				recorder?.dispose();
				return undefined; // The run failed: it says why; no page.
			}

			const problem = await write(result);
			io.stderr.write(`sms-sim: ${problem ?? `wrote the report page to ${path}`}\n`);
			return problem;
		},
	};
}
