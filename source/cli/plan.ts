import {resolveConfig} from '../config.js';
import {formatCount, formatDuration, formatMs} from '../output/format.js';
import {
	PLAN_MAX_SENDERS, planSenders, sweepSenders, type PlanGoal,
} from '../plan.js';
import {Checker} from './checker.js';
import {EXIT} from './exit-codes.js';
import type {CliFlags} from './flags.js';
import {validateOptions} from './options.js';

export type PlanFlags = CliFlags & {
	readonly deadline?: string;
	readonly p99?: string;
	readonly replications?: string;
	readonly senders?: string;
	readonly sweep?: string;
};

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

type PlanIo = {readonly stdout: NodeJS.WritableStream; readonly stderr: NodeJS.WritableStream};

/**
 * `sms-sim plan`: the fewest senders that meet a goal (`--deadline`, `--p99`, `--max-failure-rate`)
 * for the messages and sender profile the other flags describe, by bisection over seeded runs
 * (`--replications` each at the answer and below it). Prints the answer, how sure it is, and every
 * count it tried; `--json` for scripts.
 */
export async function plan(flags: PlanFlags, io: PlanIo): Promise<number> {
	const check = new Checker();
	const goal: PlanGoal = {
		deadlineMs: flags.deadline === undefined ? undefined : check.duration('--deadline', flags.deadline, {min: 0.001, max: 50 * 365.25 * 86_400_000, zero: false}),
		p99Ms: flags.p99 === undefined ? undefined : check.duration('--p99', flags.p99, {min: 0.001, max: 86_400_000, zero: false}),
		maxFailureRate: flags.maxFailureRate === undefined ? undefined : check.fraction('--max-failure-rate', flags.maxFailureRate),
	};
	const replications = flags.replications === undefined ? (flags.sweep === undefined ? 3 : 1) : check.whole('--replications', flags.replications, {min: 1, max: 100});
	const counts = flags.sweep === undefined ? undefined : sweepCounts(flags.sweep);
	if (flags.sweep !== undefined && counts === undefined) {
		check.fail('--sweep', `must be senders=FROM..TO or senders=FROM..TO:STEP, 1 <= FROM <= TO <= ${PLAN_MAX_SENDERS.toLocaleString('en-US')}, at most ${MAX_SWEEP_POINTS} counts`, flags.sweep);
	}

	if (flags.html !== undefined && flags.sweep === undefined) {
		check.errors.push('--html goes with --sweep in sms-sim plan: the page charts the sweep');
	}

	if (flags.sweep === undefined && flags.deadline === undefined && flags.p99 === undefined && flags.maxFailureRate === undefined) {
		check.errors.push('plan needs a goal: --deadline (the run ends within it), --p99 (latency with --rate, else send time) or --max-failure-rate');
	}

	const why: Record<string, string> = {
		'--senders': 'it searches the sender count',
		'--sender': 'it searches the sender count',
		'--seed': 'it runs seeds 1 to --replications',
		'--speed': 'its runs go at max speed',
		'--threshold': 'it plans against its own goals',
		'--input': 'it plans generated runs',
	};
	for (const [flag, value] of [['--senders', flags.senders], ['--sender', flags.sender], ['--seed', flags.seed], ['--speed', flags.speed], ['--threshold', flags.threshold], ['--input', flags.input]] as const) {
		if (value !== undefined) {
			check.errors.push(`${flag} does not apply to sms-sim plan: ${why[flag]}`);
		}
	}

	const {
		maxFailureRate: _goal, deadline: _deadline, p99: _p99, replications: _replications, sweep: _sweep, ...runFlags
	} = flags;
	const validation = validateOptions({...runFlags, json: false, events: false});
	const errors = [...check.errors, ...validation.errors];
	if (validation.value === undefined || errors.length > 0) {
		for (const line of [...errors, 'see sms-sim --help']) {
			io.stderr.write(`sms-sim: ${line}\n`);
		}

		return EXIT.usage;
	}

	const config = resolveConfig({...validation.value.simulation, seed: 1});
	const {count: _count, name: _name, ...profile} = config.groups[0];
	if (counts) {
		// A table of sender count against makespan, p99 and throughput (NDJSON with --json), a line as each is run.
		if (!flags.json) {
			io.stdout.write(`${['senders', 'makespan', 'p99', 'throughput', 'failed'].map((title, column) => (column === 0 ? title.padStart(9) : title.padStart(11))).join('')}\n`);
		}

		const points = sweepSenders({...validation.value.simulation, intervalMs: Math.max(config.intervalMs, 60_000)}, profile, counts, replications, point => {
			io.stdout.write(flags.json
				? `${JSON.stringify({type: 'sweep', ...point})}\n`
				: `${formatCount(point.senders).padStart(9)}${formatDuration(point.makespanMs).padStart(11)}${formatMs(point.p99Ms).padStart(11)}${`${formatCount(point.throughputPerSec)}/s`.padStart(11)}${`${(point.failureRatio * 100).toFixed(1)}%`.padStart(11)}\n`);
		});
		const {html} = validation.value;
		if (html !== undefined) {
			const [{writePage}, {sweepPage}] = await Promise.all([import('../output/html-page.js'), import('../output/sweep-page.js')]);
			const problem = await writePage(html, sweepPage(points, validation.value.simulation, {replications: replications ?? 1, latency: config.arrivals !== undefined}));
			if (problem) {
				io.stderr.write(`sms-sim: ${problem}\n`);
				return EXIT.unexpected;
			}

			io.stderr.write(`sms-sim: wrote the sweep page to ${html}\n`);
		}

		return EXIT.ok;
	}

	const result = planSenders({...validation.value.simulation, intervalMs: Math.max(config.intervalMs, 60_000)}, profile, goal, replications);
	if (flags.json) {
		io.stdout.write(`${JSON.stringify({
			type: 'plan', senders: result.senders, goal, replications, tried: result.tried,
		})}\n`);
		return EXIT.ok;
	}

	const goals = [
		goal.deadlineMs === undefined ? undefined : `within ${formatDuration(goal.deadlineMs)}`,
		goal.p99Ms === undefined ? undefined : `p99 ${config.arrivals ? 'latency' : 'send time'} at most ${formatMs(goal.p99Ms)}`,
		goal.maxFailureRate === undefined ? undefined : `failure ratio at most ${goal.maxFailureRate}`,
	].filter(Boolean).join(', ');
	const lines = result.senders === null
		? [`no count of senders up to 1,000,000 meets the goal (${goals})`]
		: [`${formatCount(result.senders)} senders: the fewest that meet the goal (${goals}) in ${replications} of ${replications} seeded runs`];
	const below = result.senders === null ? undefined : result.tried.find(point => point.senders === result.senders! - 1 && point.replications === replications);
	if (below) {
		lines.push(`${formatCount(below.senders)} senders met it in ${below.met} of ${below.replications}`);
	}

	lines.push('tried (senders, runs that met the goal, longest makespan, highest p99):');
	for (const point of result.tried) {
		lines.push(`  ${formatCount(point.senders).padStart(9)}  ${point.met}/${point.replications}  ${formatDuration(point.makespanMs).padStart(8)}  ${formatMs(point.p99Ms).padStart(8)}`);
	}

	io.stdout.write(`${lines.join('\n')}\n`);
	return result.senders === null ? EXIT.threshold : EXIT.ok;
}
