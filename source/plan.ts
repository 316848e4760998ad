import type {SimulationConfig} from './config.js';
import {SimulationScheduler} from './scheduler.js';
import type {SenderGroup} from './senders.js';
import {simulate} from './simulation.js';
import type {Snapshot} from './snapshot.js';

/** What a plan must meet; at least one is given. */
export type PlanGoal = {
	/** The run must end within this many simulated ms. */
	readonly deadlineMs?: number;
	/** The 99th percentile must be at most this: of latency with arrivals, else of send time. */
	readonly p99Ms?: number;
	/** The failure ratio must be at most this. */
	readonly maxFailureRate?: number;
};

/** One sender count tried: how many of its seeded replications met the goal. */
export type PlanPoint = {readonly senders: number; readonly met: number; readonly replications: number; readonly makespanMs: number; readonly p99Ms: number};

export type Plan = {
	/** The fewest senders that met the goal in every replication; null when even the most allowed did not. */
	readonly senders: number | null;
	/** Every count tried, in the order tried. */
	readonly tried: readonly PlanPoint[];
};

/** The most senders a plan considers (the engine's limit). */
export const PLAN_MAX_SENDERS = 1_000_000;

/** Runs one seeded replication synchronously on a virtual clock: its final snapshot. */
export function runOnce(config: SimulationConfig): Snapshot {
	const scheduler = new SimulationScheduler('max');
	let final: Snapshot | undefined;
	simulate({...config, speed: 'max'}, {scheduler, emitResults: false}).subscribe(event => {
		if (event.type === 'final') {
			final = event;
		}
	});
	scheduler.flush();
	return final!;
}

/** Whether a run's final snapshot meets `goal`. */
export function meets(final: Snapshot, goal: PlanGoal): boolean {
	const p99 = final.latency?.p99Ms ?? final.p99Ms;
	const failureRatio = final.processed > 0 ? final.failed / final.processed : 0;
	return (goal.deadlineMs === undefined || final.elapsedMs <= goal.deadlineMs)
		&& (goal.p99Ms === undefined || p99 <= goal.p99Ms)
		&& (goal.maxFailureRate === undefined || failureRatio <= goal.maxFailureRate);
}

/**
 * The fewest senders of `group` that meet `goal`, by search over seeded discrete-event runs. More
 * senders never make a run slower, so the count is bisected: first bracketed from below by the
 * perfectly parallel bound (messages x mean / deadline), doubling until a count meets the goal,
 * then halved to one. Each count is tried once while searching; the answer and the count below it
 * are then run `replications` times (seeds 1..R), and the answer is the fewest that met the goal in
 * every replication, which is how sure the plan is.
 */
export function planSenders(config: SimulationConfig, group: Omit<SenderGroup, 'count'>, goal: PlanGoal, replications = 3): Plan {
	const tried: PlanPoint[] = [];
	const cache = new Map<string, Snapshot>();
	const runWith = (senders: number, seed: number): Snapshot => {
		const key = `${senders}:${seed}`;
		let final = cache.get(key);
		if (final === undefined) {
			final = runOnce({...config, seed, groups: [{...group, count: senders}]});
			cache.set(key, final);
		}

		return final;
	};

	const points = new Map<string, PlanPoint>();
	const point = (senders: number, count: number): PlanPoint => {
		const known = points.get(`${senders}x${count}`);
		if (known) {
			return known;
		}

		const finals = Array.from({length: count}, (_, index) => runWith(senders, index + 1));
		const result = {
			senders,
			met: finals.filter(final => meets(final, goal)).length,
			replications: count,
			makespanMs: Math.max(...finals.map(final => final.elapsedMs)),
			p99Ms: Math.max(...finals.map(final => final.latency?.p99Ms ?? final.p99Ms)),
		};
		tried.push(result);
		points.set(`${senders}x${count}`, result);
		return result;
	};

	const ok = (senders: number, count: number) => {
		const result = point(senders, count);
		return result.met === result.replications;
	};

	const messages = config.messages ?? 1000;
	// Arrivals alone take messages / rate: no count of senders ends the run before the last arrives.
	if (goal.deadlineMs !== undefined && config.arrivals?.process === 'constant' && ((messages - 1) * 1000) / config.arrivals.ratePerSec > goal.deadlineMs) {
		return {senders: null, tried};
	}

	const meanMs = group.meanMs ?? 100;
	let low = goal.deadlineMs === undefined || meanMs === 0 ? 1 : Math.max(1, Math.floor((messages * meanMs) / goal.deadlineMs));
	let high = low;
	// Bracket: from the bound, a step of 5% that doubles each time, until a count meets the goal once.
	let step = Math.max(1, Math.ceil(low * 0.05));
	while (!ok(high, 1)) {
		low = high + 1;
		if (high >= PLAN_MAX_SENDERS) {
			return {senders: null, tried};
		}

		high = Math.min(PLAN_MAX_SENDERS, high + step);
		step *= 2;
	}

	if (low > high) {
		low = high;
	}

	// Bisect [low, high]: `high` meets the goal, everything below `low` does not.
	while (low < high) {
		const middle = Math.floor((low + high) / 2);
		if (ok(middle, 1)) {
			high = middle;
		} else {
			low = middle + 1;
		}
	}

	// How sure: the answer must meet the goal in every replication; if not, step up until one does.
	let answer = high;
	while (!ok(answer, replications)) {
		if (answer >= PLAN_MAX_SENDERS) {
			return {senders: null, tried};
		}

		answer++;
	}

	// And the count below it must fail in at least one (else it is the answer).
	while (answer > 1 && ok(answer - 1, replications)) {
		answer--;
	}

	return {senders: answer, tried};
}

/** One count of a sweep: the mean over its replications. */
export type SweepPoint = {readonly senders: number; readonly makespanMs: number; readonly p99Ms: number; readonly throughputPerSec: number; readonly failureRatio: number};

/** Each count of `counts` run `replications` times (seeds 1..R): makespan, p99 (latency with arrivals, else send time) and throughput, averaged. */
export function sweepSenders(config: SimulationConfig, group: Omit<SenderGroup, 'count'>, counts: readonly number[], replications = 1, onPoint?: (point: SweepPoint) => void): SweepPoint[] {
	return counts.map(senders => {
		const finals = Array.from({length: replications}, (_, index) => runOnce({...config, seed: index + 1, groups: [{...group, count: senders}]}));
		const mean = (of: (final: Snapshot) => number) => finals.reduce((sum, final) => sum + of(final), 0) / finals.length;
		const point = {
			senders,
			makespanMs: mean(final => final.elapsedMs),
			p99Ms: mean(final => final.latency?.p99Ms ?? final.p99Ms),
			throughputPerSec: mean(final => final.throughputPerSec),
			failureRatio: mean(final => (final.processed > 0 ? final.failed / final.processed : 0)),
		};
		onPoint?.(point);
		return point;
	});
}
