import type {SimulationConfig} from '../model/config.js';
import type {SenderGroup} from '../model/senders.js';
import {successInterval} from '../engine/confidence.js';
import type {ReplicationRunner} from '../pipeline/replication-pool.js';
import {Stopped, runOnce} from '../pipeline/replications.js';
import type {Snapshot} from '../engine/snapshot.js';

/** What a plan must meet; at least one is given. */
export type PlanGoal = {
	/** The run must end within this many simulated ms. */
	readonly deadlineMs?: number;
	/** The 99th percentile must be at most this: of latency with arrivals, else of send time. */
	readonly p99Ms?: number;
	/** The failure ratio must be at most this. */
	readonly maxFailureRate?: number;
};

/**
 * One sender count tried, and what its runs (seeds 1..n) showed: how many met the goal, and the
 * one-sided Clopper-Pearson bounds on the share of all runs that would (`level` confidence).
 */
export type PlanPoint = {
	readonly senders: number;
	readonly met: number;
	readonly replications: number;
	/** The longest makespan and the highest p99 among its runs. */
	readonly makespanMs: number;
	readonly p99Ms: number;
	/** At least this share of runs meets the goal, with the plan's confidence; 0 when none met. */
	readonly low: number;
	/** At most this share does, with the same confidence; 1 when all met. */
	readonly high: number;
	/**
	 * `meets`: `low` reached the share asked for; `misses`: `high` fell below it; `undecided`: the
	 * runs allowed ran out first (counted as not meeting); `screened`: one run, to find where to look.
	 */
	readonly verdict: 'meets' | 'misses' | 'undecided' | 'screened';
};

export type Plan = {
	/** The fewest senders shown to meet the goal in at least `share` of runs; null when even the most that can help did not, or the search was stopped. */
	readonly senders: number | null;
	/** Every count tried, in the order tried. */
	readonly tried: readonly PlanPoint[];
	/** The most senders seen to miss the goal and the fewest seen to meet it. */
	readonly bracket: Bracket;
	/** The search was stopped (its signal aborted) before it had an answer. */
	readonly interrupted: boolean;
};

/** How sure a plan must be. */
export type PlanConfidence = {
	/** The share of runs that must meet the goal (default 0.9). */
	readonly share?: number;
	/** The confidence that they do (default 0.95). */
	readonly level?: number;
	/** The most runs at one count before it is called undecided (default 200). */
	readonly maxRuns?: number;
	/** Runs the replications (default: in this thread, one after another). */
	readonly runner?: Pick<ReplicationRunner, 'run' | 'jobs'>;
};

/**
 * The most senders that can change a run of `messages`: each message is with one sender at a
 * time, so past one sender a message nothing changes; capped at the engine's limit.
 */
export const mostUsefulSenders = (messages: number): number => Math.min(PLAN_MAX_SENDERS, Math.max(1, messages));

