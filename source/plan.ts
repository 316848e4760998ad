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
	/** The fewest senders that met the goal in every replication; null when even the most that can help did not, or the search was stopped. */
	readonly senders: number | null;
	/** Every count tried, in the order tried. */
	readonly tried: readonly PlanPoint[];
	/** The most senders seen to miss the goal and the fewest seen to meet it. */
	readonly bracket: Bracket;
	/** The search was stopped (its signal aborted) before it had an answer. */
	readonly interrupted: boolean;
};

/**
 * The most senders that can change a run of `messages`: each message is with one sender at a
 * time, so past one sender a message nothing changes; capped at the engine's limit.
 */
export const mostUsefulSenders = (messages: number): number => Math.min(PLAN_MAX_SENDERS, Math.max(1, messages));

/** The most senders a plan considers (the engine's limit). */
export const PLAN_MAX_SENDERS = 1_000_000;

/** Raised inside a search when its signal aborts: the search returns what it knows. */
class Stopped extends Error {
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

/** What a search tells as it goes: each run done, and the search's state after it. */
export type SearchHooks = {
	/** Aborting stops the search within one slice of a run (milliseconds); it then returns what it knows. */
	readonly signal?: AbortSignal;
	readonly onRun?: (progress: SearchProgress) => void;
};

/** A search's state: runs done, counts tried, and the bracket it has found so far. */
export type SearchProgress = {
	readonly runs: number;
	/** Runs the search expects to do in all, where it knows (a sweep); else undefined. */
	readonly plannedRuns?: number;
	readonly counts: number;
	/** The most senders seen not to meet the goal, and the fewest seen to meet it (once). */
	readonly bracket: Bracket;
};

export type Bracket = {readonly fails?: number; readonly meets?: number};

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
export async function planSenders(config: SimulationConfig, group: Omit<SenderGroup, 'count'>, goal: PlanGoal, replications = 3, hooks: SearchHooks = {}): Promise<Plan> {
	const tried: PlanPoint[] = [];
	const cache = new Map<string, Snapshot>();
	let runs = 0;
	let bracket: Bracket = {};
	const runWith = async (senders: number, seed: number): Promise<Snapshot> => {
		const key = `${senders}:${seed}`;
		let final = cache.get(key);
		if (final === undefined) {
			final = await runOnce({...config, seed, groups: [{...group, count: senders}]}, hooks.signal);
			cache.set(key, final);
			runs++;
			const met = meets(final, goal);
			bracket = met
				? {...bracket, meets: Math.min(bracket.meets ?? Number.POSITIVE_INFINITY, senders)}
				: {...bracket, fails: Math.max(bracket.fails ?? 0, senders)};
			hooks.onRun?.({runs, counts: new Set(tried.map(point => point.senders)).add(senders).size, bracket});
		}

		return final;
	};

	const points = new Map<string, PlanPoint>();
	const point = async (senders: number, count: number): Promise<PlanPoint> => {
		const known = points.get(`${senders}x${count}`);
		if (known) {
			return known;
		}

		const finals: Snapshot[] = [];
		for (let seed = 1; seed <= count; seed++) {
			// eslint-disable-next-line no-await-in-loop
			finals.push(await runWith(senders, seed));
		}

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

	const ok = async (senders: number, count: number) => {
		const result = await point(senders, count);
		return result.met === result.replications;
	};

	const messages = config.messages ?? 1000;
	const most = mostUsefulSenders(messages);
	const answer = (senders: number | null): Plan => ({
		senders, tried, bracket, interrupted: false,
	});
	// Arrivals alone take messages / rate: no count of senders ends the run before the last arrives.
	if (goal.deadlineMs !== undefined && config.arrivals?.process === 'constant' && ((messages - 1) * 1000) / config.arrivals.ratePerSec > goal.deadlineMs) {
		return answer(null);
	}

	try {
		const meanMs = group.meanMs ?? 100;
		let low = goal.deadlineMs === undefined || meanMs === 0 ? 1 : Math.min(most, Math.max(1, Math.floor((messages * meanMs) / goal.deadlineMs)));
		let high = low;
		// Bracket: from the bound, a step of 5% that doubles each time, until a count meets the goal once.
		let step = Math.max(1, Math.ceil(low * 0.05));
		// eslint-disable-next-line no-await-in-loop
		while (!await ok(high, 1)) {
			low = high + 1;
			if (high >= most) {
				return answer(null);
			}

			high = Math.min(most, high + step);
			step *= 2;
		}

		if (low > high) {
			low = high;
		}

		// Bisect [low, high]: `high` meets the goal, everything below `low` does not.
		while (low < high) {
			const middle = Math.floor((low + high) / 2);
			// eslint-disable-next-line no-await-in-loop
			if (await ok(middle, 1)) {
				high = middle;
			} else {
				low = middle + 1;
			}
		}

		// How sure: the answer must meet the goal in every replication; if not, step up until one does.
		let found = high;
		// eslint-disable-next-line no-await-in-loop
		while (!await ok(found, replications)) {
			if (found >= most) {
				return answer(null);
			}

			found++;
		}

		// And the count below it must fail in at least one (else it is the answer).
		// eslint-disable-next-line no-await-in-loop
		while (found > 1 && await ok(found - 1, replications)) {
			found--;
		}

		return answer(found);
	} catch (error) {
		if (error instanceof Stopped) {
			return {
				senders: null, tried, bracket, interrupted: true,
			};
		}

		throw error;
	}
}

/** One count of a sweep: the mean over its replications. */
export type SweepPoint = {readonly senders: number; readonly makespanMs: number; readonly p99Ms: number; readonly throughputPerSec: number | null; readonly failureRatio: number};

/** A sweep: its points, and whether it was stopped before the last. */
export type Sweep = {readonly points: SweepPoint[]; readonly interrupted: boolean};

/**
 * Each count of `counts` run `replications` times (seeds 1..R, the same seeds for every count:
 * common random numbers, so rows differ by the sender count and not by luck): makespan, p99
 * (latency with arrivals, else send time) and throughput, averaged.
 */
export async function sweepSenders(config: SimulationConfig, group: Omit<SenderGroup, 'count'>, counts: readonly number[], replications = 1, onPoint?: (point: SweepPoint) => void, hooks: SearchHooks = {}): Promise<Sweep> {
	const points: SweepPoint[] = [];
	let runs = 0;
	try {
		for (const senders of counts) {
			const finals: Snapshot[] = [];
			for (let seed = 1; seed <= replications; seed++) {
				// eslint-disable-next-line no-await-in-loop
				finals.push(await runOnce({...config, seed, groups: [{...group, count: senders}]}, hooks.signal));
				runs++;
				hooks.onRun?.({
					runs, plannedRuns: counts.length * replications, counts: points.length + 1, bracket: {},
				});
			}

			const mean = (of: (final: Snapshot) => number) => finals.reduce((sum, final) => sum + of(final), 0) / finals.length;
			const point = {
				senders,
				makespanMs: mean(final => final.elapsedMs),
				p99Ms: mean(final => final.latency?.p99Ms ?? final.p99Ms),
				// An instant run (every send 0 ms) has no rate: the mean of rates is then none either.
				throughputPerSec: finals.some(final => final.throughputPerSec === null) ? null : mean(final => final.throughputPerSec!),
				failureRatio: mean(final => (final.processed > 0 ? final.failed / final.processed : 0)),
			};
			points.push(point);
			onPoint?.(point);
		}
	} catch (error) {
		if (error instanceof Stopped) {
			return {points, interrupted: true};
		}

		throw error;
	}

	return {points, interrupted: false};
}
