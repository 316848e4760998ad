import {DEFAULTS} from './defaults.js';
import {LIMITS} from './limits.js';
import type {Random} from './random.js';

/**
 * How a send time is drawn. Each has the configured mean as its true mean and never gives a
 * negative time (no clipped or folded normal, which would bias the mean).
 *
 * - `gamma` (default): bell-shaped and right-skewed like real latencies. `spread` is the
 *   coefficient of variation (standard deviation / mean): shape = 1 / spread^2, so 0.25 gives a
 *   narrow bell, 1 is the exponential, above 1 piles up near 0 with a long tail. 0 is fixed.
 * - `exponential`: memoryless; its coefficient of variation is always 1, so it takes no spread.
 * - `uniform`: flat on mean * (1 -/+ sqrt(3) * spread); spread at most 1/sqrt(3) (~0.577) so the
 *   lower end is not below 0.
 * - `fixed`: always exactly the mean (to the microsecond, exact on average); takes no spread.
 * - `empirical`: a user's own measured send times (`samples`), each drawn with equal chance (a
 *   bootstrap): the mean and spread are theirs, so none is given.
 */
export const DISTRIBUTIONS = ['gamma', 'exponential', 'uniform', 'fixed', 'empirical'] as const;

/** The distributions drawn from a mean (and spread): all but `empirical`, which draws from measured times. */
export const SHAPED_DISTRIBUTIONS = DISTRIBUTIONS.filter(distribution => distribution !== 'empirical');
export type Distribution = (typeof DISTRIBUTIONS)[number];

/** The same as `DEFAULTS.distribution`, for importers of earlier versions. */
export const DEFAULT_DISTRIBUTION: Distribution = DEFAULTS.distribution;
/** The same as `DEFAULTS.spread`, for importers of earlier versions. */
export const DEFAULT_SPREAD = DEFAULTS.spread;
export const MAX_UNIFORM_SPREAD = LIMITS.uniformSpread.max;

export type SendTimeShape = {
	readonly distribution: Distribution;
	/** Mean send time in milliseconds, >= 0; 0 means every send is instant. */
	readonly meanMs: number;
	/** Coefficient of variation; see `DISTRIBUTIONS`. */
	readonly spread: number;
	/** `empirical`: the measured send times drawn from (ms). */
	readonly sendTimes?: readonly number[];
};

/**
 * Whether a distribution takes a spread, and the range it takes (0, every send the mean, is
 * always allowed), with the rule in words for error messages.
 */
export function spreadLimit(distribution: Distribution): {takesSpread: boolean; min: number; max: number; rule: string} {
	switch (distribution) {
		case 'gamma': {
			const {min, max} = LIMITS.gammaSpread;
			return {
				takesSpread: true, min, max, rule: `must be 0 or from ${min} to ${max} for the gamma distribution (below, its shape overflows; above, nearly every send time rounds to 0)`,
			};
		}

		case 'uniform': {
			const {min, max} = LIMITS.uniformSpread;
			return {
				takesSpread: true, min, max, rule: `must be at most ${max.toFixed(3)} for the uniform distribution (or its shortest send time would be negative)`,
			};
		}

		case 'exponential':
		case 'fixed':
		case 'empirical': {
			return {
				takesSpread: false, min: 0, max: 0, rule: 'takes no spread',
			};
		}
	}
}

/** The spread a distribution has when none is given. */
export function defaultSpread(distribution: Distribution): number {
	switch (distribution) {
		case 'exponential': {
			return 1;
		}

		case 'fixed':
		case 'empirical': {
			return 0;
		}

		case 'gamma':
		case 'uniform': {
			return DEFAULTS.spread;
		}
	}
}

/** A function that draws one send time, in milliseconds, from `random`. */
export type SendTimeSampler = () => number;

