import {map} from 'rxjs';
import {describe, expect, it} from 'vitest';
import {monitor} from '../source/engine/monitor.js';
import {senderPool, createPoolGauge} from '../source/engine/pool.js';
import {SimulationScheduler} from '../source/engine/scheduler.js';
import type {SendResult} from '../source/model/senders.js';
import type {Snapshot} from '../source/engine/snapshot.js';
import {createTestScheduler, fixedSenders, messages} from './helpers.js';

/** `r` for a result, `p3` / `f5` for a progress / final snapshot with its processed count. */
const label = (event: SendResult | Snapshot): string => event.type === 'result' ? 'r' : `${event.type[0]}${event.processed}`;

describe('monitor', () => {
	it('emits a snapshot every interval and always a final one at completion', () => {
		const testScheduler = createTestScheduler();
		testScheduler.run(({expectObservable}) => {
			const {senders, random, groups} = fixedSenders([{count: 1, meanMs: 4}]);
			const results$ = senderPool(messages('abcdef'), {senders, scheduler: testScheduler, random});
			const events$ = results$.pipe(monitor({
				scheduler: testScheduler, intervalMs: 10, total: 6, groups,
			}), map(label));
			// Results at 4, 8, ..., 24; ticks at 10 and 20. At 20 the tick (queued at 10) comes before
			// the result (queued at 16): equal times run first come, first served.
			const expected = '4ms r 3ms r 1ms x 1ms r 3ms r 3ms (yr)(rz|)';
			expectObservable(events$).toBe(expected, {
				r: 'r', x: 'p2', y: 'p4', z: 'f6',
			});
		});
	});

	it('ends with an interrupted final snapshot when told to stop, and cancels what was in flight', () => {
		const testScheduler = createTestScheduler();
		testScheduler.run(({cold, expectObservable}) => {
			const {senders, random, groups} = fixedSenders([{count: 2, meanMs: 10}]);
			const gauge = createPoolGauge();
			const results$ = senderPool(messages('abcdef'), {
				senders, scheduler: testScheduler, random, gauge,
			});
			const events$ = results$.pipe(monitor({
				scheduler: testScheduler, intervalMs: 100, total: 6, groups, inFlight: () => gauge.inFlight, stop: cold('15ms s'),
			}));
			expectObservable(events$.pipe(map(event => event.type === 'final' ? `${event.processed} ${event.inFlight} ${event.interrupted}` : event.type))).toBe(
				'10ms (rr) 1ms (f|)',
				{r: 'result', f: '2 0 true'},
			);
		});
	});

	it('gives elapsed time on the simulation clock and the in-flight count from the gauge', () => {
		const testScheduler = createTestScheduler();
		testScheduler.run(() => {
			const {senders, random, groups} = fixedSenders([{count: 3, meanMs: 7}]);
			const gauge = createPoolGauge();
			const results$ = senderPool(messages('abcdefgh'), {
				senders, scheduler: testScheduler, random, gauge,
			});
			const snapshots: Snapshot[] = [];
			results$.pipe(monitor({
				scheduler: testScheduler, intervalMs: 5, total: 8, groups, inFlight: () => gauge.inFlight,
			})).subscribe(event => {
				if (event.type !== 'result') {
					snapshots.push(event);
				}
			});
			testScheduler.flush();
			expect(snapshots.map(s => [s.type, s.elapsedMs, s.processed, s.inFlight, s.pending])).toEqual([
				['progress', 5, 0, 3, 5],
				['progress', 10, 3, 3, 2],
				['progress', 15, 6, 2, 0],
				['progress', 20, 6, 2, 0],
				['final', 21, 8, 0, 0],
			]);
			for (const snapshot of snapshots) {
				expect(snapshot.sent + snapshot.failed).toBe(snapshot.processed);
			}
		});
	});

	it('on the simulation clock, a tick counts every send that ended at its instant; a run ending on a tick gives its final there', () => {
		const scheduler = new SimulationScheduler('max');
		const {senders, random, groups} = fixedSenders([{count: 1, meanMs: 4}]);
		const seen: string[] = [];
		senderPool(messages('abcdef'), {senders, scheduler, random})
			.pipe(monitor({
				scheduler, intervalMs: 8, total: 6, groups,
			}))
			.subscribe(event => seen.push(event.type === 'result' ? `r@${scheduler.now()}` : `${label(event)}@${event.elapsedMs}`));
		scheduler.flush();
		// Results at 4, 8, ..., 24; ticks at 8 and 16 come after the results of their instant.
		expect(seen).toEqual(['r@4', 'r@8', 'p2@8', 'r@12', 'r@16', 'p4@16', 'r@20', 'r@24', 'f6@24']);
	});
});
