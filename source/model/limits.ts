import {toMillis, MAX_MICROS} from '../engine/time.js';

/**
 * The range of every numeric setting: what the engine really handles, checked before a run
 * starts (the CLI reports a value outside it as a usage error). The "Ranges" table of docs/options.md lists
 * these, with why.
 */
export const LIMITS = {
	/** Messages in a run. */
	messages: {min: 0, max: Number.MAX_SAFE_INTEGER},
	/** Senders in one process: each is a few hundred bytes, and more would not help. */
	senders: {min: 1, max: 1_000_000},
	/** A mean send time is 0 (instant) or within this, ms: times are kept to the microsecond, so 10 us keeps the mean within 0.05%. */
	meanMs: {min: 0.01, max: 86_400_000},
	/** A gamma spread is 0 (fixed) or within this: below it the shape overflows, above it nearly every draw rounds to 0. */
	gammaSpread: {min: 0.001, max: 4},
	/** Uniform spread: above 1/sqrt(3) the shortest send time would be negative. */
	uniformSpread: {min: 0, max: 1 / Math.sqrt(3)},
	/** Monitor interval, ms. */
	intervalMs: {min: 1, max: 86_400_000},
	/** A paced speed (simulated ms per real ms); `max` is the other choice. */
	speed: {min: 0.001, max: 1_000_000},
	/** Attempts a message may get (`--max-attempts`). */
	maxAttempts: {min: 1, max: 100},
	/** A backoff (`--backoff`, `--backoff-max`), ms: 0 (retry at once) up to a day. */
	backoffMs: {min: 0.001, max: 86_400_000},
	/** How long `--metrics` waits for a last scrape once the run is over, ms: 0 (none) up to an hour. */
	lingerMs: {min: 1, max: 3_600_000},
	/** A sender's carrier limit, segments per simulated second (`rate=` in a group): from one a day to a million a second. */
	senderRatePerSec: {min: 0.000_01, max: 1_000_000},
	/** Arrivals per simulated second (`--rate`): from one every ~3 hours to a billion a second. */
	ratePerSec: {min: 0.0001, max: 1_000_000_000},
	/** Longest body, characters (code points: an emoji is one character, and two UTF-16 units). */
	maxBodyLength: {min: 1, max: 10_000},
	/**
	 * The longest body in UTF-16 code units, as JavaScript strings and the broker's batches count
	 * them: two for each character outside the Basic Multilingual Plane. What a producer may write
	 * (10,000 emoji), a worker must read.
	 */
	bodyUnits: 20_000,
	/** Senders x longest body: each sender holds one message in flight, so this bounds the bodies held, in characters (100 MB). */
	bodiesInFlight: 100_000_000,
	/** Progress snapshots a run may be expected to print: more is a flood nobody reads (10 million lines is about 1.5 GB). */
	progressLines: 10_000_000,
	/** Simulated time a run may be expected to last, ms: the clock is exact to 2^51 us (71 years); 50 years leaves room for a long tail. */
	simulatedMs: Math.min(toMillis(MAX_MICROS), 50 * 365.25 * 86_400_000),
} as const;
