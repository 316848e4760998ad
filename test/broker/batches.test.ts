import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {
	costOf, drawMessages, encodeMessages, encodeOutcomes, parseMessages, parseOutcomes, type MessagesBatch, type WireResult,
} from '../../source/broker/batches.js';
import {CHARSETS, generateMessages} from '../../source/model/messages.js';
import {MAX_SEED, createRandom} from '../../source/model/random.js';
import {packedBodyCost} from '../../source/model/segments.js';
import {MAX_BATCH} from '../../source/broker/topology.js';

// Text of any kind: emoji (surrogate pairs) and other scripts too, since lengths are in UTF-16 units
// and the text travels as UTF-8.
const text = (minLength: number, maxLength: number) => fc.string({unit: 'grapheme', minLength, maxLength}).filter(value => value.length >= minLength && value.length <= maxLength);
const cost = fc.integer({min: 2, max: 400});
const time = fc.double({min: 0, max: 1e9, noNaN: true});

const header = {
	run: 'r', epoch: 'e', startedAt: 1_700_000_000_000, producer: 'ab12', seq: 1,
};

describe('a batch of messages', () => {
	const batch = fc.record({
		first: fc.integer({min: 1, max: Number.MAX_SAFE_INTEGER - MAX_BATCH}),
		part: fc.integer({min: 0, max: 400}),
		messages: fc.integer({min: 1, max: 500}),
		seed: fc.integer({min: 0, max: MAX_SEED}),
		maxBodyLength: fc.integer({min: 1, max: 10_000}),
		charset: fc.constantFrom(...CHARSETS),
		priority: fc.option(text(1, 40), {nil: undefined}),
	}).map(({part, priority, ...rest}): Omit<MessagesBatch, 'type'> => ({
		...header, ...rest, ...(part === 0 ? {} : {part}), ...(priority === undefined ? {} : {priority}),
	}));

	it('reads back what was written: how to draw its messages, and its priority', () => {
		fc.assert(fc.property(batch, written => {
			expect(parseMessages(encodeMessages(written))).toEqual({record: {type: 'messages', ...written}});
		}));
	});

	const one: Omit<MessagesBatch, 'type'> = {
		...header, first: 1001, messages: 20, seed: 7, maxBodyLength: 160, charset: 'gsm',
	};

	it('draws the messages its producer meant: numbered from first, ids of its producer, costs of their bodies', () => {
		const drawn = [...drawMessages({type: 'messages', ...one, priority: 'high'})];
		expect(drawn.map(message => message.n)).toEqual(Array.from({length: 20}, (_, index) => 1001 + index));
		expect(drawn.map(message => message.id)).toEqual(drawn.map(message => `ab12-${message.n}`));
		// The producer's generator, on the batch's own seed: the same phone numbers and bodies.
		const made = [...generateMessages(createRandom(7), {count: 20, maxBodyLength: 160, charset: 'gsm'})];
		expect(drawn.map(message => [message.to, message.body])).toEqual(made.map(message => [message.to, message.body]));
		for (const message of drawn) {
			expect(costOf(message)).toBe(packedBodyCost(message.body));
			expect(message.priority).toBe('high');
		}
	});

	it('draws a part as the same messages as its place in the whole batch, whoever draws it', () => {
		const whole = [...drawMessages({type: 'messages', ...one})];
		const part = [...drawMessages({
			type: 'messages', ...one, part: 12, messages: 5,
		})];
		expect(part).toEqual(whole.slice(12, 17));
		expect([...drawMessages({
			type: 'messages', ...one, part: 12, messages: 5,
		}, true)]).toEqual(whole.slice(0, 17));
	});

	it.each([
		['not a Buffer', 'not json', 'not a batch'],
		['JSON of an older sms-sim', Buffer.from(JSON.stringify({type: 'messages', messages: []})), 'JSON, not a batch (an older sms-sim\'s?)'],
		['other bytes', Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), 'not a batch'],
		['a batch of results', encodeOutcomes({run: 'r', epoch: 'e', worker: 'w'}, []), 'not a batch of messages'],
	])('refuses %s', (_, body, problem) => {
		expect(parseMessages(body)).toEqual({problem});
	});

	it('refuses a batch cut short', () => {
		const bytes = encodeMessages(one);
		for (const cut of [4, 12, bytes.length - 1]) {
			expect(parseMessages(bytes.subarray(0, cut))).toHaveProperty('problem');
		}
	});

	it.each([
		['a first number of 0', {first: 0}, 'malformed messages'],
		['a fractional first number', {first: 1.5}, 'malformed messages'],
		['numbers beyond 2^53', {first: 2 ** 53 - 10}, 'malformed messages'],
		['no messages', {messages: 0}, 'malformed messages'],
		[`more than ${MAX_BATCH} messages`, {messages: MAX_BATCH + 1}, 'malformed messages'],
		['a part past the batch\'s end', {part: MAX_BATCH - 5, messages: 6}, 'malformed messages'],
		['a part at offset 0 said so', {part: 0.5}, 'a malformed part of a batch'],
		['a negative seed', {seed: -1}, 'no seed, longest body or charset to draw its messages with'],
		['a seed beyond 2^32', {seed: MAX_SEED + 1}, 'no seed, longest body or charset to draw its messages with'],
		['a longest body of 0', {maxBodyLength: 0}, 'no seed, longest body or charset to draw its messages with'],
		['a longest body past the limit', {maxBodyLength: 10_001}, 'no seed, longest body or charset to draw its messages with'],
		['a charset it does not know', {charset: 'klingon'}, 'no seed, longest body or charset to draw its messages with'],
	])('refuses a batch with %s', (_, bad, problem) => {
		expect(parseMessages(encodeMessages({...one, ...bad} as Omit<MessagesBatch, 'type'>))).toEqual({problem});
	});

	it('refuses a header without a run, producer or start time', () => {
		expect(parseMessages(encodeMessages({...one, epoch: ''}))).toEqual({problem: 'no run or epoch'});
		expect(parseMessages(encodeMessages({...one, producer: ''}))).toEqual({problem: 'no producer, batch number or start time'});
		expect(parseMessages(encodeMessages({...one, startedAt: -1}))).toEqual({problem: 'no producer, batch number or start time'});
	});
});

