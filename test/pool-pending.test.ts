/**
 * The pool over a source whose next message may not be read yet (replayed input): senders that
 * find nothing wait, the clock holds, and the run is the same as if every message had been there.
 */
import {describe, expect, it} from 'vitest';
import {NOT_YET, type PendingSource} from '../source/engine/pending-source.js';
import {senderPool} from '../source/engine/pool.js';
import {SimulationScheduler} from '../source/engine/scheduler.js';
import type {Message} from '../source/model/messages.js';
import type {SendResult} from '../source/model/senders.js';
import {fixedSenders, messages} from './helpers.js';

/** Gives `list` in order, but says NOT_YET once before each of the messages at `gaps`, until the test makes it ready. */
function trickling(list: readonly Message[], gaps: ReadonlySet<number>): PendingSource & {ready: () => boolean} {
	const waiting: Array<() => void> = [];
	let index = 0;
	let held = false;
	return {
		* [Symbol.iterator]() {
			while (index < list.length) {
				if (gaps.has(index) && !held) {
					held = true;
					yield NOT_YET;
					continue;
				}

				held = false;
				yield list[index++];
			}
		},
		whenReady(callback) {
			waiting.push(callback);
		},
		ready() {
			const callbacks = waiting.splice(0);
			for (const callback of callbacks) {
				callback();
			}

			return callbacks.length > 0;
		},
	};
}

/** Every result of the pool over `source`, made ready each time it asks, with two senders of 10 ms. */
function run(source: Iterable<Message> | PendingSource, ready: () => boolean = () => false): Array<[string, string, number, number]> {
	const scheduler = new SimulationScheduler('max');
	const {senders, random} = fixedSenders([{count: 2, meanMs: 10}]);
	const results: SendResult[] = [];
	let done = false;
	senderPool(source, {senders, scheduler, random}).subscribe({
		next(result) {
			results.push(result);
		},
		complete() {
			done = true;
		},
	});
	// Runs what can run, then lets the source be read further, until the pool completes.
	for (let turns = 0; turns < 100; turns++) {
		if (done) {
			break;
		}

		scheduler.flush();
		ready();
	}

	expect(done).toBe(true);
	return results.map(result => [result.id, result.senderId, result.startMs, result.endMs]);
}

describe('senderPool over a pending source', () => {
	it('gives the same results, at the same simulated times, as when every message was there', () => {
		const list = messages('abcdefg');
		const source = trickling(list, new Set([0, 1, 3, 6]));
		let held = 0;
		expect(run(source, () => {
			const waited = source.ready();
			held += waited ? 1 : 0;
			return waited;
		})).toEqual(run(list));
		// The pool did wait for the source, at each gap.
		expect(held).toBe(4);
	});

	it('ends once the source ends, whatever was held on the way', () => {
		const list = messages('ab');
		const source = trickling(list, new Set([2]));
		expect(run(source, () => source.ready()).map(([id]) => id)).toEqual(['a', 'b']);
	});
});
