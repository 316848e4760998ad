/**
 * How an SMS body travels and what it costs: its encoding (GSM-7 when every character is in the
 * GSM 03.38 alphabet, else UCS-2) and its number of segments, which is what carriers bill.
 *
 * GSM-7: a character of the basic table takes one septet, one of the extension table (`€`, `^`,
 * `{`, `}`, `[`, `]`, `~`, `\`, `|` and form feed) two (an escape, then the character). One
 * segment holds 160 septets; a longer body is split into parts of 153 (the user data header takes
 * the rest), and an escape and its character are never split across two parts.
 * UCS-2: counted in UTF-16 code units; one segment holds 70, parts hold 67, and the two halves of a
 * surrogate pair (an emoji) are never split across two parts.
 */

/* eslint-disable unicorn/prefer-code-point -- UCS-2 is counted in UTF-16 code units, which is what charCodeAt reads (codePointAt would read a surrogate pair as one). */

export type Encoding = 'gsm7' | 'ucs2';

export type BodyCost = {readonly encoding: Encoding; readonly segments: number};

/** The GSM 03.38 basic character set, in table order (0x00 to 0x7F; 0x1B is the escape, left out). */
export const GSM_BASIC = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** The GSM 03.38 extension table: each takes the escape and itself, two septets. */
export const GSM_EXTENSION = '\f^{}\\[~]|€';
/** The GSM-7 characters a body may be drawn from (`--charset gsm`): both tables but line feed, carriage return and form feed. */
export const GSM_PRINTABLE: readonly string[] = [...GSM_BASIC, ...GSM_EXTENSION].filter(character => !'\n\r\f'.includes(character));

/** Septets per UTF-16 code unit: 1 (basic), 2 (extension), 0 (not GSM-7). */
const SEPTETS = new Map<number, number>([
	...[...GSM_BASIC].map(character => [character.charCodeAt(0), 1] as [number, number]),
	...[...GSM_EXTENSION].map(character => [character.charCodeAt(0), 2] as [number, number]),
]);
/** The same for the first 256 code units, as a table: the common case is one look-up per character. */
/** Septets of each code unit below 256 (the `!` on reads: a code under 256 is always in it). */
const SEPTETS_LATIN = Uint8Array.from({length: 256}, (_, code) => SEPTETS.get(code) ?? 0);

const GSM_SINGLE = 160;
const GSM_PART = 153;
const UCS2_SINGLE = 70;
const UCS2_PART = 67;

/** The encoding and segments of `body` (an empty body is one segment, as a handset sends it). */
export function bodyCost(body: string): BodyCost {
	return unpackCost(packedBodyCost(body));
}

/** A packed cost (see `packedBodyCost`) as its encoding and segments. */
export function unpackCost(packed: number): BodyCost {
	return {encoding: packedEncoding(packed), segments: packedSegments(packed)};
}

/** The encoding of a packed cost (see `packedBodyCost`). */
export const packedEncoding = (packed: number): Encoding => (packed & 1) === 1 ? 'ucs2' : 'gsm7';

/** The segments of a packed cost (see `packedBodyCost`). */
export const packedSegments = (packed: number): number => packed >>> 1;

/** Encoding and segments packed in one number, as `packedBodyCost` gives them. */
export const packCost = (encoding: Encoding, segments: number): number => (segments * 2) + (encoding === 'ucs2' ? 1 : 0);

/**
 * `bodyCost` packed in one number, segments x 2 + 1 for UCS-2: no object per message on the
 * engine's path (a sum over every message of a run).
 */
export function packedBodyCost(body: string): number {
	let septets = 0;
	for (let index = 0; index < body.length; index++) {
		const code = body.charCodeAt(index);
		const cost = code < 256 ? SEPTETS_LATIN[code]! : (SEPTETS.get(code) ?? 0);
		if (cost === 0) {
			return (ucs2Segments(body) * 2) + 1;
		}

		septets += cost;
	}

	if (septets <= GSM_SINGLE) {
		return 2;
	}

	// Without an escape pair no part boundary can split one: parts of 153 septets exactly.
	return (septets === body.length ? Math.ceil(septets / GSM_PART) : gsmSegments(body)) * 2;
}

/** Parts of at most 153 septets, an escape pair moved whole to the next part when it would not fit. */
function gsmSegments(body: string): number {
	let parts = 1;
	let used = 0;
	for (let index = 0; index < body.length; index++) {
		const code = body.charCodeAt(index);
		const cost = code < 256 ? SEPTETS_LATIN[code]! : SEPTETS.get(code)!;
		if (used + cost > GSM_PART) {
			parts++;
			used = 0;
		}

		used += cost;
	}

	return parts;
}

/** UTF-16 code units in parts of at most 67, a surrogate pair kept whole. */
function ucs2Segments(body: string): number {
	if (body.length <= UCS2_SINGLE) {
		return 1;
	}

	let parts = 1;
	let used = 0;
	for (let index = 0; index < body.length; index++) {
		const code = body.charCodeAt(index);
		const units = code >= 0xD8_00 && code <= 0xDB_FF && index + 1 < body.length ? 2 : 1;
		if (used + units > UCS2_PART) {
			parts++;
			used = 0;
		}

		used += units;
		index += units - 1;
	}

	return parts;
}

/**
 * The parts `body` travels in, as `bodyCost` counts them: the whole body when it fits one segment,
 * else parts of at most 153 septets (GSM-7, an escape pair kept whole) or 67 UTF-16 code units
 * (UCS-2, a surrogate pair kept whole), each sent with a user data header.
 */
export function splitSegments(body: string): string[] {
	const {encoding, segments} = bodyCost(body);
	if (segments === 1) {
		return [body];
	}

	const limit = encoding === 'gsm7' ? GSM_PART : UCS2_PART;
	const parts: string[] = [];
	let start = 0;
	let used = 0;
	for (let index = 0; index < body.length; index++) {
		const code = body.charCodeAt(index);
		const units = encoding === 'gsm7'
			? (code < 256 ? SEPTETS_LATIN[code]! : SEPTETS.get(code)!)
			: (code >= 0xD8_00 && code <= 0xDB_FF && index + 1 < body.length ? 2 : 1);
		if (used + units > limit) {
			parts.push(body.slice(start, index));
			start = index;
			used = 0;
		}

		used += units;
		index += encoding === 'ucs2' ? units - 1 : 0;
	}

	parts.push(body.slice(start));
	return parts;
}
