import {
	Subject, map, tap, type Observable,
} from 'rxjs';
import {describe, expect, it} from 'vitest';
import type {Message} from '../source/model/messages.js';
import {createPoolGauge, senderPool} from '../source/engine/pool.js';
import {SimulationScheduler} from '../source/engine/scheduler.js';
import type {SendResult} from '../source/model/senders.js';
import {
	createTestScheduler, fixedSenders, messages, recordingSource,
} from './helpers.js';

const ids = (results$: Observable<SendResult>) => results$.pipe(map(result => result.id));

describe('senderPool', () => {
	it('sends at most C at once and pulls the next message only when a sender frees', () => {
		const testScheduler = createTestScheduler();
		testScheduler.run(({expectObservable}) => {
			const {senders, random} = fixedSenders([{count: 2, meanMs: 10}]);
			const {source, pulls} = recordingSource(messages('abcde'), () => testScheduler.now());
			const results$ = senderPool(source, {senders, scheduler: testScheduler, random});

			expectObservable(ids(results$)).toBe('10ms (ab) 6ms (cd) 6ms (e|)');
			testScheduler.flush();
			expect(pulls).toEqual([
				{id: 'a', at: 0},
				{id: 'b', at: 0},
				{id: 'c', at: 10},
				{id: 'd', at: 10},
				{id: 'e', at: 20},
			]);
		});
	});

	it('keeps in flight no more than the number of senders, and each sender on one message at a time', () => {
		const testScheduler = createTestScheduler();
		testScheduler.run(() => {
			const {senders, random} = fixedSenders([{count: 3, meanMs: 7}, {name: 'slow', count: 2, meanMs: 19}]);
			const gauge = createPoolGauge();
			const {source} = recordingSource(messages('abcdefghijklmnopqrstuvwxyz'), () => testScheduler.now());
			const results: SendResult[] = [];
			let peak = 0;
			senderPool(source, {
				senders, scheduler: testScheduler, random, gauge,
			})
				.pipe(tap(() => {
					peak = Math.max(peak, gauge.inFlight + 1);
				}))
				.subscribe(result => results.push(result));
			testScheduler.flush();

			expect(results).toHaveLength(26);
			expect(peak).toBeLessThanOrEqual(5);
			const bySender = new Map<string, SendResult[]>();
			for (const result of results) {
				bySender.set(result.senderId, [...bySender.get(result.senderId) ?? [], result]);
			}

			for (const sends of bySender.values()) {
				for (let i = 1; i < sends.length; i++) {
					expect(sends[i].startMs).toBeGreaterThanOrEqual(sends[i - 1].endMs);
				}
			}
		});
	});

	it('lets a free sender take the next message (a shared queue, no static split)', () => {
		const testScheduler = createTestScheduler();
		testScheduler.run(({expectObservable}) => {
			const {senders, random} = fixedSenders([{name: 'fast', count: 1, meanMs: 10}, {name: 'slow', count: 1, meanMs: 20}]);
			const results$ = senderPool(messages('abcdef'), {senders, scheduler: testScheduler, random});
			// At 20 the slow sender frees first (it started first), so it takes d and the fast one e.
			// fast: a 0-10, c 10-20, e 20-30, f 30-40;  slow: b 0-20, d 20-40
			const expected = '10ms x 9ms (yz) 6ms w 9ms (uv|)';
			const values = {
				x: 'a fast', y: 'b slow', z: 'c fast', w: 'e fast', u: 'd slow', v: 'f fast',
			};
			expectObservable(results$.pipe(map(result => `${result.id} ${result.group}`))).toBe(expected, values);
		});
	});

	it('completes right after the last result', () => {
		const testScheduler = createTestScheduler();
		testScheduler.run(({expectObservable}) => {
			const {senders, random} = fixedSenders([{count: 4, meanMs: 5}]);
			expectObservable(ids(senderPool(messages('ab'), {senders, scheduler: testScheduler, random}))).toBe('5ms (ab|)');
			expectObservable(ids(senderPool([], {senders, scheduler: testScheduler, random}))).toBe('|');
		});
	});

	it('stamps results with sender, group, and start and end on the clock', () => {
		const testScheduler = createTestScheduler();
		testScheduler.run(() => {
			const {senders, random} = fixedSenders([{name: 'only', count: 1, meanMs: 4}]);
			const results: SendResult[] = [];
			senderPool(messages('ab'), {senders, scheduler: testScheduler, random}).subscribe(result => results.push(result));
			testScheduler.flush();
			expect(results.map(({id, senderId, group, status, startMs, endMs, durationMs}) => ({
				id, senderId, group, status, startMs, endMs, durationMs,
			}))).toEqual([
				{
					id: 'a', senderId: 'only-1', group: 'only', status: 'sent', startMs: 0, endMs: 4, durationMs: 4,
				},
				{
					id: 'b', senderId: 'only-1', group: 'only', status: 'sent', startMs: 4, endMs: 8, durationMs: 4,
				},
			]);
		});
	});

	it('stops pulling and sending when unsubscribed', () => {
		const testScheduler = createTestScheduler();
		testScheduler.run(({expectObservable}) => {
			const {senders, random} = fixedSenders([{count: 2, meanMs: 10}]);
			const {source, pulls, state} = recordingSource(messages('abcdefgh'), () => testScheduler.now());
			const results$ = senderPool(source, {senders, scheduler: testScheduler, random});

			expectObservable(ids(results$), '15ms !').toBe('10ms (ab)');
			testScheduler.flush();
			expect(pulls.map(pull => pull.id)).toEqual(['a', 'b', 'c', 'd']);
			expect(state.closed).toBe(true);
		});
	});

	it('takes pushed messages: starts one at once when a sender is free, queues it otherwise', () => {
		const testScheduler = createTestScheduler();
		testScheduler.run(({cold, expectObservable}) => {
			const {senders, random} = fixedSenders([{count: 1, meanMs: 10}]);
			const byId = Object.fromEntries(messages('abcd').map(message => [message.id, message]));
			const pushed$ = cold('     (abc) 30ms d 20ms |', byId);
			// A 0-10, then b and c wait in line: b 10-20, c 20-30; d comes at 35 to a free sender: 35-45.
			const expected = '         10ms a 9ms b 9ms c 14ms d 10ms |';
			expectObservable(ids(senderPool(pushed$, {senders, scheduler: testScheduler, random}))).toBe(expected);
		});
	});

	it('takes a message pushed back while a result goes out, with one wake-up at a time', () => {
		const scheduler = new SimulationScheduler('max');
		// Two senders, one message at a time: when a result goes out the other sender is free and
		// takes the pushed message at once, scheduling a wake-up from inside the pool's own.
		const {senders, random} = fixedSenders([{count: 2, meanMs: 10}]);
		const pushed$ = new Subject<Message>();
		const list = messages('abcde');
		const ends: Array<[string, number]> = [];
		let idleAfterUnsubscribe: boolean | undefined;
		const subscription = senderPool(pushed$, {senders, scheduler, random}).subscribe(result => {
			ends.push([result.id, result.endMs]);
			pushed$.next(list[ends.length]); // Re-entrant: the pool is still handing out results.
			if (ends.length === 4) {
				subscription.unsubscribe();
				idleAfterUnsubscribe = scheduler.idle; // No stray wake-up may be left behind.
			}
		});
		pushed$.next(list[0]);
		scheduler.flush();
		expect(ends).toEqual([['a', 10], ['b', 20], ['c', 30], ['d', 40]]);
		expect(idleAfterUnsubscribe).toBe(true);
	});

	it('clears its wake-up on the heap scheduler when unsubscribed, leaving nothing to run', () => {
		const scheduler = new SimulationScheduler('max');
		const {senders, random} = fixedSenders([{count: 3, meanMs: 10}]);
		const subscription = senderPool(messages('abcdef'), {senders, scheduler, random}).subscribe();
		expect(scheduler.idle).toBe(false);
		subscription.unsubscribe();
		expect(scheduler.idle).toBe(true);
	});
});
