import {DEFAULTS} from './defaults.js';
import type {Random} from './random.js';
import {
	GSM_EXTENSION, GSM_PRINTABLE, packedBodyCost, packedEncoding, packedSegments, type Encoding,
} from './segments.js';

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
	/** How the body travels (see segments.ts); worked out from the body where a source leaves it out. */
	readonly encoding?: Encoding;
	/** What the body is billed as: 1 or more segments. */
	readonly segments?: number;
	/** Its priority's name (`--priority`): a free sender takes the highest priority waiting. */
	readonly priority?: string;
	/** It arrived within the run's warm-up (`--warmup`): its wait and latency are left out of the figures. */
	readonly warmup?: boolean;
};

/** What bodies are drawn from: GSM-7 characters only, printable ASCII (a backtick is not GSM-7), or a mix with other scripts and emoji. */
export const CHARSETS = ['gsm', 'ascii', 'unicode'] as const;
export type Charset = (typeof CHARSETS)[number];

export type MessageOptions = {
	/** How many messages; `Infinity` for an endless stream. */
	readonly count: number;
	/** Longest body, in characters (at least 1). Lengths are uniform over 1..maxBodyLength. */
	readonly maxBodyLength?: number;
	/** Put before every id, so producers on several machines give distinct ids. */
	readonly idPrefix?: string;
	/** What bodies are drawn from; default `ascii`. */
	readonly charset?: Charset;
	/** The first message's number (its id is `idPrefix` and the number); default 1. */
	readonly first?: number;
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

/** Where `randomBody` leaves the packed cost (see `packedBodyCost`) of the body it made. */
const made = {cost: 0};

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
 * Segments and encoding of a printable-ASCII body, cheaply: a backtick (the one printable ASCII
 * character outside GSM-7) makes it UCS-2, where ASCII has no surrogate pairs, so its length
 * decides; a GSM-7 body of 80 characters or fewer fits one segment even if all were extension
 * characters. Only longer GSM-7 bodies are counted character by character.
 */
function asciiCost(body: string): number {
	if (body.includes('`')) {
		return ((body.length <= 70 ? 1 : Math.ceil(body.length / 67)) * 2) + 1;
	}

	return body.length <= 80 ? 2 : packedBodyCost(body);
}

/** Characters of `GSM_PRINTABLE` and of other scripts, for `--charset unicode`: Latin, Cyrillic, Greek, Chinese and emoji. */
const UNICODE_POOL = [...'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?-', ...'абвгдежзийклмнопрстуфхцчшщыэюя', ...'αβγδεζηθικλμνξοπρστυφχψω', ...'警报通知系统消息发送失败成功', ...'🚨📱✅❌⚠️🔥'];

/** A body of `charset` (gsm or unicode) of uniform length (in characters) in 1..maxLength; its cost left in `made`. */
function randomBodyOf(random: Random, maxLength: number, charset: Exclude<Charset, 'ascii'>): string {
	const pool = charset === 'gsm' ? GSM_PRINTABLE : UNICODE_POOL;
	const length = 1 + random.int(maxLength);
	let body = '';
	for (let i = 0; i < length; i++) {
		body += pool[random.int(pool.length)];
	}

	made.cost = packedBodyCost(body);
	return body;
}

/** A generated message: its segments and encoding are always worked out. */
export type GeneratedMessage = Message & {readonly encoding: Encoding; readonly segments: number};

/**
 * A lazy, seeded source of messages. Nothing is made before it is asked for: the sender pool
 * pulls one message each time a sender frees, so memory does not depend on `count`.
 */
export function * generateMessages(random: Random, options: MessageOptions): Generator<GeneratedMessage, void, undefined> {
	const {
		count, maxBodyLength = DEFAULTS.maxBodyLength, idPrefix = '', charset = 'ascii', first = 1,
	} = options;
	for (let n = first; n < first + count; n++) {
		const to = randomPhoneNumber(random);
		// The default charset called directly, its cost worked out here: V8 inlines `randomBody` only
		// while it stays as small as it was.
		let body: string;
		if (charset === 'ascii') {
			body = randomBody(random, maxBodyLength);
			made.cost = asciiCost(body);
		} else {
			body = randomBodyOf(random, maxBodyLength, charset);
		}

		yield {
			id: idPrefix + n, to, body, encoding: packedEncoding(made.cost), segments: packedSegments(made.cost),
		};
	}
}
