import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {IdSet} from '../../source/broker/id-set.js';

describe('IdSet', () => {
	it('agrees with a Set on any mix of numeric and other ids', () => {
		const id = fc.oneof(fc.integer({min: 1, max: 100_000}).map(String), fc.constantFrom('0', '007', 'a', 'run-1', '1e3', '-4'));
		fc.assert(fc.property(fc.array(id, {maxLength: 300}), ids => {
			const set = new IdSet();
			const reference = new Set<string>();
			for (const value of ids) {
				expect(set.add(value)).toBe(!reference.has(value));
				reference.add(value);
			}

			expect(set.size).toBe(reference.size);
		}));
	});

	it('keeps ten million ids in a bitmap', () => {
		const set = new IdSet();
		for (let n = 1; n <= 10_000_000; n += 999) {
			set.add(String(n));
		}

		expect(set.add('10000000')).toBe(true);
		expect(set.add(String(1 + (999 * 10_009)))).toBe(false); // Added in the loop.
	});
});
