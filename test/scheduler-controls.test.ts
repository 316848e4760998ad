import {
	afterEach, describe, expect, it, vi,
} from 'vitest';
import {SimulationScheduler} from '../source/engine/scheduler.js';

/*
 * The scheduler's controls at `max` speed, which a distributed run's shared clock and a worker's
 * backpressure use: the horizon, holding and releasing, catching up, the frontier, pausing. Each
 * waits for the end of a slice of the scheduler's own loop (`whenSliceEnds`), never for time.
 */

/** Resolves when the scheduler's next slice of actions ends. */
async function sliceEnd(scheduler: SimulationScheduler): Promise<void> {
	return new Promise(resolve => {
		scheduler.whenSliceEnds(() => {
			scheduler.whenSliceEnds(undefined);
			resolve();
		});
	});
}

/** Schedules a marker at each of `times` (ms) and returns the list they are written to as they run. */
function markers(scheduler: SimulationScheduler, times: readonly number[]): number[] {
	const ran: number[] = [];
	for (const ms of times) {
		scheduler.schedule(() => {
			ran.push(scheduler.now());
		}, ms);
	}

	return ran;
}

describe('SimulationScheduler at max speed: its controls', () => {
	it('refuses a speed that is not positive, and a time past its clock\'s end', () => {
		expect(() => new SimulationScheduler(0)).toThrow(new RangeError('speed must be a positive number or \'max\', got 0'));
		expect(() => new SimulationScheduler(Number.NaN)).toThrow(RangeError);
		const scheduler = new SimulationScheduler('max');
		expect(() => scheduler.schedule(() => undefined, 2 ** 60)).toThrow(/the simulation clock cannot go past \d+ years of simulated time/);
	});

	it('runs nothing past its horizon until the horizon is raised', async () => {
		const scheduler = new SimulationScheduler('max');
		scheduler.holdAfter(10);
		const ran = markers(scheduler, [5, 15, 25]);
		await sliceEnd(scheduler);
		expect(ran).toEqual([5]);
		expect(scheduler.frontier).toBe(15);
		scheduler.holdAfter(20);
		await sliceEnd(scheduler);
		expect(ran).toEqual([5, 15]);
		scheduler.holdAfter(Number.POSITIVE_INFINITY);
		await sliceEnd(scheduler);
		expect(ran).toEqual([5, 15, 25]);
		expect(scheduler.idle).toBe(true);
	});

	it('lowering the horizon wakes nothing', async () => {
		const scheduler = new SimulationScheduler('max');
		scheduler.holdAfter(10);
		const ran = markers(scheduler, [5, 15]);
		await sliceEnd(scheduler);
		scheduler.holdAfter(8);
		expect(ran).toEqual([5]);
		expect(scheduler.idle).toBe(false);
		scheduler.holdAfter(15);
		await sliceEnd(scheduler);
		expect(ran).toEqual([5, 15]);
	});

	it('keeps its time while held, and goes on when released', async () => {
		const scheduler = new SimulationScheduler('max');
		let holding = true;
		scheduler.holdWhile(() => holding);
		const ran = markers(scheduler, [0, 7]);
		await sliceEnd(scheduler);
		// The action at the current instant runs; the clock does not move on to 7.
		expect(ran).toEqual([0]);
		expect(scheduler.now()).toBe(0);
		holding = false;
		scheduler.release();
		await sliceEnd(scheduler);
		expect(ran).toEqual([0, 7]);
	});

	it('moves an idle clock on to a later time, never back and never past a waiting action', () => {
		const scheduler = new SimulationScheduler('max');
		expect(scheduler.frontier).toBe(0);
		scheduler.catchUp(40);
		expect(scheduler.now()).toBe(40);
		scheduler.catchUp(10);
		expect(scheduler.now()).toBe(40);
		scheduler.catchUp(Number.POSITIVE_INFINITY);
		expect(scheduler.now()).toBe(40);
		markers(scheduler, [5]);
		expect(scheduler.frontier).toBe(45);
		scheduler.catchUp(50);
		expect(scheduler.now()).toBe(40);
		scheduler.catchUp(45);
		expect(scheduler.now()).toBe(45);
		scheduler.flush();
	});

	it('runs nothing while paused, and goes on when resumed', async () => {
		const scheduler = new SimulationScheduler('max');
		scheduler.pause();
		const ran = markers(scheduler, [1, 2]);
		scheduler.flush();
		expect(ran).toEqual([]);
		scheduler.resume();
		await sliceEnd(scheduler);
		expect(ran).toEqual([1, 2]);
	});

	it('forgets a cancelled action: idle again, with nothing left to run', () => {
		const scheduler = new SimulationScheduler('max');
		const subscription = scheduler.schedule(() => undefined, 5);
		expect(scheduler.idle).toBe(false);
		subscription.unsubscribe();
		expect(scheduler.idle).toBe(true);
		expect(scheduler.frontier).toBe(0);
	});

	it('reports no pacing lag at max speed, where nothing is paced', () => {
		const scheduler = new SimulationScheduler('max');
		markers(scheduler, [1, 2, 3]);
		scheduler.flush();
		expect(scheduler.pacingLag()).toEqual({events: 0, meanMs: 0, maxMs: 0});
	});

	it('a rescheduled action runs once, at its new time', () => {
		const scheduler = new SimulationScheduler('max');
		const ran: number[] = [];
		// The subscription is the action itself (as rxjs's are), which can be scheduled again.
		const action = scheduler.schedule(() => {
			ran.push(scheduler.now());
		}, 10) as unknown as {schedule: (state: undefined, delay: number) => void};
		// Rescheduling at the same time keeps one entry; at another, moves it.
		action.schedule(undefined, 10);
		action.schedule(undefined, 20);
		scheduler.flush();
		expect(ran).toEqual([20]);
	});
});

