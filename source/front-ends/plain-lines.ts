import {configLine, progressLine, summaryLines} from '../reports/lines.js';
import {summaryContext} from './context.js';
import type {FrontEnd, FrontEndSetup} from './front-end.js';

/** Stdout is not a terminal: a line per interval, then the summary. Plain text, no escape codes. */
export function plainLinesFrontEnd({options, writeLine}: FrontEndSetup): FrontEnd {
	return {
		observe(event, config, wallMs) {
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
		},
	};
}
