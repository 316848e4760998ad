import {meanInterval, type Interval} from '../engine/confidence.js';
import type {SimulationConfig} from '../model/config.js';
import {SimulationScheduler} from '../engine/scheduler.js';
import {MAX_SEED} from '../model/random.js';
import {needsWarmup, type Snapshot} from '../engine/snapshot.js';
import {simulate} from './simulation.js';

/** Raised inside a search when its signal aborts: the search returns what it knows. */
export class Stopped extends Error {
	override name = 'Stopped';
}

/**
 * Runs one seeded replication on a virtual clock in slices of wall time, so the process hears
 * signals between them: its final snapshot, or a `Stopped` rejection when `signal` aborts.
 */
export async function runOnce(config: SimulationConfig, signal?: AbortSignal): Promise<Snapshot> {
	if (signal?.aborted) {
		throw new Stopped();
	}

	const scheduler = new SimulationScheduler('max');
	return new Promise<Snapshot>((resolve, reject) => {
		const onAbort = (): void => {
			subscription.unsubscribe();
			reject(new Stopped());
		};

		const subscription = simulate({...config, speed: 'max'}, {scheduler, emitResults: false}).subscribe(event => {
			if (event.type === 'final') {
				signal?.removeEventListener('abort', onAbort);
				resolve(event);
			}
		});
		signal?.addEventListener('abort', onAbort, {once: true});
	});
}

/**
 * The seeds of `count` replications from `seed`: seed, seed + 1, ... (wrapping past the largest
 * seed). Neighbouring seeds give independent streams (`mixSeed` in random.ts), and the first
 * replication is the run `--seed` alone gives.
 */
export function replicationSeeds(seed: number, count: number): number[] {
	return Array.from({length: count}, (_, index) => (seed + index) % (MAX_SEED + 1));
}

/** The key figures of one replication, each a number (or null where the run has no such figure). */
export type ReplicationFigures = Readonly<Record<FigureName, number | null>>;

/** The figures summarized over replications, in the order the summary shows them. */
export const FIGURE_NAMES = [
	'throughputPerSec',
	'makespanMs',
	'avgMs',
	'p50Ms',
	'p95Ms',
	'p99Ms',
	'waitAvgMs',
	'waitP50Ms',
	'waitP95Ms',
	'waitP99Ms',
	'latencyAvgMs',
	'latencyP50Ms',
	'latencyP95Ms',
	'latencyP99Ms',
	'failureRatio',
	'deadLetteredShare',
] as const;
export type FigureName = (typeof FIGURE_NAMES)[number];

/**
 * One replication's key figures from its final snapshot. Waits and latencies exist with arrivals
 * (`--rate`) only, the dead-lettered share with a retry policy only, and throughput only when
 * simulated time passed.
 */
export function figuresOf(final: Snapshot): ReplicationFigures {
	const {wait, latency, retries} = final;
	const share = (count: number): number => (final.processed > 0 ? count / final.processed : 0);
	return {
		throughputPerSec: final.throughputPerSec,
		makespanMs: final.elapsedMs,
		avgMs: final.avgMs,
		p50Ms: final.p50Ms,
		p95Ms: final.p95Ms,
		p99Ms: final.p99Ms,
		waitAvgMs: wait?.avgMs ?? null,
		waitP50Ms: wait?.p50Ms ?? null,
		waitP95Ms: wait?.p95Ms ?? null,
		waitP99Ms: wait?.p99Ms ?? null,
		latencyAvgMs: latency?.avgMs ?? null,
		latencyP50Ms: latency?.p50Ms ?? null,
		latencyP95Ms: latency?.p95Ms ?? null,
		latencyP99Ms: latency?.p99Ms ?? null,
		failureRatio: share(final.failed),
		deadLetteredShare: retries === undefined ? null : share(retries.deadLettered),
	};
}

/** Replications in brief: each figure's mean and 95% interval over those that have it. */
export type ReplicationSummary = {
	readonly count: number;
	readonly seeds: readonly number[];
	/** The confidence level of the intervals. */
	readonly level: number;
	/** Each figure some replication has; a figure only some have is summarized over those. */
	readonly figures: Readonly<Partial<Record<FigureName, Interval>>>;
	/** Replications whose start-up biased their waits (`needsWarmup`), and the median warm-up their MSER-5 suggests (simulated ms). */
	readonly warmup?: {readonly replications: number; readonly atMs: number};
};

/** Each key figure of `finals` (one final snapshot per replication, in seed order) as a mean with its `level` interval. */
export function summarizeReplications(finals: readonly Snapshot[], seeds: readonly number[], level = 0.95): ReplicationSummary {
	const each = finals.map(final => figuresOf(final));
	const figures: Partial<Record<FigureName, Interval>> = {};
	for (const name of FIGURE_NAMES) {
		const values = each.map(figures => figures[name]).filter((value): value is number => value !== null);
		if (values.length > 0) {
			figures[name] = meanInterval(values, level);
		}
	}

	const cold = finals.map(final => final.warmup).filter(estimate => needsWarmup(estimate) && estimate.settled).map(estimate => estimate!.atMs).toSorted((a, b) => a - b);
	const median = cold[Math.floor(cold.length / 2)];
	return {
		count: finals.length, seeds, level, figures, ...(median === undefined ? {} : {warmup: {replications: cold.length, atMs: median}}),
	};
}
