import fc from 'fast-check';
import {interval, take} from 'rxjs';
import {
	afterEach, describe, expect, it, vi,
} from 'vitest';
import {StableMinHeap} from '../source/engine/heap.js';
import {SimulationScheduler, lastAtInstant} from '../source/engine/scheduler.js';

describe('StableMinHeap', () => {
	it('pops in key order, equal keys in the order they were pushed', () => {
		fc.assert(fc.property(fc.array(fc.integer({min: 0, max: 20})), keys => {
			const heap = new StableMinHeap<number>();
			for (const [index, key] of keys.entries()) {
				heap.push(key, index);
			}

			const popped: number[] = [];
			while (heap.size > 0) {
				popped.push(heap.pop()!);
			}

			const expected = keys.map((key, index) => ({key, index})).toSorted((a, b) => a.key - b.key || a.index - b.index).map(entry => entry.index);
			expect(popped).toEqual(expected);
		}));
	});
});

describe('SimulationScheduler at max speed', () => {
	it('runs actions by due time, equal times first come first served, with the clock at each due time', () => {
		const scheduler = new SimulationScheduler('max');
		const seen: string[] = [];
		const log = (name: string) => () => seen.push(`${name}@${scheduler.now()}`);
		scheduler.schedule(log('c'), 30);
		scheduler.schedule(log('a'), 10);
		scheduler.schedule(log('b1'), 20);
		scheduler.schedule(log('b2'), 20);
		scheduler.flush();
		expect(seen).toEqual(['a@10', 'b1@20', 'b2@20', 'c@30']);
	});

	it('keeps time in whole microseconds, so sums of float delays tie exactly', () => {
		const scheduler = new SimulationScheduler('max');
		const seen: string[] = [];
		// 0.1 + 0.2 !== 0.3 in floats; on this clock the two paths meet at one instant.
		scheduler.schedule(() => {
			seen.push(`first@${scheduler.now()}`);
			scheduler.schedule(() => seen.push(`chained@${scheduler.now()}`), 0.2);
		}, 0.1);
		scheduler.schedule(() => seen.push(`direct@${scheduler.now()}`), 0.3);
		scheduler.flush();
		expect(seen).toEqual(['first@0.1', 'direct@0.3', 'chained@0.3']);
	});

	it('runs the last-at-instant lane after every other action of its instant, whenever scheduled', () => {
		const scheduler = new SimulationScheduler('max');
		const seen: string[] = [];
		lastAtInstant(scheduler).schedule(() => seen.push(`tick@${scheduler.now()}`), 10);
		scheduler.schedule(() => {
			seen.push('event@10');
			scheduler.schedule(() => seen.push('same-instant event@10'), 0); // Scheduled after the tick, runs before it.
		}, 10);
		scheduler.schedule(() => seen.push('event@11'), 11);
		scheduler.flush();
		expect(seen).toEqual(['event@10', 'same-instant event@10', 'tick@10', 'event@11']);
		expect(lastAtInstant(scheduler).now()).toBe(11);
	});

	it('drives rxjs operators such as interval, and does not run cancelled actions', () => {
		const scheduler = new SimulationScheduler('max');
		const ticks: number[] = [];
		interval(250, scheduler).pipe(take(3)).subscribe(() => ticks.push(scheduler.now()));
		const cancelled = vi.fn();
		scheduler.schedule(cancelled, 100).unsubscribe();
		scheduler.flush();
		expect(ticks).toEqual([250, 500, 750]);
		expect(cancelled).not.toHaveBeenCalled();
		expect(scheduler.idle).toBe(true);
	});

	it('runs by itself in slices, yielding to the event loop between them', async () => {
		const scheduler = new SimulationScheduler('max');
		let count = 0;
		const target = 3_000_000;
		scheduler.schedule(function () {
			if (++count < target) {
				this.schedule(undefined, 1);
			}
		});
		// One turn of the event loop later the work has started but not finished: it yields.
		await new Promise(resolve => {
			setImmediate(resolve);
		});
		expect(count).toBeGreaterThan(0);
		expect(count).toBeLessThan(target);
		while (!scheduler.idle) {
			await new Promise(resolve => {
				setImmediate(resolve);
			});
		}

		expect(count).toBe(target);
		expect(scheduler.now()).toBe(target - 1);
	});

	/** Turns of the event loop until the scheduler has nothing it may run. */
	const settle = async () => {
		for (let turn = 0; turn < 20; turn++) {
			await new Promise(resolve => {
				setImmediate(resolve);
			});
		}
	};

	it('runs up to a horizon and no further, says its frontier, and goes on when the horizon moves', async () => {
		const scheduler = new SimulationScheduler('max');
		const seen: number[] = [];
		let sliceEnds = 0;
		scheduler.holdAfter(25);
		scheduler.whenSliceEnds(() => sliceEnds++);
		scheduler.schedule(function () {
			seen.push(scheduler.now());
			if (scheduler.now() < 100) {
				this.schedule(undefined, 10); // A chain of sends, each 10 ms: the pool skips the queue with advanceBy, held too.
			}
		});
		await settle();
		expect(seen).toEqual([0, 10, 20]);
		expect(scheduler.frontier).toBe(30);
		expect(sliceEnds).toBeGreaterThan(0);
		scheduler.holdAfter(30);
		await settle();
		expect(seen).toEqual([0, 10, 20, 30]);
		scheduler.holdAfter(Number.POSITIVE_INFINITY);
		await settle();
		expect(seen.at(-1)).toBe(100);
		expect(scheduler.frontier).toBe(100); // Idle: new work would start now.
	});

	it('does not skip past its horizon with advanceBy', () => {
		const scheduler = new SimulationScheduler('max');
		scheduler.holdAfter(15);
		const advanced: boolean[] = [];
		scheduler.schedule(() => {
			advanced.push(scheduler.advanceBy(10), scheduler.advanceBy(10));
		});
		scheduler.flush();
		expect(advanced).toEqual([true, false]);
		expect(scheduler.now()).toBe(10);
	});

	it('keeps the clock where it is while held, actions of this instant still run, and goes on when released', async () => {
		const scheduler = new SimulationScheduler('max');
		let waitingForWork = false;
		scheduler.holdWhile(() => waitingForWork);
		const seen: number[] = [];
		scheduler.schedule(() => {
			seen.push(scheduler.now());
			waitingForWork = true; // Its senders are free and the next batch is on its way.
			scheduler.schedule(() => seen.push(scheduler.now()), 0); // Same instant: runs.
			scheduler.schedule(() => seen.push(scheduler.now()), 5); // Later: waits.
			expect(scheduler.advanceBy(1)).toBe(false);
		}, 10);
		await settle();
		expect(seen).toEqual([10, 10]);
		expect(scheduler.frontier).toBe(15);
		waitingForWork = false;
		scheduler.release();
		await settle();
		expect(seen).toEqual([10, 10, 15]);
	});

	it('catches up an idle clock, never back and never past an action waiting', () => {
		const scheduler = new SimulationScheduler('max');
		scheduler.catchUp(50);
		expect(scheduler.now()).toBe(50);
		scheduler.catchUp(20);
		expect(scheduler.now()).toBe(50);
		scheduler.schedule(() => undefined, 10); // Due at 60.
		scheduler.catchUp(80);
		expect(scheduler.now()).toBe(50);
		scheduler.flush();
		scheduler.catchUp(80);
		expect(scheduler.now()).toBe(80);
	});
});

