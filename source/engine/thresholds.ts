import {exceedsFailureRate, type Snapshot} from './snapshot.js';

/** What a threshold may be about, and how its value reads. */
const METRICS = {
	p50: {unit: 'ms', of: (snapshot: Snapshot) => snapshot.p50Ms},
	p90: {unit: 'ms', of: (snapshot: Snapshot) => snapshot.p90Ms},
	p95: {unit: 'ms', of: (snapshot: Snapshot) => snapshot.p95Ms},
	p99: {unit: 'ms', of: (snapshot: Snapshot) => snapshot.p99Ms},
	avg: {unit: 'ms', of: (snapshot: Snapshot) => snapshot.avgMs},
	max: {unit: 'ms', of: (snapshot: Snapshot) => snapshot.maxMs},
	'failure-rate': {unit: 'ratio', of: (snapshot: Snapshot) => (snapshot.processed > 0 ? snapshot.failed / snapshot.processed : 0)},
	// An instant run (no simulated time) is faster than any rate.
	throughput: {unit: '/s', of: (snapshot: Snapshot) => snapshot.throughputPerSec ?? Number.POSITIVE_INFINITY},
} as const;

export type ThresholdMetric = keyof typeof METRICS;
export const THRESHOLD_METRICS = Object.keys(METRICS) as ThresholdMetric[];
const OPERATORS = ['<=', '>=', '<', '>'] as const;

/** A pass/fail rule on the final snapshot, as k6 has them: `p99<500ms`, `failure-rate<0.05`, `throughput>1000/s`. */
export type Threshold = {
	/** As the user wrote it, spaces taken out. */
	readonly expression: string;
	readonly metric: ThresholdMetric;
	readonly operator: (typeof OPERATORS)[number];
	/** In the metric's unit: ms, a ratio, or per second. */
	readonly limit: number;
};

/** A threshold's outcome. */
export type ThresholdResult = {readonly expression: string; readonly value: number; readonly ok: boolean};

/**
 * Reads `p99<500ms` (a duration: us, ms, s, m; a bare number is ms), `failure-rate<0.05` (a ratio,
 * or a percentage: `5%`), `throughput>1000/s` (per second, or `/m`). Undefined when it is not one.
 */
export function parseThreshold(text: string, parseDuration: (text: string) => number | undefined): Threshold | undefined {
	const compact = text.replaceAll(/\s+/g, '');
	const [, name = '', operatorText, raw = ''] = /^([a-z\d-]+)(<=|>=|<|>)(.+)$/.exec(compact) ?? [];
	if (!Object.hasOwn(METRICS, name)) {
		return undefined;
	}

	const metric = name as ThresholdMetric;
	const operator = operatorText as Threshold['operator'];
	let limit: number | undefined;
	switch (METRICS[metric].unit) {
		case 'ms': {
			limit = parseDuration(raw);
			break;
		}

		case 'ratio': {
			const [, percent] = /^(\d+(?:\.\d+)?)%$/.exec(raw) ?? [];
			const value = percent === undefined ? (/^\d*\.?\d+$/.test(raw) ? Number(raw) : Number.NaN) : Number(percent) / 100;
			limit = value >= 0 && value <= 1 ? value : undefined;
			break;
		}

		case '/s': {
			const [, number, unit] = /^(\d*\.?\d+)(\/s|\/m)?$/.exec(raw) ?? [];
			limit = number === undefined ? undefined : Number(number) / (unit === '/m' ? 60 : 1);
			break;
		}
	}

	return limit === undefined || !Number.isFinite(limit) || limit < 0
		? undefined
		: {
			expression: compact, metric, operator, limit,
		};
}

/** The rule of the grammar, for error messages. */
export const THRESHOLD_RULE = `must be METRIC OP VALUE with METRIC one of ${THRESHOLD_METRICS.join(', ')} and OP one of <, <=, >, >=, such as p99<500ms, failure-rate<0.05 or throughput>1000/s`;

export function evaluateThreshold(threshold: Threshold, snapshot: Snapshot): ThresholdResult {
	const value = METRICS[threshold.metric].of(snapshot);
	const {limit} = threshold;
	const holds: Record<Threshold['operator'], boolean> = {
		'<': value < limit, '<=': value <= limit, '>': value > limit, '>=': value >= limit,
	};
	return {expression: threshold.expression, value, ok: holds[threshold.operator]};
}

/** The unit a metric's value is shown in. */
export function thresholdUnit(metric: ThresholdMetric): string {
	return METRICS[metric].unit;
}

/** Whether a final snapshot fails its run: the failure ratio above `maxFailureRate`, or any threshold failed. */
export function failsCriteria(snapshot: Snapshot, maxFailureRate: number | undefined, thresholds: readonly Threshold[]): boolean {
	return exceedsFailureRate(snapshot, maxFailureRate) || thresholds.some(threshold => !evaluateThreshold(threshold, snapshot).ok);
}
