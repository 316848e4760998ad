import {TestScheduler} from 'rxjs/testing';
import {expect} from 'vitest';
import type {Message} from '../source/messages.js';
import {createRandom} from '../source/random.js';
import {createSenders, resolveGroups, type SenderGroup} from '../source/senders.js';

export function createTestScheduler(): TestScheduler {
	return new TestScheduler((actual, expected) => {
		expect(actual).toEqual(expected);
	});
}

export function messages(ids: string): Message[] {
	return [...ids].map(id => ({id, to: '+12025550123', body: `body of ${id}`}));
}

/** An iterable over `list` that notes the time of every pull, and whether it was closed early. */
export function recordingSource(list: Message[], now: () => number) {
	const pulls: Array<{id: string; at: number}> = [];
	const state = {closed: false};
	function * source(): Generator<Message> {
		try {
			for (const message of list) {
				pulls.push({id: message.id, at: now()});
				yield message;
			}
		} finally {
			state.closed = true;
		}
	}

	return {source: source(), pulls, state};
}

/** Senders with fixed send times, so marble diagrams are exact. */
export function fixedSenders(groups: Array<Omit<SenderGroup, 'distribution' | 'failureRate'> & {failureRate?: number}>, seed = 1) {
	const random = createRandom(seed);
	const resolved = resolveGroups(groups.map(group => ({failureRate: 0, ...group, distribution: 'fixed' as const})));
	return {senders: createSenders(resolved, random), random, groups: resolved};
}
