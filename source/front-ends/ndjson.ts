import {
	messageRecord, progressRecord, startRecord, summaryRecord,
} from '../reports/json.js';
import {verdictLine} from '../reports/lines.js';
import {
	consume, summaryContext, type FrontEndContext, type FrontEndResult,
} from './context.js';

/** `--json`: one JSON object per line on stdout: start, progress per interval, messages with `--events`, one summary. */
export async function runJson({events$, options, io, writeLine}: FrontEndContext): Promise<FrontEndResult> {
	return consume(events$, io, (event, config, wallMs) => {
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
	});
}
