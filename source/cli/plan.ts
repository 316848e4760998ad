import {resolveConfig} from '../config.js';
import {formatCount, formatDuration, formatMs} from '../output/format.js';
import {planSenders, type PlanGoal} from '../plan.js';
import {Checker} from './checker.js';
import {EXIT} from './exit-codes.js';
import type {CliFlags} from './flags.js';
import {validateOptions} from './options.js';

export type PlanFlags = CliFlags & {
	readonly deadline?: string;
	readonly p99?: string;
	readonly replications?: string;
	readonly senders?: string;
};

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
	const replications = flags.replications === undefined ? 3 : check.whole('--replications', flags.replications, {min: 1, max: 100});
	if (flags.deadline === undefined && flags.p99 === undefined && flags.maxFailureRate === undefined) {
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

	const {maxFailureRate: _goal, deadline: _deadline, p99: _p99, replications: _replications, ...runFlags} = flags;
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
