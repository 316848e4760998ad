import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {
	costOf, encodeMessages, encodeOutcomes, parseMessages, parseOutcomes, type OutgoingMessage, type WireResult,
} from '../../source/broker/batches.js';
import {generateMessages} from '../../source/messages.js';
import {createRandom} from '../../source/random.js';
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
	const message = fc.record({
		n: fc.integer({min: 1, max: Number.MAX_SAFE_INTEGER}), to: text(1, 32), body: text(0, 300), cost,
	});

	it('reads back what was written: numbers, text, costs, ids and priority', () => {
		fc.assert(fc.property(fc.array(message, {maxLength: 50}), fc.option(text(1, 40), {nil: undefined}), (messages, priority) => {
			const parsed = parseMessages(encodeMessages({...header, ...(priority === undefined ? {} : {priority})}, messages));
			expect(parsed).toEqual({
				record: {
					type: 'messages',
					...header,
					...(priority === undefined ? {} : {priority}),
					messages: messages.map(({n, to, body, cost}) => ({
						n, id: `ab12-${n}`, to, body, segments: cost >>> 1, encoding: (cost & 1) === 1 ? 'ucs2' : 'gsm7', ...(priority === undefined ? {} : {priority}),
					})),
				},
			});
		}));
	});

	it.each([
		['not a Buffer', 'not json', 'not a batch'],
		['JSON of an older sms-sim', Buffer.from(JSON.stringify({type: 'messages', messages: []})), 'JSON, not a batch (an older sms-sim\'s?)'],
		['other bytes', Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), 'not a batch'],
		['a batch of results', encodeOutcomes({run: 'r', epoch: 'e', worker: 'w'}, []), 'not a batch of messages'],
	])('refuses %s', (_, body, problem) => {
		expect(parseMessages(body)).toEqual({problem});
	});

	const one: OutgoingMessage = {
		n: 7, to: '+12025550123', body: 'hi', cost: 2,
	};

	it('refuses a batch cut short, or whose text and lengths disagree', () => {
		const bytes = encodeMessages(header, [one, one]);
		for (const cut of [4, 12, bytes.length - 45, bytes.length - 1]) {
			expect(parseMessages(bytes.subarray(0, cut))).toHaveProperty('problem');
		}

		expect(parseMessages(Buffer.concat([bytes, Buffer.from('x')]))).toEqual({problem: 'malformed messages'});
	});

	it.each([
		['a number of 0', {...one, n: 0}],
		['a fractional number', {...one, n: 1.5}],
		['a number beyond 2^53', {...one, n: 2 ** 53}],
		['no phone number', {...one, to: ''}],
		['a phone number too long', {...one, to: '+1'.repeat(17)}],
		['no segment', {...one, cost: 1}],
	])('refuses a message with %s', (_, bad) => {
		expect(parseMessages(encodeMessages(header, [one, bad]))).toEqual({problem: 'malformed messages'});
	});

	it('refuses a header without a run, producer or start time', () => {
		expect(parseMessages(encodeMessages({...header, epoch: ''}, [one]))).toEqual({problem: 'no run or epoch'});
		expect(parseMessages(encodeMessages({...header, producer: ''}, [one]))).toEqual({problem: 'no producer, batch number or start time'});
		expect(parseMessages(encodeMessages({...header, startedAt: -1}, [one]))).toEqual({problem: 'no producer, batch number or start time'});
	});

	it(`refuses more than ${MAX_BATCH} messages`, () => {
		expect(parseMessages(encodeMessages(header, Array.from({length: MAX_BATCH + 1}, () => one)))).toEqual({problem: `not 0 to ${MAX_BATCH} rows`});
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

describe('what a producer may write, a worker reads', () => {
	it('carries the longest unicode bodies a producer makes: 10,000 characters, emoji among them (up to 20,000 UTF-16 units)', () => {
		// The producer's own generator at the documented limit; seeds until one body is mostly two-unit characters.
		const messages = [...generateMessages(createRandom(3), {count: 200, maxBodyLength: 10_000, charset: 'unicode'})];
		const longest = Math.max(...messages.map(message => message.body.length));
		expect(longest).toBeGreaterThan(10_000); // Past the old reader's cap: it dead-lettered these batches.
		const outgoing = messages.map((message, index) => ({
			n: index + 1, to: message.to, body: message.body, cost: costOf(message),
		}));
		const parsed = parseMessages(encodeMessages(header, outgoing));
		expect('record' in parsed).toBe(true);
		if ('record' in parsed) {
			expect(parsed.record.messages.map(message => message.body)).toEqual(messages.map(message => message.body));
		}
	});
});
