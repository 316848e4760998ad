/**
 * Two runs side by side (`sms-sim compare`): each figure, the difference and the ratio, and
 * whether a difference in send times is more than noise.
 *
 * Noise is judged from the runs' events (`--json --events`), when both files have them, two ways:
 * - each percentile's distribution-free 95% confidence interval, from order statistics (the
 *   ranks n p +- 1.96 sqrt(n p (1 - p)) of the sorted send times): two intervals that do not
 *   overlap mean the percentile moved beyond noise;
 * - a Mann-Whitney rank test on all send times (normal approximation with ties averaged): |z| >
 *   3.29 (p < 0.001) means one run's send times are shifted against the other's.
 */

/** A figure of both runs. */
export type ComparedFigure = {
	readonly name: string;
	readonly a: number;
	readonly b: number;
	/** B - A. */
	readonly difference: number;
	/** B / A; null when A is 0. */
	readonly ratio: number | null;
};

export type PercentileShift = {
	readonly percentile: number;
	readonly a: {readonly valueMs: number; readonly lowMs: number; readonly highMs: number};
	readonly b: {readonly valueMs: number; readonly lowMs: number; readonly highMs: number};
	/** The two 95% intervals do not overlap. */
	readonly beyondNoise: boolean;
};

export type Comparison = {
	readonly figures: readonly ComparedFigure[];
	/** Null when a run has no events: its send times are only known as percentiles, so noise cannot be told. */
	readonly sendTimes: {
		readonly percentiles: readonly PercentileShift[];
		/** Mann-Whitney z of B against A (positive: B's send times are longer). */
		readonly rankZ: number;
		readonly shifted: boolean;
	} | null;
};

/** The figures the summary lines of both runs give, in the order people read them. */
export const COMPARED_FIGURES = ['processed', 'sent', 'failed', 'failureRatio', 'avgMs', 'p50Ms', 'p90Ms', 'p95Ms', 'p99Ms', 'p999Ms', 'maxMs', 'throughputPerSec', 'elapsedMs'] as const;

/** 1.96: the two-sided 95% normal quantile. */
const Z_95 = 1.96;
/** 3.29: two-sided p < 0.001, the rank test's threshold (a bench of runs must not cry wolf). */
const Z_SHIFT = 3.29;

/** The comparison of two summaries, with their send times when both have events. */
export function compareRuns(a: Record<string, unknown>, b: Record<string, unknown>, times?: {readonly a: Float64Array; readonly b: Float64Array}): Comparison {
	const figures = COMPARED_FIGURES.map(name => {
		const valueA = typeof a[name] === 'number' ? a[name] : 0;
		const valueB = typeof b[name] === 'number' ? b[name] : 0;
		return {
			name, a: valueA, b: valueB, difference: valueB - valueA, ratio: valueA === 0 ? null : valueB / valueA,
		};
	});
	if (!times || times.a.length < 2 || times.b.length < 2) {
		return {figures, sendTimes: null};
	}

	const sortedA = times.a.toSorted();
	const sortedB = times.b.toSorted();
	const percentiles = [50, 95, 99].map(percentile => {
		const of = (sorted: Float64Array) => quantileInterval(sorted, percentile / 100);
		const intervalA = of(sortedA);
		const intervalB = of(sortedB);
		return {
			percentile, a: intervalA, b: intervalB, beyondNoise: intervalA.highMs < intervalB.lowMs || intervalB.highMs < intervalA.lowMs,
		};
	});
	const rankZ = mannWhitneyZ(sortedA, sortedB);
	return {figures, sendTimes: {percentiles, rankZ, shifted: Math.abs(rankZ) > Z_SHIFT}};
}

/** The sample quantile and its distribution-free 95% interval from order statistics. */
function quantileInterval(sorted: Float64Array, p: number): {valueMs: number; lowMs: number; highMs: number} {
	const n = sorted.length;
	const at = (rank: number) => sorted[Math.min(n - 1, Math.max(0, rank))] ?? Number.NaN; // NaN: an empty sample.
	const spread = Z_95 * Math.sqrt(n * p * (1 - p));
	return {valueMs: at(Math.ceil(n * p) - 1), lowMs: at(Math.floor((n * p) - spread) - 1), highMs: at(Math.ceil((n * p) + spread) - 1)};
}

/** Mann-Whitney U of B against A as a z score (normal approximation, ties given their mean rank). */
function mannWhitneyZ(sortedA: Float64Array, sortedB: Float64Array): number {
	const n1 = sortedA.length;
	const n2 = sortedB.length;
	// Merge the two sorted samples, giving each run of ties its mean rank, and sum B's ranks.
	let i = 0;
	let j = 0;
	let rank = 0;
	let rankSumB = 0;
	let tieTerm = 0;
	while (i < n1 || j < n2) {
		const value = j >= n2 || (i < n1 && sortedA[i]! <= sortedB[j]!) ? sortedA[i]! : sortedB[j]!; // I < n1 or j < n2.
		let fromA = 0;
		let fromB = 0;
		while (i < n1 && sortedA[i] === value) {
			i++;
			fromA++;
		}

		while (j < n2 && sortedB[j] === value) {
			j++;
			fromB++;
		}

		const tied = fromA + fromB;
		const meanRank = rank + ((tied + 1) / 2);
		rankSumB += fromB * meanRank;
		rank += tied;
		tieTerm += (tied ** 3) - tied;
	}

	const u = rankSumB - ((n2 * (n2 + 1)) / 2);
	const n = n1 + n2;
	const variance = ((n1 * n2) / 12) * ((n + 1) - (tieTerm / (n * (n - 1))));
	return variance > 0 ? (u - ((n1 * n2) / 2)) / Math.sqrt(variance) : 0;
}
