/** A pool's retries (engine/retries.ts): the backoff they wait out, the line they wait in, and what the gauge says of them. */
import {describe, expect, it} from 'vitest';
import {Retries} from '../source/engine/retries.js';
import type {Random} from '../source/model/random.js';
import type {SendResult} from '../source/model/senders.js';

const policy = {
	maxAttempts: 5, backoffMs: 100, backoffMaxMs: 300, permanentFailureRate: 0,
};

/** A Random whose float draws are `draws`, in turn. */
const drawing = (...draws: number[]): Random => ({
	float: () => draws.shift()!, open: () => 0.5, uint32: () => 0, int: () => 0,
});

const failed = (id: string, attempt: number, priority?: string): SendResult => ({
	type: 'result', id, message: {
		id, to: '+1', body: 'x', ...(priority ? {priority} : {}),
	}, senderId: 's', group: 'g', status: 'failed', startMs: 0, endMs: 0, durationMs: 0, attempt, retry: true, permanent: false, backoffMs: undefined, retryDueMs: undefined,
});

describe('Retries', () => {
	it('waits out a full-jitter backoff that doubles each attempt up to its maximum, and says when in the result', () => {
		const gauge = {retrying: 0, lastRetryDueAt: Number.NEGATIVE_INFINITY};
		const retries = new Retries(undefined, drawing(0.5, 0.5, 0.5), gauge, 1_000_000);
		const first = retries.backOff(failed('a', 1), 0, policy);
		const second = retries.backOff(failed('b', 2), 0, policy);
		const third = retries.backOff(failed('c', 3), 0, policy);
		// Half of 100, of 200, and of 300 (400 capped): 50, 100, 150 ms.
		expect([first.backoffMs, second.backoffMs, third.backoffMs]).toEqual([50, 100, 150]);
		expect(third.retryDueMs).toBe(150);
		expect(gauge.retrying).toBe(3);
		// The gauge is on the scheduler's clock: the pool's origin (1 s) plus the latest due.
		expect(gauge.lastRetryDueAt).toBe(1150);
		expect(retries.nextDueUs()).toBe(50_000);
	});

	it('keeps the latest due time, not the last drawn', () => {
		const gauge = {retrying: 0, lastRetryDueAt: Number.NEGATIVE_INFINITY};
		const retries = new Retries(undefined, drawing(0.9, 0.1), gauge, 0);
		retries.backOff(failed('a', 1), 0, policy);
		retries.backOff(failed('b', 1), 0, policy);
		expect(gauge.lastRetryDueAt).toBe(90);
	});

	it('lines up the due ones by priority, and counts them out as they are taken', () => {
		const gauge = {retrying: 0, lastRetryDueAt: Number.NEGATIVE_INFINITY};
		const retries = new Retries(['high', 'low'], drawing(0.1, 0.2, 0.9), gauge, 0);
		retries.backOff(failed('low-early', 1, 'low'), 0, policy);
		retries.backOff(failed('high-later', 1, 'high'), 0, policy);
		retries.backOff(failed('not-due', 1, 'high'), 0, policy);
		retries.releaseDue(20_000); // 10 ms and 20 ms are due; 90 ms is not.
		expect([retries.readyCount, retries.backingOffCount]).toEqual([2, 1]);
		expect(retries.take()).toEqual({message: expect.objectContaining({id: 'high-later'}) as unknown, attempt: 2});
		expect(gauge.retrying).toBe(2);
		expect(retries.take()?.message.id).toBe('low-early');
		expect(retries.take()).toBeUndefined();
		expect(gauge.retrying).toBe(1); // Nothing taken, nothing counted out.
		retries.releaseDue(Number.POSITIVE_INFINITY);
		expect(retries.take()?.message.id).toBe('not-due');
		expect(gauge.retrying).toBe(0);
		retries.releaseDue(Number.POSITIVE_INFINITY); // Nothing left: nothing happens.
		expect(retries.readyCount).toBe(0);
	});
});
