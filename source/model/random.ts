import {randomInt} from 'node:crypto';
import {xoroshiro128plusFromState} from 'pure-rand/generator/xoroshiro128plus';

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
 * state, and mutated in place (`next()` returns a 32-bit int), so drawing allocates nothing. The
 * seed is mixed first (`mixSeed`), so seeds 1, 2, 3... give independent streams.
 */
export function createRandom(seed: number): Random {
	if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
		throw new RangeError(`seed must be a whole number from 0 to ${MAX_SEED}, got ${seed}`);
	}

	const generator = xoroshiro128plusFromState(mixSeed(seed));
	return {
		uint32: () => generator.next() >>> 0,
		float: () => (generator.next() >>> 0) * TWO_TO_MINUS_32,
		open: () => ((generator.next() >>> 0) + 0.5) * TWO_TO_MINUS_32,
		// Multiply-and-floor: bias at most n / 2^32 per value, invisible at the sizes used here.
		int: (n: number) => Math.floor((generator.next() >>> 0) * TWO_TO_MINUS_32 * n),
	};
}

const MASK_64 = (1n << 64n) - 1n;

/**
 * The generator's 128-bit state from a seed, through splitmix64, as xoroshiro's authors advise:
 * seeding it with the seed's own bits (pure-rand's `xoroshiro128plus(seed)`) makes neighbouring
 * seeds give correlated streams (seeds 2k and 2k+1 correlated up to 0.65 in their first draws),
 * and people use seeds 1, 2, 3... as independent replications. Splitmix64 spreads every bit of
 * the seed over the whole state, and never gives the all-zero state.
 */
export function mixSeed(seed: number): [number, number, number, number] {
	let state = BigInt(seed);
	const next = (): bigint => {
		state = (state + 0x9E_37_79_B9_7F_4A_7C_15n) & MASK_64;
		let z = state;
		z = ((z ^ (z >> 30n)) * 0xBF_58_47_6D_1C_E4_E5_B9n) & MASK_64;
		z = ((z ^ (z >> 27n)) * 0x94_D0_49_BB_13_31_11_EBn) & MASK_64;
		return z ^ (z >> 31n);
	};

	const s0 = next();
	const s1 = next();
	const high = (word: bigint) => Number(BigInt.asIntN(32, word >> 32n));
	const low = (word: bigint) => Number(BigInt.asIntN(32, word));
	// Pure-rand's state order: s0 high, s0 low, s1 high, s1 low, as signed 32-bit numbers.
	return [high(s0), low(s0), high(s1), low(s1)];
}

/**
 * The seed of sub-stream `stream` (taken modulo 2^32) of `seed`: a whole number in [0, MAX_SEED], mixed (murmur3's
 * finalizer) so neighbouring streams differ in every bit; `createRandom` mixes it again. Lets a
 * part of a run be drawn on its own, e.g. a distributed producer's batch by whichever worker takes
 * it, without drawing what comes before it.
 */
export function streamSeed(seed: number, stream: number): number {
	let hash = (seed ^ Math.imul(stream, 0x9E_37_79_B1)) >>> 0;
	hash = Math.imul(hash ^ (hash >>> 16), 0x85_EB_CA_6B);
	hash = Math.imul(hash ^ (hash >>> 13), 0xC2_B2_AE_35);
	return (hash ^ (hash >>> 16)) >>> 0;
}

/** A fresh seed for runs where the user gave none (it is reported, so a run can be repeated). */
export function randomSeed(): number {
	return randomInt(0, MAX_SEED + 1);
}
