/** A pulled source whose next message may still be on its way: the clock holds until it comes. */
import {asyncScheduler} from 'rxjs';
import {describe, expect, it} from 'vitest';
import {holdUntilReady, isPending, type PendingSource} from '../source/engine/pending-source.js';
import {SimulationScheduler} from '../source/engine/scheduler.js';

/** A pending source whose readiness the test gives by hand. */
function pendingSource(): PendingSource & {ready: () => void} {
	const waiting: Array<() => void> = [];
	return {
		* [Symbol.iterator]() {
			// No message: the tests only wait on it.
		},
		whenReady(callback) {
			waiting.push(callback);
		},
		ready() {
			for (const callback of waiting.splice(0)) {
				callback();
			}
		},
	};
}

describe('isPending', () => {
	it('knows a pending source by its whenReady, and nothing else for one', () => {
		expect(isPending(pendingSource())).toBe(true);
		expect(isPending([1, 2])).toBe(false);
		expect(isPending(undefined)).toBe(false);
		expect(isPending({whenReady: 'soon'})).toBe(false);
	});
});

describe('holdUntilReady', () => {
	it('holds the simulated clock until the source is ready, then lets it go and calls on', () => {
		const scheduler = new SimulationScheduler('max');
		const source = pendingSource();
		let ran = false;
		let called = false;
		holdUntilReady(scheduler, source, () => false, () => {
			called = true;
		});
		scheduler.schedule(() => {
			ran = true;
		}, 5);
		scheduler.flush();
		expect(ran).toBe(false); // Held: nothing runs.
		source.ready();
		expect(called).toBe(true);
		scheduler.flush();
		expect(ran).toBe(true);
	});

	it('calls nothing once the run has ended, but still lets the clock go', () => {
		const scheduler = new SimulationScheduler('max');
		const source = pendingSource();
		let called = false;
		let ran = false;
		holdUntilReady(scheduler, source, () => true, () => {
			called = true;
		});
		source.ready();
		scheduler.schedule(() => {
			ran = true;
		}, 1);
		scheduler.flush();
		expect(called).toBe(false);
		expect(ran).toBe(true);
	});

	it('waits on another scheduler too, holding nothing', () => {
		const source = pendingSource();
		let called = false;
		holdUntilReady(asyncScheduler, source, () => false, () => {
			called = true;
		});
		source.ready();
		expect(called).toBe(true);
	});
});
