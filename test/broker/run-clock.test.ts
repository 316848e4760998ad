import {describe, expect, it} from 'vitest';
import {
	CLOCK_SILENT_MS, FALLBACK_WINDOW_MS, SharedClock, defaultWindowMs, type ClockRecord,
} from '../../source/broker/run-clock.js';

const record = (worker: string, frontier: number | null, windowMs = 10): ClockRecord => ({
	type: 'clock', run: 'r', epoch: 'e', worker, frontier, windowMs,
});

/** A clock for worker `me`, on a wall clock the test moves. */
function sharedClock(windowMs = 10) {
	let now = 0;
	const clock = new SharedClock({worker: 'me', windowMs, now: () => now});
	return {
		clock, advance(ms: number) {
			now += ms;
		},
	};
}

describe('SharedClock', () => {
	it('lets a worker alone run freely, and then no further than the slowest other plus the window', () => {
		const {clock} = sharedClock();
		expect(clock.horizon).toBe(Number.POSITIVE_INFINITY);
		clock.take(record('a', 500));
		clock.take(record('b', 120));
		clock.take(record('me', 0)); // Its own record, read back: not another worker.
		expect(clock.slowest).toBe(120);
		expect(clock.horizon).toBe(130);
		clock.take(record('b', 700)); // Only the latest of each worker counts.
		expect(clock.horizon).toBe(510);
	});

	it('holds every clock while a worker joins, and catches up to none that has not said where it stands', () => {
		const {clock, advance} = sharedClock();
		clock.take(record('a', 400));
		clock.take({...record('b', null), joining: true});
		expect(clock.horizon).toBe(Number.NEGATIVE_INFINITY);
		expect(clock.slowest).toBe(400); // What a joiner itself catches up to: the others that stand somewhere.
		clock.take(record('b', 400));
		expect(clock.horizon).toBe(410);
		// A joiner that dies while joining holds nobody for long.
		clock.take({...record('c', null), joining: true});
		advance(CLOCK_SILENT_MS + 1);
		clock.take(record('a', 500));
		clock.take(record('b', 500));
		expect(clock.horizon).toBe(510);
	});

	it('takes the run\'s window as the smallest of its workers\'', () => {
		const {clock} = sharedClock(10);
		clock.take(record('a', 100, 2));
		expect(clock.windowMs).toBe(2);
		expect(clock.horizon).toBe(102);
	});

	it('holds nobody back for a worker that left or went silent (killed)', () => {
		const {clock, advance} = sharedClock();
		clock.take(record('a', 100));
		clock.take(record('b', 300));
		clock.take(record('a', null));
		expect(clock.horizon).toBe(310);
		advance(CLOCK_SILENT_MS);
		expect(clock.horizon).toBe(310);
		advance(1);
		expect(clock.horizon).toBe(Number.POSITIVE_INFINITY);
	});

	it('makes the window a tenth of the shortest mean send time, and 1 ms when every mean is 0', () => {
		expect(defaultWindowMs([200, 1000])).toBe(20);
		expect(defaultWindowMs([0, 50])).toBe(5);
		expect(defaultWindowMs([0])).toBe(FALLBACK_WINDOW_MS);
	});
});
