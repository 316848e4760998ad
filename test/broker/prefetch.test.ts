import {describe, expect, it} from 'vitest';
import {MAX_WORKER_RATE, PREFETCH_BYTES, prefetchBatches} from '../../source/broker/prefetch.js';
import {resolveGroups} from '../../source/senders.js';

const batch = {messages: 500, bytes: 500_000};

describe('prefetchBatches', () => {
	it('takes three rounds of the worker\'s senders next to its broker', () => {
		expect(prefetchBatches({
			groups: resolveGroups([{count: 1000, meanMs: 0}]), speed: 'max', batch, roundTripMs: 0.3,
		})).toBe(6);
		expect(prefetchBatches({
			groups: resolveGroups([{count: 10, meanMs: 100}]), speed: 1, batch, roundTripMs: 0.3,
		})).toBe(2);
	});

	it('adds what its senders finish in two round trips when the broker is far', () => {
		// 20 ms round trips at max speed: MAX_WORKER_RATE x 40 ms of messages, in batches of 500.
		expect(prefetchBatches({
			groups: resolveGroups([{count: 1000, meanMs: 0}]), speed: 'max', batch, roundTripMs: 20,
		})).toBe(6 + ((MAX_WORKER_RATE * 0.04) / 500));
		// At max speed, senders that take simulated time go at their simulated rate (one shared clock):
		// 1,000 of 200 ms finish 5,000 a second, 200 in 40 ms, no batch more.
		expect(prefetchBatches({
			groups: resolveGroups([{count: 1000, meanMs: 200}]), speed: 'max', batch, roundTripMs: 20,
		})).toBe(6);
		// Paced: 5,000 senders of 100 ms finish 50,000 a second, 2,000 in 40 ms: 4 batches more.
		expect(prefetchBatches({
			groups: resolveGroups([{count: 5000, meanMs: 100}]), speed: 1, batch, roundTripMs: 20,
		})).toBe(30 + 4);
		// Twice the speed, twice as many.
		expect(prefetchBatches({
			groups: resolveGroups([{count: 5000, meanMs: 100}]), speed: 2, batch, roundTripMs: 20,
		})).toBe(30 + 8);
	});

	it('never holds more than its bytes allow, and always one', () => {
		const huge = {messages: 500, bytes: PREFETCH_BYTES / 4};
		expect(prefetchBatches({
			groups: resolveGroups([{count: 1000, meanMs: 0}]), speed: 'max', batch: huge, roundTripMs: 20,
		})).toBe(4);
		expect(prefetchBatches({
			groups: resolveGroups([{count: 1000, meanMs: 0}]), speed: 'max', batch: {messages: 500, bytes: PREFETCH_BYTES * 2}, roundTripMs: 20,
		})).toBe(1);
	});
});