/** The most senders a plan considers (the engine's limit). */
export const PLAN_MAX_SENDERS = 1_000_000;

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
 * The fewest senders of `group` that meet `goal` in at least `share` of runs, with `level`
 * confidence, by search over seeded discrete-event runs (seeds 1, 2, ...: the same at every
 * count, so counts differ by their senders, not by luck).
 *
 * First a screen of one run a count finds where to look: from the perfectly parallel bound
 * (messages x mean / deadline) up, in steps that double, until a count meets the goal once, then
 * narrowed to one count, `jobs` counts at a time. Then a sequential test at counts near it: runs in
 * batches (all of a batch at once on the runner's threads) until the Clopper-Pearson bounds decide
 * (at least `share` met, with `level` confidence: meets; at most: misses), or `maxRuns` are spent
 * (undecided, counted as not meeting). More senders never make a run slower, so the answer is
 * bisected between a count that misses and one that meets.
 */
export async function planSenders(config: SimulationConfig, group: Omit<SenderGroup, 'count'>, goal: PlanGoal, confidence: PlanConfidence = {}, hooks: SearchHooks = {}): Promise<Plan> {
	const search = new SenderSearch(config, group, goal, confidence, hooks);
	try {
		return search.answer(await search.find());
	} catch (error) {
		if (error instanceof Stopped) {
			return {...search.answer(null), interrupted: true};
		}

		throw error;
	}
}

/** One plan's search: the runs it has done (each count and seed once) and what they say. */
class SenderSearch {
	private readonly share: number;
	private readonly level: number;
	private readonly maxRuns: number;
	private readonly runner: Pick<ReplicationRunner, 'run' | 'jobs'>;
	private readonly messages: number;
	/** The most senders that can help. */
	private readonly most: number;
	/** Counts tried, in the order first tried: screened once, or decided. */
	private readonly tried: PlanPoint[] = [];
	/** Each run's final snapshot, by count and seed. */
	private readonly finals = new Map<string, Promise<Snapshot>>();
	private readonly decided = new Map<number, PlanPoint>();
	private runs = 0;
	private bracket: Bracket = {};

	constructor(private readonly config: SimulationConfig, private readonly group: Omit<SenderGroup, 'count'>, private readonly goal: PlanGoal, confidence: PlanConfidence, private readonly hooks: SearchHooks) {
		this.share = confidence.share ?? 0.9;
		this.level = confidence.level ?? 0.95;
		this.maxRuns = confidence.maxRuns ?? 200;
		this.runner = confidence.runner ?? {run: runOnce, jobs: 1};
		this.messages = config.messages ?? 1000;
		this.most = mostUsefulSenders(this.messages);
	}

	answer(senders: number | null): Plan {
		return {
			senders, tried: this.tried, bracket: this.bracket, interrupted: false,
		};
	}

	/** The fewest senders that meet the goal with confidence; null when no count can. */
	async find(): Promise<number | null> {
		const {goal, config, messages} = this;
		// Arrivals alone take messages / rate: no count of senders ends the run before the last arrives.
		if (goal.deadlineMs !== undefined && config.arrivals?.process === 'constant' && ((messages - 1) * 1000) / config.arrivals.ratePerSec > goal.deadlineMs) {
			return null;
		}

		const screened = await this.screenUp();
		if (screened === undefined) {
			// Not even once at the most senders that can help: the test there says how sure that is.
			await this.decide(this.most);
			return null;
		}

		const narrowed = await this.narrow(screened.fails, screened.meetsOnce);
		return this.test(narrowed.fails, narrowed.best);
	}

	/** Screen: from the bound, steps of 5% that double, `width` counts at once, until one meets the goal once. */
	private async screenUp(): Promise<{fails: number; meetsOnce: number} | undefined> {
		const {goal, most, messages} = this;
		const meanMs = this.group.meanMs ?? 100;
		const width = Math.max(1, this.runner.jobs);
		let fails = (goal.deadlineMs === undefined || meanMs === 0 ? 1 : Math.min(most, Math.max(1, Math.floor((messages * meanMs) / goal.deadlineMs)))) - 1;
		let step = Math.max(1, Math.ceil((fails + 1) * 0.05));
		for (;;) {
			const counts: number[] = [];
			for (let next = fails + 1; counts.length < width && next <= most; next = counts.at(-1)! + step, step *= 2) {
				counts.push(Math.min(most, next));
			}

			if (counts.length === 0) {
				return undefined;
			}

			// eslint-disable-next-line no-await-in-loop
			const met = await this.screen(counts);
			const first = met.indexOf(true);
			const meetsOnce = counts[first];
			if (meetsOnce !== undefined) {
				return {meetsOnce, fails: counts[first - 1] ?? fails};
			}

			fails = counts.at(-1)!;
			if (fails >= most) {
				return undefined;
			}
		}
	}

	/** Narrow (fails, best] to one count, `width` counts at once. */
	private async narrow(fails: number, best: number): Promise<{fails: number; best: number}> {
		const width = Math.max(1, this.runner.jobs);
		while (best - fails > 1) {
			const counts = between(fails, best, width);
			// eslint-disable-next-line no-await-in-loop
			const met = await this.screen(counts);
			best = counts[met.indexOf(true)] ?? best;

			for (const [index, count] of counts.entries()) {
				if (!met[index] && count < best) {
					fails = Math.max(fails, count);
				}
			}
		}

		return {fails, best};
	}

	/**
	 * The test: up from the screen's answer until a count meets the goal with confidence, down from
	 * there while the count below meets too (a lucky screen can stop high), then bisected.
	 */
	private async test(fails: number, best: number): Promise<number | null> {
		const {most} = this;
		let high = best;
		let up = 1;
		// eslint-disable-next-line no-await-in-loop
		while (!await this.meetsSurely(high)) {
			if (high >= most) {
				return null;
			}

			fails = high;
			high = Math.min(most, high + up);
			up *= 2;
		}

		let low = Math.max(0, Math.min(fails, high - 1));
		let down = 1;
		// eslint-disable-next-line no-await-in-loop
		while (low >= 1 && await this.meetsSurely(low)) {
			high = low;
			low = Math.max(0, low - down);
			down *= 2;
		}

		// Bisect (low, high]: `high` meets with confidence, `low` does not (or is 0).
		while (high - low > 1) {
			const middle = Math.floor((low + high) / 2);
			// eslint-disable-next-line no-await-in-loop
			if (await this.meetsSurely(middle)) {
				high = middle;
			} else {
				low = middle;
			}
		}

		return high;
	}

	private async meetsSurely(senders: number): Promise<boolean> {
		const {verdict} = await this.decide(senders);
		return verdict === 'meets';
	}

	/** A run at `senders` senders with `seed`, done once whoever asks. */
	private async runWith(senders: number, seed: number): Promise<Snapshot> {
		const key = `${senders}:${seed}`;
		let final = this.finals.get(key);
		if (final === undefined) {
			final = this.runner.run({...this.config, seed, groups: [{...this.group, count: senders}]}, this.hooks.signal).then(snapshot => {
				this.runs++;
				const {bracket} = this;
				this.bracket = meets(snapshot, this.goal)
					? {...bracket, meets: Math.min(bracket.meets ?? Number.POSITIVE_INFINITY, senders)}
					: {...bracket, fails: Math.max(bracket.fails ?? 0, senders)};
				this.hooks.onRun?.({runs: this.runs, counts: new Set([...this.finals.keys()].map(known => known.split(':')[0])).size, bracket: this.bracket});
				return snapshot;
			});
			this.finals.set(key, final);
		}

		return final;
	}

	private pointOf(senders: number, ran: readonly Snapshot[], verdict: PlanPoint['verdict']): PlanPoint {
		const met = ran.filter(final => meets(final, this.goal)).length;
		const {low, high} = successBounds(met, ran.length, this.level);
		return {
			senders, met, replications: ran.length, makespanMs: Math.max(...ran.map(final => final.elapsedMs)), p99Ms: Math.max(...ran.map(final => final.latency?.p99Ms ?? final.p99Ms)), low, high, verdict,
		};
	}

	/** One run (seed 1) at each count, at once: whether each met the goal. */
	private async screen(counts: readonly number[]): Promise<boolean[]> {
		return Promise.all(counts.map(async senders => {
			const final = await this.runWith(senders, 1);
			if (!this.tried.some(point => point.senders === senders)) {
				this.tried.push(this.pointOf(senders, [final], 'screened'));
			}

			return meets(final, this.goal);
		}));
	}

	/** The sequential test at `senders`: batches of runs until the bounds decide, or `maxRuns`. */
	private async decide(senders: number): Promise<PlanPoint> {
		const known = this.decided.get(senders);
		if (known) {
			return known;
		}

		const {share, maxRuns} = this;
		const ran: Snapshot[] = [];
		let batch = Math.max(4, this.runner.jobs * 2);
		let point: PlanPoint;
		for (;;) {
			const seeds = Array.from({length: Math.min(batch, maxRuns - ran.length)}, (_, index) => ran.length + index + 1);
			// eslint-disable-next-line no-await-in-loop
			ran.push(...await Promise.all(seeds.map(async seed => this.runWith(senders, seed))));
			point = this.pointOf(senders, ran, 'undecided');
			if (point.low >= share || point.high < share || ran.length >= maxRuns) {
				break;
			}

			batch = Math.max(batch, ran.length); // Doubling: few batches, each as wide as the threads.
		}

		const verdict = point.low >= share ? 'meets' : (point.high < share ? 'misses' : 'undecided');
		const result = {...point, verdict} as const;
		this.decided.set(senders, result);
		const screened = this.tried.findIndex(point => point.senders === senders);
		if (screened === -1) {
			this.tried.push(result);
		} else {
			this.tried[screened] = result;
		}

		return result;
	}
}

/** Up to `width` counts evenly between `fails` and `meets` (both left out), lowest first. */
function between(fails: number, meets: number, width: number): number[] {
	const gap = meets - fails;
	const counts = Array.from({length: Math.min(width, gap - 1)}, (_, index) => fails + Math.max(1, Math.round((gap * (index + 1)) / (width + 1))));
	return [...new Set(counts)].filter(count => count < meets);
}

/** One-sided `level` Clopper-Pearson bounds on a success probability: at least `low`, at most `high`. */
function successBounds(successes: number, trials: number, level: number): {low: number; high: number} {
	// A two-sided interval at 2 level - 1 has each end one-sided at `level`.
	return successInterval(successes, trials, (2 * level) - 1);
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
export async function sweepSenders(config: SimulationConfig, group: Omit<SenderGroup, 'count'>, counts: readonly number[], replications = 1, onPoint?: (point: SweepPoint) => void, hooks: SearchHooks & {readonly runner?: Pick<ReplicationRunner, 'run'>} = {}): Promise<Sweep> {
	const points: SweepPoint[] = [];
	const {runner} = hooks;
	const run = runner ? async (runConfig: SimulationConfig, signal?: AbortSignal) => runner.run(runConfig, signal) : runOnce;
	let runs = 0;
	// Every run is asked for at once (the runner's threads take them in order); rows go out in count
	// order, each as soon as its runs and every earlier row's are done.
	const rows = counts.map(async senders => Promise.all(Array.from({length: replications}, async (_, index) => {
		const final = await run({...config, seed: index + 1, groups: [{...group, count: senders}]}, hooks.signal);
		runs++;
		hooks.onRun?.({
			runs, plannedRuns: counts.length * replications, counts: points.length + 1, bracket: {},
		});
		return final;
	})));
	for (const row of rows) {
		row.catch(() => undefined); // Each is awaited in turn below; one stopped early must not go unhandled.
	}

	try {
		for (const [index, row] of rows.entries()) {
			const senders = counts[index]!; // Rows are made from the counts, one each.
			// eslint-disable-next-line no-await-in-loop
			const finals = await row;
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
