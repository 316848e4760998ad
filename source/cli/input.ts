import {closeSync, openSync, readSync} from 'node:fs';
import {StringDecoder} from 'node:string_decoder';
import type {Message} from '../messages.js';
import {LIMITS} from '../limits.js';
import {formatDuration} from '../output/format.js';
import {
	MAX_LINE_CHARS, OVERLONG_LINE, ReplayError, replayMessages, type ReplayFormat, type ReplayOptions,
} from '../replay.js';

/** Where replayed messages come from (`--input`): a file, or `-` for standard input. */
export type InputSource = {readonly path: string; readonly format: ReplayFormat};

/** Bad lines a file check reports before it stops listing them. */
const SHOWN_BAD_LINES = 10;

/**
 * The lines of a file or of standard input (`-`), read in 64 KiB pieces as they are asked for:
 * the sender pool pulls a message when a sender frees, so memory holds a piece, not the input.
 * Reads block (a pipe that is slow to write holds the run, which is what replaying it means).
 */
export function * linesOf(path: string): Generator<string, void, undefined> {
	const fd = path === '-' ? 0 : openSync(path, 'r');
	const buffer = Buffer.allocUnsafe(64 * 1024);
	const decoder = new StringDecoder('utf8');
	let rest = '';
	try {
		for (;;) {
			let read: number;
			try {
				read = readSync(fd, buffer, 0, buffer.length, null);
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
					Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); // Standard input not ready yet.
					continue;
				}

				if ((error as NodeJS.ErrnoException).code === 'EOF') {
					break;
				}

				throw error;
			}

			if (read === 0) {
				break;
			}

			const text = rest + decoder.write(buffer.subarray(0, read));
			const lines = text.split('\n');
			rest = lines.pop()!;
			for (const line of lines) {
				if (line.length > MAX_LINE_CHARS) {
					yield OVERLONG_LINE;
					return;
				}

				yield line;
			}

			if (rest.length > MAX_LINE_CHARS) {
				yield OVERLONG_LINE; // And no more: a line that long is no message line.
				return;
			}
		}

		rest += decoder.end();
		if (rest !== '') {
			yield rest;
		}
	} finally {
		if (fd !== 0) {
			closeSync(fd);
		}
	}
}

/**
 * A file read once before the run (standard input cannot be): every bad line, up to ten, with its
 * number and the rule, or how many messages it holds.
 */
export function checkInputFile(input: InputSource, priorities: readonly string[], intervalMs: number): {messages: number; errors: string[]} {
	const errors: string[] = [];
	let bad = 0;
	let messages = 0;
	for (const outcome of replayMessages(linesOf(input.path), {
		format: input.format, priorities, keepGoing: true, maxAt: latestArrival(intervalMs),
	})) {
		if (outcome instanceof ReplayError) {
			bad++;
			if (errors.length < SHOWN_BAD_LINES) {
				errors.push(`--input ${input.path}: ${outcome.message}`);
			}
		} else {
			messages++;
		}
	}

	if (bad > errors.length) {
		errors.push(`--input ${input.path}: ${(bad - errors.length).toLocaleString('en-US')} more bad lines`);
	}

	return {messages, errors};
}

/**
 * The replayed messages for the run, and a way to learn afterwards whether standard input held a
 * bad line: the run then ends where it was (its summary says what was sent) and the error is reported.
 */
export function inputMessages(input: InputSource, priorities: readonly string[], intervalMs: number): {messages: Iterable<Message>; problem: () => ReplayError | undefined} {
	let problem: ReplayError | undefined;
	function * guarded(): Generator<Message, void, undefined> {
		for (const outcome of replayMessages(linesOf(input.path), {
			format: input.format, priorities, keepGoing: true, maxAt: latestArrival(intervalMs),
		})) {
			if (outcome instanceof ReplayError) {
				problem = outcome;
				return;
			}

			yield outcome;
		}
	}

	return {messages: guarded(), problem: () => problem};
}

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
