import {
	from, map, mergeMap, type Observable,
} from 'rxjs';
import {describe, expect, it} from 'vitest';
import {monitor, monitorStats, type MonitorOptions} from '../source/engine/monitor.js';
import type {Snapshot} from '../source/engine/snapshot.js';
import {addResult, emptyStats, type Stats} from '../source/engine/stats.js';
import type {SendResult} from '../source/model/senders.js';
import {createTestScheduler} from './helpers.js';

/*
 * The monitor's options, one concern each: what a broker monitor (`monitorStats`), a dashboard
 * (`liveMs`), a worker (`origin`) or a run with arrivals (`detectWarmup`) asks of it.
 */

let nextId = 0;

/** A sent result of sender a-1 that took 1 ms, changed by `overrides`. */
function result(overrides: Partial<SendResult> = {}, arrivalMs?: number): SendResult {
	const id = `m${nextId++}`;
	return {
		type: 'result', id, message: {
			id, to: '+12025550123', body: 'x', ...(arrivalMs === undefined ? {} : {arrivalMs}),
		}, senderId: 'a-1', group: 'a', status: 'sent', startMs: 0, endMs: 1, durationMs: 1, ...overrides,
	};
}

/** Stats of `count` results. */
function statsOf(count: number): Stats {
	const stats = emptyStats();
	for (let index = 0; index < count; index++) {
		addResult(stats, result());
	}

	return stats;
}

const isSnapshot = (event: SendResult | Snapshot): event is Snapshot => event.type !== 'result';

/** Every snapshot `events$` gives, run to its end on a test scheduler. */
function snapshotsOf(make: (scheduler: ReturnType<typeof createTestScheduler>) => Observable<SendResult | Snapshot>): Snapshot[] {
	const scheduler = createTestScheduler();
	const snapshots: Snapshot[] = [];
	scheduler.run(() => {
		make(scheduler).subscribe(event => {
			if (isSnapshot(event)) {
				snapshots.push(event);
			}
		});
		scheduler.flush();
	});
	return snapshots;
}

describe('monitor: its options', () => {
	it.each([0, -1, Number.POSITIVE_INFINITY, Number.NaN])('refuses an interval of %s ms', intervalMs => {
		const scheduler = createTestScheduler();
		expect(() => monitor({
			scheduler, intervalMs, total: 0, groups: [],
		})).toThrow(new RangeError(`intervalMs must be a finite number > 0, got ${intervalMs}`));
	});

	it('counts none in flight when told of no gauge', () => {
		const [first] = snapshotsOf(scheduler => scheduler.createColdObservable<SendResult>('15ms |').pipe(monitor({
			scheduler, intervalMs: 10, total: 1, groups: [],
		})));
		expect(first).toMatchObject({type: 'progress', inFlight: 0, pending: 1});
	});

	it('measures elapsed time from the origin it is given', () => {
		const snapshots = snapshotsOf(scheduler => scheduler.createColdObservable<SendResult>('25ms |').pipe(monitor({
			scheduler, intervalMs: 10, total: 0, groups: [], origin: -5,
		})));
		expect(snapshots.map(snapshot => [snapshot.type, snapshot.elapsedMs])).toEqual([['progress', 15], ['progress', 25], ['final', 30]]);
	});

	it('watches the waits for a start-up transient only when asked, and says so on the final snapshot', () => {
		// Waits falling from 100 ms to 0 over the first 100 of 1,000 messages.
		const results = Array.from({length: 1000}, (_, index) => {
			const wait = Math.max(0, 100 - index);
			return result({startMs: index + wait, endMs: index + wait + 1}, index);
		});
		const finalWith = (detectWarmup: boolean) => snapshotsOf(scheduler => from(results).pipe(monitor({
			scheduler, intervalMs: 10, total: 1000, groups: [], detectWarmup,
		}))).at(-1)!;
		expect(finalWith(true).warmup).toMatchObject({of: 1000, settled: true});
		expect(finalWith(false)).not.toHaveProperty('warmup');
	});

	it('glances live every liveMs without moving the interval throughput, which counts from the last progress snapshot', () => {
		const snapshots = snapshotsOf(scheduler => {
			// 5 results at 2 ms, 20 at 12 ms, 10 at 22 ms; ends at 25.
			const batches = scheduler.createColdObservable('2ms a 9ms b 9ms c 2ms |', {a: 5, b: 20, c: 10});
			return batches.pipe(mergeMap(count => from(Array.from({length: count}, () => result()))), monitor({
				scheduler, intervalMs: 10, total: 35, groups: [], liveMs: 4, emitResults: false,
			}));
		});
		const progress = snapshots.filter(snapshot => snapshot.type === 'progress');
		const live = snapshots.filter(snapshot => snapshot.type === 'live');
		expect(live.length).toBeGreaterThanOrEqual(5);
		// Processed 5 by 10 ms and 25 by 20 ms: 20 in the second interval, whatever glances came between.
		expect(progress.map(snapshot => [snapshot.elapsedMs, snapshot.processed, snapshot.intervalThroughputPerSec])).toEqual([[10, 5, 500], [20, 25, 2000]]);
		// A glance shows the last whole interval's rate.
		const glance = live.find(snapshot => snapshot.elapsedMs > 10 && snapshot.elapsedMs < 20)!;
		expect(glance.intervalThroughputPerSec).toBe(500);
	});

	it('gives no live glances without liveMs', () => {
		const snapshots = snapshotsOf(scheduler => scheduler.createColdObservable<SendResult>('25ms |').pipe(monitor({
			scheduler, intervalMs: 10, total: 0, groups: [],
		})));
		expect(snapshots.map(snapshot => snapshot.type)).toEqual(['progress', 'progress', 'final']);
	});

	it('shows onSample each snapshot with the stats it was taken from', () => {
		const seen: Array<[number, string]> = [];
		snapshotsOf(scheduler => scheduler.createColdObservable<SendResult>('5ms r 9ms r |', {r: result()}).pipe(monitor({
			scheduler,
			intervalMs: 10,
			total: 2,
			groups: [],
			onSample(stats, snapshot) {
				seen.push([stats.sent, snapshot.type]);
			},
		})));
		expect(seen).toEqual([[1, 'progress'], [2, 'final']]);
	});
});

