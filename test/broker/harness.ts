import type {ChildProcessWithoutNullStreams} from 'node:child_process';
import {Connection} from 'rabbitmq-client';
import {runNames} from '../../source/broker/topology.js';

/** What the broker tests share: reading a child's NDJSON as it comes, its stderr, waits with a deadline. */

export type Json = Record<string, any>;

/** Collects a child's stdout as JSON lines and resolves waits on them as lines arrive. */
export function jsonLines(child: ChildProcessWithoutNullStreams) {
	const lines: Json[] = [];
	const waiters: Array<{test: (line: Json) => boolean; resolve: () => void}> = [];
	let buffer = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
		buffer += chunk;
		let newline;
		while ((newline = buffer.indexOf('\n')) >= 0) {
			const line = JSON.parse(buffer.slice(0, newline)) as Json;
			buffer = buffer.slice(newline + 1);
			lines.push(line);
			// Backwards: a matched waiter is removed while the list is walked.
			for (let index = waiters.length - 1; index >= 0; index--) {
				const waiter = waiters[index];
				if (waiter.test(line)) {
					waiters.splice(index, 1);
					waiter.resolve();
				}
			}
		}
	});
	return {
		lines,
		until: async (test: (line: Json) => boolean) => new Promise<void>(resolve => {
			if (lines.some(line => test(line))) {
				resolve();
			} else {
				waiters.push({test, resolve});
			}
		}),
	};
}

/** Everything a child writes on stderr, for a failing test to show. */
export function stderrOf(child: ChildProcessWithoutNullStreams): {text: string} {
	const collected = {text: ''};
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
		collected.text += chunk;
	});
	return collected;
}

/** `promise`, or a failure that shows `context()` when it takes longer than `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, context: () => string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => {
			reject(new Error(`still waiting after ${ms / 1000}s; ${context()}`));
		}, ms);
	});
	try {
		return await Promise.race([promise, timeout]);
	} finally {
		clearTimeout(timer);
	}
}

export const exited = async (child: ChildProcessWithoutNullStreams) => new Promise<number | null>(resolve => {
	if (child.exitCode !== null || child.signalCode !== null) {
		resolve(child.exitCode);
	} else {
		child.on('exit', code => {
			resolve(code);
		});
	}
});

/** Resolves once `stream` has written `text` (in one chunk), or fails after `ms` saying `what` did not happen. */
export async function untilWritten(stream: NodeJS.ReadableStream, text: string, ms: number, what: string): Promise<void> {
	return within(new Promise<void>(resolve => {
		stream.on('data', (chunk: Buffer | string) => {
			if (String(chunk).includes(text)) {
				resolve();
			}
		});
	}), ms, () => what);
}

/** Deletes the queues and streams of `runs` on the broker at `url`: a test's clearing up. */
export async function deleteRuns(url: string, runs: readonly string[]): Promise<void> {
	const admin = new Connection(url);
	admin.on('error', () => undefined);
	for (const run of runs) {
		for (const queue of Object.values(runNames(run))) {
			await admin.queueDelete(queue).catch(() => undefined);
		}
	}

	await admin.close();
}
