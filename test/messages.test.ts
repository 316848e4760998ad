import {describe, expect, it} from 'vitest';
import {generateMessages, type Message} from '../source/model/messages.js';
import {createRandom} from '../source/model/random.js';

const take = (seed: number, count: number, maxBodyLength?: number): Message[] => [...generateMessages(createRandom(seed), {count, maxBodyLength})];

// 20,000 messages: a given digit in a given position is missed with probability at most
// (1 - 1/10)^20000, a given body length (p = 1/100) with 0.99^20000 ~ 2e-88: a miss means a bug.
const sample = take(42, 20_000);

describe('generateMessages', () => {
	it('makes North American E.164 numbers, +1NXXNXXXXXX', () => {
		for (const {to} of sample) {
			expect(to).toMatch(/^\+1[2-9]\d{2}[2-9]\d{6}$/);
		}
	});

	it('uses every possible digit in every free position', () => {
		const seen = Array.from({length: 12}, () => new Set<string>());
		for (const {to} of sample) {
			for (let i = 2; i < 12; i++) {
				seen[i].add(to[i]);
			}
		}

		const nDigits = [...'23456789'].toSorted();
		const xDigits = [...'0123456789'].toSorted();
		for (let i = 2; i < 12; i++) {
			expect([...seen[i]].toSorted()).toEqual(i === 2 || i === 5 ? nDigits : xDigits);
		}
	});

	it('makes bodies of every length from 1 to 100, printable characters only, all of them used', () => {
		const lengths = new Set(sample.map(message => message.body.length));
		expect(Math.min(...lengths)).toBe(1);
		expect(Math.max(...lengths)).toBe(100);
		expect(lengths.size).toBe(100);
		const characters = new Set<string>();
		for (const {body} of sample) {
			expect(body).toMatch(/^[\u0020-\u007E]+$/);
			for (const character of body) {
				characters.add(character);
			}
		}

		expect(characters.size).toBe(95);
	});

	it('spreads characters evenly', () => {
		// About 1,000,000 characters over 95 symbols: ~10,600 each, standard deviation ~102; 6 of
		// those (~6%) catches a skew such as modulo bias in the high digits (2%+ would be 200 away).
		const counts = new Map<string, number>();
		let total = 0;
		for (const {body} of sample) {
			for (const character of body) {
				counts.set(character, (counts.get(character) ?? 0) + 1);
				total++;
			}
		}

		const expected = total / 95;
		const sd = Math.sqrt(expected * (1 - 1 / 95));
		for (const count of counts.values()) {
			expect(Math.abs(count - expected)).toBeLessThan(6 * sd);
		}
	});

	it('honours a configured maximum body length', () => {
		const lengths = new Set(take(3, 5000, 7).map(message => message.body.length));
		expect([...lengths].toSorted((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7]);
	});

	it('gives unique ids', () => {
		expect(new Set(sample.map(message => message.id)).size).toBe(sample.length);
	});

	it('gives the same messages for the same seed and different ones for another', () => {
		expect(take(42, 500)).toEqual(sample.slice(0, 500));
		const other = take(43, 500);
		expect(other.filter((message, index) => message.to === sample[index].to).length).toBeLessThan(5);
	});

	it('is lazy: an endless source makes only what is taken', () => {
		const random = createRandom(1);
		const source = generateMessages(random, {count: Number.POSITIVE_INFINITY});
		const first = [source.next().value, source.next().value];
		expect(first.map(message => message?.id)).toEqual(['1', '2']);
		// The third draw from the same random comes right after the second message's: nothing was made ahead.
		const reference = createRandom(1);
		const generated = [...generateMessages(reference, {count: 2})];
		expect(generated).toEqual(first);
		expect(random.uint32()).toBe(reference.uint32());
	});
});
