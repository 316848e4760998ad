import {configLine, progressLine, summaryLines} from '../../output/lines.js';
import {consume, type FrontEndContext, type FrontEndResult} from '../run.js';

/** stdout is not a terminal: a line per interval, then the summary. Plain text, no escape codes. */
export async function runLines({events$, options, writeLine, thresholdExceeded}: FrontEndContext): Promise<FrontEndResult> {
	let seed = 0;
	return consume(events$, event => {
		switch (event.type) {
			case 'start': {
				seed = event.config.seed;
				writeLine(`sms-sim: ${event.title ?? configLine(event.config)}`);
				break;
			}

			case 'progress': {
				writeLine(progressLine(event));
				break;
			}

			case 'final': {
				const threshold = options.maxFailureRate === undefined ? undefined : {maxFailureRate: options.maxFailureRate, exceeded: thresholdExceeded(event)};
				for (const line of summaryLines(event, seed, threshold)) {
					writeLine(line);
				}

				break;
			}

			default:
		}
	});
}
