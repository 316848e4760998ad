import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {CHARSETS, generateMessages} from '../source/model/messages.js';
import {createRandom} from '../source/model/random.js';
import {bodyCost, GSM_EXTENSION, splitSegments} from '../source/model/segments.js';

const a = (n: number) => 'a'.repeat(n);
const zh = (n: number) => 'ж'.repeat(n);

describe('bodyCost: encoding and segments', () => {
	it.each([
		// [what, body, encoding, segments]
		['empty', '', 'gsm7', 1],
		['160 GSM-7 characters: one segment', a(160), 'gsm7', 1],
		['161: two parts of up to 153', a(161), 'gsm7', 2],
		['306: two full parts', a(306), 'gsm7', 2],
		['307: three', a(307), 'gsm7', 3],
		['the basic table\'s own accents and Greek capitals are GSM-7', 'Ça coûte? Δ Ω é ü ß £ ¥ ¤ §', 'ucs2', 1], // `û` is not in it
		['basic-table letters only', 'Ça Δ Ω é ü ß £ ¥ ¤ § @ ¿ ¡', 'gsm7', 1],
		['an extension character takes two septets: 80 euro signs fill one segment', '€'.repeat(80), 'gsm7', 1],
		['81 euro signs: 162 septets, parts of 76 and 5 pairs', '€'.repeat(81), 'gsm7', 2],
		['every extension character', String.raw`^{}\[~]|€`, 'gsm7', 1],
		['79 pairs and 3 characters: 161 septets', `${'['.repeat(79)}abc`, 'gsm7', 2],
		['an escape pair at a part boundary moves whole to the next part (306 septets, three parts, not two)', `${a(152)}€${a(152)}`, 'gsm7', 3],
		['the same pair one septet earlier fits (306 septets, two parts)', `${a(151)}€${a(153)}`, 'gsm7', 2],
		['a backtick is printable ASCII but not GSM-7', 'ok`', 'ucs2', 1],
		['a lower-case c cedilla is not GSM-7 either', 'ç', 'ucs2', 1],
		['70 UCS-2 characters: one segment', zh(70), 'ucs2', 1],
		['71: two parts of up to 67', zh(71), 'ucs2', 2],
		['134: two full parts', zh(134), 'ucs2', 2],
		['135: three', zh(135), 'ucs2', 3],
		['an emoji is two UTF-16 code units: 35 fill one segment', '😀'.repeat(35), 'ucs2', 1],
		['36 emoji: 72 units, two parts', '😀'.repeat(36), 'ucs2', 2],
		['a surrogate pair at a part boundary moves whole to the next part (134 units, three parts, not two)', `${zh(66)}😀${zh(66)}`, 'ucs2', 3],
		['the same pair one unit earlier fits (134 units, two parts)', `${zh(65)}😀${zh(67)}`, 'ucs2', 2],
		['one GSM-7 body made UCS-2 by an emoji', `${a(100)}🚨`, 'ucs2', 2],
	])('%s', (_, body, encoding, segments) => {
		expect(bodyCost(body)).toEqual({encoding, segments});
	});
});

describe('generated bodies', () => {
	it('carry the encoding and segments of their bodies, for every charset', () => {
		for (const charset of CHARSETS) {
			// Bodies up to 400 characters: one to several segments, with extension characters and
			// surrogate pairs at every position, so the generator's running count meets the boundaries.
			for (const message of generateMessages(createRandom(7), {count: 20_000, maxBodyLength: 400, charset})) {
				expect({encoding: message.encoding, segments: message.segments}).toEqual(bodyCost(message.body));
			}
		}
	});

	it('stay GSM-7 with --charset gsm, and are mostly UCS-2 with unicode', () => {
		const encodings = (charset: 'gsm' | 'unicode') => [...generateMessages(createRandom(8), {count: 2000, charset})].map(message => message.encoding);
		expect(encodings('gsm').every(encoding => encoding === 'gsm7')).toBe(true);
		expect(encodings('unicode').filter(encoding => encoding === 'ucs2').length).toBeGreaterThan(1900);
	});
});

describe('splitSegments', () => {
	const septets = (text: string) => [...text].reduce((sum, character) => sum + (GSM_EXTENSION.includes(character) ? 2 : 1), 0);

	it('splits a body into as many parts as bodyCost counts, each within its part\'s size, that join back into the body', () => {
		const characters = fc.constantFrom(...'abc xyz{€^', '😀', 'é', 'Ж');
		fc.assert(fc.property(fc.array(characters, {maxLength: 400}).map(list => list.join('')), body => {
			const parts = splitSegments(body);
			const {encoding, segments} = bodyCost(body);
			expect(parts).toHaveLength(segments);
			expect(parts.join('')).toBe(body);
			if (segments > 1) {
				for (const part of parts) {
					expect(encoding === 'gsm7' ? septets(part) : part.length).toBeLessThanOrEqual(encoding === 'gsm7' ? 153 : 67);
				}
			}
		}));
	});

	it('keeps a GSM-7 escape pair and a surrogate pair whole at a part\'s edge', () => {
		const gsm = `${'a'.repeat(152)}€${'b'.repeat(10)}`;
		expect(splitSegments(gsm).map(part => part.length)).toEqual([152, 11]);
		const ucs2 = `${'Ж'.repeat(66)}😀${'Ж'.repeat(10)}`;
		expect(splitSegments(ucs2).map(part => part.length)).toEqual([66, 12]);
	});
});