describe('monitorStats: sampling stats folded elsewhere', () => {
	const options = (scheduler: MonitorOptions['scheduler']): MonitorOptions => ({
		scheduler, intervalMs: 10, total: 60, groups: [],
	});

	it('takes a progress snapshot of the latest stats every interval and a final one when they complete', () => {
		const snapshots = snapshotsOf(scheduler => scheduler.createColdObservable('5ms a 9ms b 9ms c 2ms |', {a: statsOf(10), b: statsOf(40), c: statsOf(60)}).pipe(monitorStats(options(scheduler))));
		expect(snapshots.map(snapshot => [snapshot.type, snapshot.elapsedMs, snapshot.processed])).toEqual([['progress', 10, 10], ['progress', 20, 40], ['final', 28, 60]]);
	});

	it('lists the priorities it is told of before any stats come', () => {
		const [first] = snapshotsOf(scheduler => scheduler.createColdObservable<Stats>('15ms |').pipe(monitorStats({...options(scheduler), priorities: ['high', 'low']})));
		expect(first.priorities!.map(priority => [priority.name, priority.count])).toEqual([['high', 0], ['low', 0]]);
	});

	it('with elapsed time from the results, takes the final throughput over the whole run, not since the last tick', () => {
		const snapshots = snapshotsOf(scheduler => scheduler.createColdObservable('5ms a 9ms b 9ms c 2ms |', {a: statsOf(10), b: statsOf(40), c: statsOf(60)}).pipe(monitorStats({
			...options(scheduler), elapsedMs: () => scheduler.now(),
		})));
		expect(snapshots.map(snapshot => [snapshot.type, snapshot.elapsedMs, snapshot.intervalThroughputPerSec])).toEqual([
			['progress', 10, 1000],
			// 30 more in 10 ms.
			['progress', 20, 3000],
			// 60 in 28 ms, where the last interval would give 20 in 8 ms (2,500 a second).
			['final', 28, 60_000 / 28],
		]);
	});

	it('stops with an interrupted final snapshot when told to', () => {
		const snapshots = snapshotsOf(scheduler => scheduler.createColdObservable('5ms a 20ms |', {a: statsOf(10)}).pipe(monitorStats({...options(scheduler), stop: scheduler.createColdObservable('12ms s')})));
		expect(snapshots.map(snapshot => [snapshot.type, snapshot.processed, snapshot.interrupted])).toEqual([['progress', 10, false], ['final', 10, true]]);
	});
});

describe('monitor: a final snapshot of a broker monitor', () => {
	it('carries the run\'s seeds, and no live workers', () => {
		const snapshots = snapshotsOf(scheduler => scheduler.createColdObservable<SendResult>('15ms |').pipe(monitor({
			scheduler, intervalMs: 10, total: 0, groups: [], seeds: () => [4, 7], workers: () => ({live: 2, senders: 10, inFlight: 3}),
		}), map(event => event)));
		expect(snapshots[0]).toMatchObject({workers: {live: 2, senders: 10}, inFlight: 3});
		expect(snapshots[0]).not.toHaveProperty('seeds');
		expect(snapshots.at(-1)).toMatchObject({type: 'final', seeds: [4, 7], inFlight: 0});
		expect(snapshots.at(-1)).not.toHaveProperty('workers');
	});
});
