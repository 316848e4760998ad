import {firstGroup, resolveConfig, type SimulationConfig} from '../model/config.js';
import {
	formatCount, formatMs, formatPercent, formatRate,
} from '../reports/format.js';
import {createReplicationPool, defaultJobs, type ReplicationRunner} from '../pipeline/replication-pool.js';
import {
	mostUsefulSenders, PLAN_MAX_SENDERS, planSenders, sweepSenders, type PlanGoal, type PlanPoint, type SearchProgress, type SweepPoint,
} from '../planning/sender-search.js';
import type {SenderGroup} from '../model/senders.js';
import {Checker} from './checker.js';
import type {CommandIo} from './command.js';
import {EXIT} from './exit-codes.js';
import type {CliFlags} from './flags.js';
import {validateOptions, type Validated} from './options.js';
import {startLongJob} from './progress-line.js';
import {HELP_WIDTH, wrap} from './help.js';

export type PlanFlags = CliFlags & {
	readonly deadline?: string;
	readonly p99?: string;
	readonly replications?: string;
	readonly sweep?: string;
	readonly confidence?: string;
	readonly inRuns?: string;
};

/** A plan, checked: the workload, the goal, how sure, and a sweep's counts if it is one. */
export type PlanRequest = {
	readonly simulation: SimulationConfig;
	readonly profile: Omit<SenderGroup, 'count'>;
	readonly goal: PlanGoal;
	/** Search: the most runs at one count; sweep: the runs at each count. */
	readonly replications: number;
	/** The share of runs that must meet the goal, and how sure the answer must be of it. */
	readonly share: number;
	readonly level: number;
	/** Threads for the runs; the cores when left out. */
	readonly jobs?: number;
	readonly counts?: readonly number[];
	readonly json: boolean;
	readonly html?: string;
	readonly latency: boolean;
};

/** A plan's defaults: met in 90% of runs, 95% sure, at most 200 runs at one count. */
export const DEFAULT_SHARE = 0.9;
export const DEFAULT_LEVEL = 0.95;
export const DEFAULT_MAX_RUNS = 200;

/** Most counts one sweep runs. */
const MAX_SWEEP_POINTS = 1000;

/** `senders=10..1000:10` as the counts it names, or undefined when it is not one. */
function sweepCounts(text: string): number[] | undefined {
	const match = /^senders=(\d+)\.\.(\d+)(?::(\d+))?$/.exec(text.trim());
	if (!match) {
		return undefined;
	}

	const [from, to, step] = [Number(match[1]), Number(match[2]), Number(match[3] ?? 1)];
	if (from < 1 || to < from || step < 1 || to > PLAN_MAX_SENDERS || Math.floor((to - from) / step) + 1 > MAX_SWEEP_POINTS) {
		return undefined;
	}

	return Array.from({length: Math.floor((to - from) / step) + 1}, (_, index) => from + (index * step));
}

/** A makespan or goal to the millisecond, wherever a row is compared with a goal: `60.288s`. */
export const formatMakespan = (milliseconds: number): string => `${(Math.round(milliseconds) / 1000).toFixed(3)}s`;

/**
 * `sms-sim plan`'s flags as a request: a goal (`--deadline`, `--p99`, `--max-failure-rate`) or a
 * `--sweep`, for the messages and sender profile the other flags describe. A goal no sender
 * count can change is refused here, before any run.
 */
