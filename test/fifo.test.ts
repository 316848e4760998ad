/** Fifo: first in, first out, in O(1) a step, whatever was pushed and taken before. */
import fc from 'fast-check';
import {expect, it} from 'vitest';
import {Fifo} from '../source/engine/fifo.js';

it('gives items back in the order they came, as an array\'s push and shift do, through any mix of the two', () => {
	fc.assert(fc.property(fc.array(fc.option(fc.integer(), {nil: undefined})), steps => {
		// A number pushes it; undefined takes one.
		const fifo = new Fifo<number>();
		const model: number[] = [];
		for (const step of steps) {
			if (step === undefined) {
				expect(fifo.peek()).toBe(model[0]);
				expect(fifo.shift()).toBe(model.shift());
			} else {
				fifo.push(step);
				model.push(step);
			}

			expect(fifo.size).toBe(model.length);
		}
	}));
});
