import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {IdSet} from '../../source/broker/id-set.js';
import {
	decodeOutcomes, encodeOutcomes, messageId, parseControl, parseMessages, parseOutcomes, splitMessageId, type ResultRecord,
} from '../../source/broker/topology.js';

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

describe('broker records', () => {
	const message = {id: 'ab12-1', to: '+12025550123', body: 'hi'};
	const result = {
		...message, senderId: 'w/default-1', group: 'default', status: 'sent', startMs: 1, endMs: 3, durationMs: 2,
	};
	const batch = {
		type: 'messages', run: 'r', epoch: 'e', startedAt: 1, producer: 'ab12', messages: [message],
	};

	it('reads batches from JSON text, Buffers or parsed objects', () => {
		expect(parseMessages(JSON.stringify(batch))).toEqual({record: batch});
		expect(parseMessages(Buffer.from(JSON.stringify(batch)))).toEqual({record: batch});
		const outcomes = encodeOutcomes({run: 'r', epoch: 'e', worker: 'w'}, [result as ResultRecord]);
		const parsed = parseOutcomes(JSON.stringify(outcomes));
		expect(parsed).toEqual({record: outcomes});
		expect('record' in parsed && [...decodeOutcomes(parsed.record)]).toEqual([result]);
		expect(parseControl({
			type: 'producer-done', run: 'r', epoch: 'e', producer: 'ab12', published: 5,
		})).toHaveProperty('record');
	});

	it.each([
		['not json', 'not JSON'],
		[JSON.stringify([1, 2]), 'not a JSON object'],
		[JSON.stringify({...batch, messages: [{id: 1, to: 'x', body: 'y'}]}), 'malformed messages'],
		[JSON.stringify({...batch, epoch: undefined}), 'no run or epoch'],
	])('refuses a batch: %s', (body, problem) => {
		expect(parseMessages(body)).toEqual({problem});
	});

	it.each([
		[{...result, durationMs: -5}, 'out of range'],
		[{...result, durationMs: 1e300}, 'out of range'],
		[{...result, endMs: 0.5}, 'out of order'],
		[{...result, id: 'x'.repeat(300)}, 'no id'],
	])('refuses a result that would poison the stats: %o', (bad, problem) => {
		const parsed = parseOutcomes(encodeOutcomes({run: 'r', epoch: 'e', worker: 'w'}, [result, bad] as ResultRecord[]));
		expect('problem' in parsed && parsed.problem).toMatch(problem);
	});

	it('refuses columns of different lengths and indexes out of range', () => {
		const outcomes = encodeOutcomes({run: 'r', epoch: 'e', worker: 'w'}, [result as ResultRecord]);
		expect(parseOutcomes({...outcomes, endMs: [3, 4]})).toEqual({problem: 'result columns of different lengths'});
		expect(parseOutcomes({...outcomes, sender: [1]})).toEqual({problem: 'a result\'s sender, group or status is not one of the record\'s'});
		expect(parseOutcomes({...outcomes, failed: [2]})).toEqual({problem: 'a result\'s sender, group or status is not one of the record\'s'});
	});

	it('refuses a producer-done with a negative or fractional count', () => {
		for (const published of [-1, 0.5, 'many']) {
			expect(parseControl({
				type: 'producer-done', run: 'r', epoch: 'e', producer: 'ab12', published,
			})).toEqual({problem: 'malformed producer-done'});
		}
	});

	it('splits our message ids into producer and number, and only ours', () => {
		expect(splitMessageId(messageId('ab12', 7))).toEqual({producer: 'ab12', n: 7});
		for (const id of ['7', 'ab12-0', 'ab12-07', 'AB-1', 'ab12-1234567890123456789', 'a b-1']) {
			expect(splitMessageId(id)).toBeUndefined();
		}
	});
});
