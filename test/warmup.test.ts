/**
 * The warm-up detector (MSER-5) on series whose truncation point is known by construction: a
 * transient of a fixed length, then waits that never change (MSER's statistic is exactly 0 from the
 * transient's end on, and the detector takes the earliest such point).
 */
import {describe, expect, it} from 'vitest';
import {WarmupDetector} from '../source/engine/warmup.js';

/** A detector fed `count` waits: `transient` of them at 100 ms, then 2 ms; message i arrives at 10 i ms. */
function fed(count: number, wait: (index: number) => number): WarmupDetector {
	const detector = new WarmupDetector();
	for (let index = 0; index < count; index++) {
		detector.add(wait(index), index * 10);
	}

	return detector;
}

const transient = (length: number) => (index: number) => (index < length ? 100 : 2);

describe('WarmupDetector', () => {
	it('says nothing before 10 batches of 5 waits', () => {
		expect(fed(49, transient(10)).estimate()).toBeUndefined();
		expect(fed(50, transient(10)).estimate()).toBeDefined();
	});

	it('finds the end of a transient: its waits, the arrival after it, and that the waits settled', () => {
		expect(fed(1000, transient(100)).estimate()).toEqual({
			messages: 100, atMs: 1000, of: 1000, settled: true,
		});
	});

	it('finds no warm-up in waits that never had a transient', () => {
		expect(fed(1000, () => 2).estimate()).toEqual({
			messages: 0, atMs: 0, of: 1000, settled: true,
		});
	});

	it('says waits that grow all run long never settle (the point is at the end of the half searched)', () => {
		const estimate = fed(1000, index => index).estimate();
		expect(estimate?.settled).toBe(false);
		expect(estimate?.messages).toBe(500);
	});

	it('keeps finding it once batches merge (past 2,048 batches of 5), in batches of 10', () => {
		expect(fed(20_000, transient(100)).estimate()).toEqual({
			messages: 100, atMs: 1000, of: 20_000, settled: true,
		});
		// A transient that ends inside a merged batch is found at that batch's start.
		expect(fed(20_000, transient(105)).estimate()?.messages).toBe(110);
	});

	it('averages each batch: a transient of 3 waits in a batch of 5 moves the point one batch', () => {
		expect(fed(1000, transient(3)).estimate()).toEqual({
			messages: 5, atMs: 50, of: 1000, settled: true,
		});
	});
});
