/**
 * The examples of docs/marble-testing.md, run: each `// Example:` block below is quoted there,
 * word for word (the last test checks that), so the guide cannot drift from what works.
 */
import {readFileSync} from 'node:fs';
import {
	filter, from, map, type Observable,
} from 'rxjs';
import {TestScheduler} from 'rxjs/testing';
import {describe, expect, it} from 'vitest';
import {
	createRandom, createSenders, monitor, resolveGroups, runToCompletion, senderPool, simulate, SimulationScheduler, type Message, type SimulationEvent,
} from '../source/index.js';

describe('the marble-testing guide', () => {
	it('a custom operator on simulate\'s events', () => {
		// Example: a custom operator
		const failuresOnly = () => (events$: Observable<SimulationEvent>) => events$.pipe(
			filter(event => event.type === 'result' && event.status === 'failed'),
			map(event => (event.type === 'result' ? event.id : '')),
		);

		const testScheduler = new TestScheduler((actual, expected) => {
			expect(actual).toEqual(expected);
		});
		testScheduler.run(({expectObservable}) => {
			// Two senders, 10 ms each, every send failing: messages 1 and 2 at 10 ms, 3 and 4 at 20 ms.
			const events$ = simulate({
				messages: 4, seed: 1, intervalMs: 1000, groups: [{
					count: 2, meanMs: 10, distribution: 'fixed', failureRate: 1,
				}],
			}, {scheduler: testScheduler});
			expectObservable(events$.pipe(failuresOnly())).toBe('10ms (ab) 6ms (cd|)', {
				a: '1', b: '2', c: '3', d: '4',
			});
		});
		// End of example
	});

	it('senderPool over a cold source with a few senders', () => {
		const testScheduler = new TestScheduler((actual, expected) => {
			expect(actual).toEqual(expected);
		});
		// Example: senderPool over a cold source
		const message = (id: string): Message => ({id, to: '+12025550123', body: 'hi'});
		testScheduler.run(({cold, expectObservable}) => {
			const random = createRandom(1);
			const senders = createSenders(resolveGroups([{
				count: 2, meanMs: 10, distribution: 'fixed', failureRate: 0,
			}]), random);
			// A and b come at once, c at 5 ms: two senders take a and b; c waits for one to free at 10 ms.
			const source = cold('(ab) 1ms c|', {a: message('a'), b: message('b'), c: message('c')});
			const results$ = senderPool(source, {senders, scheduler: testScheduler, random});
			expectObservable(results$.pipe(map(result => result.id))).toBe('10ms (ab) 6ms (c|)');
		});
		// End of example
	});

	it('the monitor\'s sampling and its final snapshot', () => {
		const testScheduler = new TestScheduler((actual, expected) => {
			expect(actual).toEqual(expected);
		});
		const message = (id: string): Message => ({id, to: '+12025550123', body: 'hi'});
		// Example: the monitor's sampling
		testScheduler.run(({expectObservable}) => {
			const random = createRandom(1);
			const groups = resolveGroups([{
				count: 1, meanMs: 10, distribution: 'fixed', failureRate: 0,
			}]);
			const results$ = senderPool(from(['a', 'b', 'c'].map(id => message(id))), {senders: createSenders(groups, random), scheduler: testScheduler, random});
			const snapshots$ = results$.pipe(
				monitor({
					scheduler: testScheduler, intervalMs: 12, total: 3, groups, emitResults: false,
				}),
				map(snapshot => ('processed' in snapshot ? `${snapshot.type} ${snapshot.processed}` : '')),
			);
			// One sender, 10 ms a send: a, b and c end at 10, 20 and 30 ms. A snapshot every 12 ms: at 12
			// one is counted, at 24 two; the final snapshot comes as the last send ends.
			expectObservable(snapshots$).toBe('12ms p 11ms q 5ms (f|)', {p: 'progress 1', q: 'progress 2', f: 'final 3'});
		});
		// End of example
	});

	it('a long run on SimulationScheduler, with flush()', () => {
		// Example: a long run
		const scheduler = new SimulationScheduler('max');
		const events: SimulationEvent[] = [];
		simulate({
			messages: 100_000, seed: 1, groups: [{count: 1000, meanMs: 100, distribution: 'fixed'}],
		}, {scheduler}).subscribe(event => {
			if (event.type !== 'result') {
				events.push(event);
			}
		});
		scheduler.flush(); // Runs every action, in time order, now: no timer, no wall time.
		const final = events.at(-1);
		// 100,000 messages, 1,000 senders of 100 ms: 100 rounds, 10 s of simulated time.
		expect(final).toMatchObject({type: 'final', processed: 100_000, elapsedMs: 10_000});
		expect(events.filter(event => event.type === 'progress')).toHaveLength(9); // At 1 s, 2 s, ... 9 s.
		// End of example
	});

	it('the same run as a promise: runToCompletion', async () => {
		// Example: runToCompletion
		const final = await runToCompletion({
			messages: 10_000, seed: 1, speed: 'max', groups: [{count: 100, meanMs: 100, distribution: 'fixed'}],
		});
		expect(final).toMatchObject({processed: 10_000, elapsedMs: 10_000});
		// End of example
	});

	it('quotes every example here in docs/marble-testing.md, word for word', () => {
		const guide = readFileSync(new URL('../docs/marble-testing.md', import.meta.url), 'utf8');
		const source = readFileSync(new URL(import.meta.url), 'utf8');
		const examples = [...source.matchAll(/\/\/ Example: (.+)\n([\s\S]*?)\n\s*\/\/ End of example/g)];
		expect(examples.length).toBeGreaterThanOrEqual(5);
		const flat = (text: string) => text.split('\n').map(line => line.trim()).filter(Boolean).join('\n');
		for (const [, name, code] of examples) {
			expect(flat(guide), name).toContain(flat(code));
		}
	});
});