export function createSendTimeSampler(shape: SendTimeShape, random: Random): SendTimeSampler {
	const {distribution, meanMs, spread} = shape;
	if (!(meanMs >= 0) || !Number.isFinite(meanMs)) {
		throw new RangeError(`meanMs must be a finite number >= 0, got ${meanMs}`);
	}

	if (meanMs === 0) {
		return () => 0;
	}

	switch (distribution) {
		case 'empirical': {
			const samples = shape.sendTimes ?? [];
			if (samples.length === 0) {
				throw new RangeError('the empirical distribution needs sendTimes: measured send times to draw from');
			}

			return () => samples[random.int(samples.length)]!; // An index below the length.
		}

		case 'fixed': {
			return fixedTime(meanMs);
		}

		case 'exponential': {
			return () => -meanMs * Math.log(random.open());
		}

		case 'uniform': {
			if (!(spread >= 0 && spread <= MAX_UNIFORM_SPREAD)) {
				throw new RangeError(`uniform spread must be between 0 and ${MAX_UNIFORM_SPREAD.toFixed(3)}, got ${spread}`);
			}

			const low = meanMs * (1 - Math.sqrt(3) * spread);
			const width = meanMs * 2 * Math.sqrt(3) * spread;
			return () => low + width * random.float();
		}

		case 'gamma': {
			const limit = spreadLimit('gamma');
			if (!(spread === 0 || (spread >= limit.min && spread <= limit.max))) {
				throw new RangeError(`gamma spread ${limit.rule}, got ${spread}`);
			}

			if (spread === 0) {
				return fixedTime(meanMs);
			}

			const shapeK = 1 / (spread * spread);
			return createGammaSampler(shapeK, meanMs / shapeK, random);
		}
	}
}

/**
 * Always `meanMs`, on a clock of whole microseconds (time.ts): a mean that is a whole number of them
 * as it is; another alternates between the two microseconds around it so that the mean stays exact
 * (10.4 us: 10, 11, 10, 11, 10, ... twice in five 11), with no random draw. Rounded once, as every
 * time is, 10.4 us was 10 us, 3.8% short.
 */
function fixedTime(meanMs: number): SendTimeSampler {
	const meanUs = meanMs * 1000;
	if (Math.abs(meanUs - Math.round(meanUs)) < 1e-6) {
		return () => meanMs;
	}

	let owedUs = 0;
	let givenUs = 0;
	return () => {
		owedUs += meanUs;
		const nextUs = Math.round(owedUs) - givenUs;
		givenUs += nextUs;
		return nextUs / 1000;
	};
}

/**
 * Gamma(shape, scale) by Marsaglia and Tsang, "A simple method for generating gamma variables"
 * (ACM TOMS 26(3), 2000): one normal and one uniform per draw, rejecting about 1-5% of the time.
 * For shape < 1 it draws Gamma(shape + 1) and multiplies by U^(1/shape), as the paper says.
 */
function createGammaSampler(shape: number, scale: number, random: Random): SendTimeSampler {
	const boosted = shape < 1;
	const d = (boosted ? shape + 1 : shape) - 1 / 3;
	const c = 1 / Math.sqrt(9 * d);
	const inverseShape = 1 / shape;
	const normal = createNormalSampler(random);
	return () => {
		let x;
		let v;
		for (;;) {
			do {
				x = normal();
				v = 1 + c * x;
			} while (v <= 0);

			v *= v * v;
			const u = random.open();
			const xx = x * x;
			if (u < 1 - 0.0331 * xx * xx || Math.log(u) < 0.5 * xx + d * (1 - v + Math.log(v))) {
				break;
			}
		}

		const draw = d * v * scale;
		return boosted ? draw * random.open() ** inverseShape : draw;
	};
}

/** Standard normal by Marsaglia's polar method; each accepted pair gives two draws. */
function createNormalSampler(random: Random): () => number {
	let spare = 0;
	let hasSpare = false;
	return () => {
		if (hasSpare) {
			hasSpare = false;
			return spare;
		}

		let u;
		let v;
		let s;
		do {
			u = 2 * random.float() - 1;
			v = 2 * random.float() - 1;
			s = u * u + v * v;
		} while (s >= 1 || s === 0);

		const factor = Math.sqrt(-2 * Math.log(s) / s);
		spare = v * factor;
		hasSpare = true;
		return u * factor;
	};
}

/** The mean and coefficient of variation of measured send times: what an empirical group's mean and spread are. */
export function sampleShape(samples: readonly number[]): {readonly meanMs: number; readonly spread: number} {
	const meanMs = samples.reduce((sum, value) => sum + value, 0) / samples.length;
	const variance = samples.reduce((sum, value) => sum + ((value - meanMs) ** 2), 0) / samples.length;
	return {meanMs, spread: meanMs > 0 ? Math.sqrt(variance) / meanMs : 0};
}
