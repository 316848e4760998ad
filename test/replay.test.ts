/** Replayed lines to messages (`--input`): each rule a line can break, named with its line. */
import {describe, expect, it} from 'vitest';
import {
	MAX_LINE_CHARS, OVERLONG_LINE, ReplayError, ReplayParser, replayMessages, type ReplayOptions,
} from '../source/model/replay.js';
import type {Message} from '../source/model/messages.js';

const options = (format: 'ndjson' | 'csv', more: Partial<ReplayOptions> = {}): ReplayOptions => ({
	format, priorities: ['critical', 'normal'], keepGoing: true, ...more,
});
const replay = (lines: string[], format: 'ndjson' | 'csv', more: Partial<ReplayOptions> = {}) => [...replayMessages(lines, options(format, more))];
const problemsOf = (outcomes: Array<Message | ReplayError>) => outcomes.filter((outcome): outcome is ReplayError => outcome instanceof ReplayError).map(problem => problem.message);
const messagesOf = (outcomes: Array<Message | ReplayError>) => outcomes.filter((outcome): outcome is Message => !(outcome instanceof ReplayError));
const ok = (fields: Record<string, unknown> = {}) => JSON.stringify({to: '+12025550123', body: 'hi', ...fields});

describe('replayMessages', () => {
	it('normalises phone numbers to E.164 and keeps bodies, priorities and arrival times', () => {
		const [message] = replay(['{"to": "+1 (415) 555-2671", "body": "hi, there", "priority": "critical", "at": 250}'], 'ndjson');
		expect(message).toEqual({
			id: '1', to: '+14155552671', body: 'hi, there', priority: 'critical', arrivalMs: 250, encoding: 'gsm7', segments: 1,
		});
	});

	it('reads CSV with a header, quoted commas and doubled quotes', () => {
		const messages = replay(['to,body', '+12025550123,"Storm warning, act now"', '+14155552671,"He said ""go"""', '+14155552671,plain "quote" inside'], 'csv');
		expect(messages.map(message => (message as {body: string}).body)).toEqual(['Storm warning, act now', 'He said "go"', 'plain "quote" inside']);
	});

	it('numbers messages by their line, skips blank lines and takes CRLF endings', () => {
		const messages = messagesOf(replay([ok(), '', '   ', `${ok({body: 'two'})}\r`], 'ndjson'));
		expect(messages.map(message => [message.id, message.body])).toEqual([['1', 'hi'], ['4', 'two']]);
	});

	it('works out each body\'s encoding and segments: GSM-7, and UCS-2 for what GSM-7 cannot write', () => {
		const messages = messagesOf(replay([ok({body: 'a'.repeat(161)}), ok({body: 'Привет'}), ok({body: 'x'.repeat(160)})], 'ndjson'));
		expect(messages.map(message => [message.encoding, message.segments])).toEqual([['gsm7', 2], ['ucs2', 1], ['gsm7', 1]]);
	});

	it('leaves out a priority and an at that CSV gives as empty cells', () => {
		const [message] = messagesOf(replay(['to,body,priority,at', '+12025550123,hi,,'], 'csv'));
		expect(message).toEqual({
			id: '2', to: '+12025550123', body: 'hi', encoding: 'gsm7', segments: 1,
		});
	});

	it('reads at from a CSV cell as a number', () => {
		const messages = messagesOf(replay(['at,to,body', '0,+12025550123,a', '1500.5,+12025550123,b'], 'csv'));
		expect(messages.map(message => message.arrivalMs)).toEqual([0, 1500.5]);
	});

	it('names the line and the rule of each bad line', () => {
		const problems = problemsOf(replay([
			ok({at: 10}),
			'{"to": "12345", "body": "x", "at": 20}',
			ok({at: 5}),
			ok({at: 30, priority: 'urgent'}),
			'{"to": "+12025550123"}',
			'[1, 2]',
			'not json',
			'null',
			ok({to: '   ', at: 40}),
			ok({to: 12_025_550_123, at: 40}),
			ok({at: -1}),
			ok({at: 'soon'}),
			ok({priority: 3, at: 50}),
			ok({body: 7, at: 50}),
		], 'ndjson'));
		expect(problems).toEqual([
			'line 2: to "12345" is not a valid phone number with its country code (such as +12025550123)',
			'line 3: at 5 is before the line above\'s (10): lines must be in arrival order',
			'line 4: priority must be one of critical, normal, got "urgent"',
			'line 5: body is required: text of at most 10,000 characters',
			'line 6: must be a JSON object such as {"to": "+12025550123", "body": "..."}',
			'line 7: is not JSON (each line must be an object such as {"to": "+12025550123", "body": "..."})',
			'line 8: must be a JSON object such as {"to": "+12025550123", "body": "..."}',
			'line 9: to is required: a phone number with its country code, such as +12025550123',
			'line 10: to is required: a phone number with its country code, such as +12025550123',
			'line 11: at must be a number of ms from the start, 0 or more, got -1',
			'line 12: at must be a number of ms from the start, 0 or more, got "soon"',
			'line 13: priority must be one of critical, normal, got 3',
			'line 14: body is required: text of at most 10,000 characters',
		]);
	});

	it('takes at equal to the line above\'s, and at up to the latest allowed, not past it', () => {
		const maxAt = {ms: 1000, why: 'beyond the clock'};
		const outcomes = replay([ok({at: 10}), ok({at: 10}), ok({at: 1000}), ok({at: 1000.5})], 'ndjson', {maxAt});
		expect(messagesOf(outcomes).map(message => message.arrivalMs)).toEqual([10, 10, 1000]);
		expect(problemsOf(outcomes)).toEqual(['line 4: at 1000.5 is later than 1,000 ms: beyond the clock']);
	});

	it('wants at on every line or on none, either way round', () => {
		expect(problemsOf(replay([ok(), ok({at: 1})], 'ndjson'))).toEqual(['line 2: at must be given on every line or on none']);
		expect(problemsOf(replay([ok({at: 1}), ok()], 'ndjson'))).toEqual(['line 2: at must be given on every line or on none']);
	});

	it('counts a body\'s characters by code point: 10,000 emoji are allowed, 10,001 are not, nor 10,001 letters', () => {
		const emoji = '😀';
		const outcomes = replay([ok({body: emoji.repeat(10_000)}), ok({body: emoji.repeat(10_001)}), ok({body: 'a'.repeat(10_001)}), ok({body: 'a'.repeat(10_000)})], 'ndjson');
		expect(messagesOf(outcomes).map(message => message.id)).toEqual(['1', '4']);
		expect(problemsOf(outcomes)).toHaveLength(2);
	});

	it('stops at the first bad line unless asked to go on', () => {
		const lines = [ok(), 'bad', ok()];
		expect(replay(lines, 'ndjson', {keepGoing: false}).map(outcome => outcome instanceof ReplayError)).toEqual([false, true]);
		expect(replay(lines, 'ndjson').map(outcome => outcome instanceof ReplayError)).toEqual([false, true, false]);
	});

	it('refuses a CSV header without to or body, with an unknown column or a column twice, and reads nothing after it', () => {
		for (const header of ['body', 'to', 'to,body,colour', 'to,body,to']) {
			const outcomes = replay([header, '+12025550123,hi'], 'csv');
			expect(problemsOf(outcomes)).toEqual(['line 1: the first line must name the columns, each once: to, body, and optionally priority and at']);
			expect(outcomes).toHaveLength(1);
		}

		expect(messagesOf(replay([' to , body ', '+12025550123,hi'], 'csv'))).toHaveLength(1); // Spaces around names are fine.
	});

	it('names a CSV line with too few or too many fields, and a quote left open', () => {
		const problems = problemsOf(replay(['to,body', '+12025550123', '+12025550123,hi,extra', '+12025550123,"open'], 'csv'));
		expect(problems).toEqual([
			'line 2: has 1 fields where the header names 2',
			'line 3: has 3 fields where the header names 2',
			'line 4: has a quote that is not closed (a field may not span lines)',
		]);
	});

	it('ends at a line too long to read, whatever keepGoing says', () => {
		const parser = new ReplayParser(options('ndjson'));
		expect(parser.parse(ok())).toMatchObject({id: '1'});
		const problem = parser.parse(OVERLONG_LINE);
		expect(problem).toBeInstanceOf(ReplayError);
		expect((problem as ReplayError).message).toBe(`line 2: is longer than ${MAX_LINE_CHARS.toLocaleString('en-US')} characters: not a line of messages (the input is not read further)`);
		expect(parser.ended).toBe(true);
		expect(parser.lines).toBe(2);
		expect([...replayMessages([ok(), OVERLONG_LINE, ok()], options('ndjson'))]).toHaveLength(2);
	});

	it('says the rule alone for a problem of no line', () => {
		expect(new ReplayError(0, 'cannot read it: no such file').message).toBe('cannot read it: no such file');
		expect(new ReplayError(3, 'rule').message).toBe('line 3: rule');
	});
});
