import {configLine, progressLine, summaryLines} from '../reports/lines.js';
import {
	consume, summaryContext, type FrontEndContext, type FrontEndResult,
} from './context.js';

/** Stdout is not a terminal: a line per interval, then the summary. Plain text, no escape codes. */
export async function runLines({events$, options, io, writeLine}: FrontEndContext): Promise<FrontEndResult> {
	return consume(events$, io, (event, config, wallMs) => {
		switch (event.type) {
			case 'start': {
				writeLine(`sms-sim: ${options.header?.title(event.config) ?? configLine(event.config)}`);
				break;
			}

			case 'progress': {
				writeLine(progressLine(event));
				break;
			}

			case 'final': {
				for (const line of summaryLines(event, summaryContext(options, config!, wallMs()))) {
					writeLine(line);
				}

				break;
			}

			case 'live':
			case 'result': {
				break; // Plain lines report intervals, not messages.
			}
		}
	});
}