describe('SimulationScheduler at a paced speed, on a fake wall clock', () => {
	// Vitest's fake timers move performance.now() and fire setTimeout and setImmediate: the pacing is
	// driven here, not waited for.
	const fakeClock = () => vi.useFakeTimers({toFake: ['performance', 'setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate']});
	afterEach(() => {
		vi.useRealTimers();
	});

	it('runs an action when the wall clock reaches its time, at speed 1 and 10 times faster', () => {
		for (const [speed, wallMs] of [[1, 100], [10, 10]] as const) {
			fakeClock();
			const scheduler = new SimulationScheduler(speed);
			const ran = markers(scheduler, [100]);
			vi.advanceTimersByTime(wallMs - 1);
			expect(ran).toEqual([]);
			vi.advanceTimersByTime(1);
			expect(ran).toEqual([100]);
			expect(scheduler.pacingLag()).toMatchObject({events: 1, maxMs: 0});
			vi.useRealTimers();
		}
	});

	it('follows the wall clock between actions, scaled by its speed', () => {
		fakeClock();
		const scheduler = new SimulationScheduler(4);
		vi.advanceTimersByTime(25);
		expect(scheduler.now()).toBe(100);
	});

	it('counts the time it was held as pacing lag', () => {
		fakeClock();
		const scheduler = new SimulationScheduler(1);
		const ran = markers(scheduler, [10, 20]);
		scheduler.pause();
		vi.advanceTimersByTime(50);
		expect(ran).toEqual([]);
		scheduler.resume();
		vi.advanceTimersByTime(1);
		// Both ran at wall time 50 (and on): 40 ms and 30 ms late, in simulated ms at speed 1.
		expect(ran).toEqual([10, 20]);
		const lag = scheduler.pacingLag();
		expect(lag.events).toBe(2);
		expect(lag.maxMs).toBeGreaterThanOrEqual(40);
		expect(lag.meanMs).toBeGreaterThanOrEqual(35);
		expect(lag.meanMs).toBeLessThan(lag.maxMs);
	});

	it('runs an earlier action at its time when it comes after a later one, and the later one at its own', () => {
		for (const order of [[100, 30], [30, 100]]) {
			fakeClock();
			const scheduler = new SimulationScheduler(1);
			const ran = markers(scheduler, order);
			vi.advanceTimersByTime(29);
			expect(ran).toEqual([]);
			vi.advanceTimersByTime(1);
			expect(ran).toEqual([30]);
			vi.advanceTimersByTime(69);
			expect(ran).toEqual([30]);
			vi.advanceTimersByTime(1);
			expect(ran).toEqual([30, 100]);
			vi.useRealTimers();
		}
	});

	it('runs an action 30 days off (past the longest setTimeout) at its time, not before', () => {
		fakeClock();
		const scheduler = new SimulationScheduler(1);
		const thirtyDaysMs = 30 * 24 * 3600 * 1000;
		const ran = markers(scheduler, [thirtyDaysMs]);
		vi.advanceTimersByTime(1000);
		expect(ran).toEqual([]);
		vi.advanceTimersByTime(thirtyDaysMs - 1000);
		expect(ran).toEqual([thirtyDaysMs]);
	});

	it('ignores the max-speed controls', () => {
		fakeClock();
		const scheduler = new SimulationScheduler(1);
		scheduler.holdAfter(5);
		scheduler.catchUp(1000);
		const ran = markers(scheduler, [10]);
		vi.advanceTimersByTime(10);
		expect(ran).toEqual([10]);
	});
});