describe('a batch of results', () => {
	const result = fc.record({
		producer: fc.constantFrom('ab12', 'cd34', 'ef56'),
		n: fc.integer({min: 1, max: Number.MAX_SAFE_INTEGER}),
		to: text(1, 32),
		body: text(0, 300),
		cost,
		senderId: fc.constantFrom('w1/default-1', 'w1/default-2', 'w1/slow-1'),
		group: fc.constantFrom('default', 'slow'),
		status: fc.constantFrom('sent' as const, 'failed' as const),
		startMs: time,
		durationMs: time,
	}).map(({startMs, durationMs, ...rest}): WireResult => ({
		...rest, startMs, endMs: startMs + durationMs, durationMs,
	}));
	const worker = {run: 'r', epoch: 'e', worker: 'w1'};

	it('reads back what was written, every field exactly', () => {
		fc.assert(fc.property(fc.array(result, {maxLength: 50}), results => {
			expect(parseOutcomes(encodeOutcomes(worker, results))).toEqual({record: {type: 'outcomes', ...worker, results}});
		}));
	});

	const one: WireResult = {
		producer: 'ab12', n: 1, to: '+12025550123', body: 'hi', cost: 2, senderId: 'w1/default-1', group: 'default', status: 'sent', startMs: 1, endMs: 3, durationMs: 2,
	};

	it.each([
		['a negative send time', {...one, durationMs: -5}],
		['a send time beyond the clock', {...one, durationMs: 1e300}],
		['a time that is not a number', {...one, startMs: Number.NaN}],
		['an end before its start', {...one, endMs: 0.5}],
		['a number of 0', {...one, n: 0}],
	])('refuses a result with %s, which would poison the stats', (_, bad) => {
		const parsed = parseOutcomes(encodeOutcomes(worker, [one, bad]));
		expect(parsed).toEqual({problem: 'a result\'s number or times are negative, out of range or out of order'});
	});

	/** Where the first result's row starts, and a batch of two results. */
	const twoResults = () => {
		const bytes = encodeOutcomes(worker, [one, one]);
		return {bytes, row: 8 + bytes.readUInt32LE(4)};
	};

	it.each([
		['producer', 32],
		['sender', 36],
		['group', 40],
	])('refuses a result whose %s is not one the batch names', (_, offset) => {
		const {bytes, row} = twoResults();
		bytes.writeUInt32LE(1, row + offset);
		expect(parseOutcomes(bytes)).toEqual({problem: 'a result\'s producer, sender, group, cost or status is not one of the batch\'s'});
	});

	it('refuses a status other than sent or failed, and a cost of no segment', () => {
		const {bytes, row} = twoResults();
		bytes.writeUInt32LE(2, row + 56);
		expect(parseOutcomes(bytes)).toHaveProperty('problem');
		expect(parseOutcomes(encodeOutcomes(worker, [{...one, cost: 0}]))).toHaveProperty('problem');
	});

	it('refuses text lengths that disagree with the text', () => {
		const {bytes, row} = twoResults();
		bytes.writeUInt32LE(5, row + 52); // The first body said to be 5 long.
		expect(parseOutcomes(bytes)).toEqual({problem: 'a result has no number or body'});
	});
});

describe('what a worker may draw, a monitor reads', () => {
	it('carries the longest unicode bodies a worker draws: 10,000 characters, emoji among them (up to 20,000 UTF-16 units)', () => {
		// A batch at the documented limit; seeds until one body is mostly two-unit characters.
		const drawn = [...drawMessages({
			type: 'messages', ...header, first: 1, messages: 200, seed: 3, maxBodyLength: 10_000, charset: 'unicode',
		})];
		const longest = Math.max(...drawn.map(message => message.body.length));
		expect(longest).toBeGreaterThan(10_000); // Past an old reader's cap: it dead-lettered these.
		const results = drawn.map((message): WireResult => ({
			producer: 'ab12', n: message.n, to: message.to, body: message.body, cost: costOf(message), senderId: 'w1/default-1', group: 'default', status: 'sent', startMs: 0, endMs: 1, durationMs: 1,
		}));
		const parsed = parseOutcomes(encodeOutcomes({run: 'r', epoch: 'e', worker: 'w1'}, results));
		expect('record' in parsed).toBe(true);
		if ('record' in parsed) {
			expect(parsed.record.results.map(result => result.body)).toEqual(drawn.map(message => message.body));
		}
	});
});
