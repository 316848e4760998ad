import {LIMITS} from '../model/limits.js';
import {formatDuration} from '../reports/format.js';
import type {ReplayFormat, ReplayOptions} from '../model/replay.js';

/** Where replayed messages come from (`--input`): a file, or `-` for standard input. */
export type InputSource = {readonly path: string; readonly format: ReplayFormat};

/** Bad lines a file check reports before it stops listing them. */
export const SHOWN_BAD_LINES = 10;

/**
 * The latest `at` a replay may give: within the simulation clock's range, and within what the
 * monitor can report in at most `LIMITS.progressLines` progress lines at this interval (an `at`
 * in epoch milliseconds would otherwise head for a billion lines).
 */
export function latestArrival(intervalMs: number): NonNullable<ReplayOptions['maxAt']> {
	const byLines = intervalMs * LIMITS.progressLines;
	return byLines < LIMITS.simulatedMs
		? {ms: byLines, why: `at --interval ${formatDuration(intervalMs)} that is more than ${LIMITS.progressLines.toLocaleString('en-US')} progress lines; give at in ms from the run's start (not epoch time), or a longer --interval`}
		: {ms: LIMITS.simulatedMs, why: 'the simulation clock holds 50 years; give at in ms from the run\'s start'};
}
