import {DEFAULTS} from './defaults.js';
import type {Random} from './random.js';

/** One SMS to send. */
export type Message = {
	/** Unique within a run. */
	readonly id: string;
	/** E.164 phone number. */
	readonly to: string;
	/** Printable text, no control characters or newlines. */
	readonly body: string;
	/** When it arrived, simulated ms from the run's start (an open model: `--rate`); none when every message is there at the start. */
	readonly arrivalMs?: number;
};

export type MessageOptions = {
	/** How many messages; `Infinity` for an endless stream. */
	readonly count: number;
	/** Longest body, in characters (at least 1). Lengths are uniform over 1..maxBodyLength. */
	readonly maxBodyLength?: number;
	/** Put before every id, so producers on several machines give distinct ids. */
	readonly idPrefix?: string;
};

/** The same as `DEFAULTS.maxBodyLength`, for importers of earlier versions. */
export const DEFAULT_MAX_BODY_LENGTH: number = DEFAULTS.maxBodyLength;

/** Printable ASCII: space (32) to tilde (126). */
const FIRST_PRINTABLE = 32;
const PRINTABLE_COUNT = 95;
const PRINTABLE_4 = PRINTABLE_COUNT ** 4;
/** The largest multiple of 95^4 below 2^32: draws at or above it are redrawn, so no digit is favoured. */
const UNBIASED_LIMIT = Math.floor(2 ** 32 / PRINTABLE_4) * PRINTABLE_4;

/** "200".."999" and "0000".."9999", so a phone number is three table look-ups, not a number-to-string conversion. */
const THREE_DIGITS = Array.from({length: 1000}, (_, n) => String(n).padStart(3, '0'));
const FOUR_DIGITS = Array.from({length: 10_000}, (_, n) => String(n).padStart(4, '0'));

/**
 * A random North American number, `+1NXXNXXXXXX` with N in 2-9 and X in 0-9: area code and
 * exchange are each uniform over 200..999, the line number over 0000..9999.
 */
export function randomPhoneNumber(random: Random): string {
	const area = THREE_DIGITS[200 + random.int(800)];
	const exchange = THREE_DIGITS[200 + random.int(800)];
	return '+1' + area + exchange + FOUR_DIGITS[random.int(10_000)];
}

/** Bytes of the body being made; turned into a string in one native call. */
const bodyBytes = Buffer.allocUnsafe(256);

/**
 * A body of uniform length in 1..maxLength, each character uniform over printable ASCII. One
 * 32-bit draw gives four characters: below the largest multiple of 95^4 it is four exact base-95
 * digits (about 1.4% of draws are redrawn).
 */
export function randomBody(random: Random, maxLength: number): string {
	const length = 1 + random.int(maxLength);
	const bytes = length + 3 <= bodyBytes.length ? bodyBytes : Buffer.allocUnsafe(length + 3);
	for (let i = 0; i < length; i += 4) {
		let draw;
		do {
			draw = random.uint32();
		} while (draw >= UNBIASED_LIMIT);

		// Below 95^4 < 2^31, so `| 0` truncates like Math.floor, in integer arithmetic.
		draw %= PRINTABLE_4;
		bytes[i] = FIRST_PRINTABLE + (draw % PRINTABLE_COUNT);
		draw = (draw / PRINTABLE_COUNT) | 0;
		bytes[i + 1] = FIRST_PRINTABLE + (draw % PRINTABLE_COUNT);
		draw = (draw / PRINTABLE_COUNT) | 0;
		bytes[i + 2] = FIRST_PRINTABLE + (draw % PRINTABLE_COUNT);
		bytes[i + 3] = FIRST_PRINTABLE + ((draw / PRINTABLE_COUNT) | 0);
	}

	return bytes.toString('latin1', 0, length);
}

/**
 * A lazy, seeded source of messages. Nothing is made before it is asked for: the sender pool
 * pulls one message each time a sender frees, so memory does not depend on `count`.
 */
export function * generateMessages(random: Random, options: MessageOptions): Generator<Message, void, undefined> {
	const {count, maxBodyLength = DEFAULTS.maxBodyLength, idPrefix = ''} = options;
	for (let n = 1; n <= count; n++) {
		const to = randomPhoneNumber(random);
		const body = randomBody(random, maxBodyLength);
		yield {id: idPrefix + n, to, body};
	}
}
