import {
	messageRecord, progressRecord, startRecord, summaryRecord,
} from '../reports/json.js';
import {verdictLine} from '../reports/lines.js';
import {summaryContext} from './context.js';
import type {FrontEnd, FrontEndSetup} from './front-end.js';

/** `--json`: one JSON object per line on stdout: start, progress per interval, messages with `--events`, one summary. */
export function ndjsonFrontEnd({options, io, writeLine}: FrontEndSetup): FrontEnd {
	return {
		observe(event, config, wallMs) {
			switch (event.type) {
				case 'start': {
					writeLine(JSON.stringify(startRecord(event.config, options.header)));
					break;
				}

				case 'progress': {
					writeLine(JSON.stringify(progressRecord(event)));
					break;
				}

				case 'live': {
					break; // A dashboard's glance: NDJSON keeps to the interval.
				}

				case 'result': {
					if (options.events) {
						writeLine(JSON.stringify(messageRecord(event)));
					}

					break;
				}

				case 'final': {
					const context = summaryContext(options, config!, wallMs());
					writeLine(JSON.stringify(summaryRecord(event, context)));
					// The verdict for people, on stderr: stdout is for the program reading the NDJSON.
					const verdict = verdictLine(event, context);
					if (verdict !== undefined) {
						io.stderr.write(`sms-sim: ${verdict}\n`);
					}

					break;
				}
			}
		},
	};
}
