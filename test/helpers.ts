import {TestScheduler} from 'rxjs/testing';
import {expect} from 'vitest';
import type {Message} from '../source/model/messages.js';
import {createRandom} from '../source/model/random.js';
import type {SimulationConfig} from '../source/model/config.js';
import {SimulationScheduler} from '../source/engine/scheduler.js';
import {
	createSenders, resolveGroups, type SendResult, type SenderGroup,
} from '../source/model/senders.js';
import {simulate, type SimulationEvent} from '../source/pipeline/simulation.js';
import type {Snapshot} from '../source/engine/snapshot.js';

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

/** A run to its end on a virtual clock at max speed, synchronously: every event (results too when `emitResults`). */
export function runToEnd(config: SimulationConfig, emitResults = false): SimulationEvent[] {
	const scheduler = new SimulationScheduler('max');
	const events: SimulationEvent[] = [];
	simulate({speed: 'max', ...config}, {scheduler, emitResults}).subscribe(event => events.push(event));
	scheduler.flush();
	return events;
}

export const resultsOf = (events: SimulationEvent[]): SendResult[] => events.filter((event): event is SendResult => event.type === 'result');
export const finalOf = (events: SimulationEvent[]): Snapshot => events.at(-1) as Snapshot;
export const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;

/** The standard error of the mean of `values` (sample standard deviation / sqrt(n)). */
export function standardError(values: number[]): number {
	const m = mean(values);
	return Math.sqrt(values.reduce((sum, value) => sum + ((value - m) ** 2), 0) / (values.length - 1) / values.length);
}