export function validatePlan(flags: PlanFlags): Validated<PlanRequest> {
	const check = new Checker();
	const goal: PlanGoal = {
		deadlineMs: flags.deadline === undefined ? undefined : check.duration('--deadline', flags.deadline, {min: 0.001, max: 50 * 365.25 * 86_400_000, zero: false}),
		p99Ms: flags.p99 === undefined ? undefined : check.duration('--p99', flags.p99, {min: 0.001, max: 86_400_000, zero: false}),
		maxFailureRate: flags.maxFailureRate === undefined ? undefined : check.fraction('--max-failure-rate', flags.maxFailureRate),
	};
	const replications = flags.replications === undefined ? (flags.sweep === undefined ? DEFAULT_MAX_RUNS : 1) : check.whole('--replications', flags.replications, {min: 1, max: 1000});
	const share = flags.inRuns === undefined ? DEFAULT_SHARE : check.fraction('--in-runs', flags.inRuns);
	const level = flags.confidence === undefined ? DEFAULT_LEVEL : check.number('--confidence', flags.confidence, 'must be a number above 0.5 and below 1 (0.95: 95% sure)', value => value > 0.5 && value < 1);
	if (flags.sweep !== undefined && (flags.inRuns !== undefined || flags.confidence !== undefined)) {
		check.errors.push(`${flags.inRuns === undefined ? '--confidence' : '--in-runs'} goes with a goal, not --sweep: a sweep shows each count's means over --replications runs`);
	}

	if (replications !== undefined && share !== undefined && level !== undefined && share > 0 && Math.log(1 - level) / Math.log(share) > replications && flags.sweep === undefined) {
		check.errors.push(`--replications ${replications}: too few runs to be ${formatPercent(level, 1)} sure a count meets the goal in ${formatPercent(share, 1)} of runs, even if every run meets it; give at least ${Math.ceil(Math.log(1 - level) / Math.log(share))}`);
	}

	const counts = flags.sweep === undefined ? undefined : sweepCounts(flags.sweep);
	if (flags.sweep !== undefined && counts === undefined) {
		check.fail('--sweep', `must be senders=FROM..TO or senders=FROM..TO:STEP, 1 <= FROM <= TO <= ${PLAN_MAX_SENDERS.toLocaleString('en-US')}, at most ${MAX_SWEEP_POINTS} counts`, flags.sweep);
	}

	if (flags.html !== undefined && flags.sweep === undefined) {
		check.errors.push('--html goes with --sweep in sms-sim plan: the page charts the sweep');
	}

	if (flags.sweep === undefined && flags.deadline === undefined && flags.p99 === undefined) {
		check.errors.push(flags.maxFailureRate === undefined
			? 'plan needs a goal: --deadline (the run ends within it) or --p99 (latency with --rate, else send time), and --max-failure-rate beside either'
			: '--max-failure-rate alone is no goal for plan: the failure ratio does not depend on the sender count (it comes from --failure-rate and retries); give --deadline or --p99 too');
	}

	const {
		maxFailureRate: _goal, deadline: _deadline, p99: _p99, replications: _replications, sweep: _sweep, confidence: _confidence, inRuns: _inRuns, ...runFlags
	} = flags;
	const validation = validateOptions({...runFlags, json: false, events: false});
	const errors = [...check.errors, ...validation.errors];
	if (validation.value === undefined || errors.length > 0 || replications === undefined || share === undefined || level === undefined) {
		return {value: undefined, errors};
	}

	const config = resolveConfig({...validation.value.simulation, seed: 1});
	const {count: _count, name: _name, ...profile} = firstGroup(config);
	return {
		value: {
			simulation: {...validation.value.simulation, intervalMs: Math.max(config.intervalMs, 60_000)},
			profile,
			goal,
			replications,
			share,
			level,
			...(validation.value.jobs === undefined ? {} : {jobs: validation.value.jobs}),
			...(counts ? {counts} : {}),
			json: flags.json === true,
			...(validation.value.html === undefined ? {} : {html: validation.value.html}),
			latency: config.arrivals !== undefined,
		},
		errors: [],
		notes: validation.notes,
	};
}

/**
 * Runs a plan or a sweep: the fewest senders that meet the goal, by bisection over seeded runs
 * (`--replications` each at the answer and below it), or a table of counts. On a terminal a
 * progress line on stderr says how far it is; Ctrl-C or SIGTERM stops it within a slice of a run,
 * and what is known so far is printed, marked interrupted (exit 130).
 */
