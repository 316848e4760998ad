import {xoroshiro128plus} from 'pure-rand/generator/xoroshiro128plus';
import {randomInt} from 'node:crypto';

/** 2^-32: turns an unsigned 32-bit draw into a fraction of one. */
const TWO_TO_MINUS_32 = 1 / 4_294_967_296;

/**
 * The one source of randomness of a simulation: a seeded stream, so the same seed gives the same
 * messages and outcomes. Every random choice in the pipeline draws from an injected `Random`.
 */
export type Random = {
	/** Uniform whole number in [0, 2^32). */
	uint32(): number;
	/** Uniform in [0, 1), 32 bits of resolution. */
	float(): number;
	/** Uniform in (0, 1): never 0, safe for `Math.log`. */
	open(): number;
	/** Uniform whole number in [0, n), for 1 <= n <= 2^32. */
	int(n: number): number;
};

/** The largest seed; seeds are whole numbers in [0, MAX_SEED]. */
export const MAX_SEED = 4_294_967_295;

/**
 * A seeded `Random` on xoroshiro128+ from pure-rand (the generator fast-check uses): fast, small
 * state, and mutated in place (`next()` returns a 32-bit int), so drawing allocates nothing.
 */
export function createRandom(seed: number): Random {
	if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
		throw new RangeError(`seed must be a whole number from 0 to ${MAX_SEED}, got ${seed}`);
	}

	const generator = xoroshiro128plus(seed | 0);
	// The first outputs of a freshly seeded xoroshiro are correlated with the seed; discard a few.
	for (let i = 0; i < 16; i++) {
		generator.next();
	}

	return {
		uint32: () => generator.next() >>> 0,
		float: () => (generator.next() >>> 0) * TWO_TO_MINUS_32,
		open: () => ((generator.next() >>> 0) + 0.5) * TWO_TO_MINUS_32,
		// Multiply-and-floor: bias at most n / 2^32 per value, invisible at the sizes used here.
		int: (n: number) => Math.floor((generator.next() >>> 0) * TWO_TO_MINUS_32 * n),
	};
}

/** A fresh seed for runs where the user gave none (it is reported, so a run can be repeated). */
export function randomSeed(): number {
	return randomInt(0, MAX_SEED + 1);
}
