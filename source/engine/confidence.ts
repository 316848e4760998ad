import jStat from 'jstat';

/** A mean over replications with its confidence interval (Student t). */
export type Interval = {
	/** Replications it rests on. */
	readonly n: number;
	readonly mean: number;
	/** Sample standard deviation (n - 1); 0 for one replication. */
	readonly stddev: number;
	/** Half the interval's width: mean +- halfWidth; null for one replication (no spread to go on). */
	readonly halfWidth: number | null;
	readonly low: number | null;
	readonly high: number | null;
};

/**
 * The mean of independent replications and its `level` confidence interval: mean +- t(1 - a/2,
 * n - 1) x s / sqrt(n), Student's t because the spread is itself estimated from the n values
 * (jStat's quantile). Independent replications are what make it honest: the figures of one run
 * (its waits, one after another) are autocorrelated, and an interval over them would be too narrow.
 */
export function meanInterval(values: readonly number[], level = 0.95): Interval {
	const n = values.length;
	const mean = values.reduce((sum, value) => sum + value, 0) / n;
	if (n < 2) {
		return {
			n, mean, stddev: 0, halfWidth: null, low: null, high: null,
		};
	}

	const stddev = Math.sqrt(values.reduce((sum, value) => sum + ((value - mean) ** 2), 0) / (n - 1));
	const halfWidth = jStat.studentt.inv(1 - ((1 - level) / 2), n - 1) * stddev / Math.sqrt(n);
	return {
		n, mean, stddev, halfWidth, low: mean - halfWidth, high: mean + halfWidth,
	};
}

/**
 * The Clopper-Pearson ("exact") `level` interval of a success probability after `successes` in
 * `trials`: never narrower than it should be, however small the sample (0 of 5 still allows 45%).
 */
export function successInterval(successes: number, trials: number, level = 0.95): {readonly low: number; readonly high: number} {
	const tail = (1 - level) / 2;
	return {
		low: successes === 0 ? 0 : jStat.beta.inv(tail, successes, trials - successes + 1),
		high: successes === trials ? 1 : jStat.beta.inv(1 - tail, successes + 1, trials - successes),
	};
}
