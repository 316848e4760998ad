import {describe, expect, it} from 'vitest';
import {MAX_PREFETCH, MAX_WORKER_RATE, prefetchBatches} from '../../source/broker/prefetch.js';
import {resolveGroups} from '../../source/model/senders.js';

const batch = {messages: 500};

describe('prefetchBatches', () => {
	it('takes three rounds of the worker\'s senders next to its broker', () => {
		expect(prefetchBatches({
			groups: resolveGroups([{count: 1000, meanMs: 200}]), speed: 'max', batch, roundTripMs: 0.3,
		})).toBe(6);
		expect(prefetchBatches({
			groups: resolveGroups([{count: 10, meanMs: 100}]), speed: 1, batch, roundTripMs: 0.3,
		})).toBe(2);
	});

	it('at max speed, counts a round trip as a busy broker\'s confirm (10 ms) however fast the broker answered', () => {
		// Mean 0: MAX_WORKER_RATE x 30 ms of messages, in batches of 500, beside three rounds.
		expect(prefetchBatches({
			groups: resolveGroups([{count: 1000, meanMs: 0}]), speed: 'max', batch, roundTripMs: 0.3,
		})).toBe(6 + ((MAX_WORKER_RATE * 0.03) / 500));
	});

	it('adds what its senders finish in three round trips when the broker is far', () => {
		// 20 ms round trips at max speed: MAX_WORKER_RATE x 60 ms of messages, in batches of 500.
		expect(prefetchBatches({
			groups: resolveGroups([{count: 1000, meanMs: 0}]), speed: 'max', batch, roundTripMs: 20,
		})).toBe(6 + ((MAX_WORKER_RATE * 0.06) / 500));
		// At max speed, senders that take simulated time go at their simulated rate (one shared clock):
		// 1,000 of 200 ms finish 5,000 a second, 300 in 60 ms, no batch more.
		expect(prefetchBatches({
			groups: resolveGroups([{count: 1000, meanMs: 200}]), speed: 'max', batch, roundTripMs: 20,
		})).toBe(6);
		// Paced: 5,000 senders of 100 ms finish 50,000 a second, 3,000 in 60 ms: 6 batches more.
		expect(prefetchBatches({
			groups: resolveGroups([{count: 5000, meanMs: 100}]), speed: 1, batch, roundTripMs: 20,
		})).toBe(30 + 6);
		// Twice the speed, twice as many.
		expect(prefetchBatches({
			groups: resolveGroups([{count: 5000, meanMs: 100}]), speed: 2, batch, roundTripMs: 20,
		})).toBe(30 + 12);
	});

	it('never holds more than MAX_PREFETCH batches, however far the broker', () => {
		expect(prefetchBatches({
			groups: resolveGroups([{count: 1000, meanMs: 0}]), speed: 'max', batch, roundTripMs: 10_000,
		})).toBe(MAX_PREFETCH);
	});
});