describe('SimulationScheduler paced against the wall clock', () => {
	afterEach(() => {
		vi.useRealTimers();
	});

	const fakeClock = () => vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'performance']});

	it('runs an action when its time comes in real time, and k times sooner at speed k', () => {
		fakeClock();
		for (const speed of [1, 10]) {
			const scheduler = new SimulationScheduler(speed);
			const ran = vi.fn();
			scheduler.schedule(ran, 1000);
			vi.advanceTimersByTime(1000 / speed - 1);
			expect(ran).not.toHaveBeenCalled();
			vi.advanceTimersByTime(1);
			expect(ran).toHaveBeenCalledTimes(1);
		}
	});

	it('keeps one timer for many actions and reports simulated times, not late ones', () => {
		fakeClock();
		const scheduler = new SimulationScheduler(1);
		const times: number[] = [];
		for (let i = 1; i <= 1000; i++) {
			scheduler.schedule(() => times.push(scheduler.now()), i * 0.5);
		}

		expect(vi.getTimerCount()).toBe(1);
		vi.advanceTimersByTime(600);
		expect(times).toEqual(Array.from({length: 1000}, (_, i) => (i + 1) * 0.5));
	});

	it('clears its timer when every action is cancelled, so nothing holds the process open', () => {
		fakeClock();
		const scheduler = new SimulationScheduler(1);
		const a = scheduler.schedule(() => undefined, 500);
		const b = scheduler.schedule(() => undefined, 900);
		expect(vi.getTimerCount()).toBe(1);
		a.unsubscribe();
		b.unsubscribe();
		expect(vi.getTimerCount()).toBe(0);
	});

	it('holds now() still for a synchronous turn, so times taken together agree', async () => {
		fakeClock();
		const scheduler = new SimulationScheduler(1);
		vi.advanceTimersByTime(10);
		const first = scheduler.now();
		vi.advanceTimersByTime(5); // The wall clock moves on within the same turn...
		expect(scheduler.now()).toBe(first);
		await Promise.resolve(); // ...and is read again on the next one.
		expect(scheduler.now()).toBe(first + 5);
	});

	it('rejects a speed that is not positive', () => {
		expect(() => new SimulationScheduler(0)).toThrow(/speed/);
		expect(() => new SimulationScheduler(Number.NaN)).toThrow(/speed/);
	});
});