export async function executePlan(request: PlanRequest, io: CommandIo): Promise<number> {
	const job = startLongJob(io, !request.json);
	const {progress} = job;
	const started = performance.now();
	const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)}s`;
	// Short, elapsed first: a line wider than the terminal would wrap and could not be redrawn in place.
	const describe = request.counts
		? (state: SearchProgress) => `plan --sweep ${elapsed()}: ${formatCount(state.runs)} of ${formatCount(state.plannedRuns ?? 0)} runs, ${formatCount(state.counts)} of ${formatCount(request.counts!.length)} counts`
		: (state: SearchProgress) => `plan ${elapsed()}: ${formatCount(state.counts)} sender counts tried (${formatCount(state.runs)} runs); ${bracketShort(state.bracket)}`;
	const runner = createReplicationPool(request.jobs ?? defaultJobs());
	const hooks = {
		signal: job.signal,
		runner,
		onRun(state: SearchProgress) {
			progress.set(describe(state));
		},
	};
	try {
		return request.counts
			? await sweep(request, request.counts, io, hooks, () => {
				progress.clear();
			})
			: await search(request, io, hooks, () => {
				progress.clear();
			}, elapsed);
	} finally {
		job.end();
		await runner.close();
	}
}

/** `170 met it in 58 of 60 runs (at least 90.3% of runs would)`: a tested count and what its runs show. */
function evidence(point: PlanPoint): string {
	const bound = point.verdict === 'meets' ? `at least ${formatPercent(point.low, 1)} of runs would` : `at most ${formatPercent(point.high, 1)} would`;
	return `${formatCount(point.senders)} met it in ${point.met} of ${point.replications} runs (${point.verdict === 'undecided' ? `undecided after ${point.replications}: ${formatPercent(point.low, 1)} to ${formatPercent(point.high, 1)}` : bound})`;
}

/** `best so far 836 (833 too few)`: the bracket, for the progress line. */
function bracketShort(bracket: {fails?: number; meets?: number}): string {
	if (bracket.meets === undefined) {
		return bracket.fails === undefined ? 'no run done yet' : `${formatCount(bracket.fails)} too few`;
	}

	return `best so far ${formatCount(bracket.meets)}${bracket.fails === undefined ? '' : ` (${formatCount(bracket.fails)} too few)`}`;
}

/** `166 senders meet the goal, 150 do not`: what the runs so far have shown. */
function bracketText(bracket: {fails?: number; meets?: number}): string {
	return [
		bracket.meets === undefined ? undefined : `${formatCount(bracket.meets)} senders met the goal once`,
		bracket.fails === undefined ? undefined : `${formatCount(bracket.fails)} did not`,
	].filter(Boolean).join(', ');
}

type Hooks = NonNullable<Parameters<typeof planSenders>[4]> & {readonly runner: ReplicationRunner};

async function search(request: PlanRequest, io: CommandIo, hooks: Hooks, clear: () => void, elapsed: () => string): Promise<number> {
	const {goal, replications, share, level} = request;
	const result = await planSenders(request.simulation, request.profile, goal, {
		share, level, maxRuns: replications, runner: hooks.runner,
	}, hooks);
	clear();
	if (request.json) {
		io.stdout.write(`${JSON.stringify({
			type: 'plan', senders: result.senders, goal, share, confidence: level, replications, tried: result.tried, bracket: result.bracket, ...(result.interrupted ? {interrupted: true} : {}),
		})}\n`);
		return result.interrupted ? EXIT.interrupted : EXIT.ok;
	}

	const goals = [
		goal.deadlineMs === undefined ? undefined : `within ${formatMakespan(goal.deadlineMs)}`,
		goal.p99Ms === undefined ? undefined : `p99 ${request.latency ? 'latency' : 'send time'} at most ${formatMs(goal.p99Ms)}`,
		goal.maxFailureRate === undefined ? undefined : `failure ratio at most ${goal.maxFailureRate}`,
	].filter(Boolean).join(', ');
	const most = mostUsefulSenders(request.simulation.messages ?? 1000);
	const lines: string[] = [];
	if (result.interrupted) {
		const known = bracketText(result.bracket);
		lines.push(`Interrupted after ${elapsed()}: no answer yet (${goals})`);
		if (known) {
			lines.push(`so far ${known}`);
		}
	} else if (result.senders === null) {
		lines.push(`no count of senders up to ${formatCount(most)} meets the goal (${goals})${most < PLAN_MAX_SENDERS ? '; more senders than messages cannot help' : ''}`);
	} else {
		lines.push(`${formatCount(result.senders)} senders: the fewest that meet the goal (${goals}) in at least ${formatPercent(share, 1)} of runs, ${formatPercent(level, 1)} sure`);
		const answer = result.tried.find(point => point.senders === result.senders);
		const below = result.tried.find(point => point.senders === result.senders! - 1 && point.verdict !== 'screened');
		if (answer) {
			lines.push(`  evidence: ${evidence(answer)}${below ? `; ${evidence(below)}` : ''}`);
		}
	}

	if (result.tried.length > 0) {
		lines.push(`tried (senders, runs that met the goal, the share of runs that would, ${formatPercent(level, 1)} sure, longest makespan, highest p99):`);
		for (const point of result.tried) {
			const bounds = point.verdict === 'screened' ? 'one run, to find where to look' : `${formatPercent(point.low, 1)} to ${formatPercent(point.high, 1)}: ${point.verdict}`;
			lines.push(`  ${formatCount(point.senders).padStart(9)}  ${`${point.met}/${point.replications}`.padStart(7)}  ${formatMakespan(point.makespanMs).padStart(11)}  ${formatMs(point.p99Ms).padStart(8)}  ${bounds}`);
		}
	}

	io.stdout.write(`${lines.join('\n')}\n`);
	if (result.interrupted) {
		return EXIT.interrupted;
	}

	return result.senders === null ? EXIT.threshold : EXIT.ok;
}

async function sweep(request: PlanRequest, counts: readonly number[], io: CommandIo, hooks: Hooks, clear: () => void): Promise<number> {
	const {goal} = request;
	const marked = goal.deadlineMs !== undefined || goal.p99Ms !== undefined || goal.maxFailureRate !== undefined;
	const meetsGoal = (point: SweepPoint) => (goal.deadlineMs === undefined || point.makespanMs <= goal.deadlineMs)
		&& (goal.p99Ms === undefined || point.p99Ms <= goal.p99Ms)
		&& (goal.maxFailureRate === undefined || point.failureRatio <= goal.maxFailureRate);
	// A table of sender count against makespan, p99 and throughput (NDJSON with --json), a line as each is run.
	if (!request.json) {
		io.stdout.write(`${wrap(`Every row runs seeds 1 to ${request.replications}: the same random numbers at every count (common random numbers), so rows differ by the sender count, not by luck; p99 and failure % move little where the senders are not the limit.`, HELP_WIDTH).join('\n')}\n`);
		io.stdout.write(`${['senders', 'makespan', 'p99', 'throughput', 'failed'].map((title, column) => (column === 0 ? title.padStart(9) : title.padStart(11))).join('')}${marked ? '  goal' : ''}\n`);
	}

	const result = await sweepSenders(request.simulation, request.profile, counts, request.replications, (point: SweepPoint) => {
		clear();
		io.stdout.write(request.json
			? `${JSON.stringify({type: 'sweep', ...point, ...(marked ? {meetsGoal: meetsGoal(point)} : {})})}\n`
			: `${formatCount(point.senders).padStart(9)}${formatMakespan(point.makespanMs).padStart(11)}${formatMs(point.p99Ms).padStart(11)}${formatRate(point.throughputPerSec).padStart(11)}${`${(point.failureRatio * 100).toFixed(1)}%`.padStart(11)}${marked ? `  ${meetsGoal(point) ? 'meets' : 'misses'}` : ''}\n`);
	}, hooks);
	clear();
	if (result.interrupted) {
		io.stderr.write(`sms-sim: plan --sweep interrupted: ${formatCount(result.points.length)} of ${formatCount(counts.length)} counts done\n`);
		if (request.json) {
			io.stdout.write(`${JSON.stringify({
				type: 'sweep-interrupted', done: result.points.length, of: counts.length, interrupted: true,
			})}\n`);
		}

		return EXIT.interrupted;
	}

	const {html} = request;
	if (html !== undefined) {
		const [{writePage}, {sweepPage}] = await Promise.all([import('../reports/html-page.js'), import('../reports/sweep-page.js')]);
		const problem = await writePage(html, sweepPage(result.points, request.simulation, {replications: request.replications, latency: request.latency}));
		if (problem) {
			io.stderr.write(`sms-sim: ${problem}\n`);
			return EXIT.unexpected;
		}

		io.stderr.write(`sms-sim: wrote the sweep page to ${html}\n`);
	}

	return EXIT.ok;
}
