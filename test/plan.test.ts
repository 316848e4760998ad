import {setTimeout as delay} from 'node:timers/promises';
import {describe, expect, it} from 'vitest';
import {meets, planSenders} from '../source/planning/sender-search.js';
import {runOnce} from '../source/pipeline/replications.js';
import type {SimulationConfig} from '../source/model/config.js';
import type {SenderGroup} from '../source/model/senders.js';
import {finished, runCli, start} from './cli/spawn.js';

/** The share of `runs` fresh seeds (from 1,001: none the plan used) at `senders` that meet `goal`. */
async function shareMeeting(config: SimulationConfig, group: Omit<SenderGroup, 'count'>, goal: Parameters<typeof meets>[1], senders: number, runs: number): Promise<number> {
	const all = await Promise.all(Array.from({length: runs}, async (_, index) => runOnce({...config, seed: 1001 + index, groups: [{...group, count: senders}]})));
	return all.filter(final => meets(final, goal)).length / runs;
}

describe('planSenders', () => {
	// A deadline near the edge: 2,000 exponential sends of mean 100 ms; how long the last one takes
	// varies from run to run, so a count meets a tight deadline in some runs and not others.
	const config = {messages: 2000, intervalMs: 60_000};
	const group = {meanMs: 100, distribution: 'exponential' as const, failureRate: 0};
	const goal = {deadlineMs: 9000};

	it('finds the fewest senders that meet the goal in 90% of runs with 95% confidence: fresh runs agree', async () => {
		const plan = await planSenders(config, group, goal, {share: 0.9, level: 0.95});
		const answer = plan.tried.find(point => point.senders === plan.senders)!;
		const below = plan.tried.find(point => point.senders === plan.senders! - 1)!;
		expect(answer.verdict).toBe('meets');
		expect(answer.low).toBeGreaterThanOrEqual(0.9);
		expect(below.verdict).not.toBe('meets');
		expect(below.verdict).not.toBe('screened');
		// 400 fresh runs at the answer: if 90% or more meet the goal, the share measured is above
		// 0.9 - 3 x sqrt(0.9 x 0.1 / 400) = 0.855 but for a 0.1% chance.
		expect(await shareMeeting(config, group, goal, plan.senders!, 400)).toBeGreaterThan(0.855);
		// And the count below does not reach 90% (it was found not to, 95% sure): its measured share stays
		// under 0.9 + 0.045 unless the plan erred.
		expect(await shareMeeting(config, group, goal, plan.senders! - 1, 400)).toBeLessThan(0.945);
	});

	it('asks more senders for a higher share: 99% of runs needs at least as many as 50%', async () => {
		const half = await planSenders(config, group, goal, {share: 0.5, level: 0.9});
		const most = await planSenders(config, group, goal, {share: 0.99, level: 0.9, maxRuns: 400});
		expect(most.senders!).toBeGreaterThan(half.senders!);
	});

	it('stops a count\'s runs as soon as the bounds decide: a count far from the goal takes one batch', async () => {
		const plan = await planSenders(config, group, goal, {share: 0.9, level: 0.95});
		const decided = plan.tried.filter(point => point.verdict === 'misses' && point.met === 0);
		for (const point of decided) {
			expect(point.replications).toBeLessThanOrEqual(4); // 0 of 4: at most 53% would, 95% sure.
		}
	});

	it('says when no count can meet the goal', async () => {
		// Arrivals alone take 100 s: no number of senders ends the run in 50 s.
		const plan = await planSenders({messages: 1000, arrivals: {ratePerSec: 10, process: 'constant'}, intervalMs: 60_000}, {meanMs: 10}, {deadlineMs: 50_000});
		expect(plan.senders).toBeNull();
	});
});

describe('sms-sim plan', () => {
	it('prints the fewest senders, how sure it is, and every count tried; --json for scripts', async () => {
		const args = ['plan', '-n', '2000', '--mean', '100ms', '--deadline', '9s'];
		const text = await runCli(args);
		expect(text.code).toBe(0);
		expect(text.stdout).toMatch(/^\d+ senders: the fewest that meet the goal \(within 9\.000s\) in at least 90\.0% of runs, 95\.0% sure$/m);
		expect(text.stdout).toMatch(/^ {2}evidence: \d+ met it in \d+ of \d+ runs \(at least 9\d\.\d% of runs would\); \d+ met it in \d+ of \d+ runs/m);
		const json = await runCli([...args, '--json']);
		const plan = JSON.parse(json.stdout) as {senders: number; tried: Array<{senders: number}>};
		expect(text.stdout).toMatch(new RegExp(`^${plan.senders} senders`, 'm'));
		expect(plan.tried.length).toBeGreaterThan(1);
	});

	it('needs a goal, searches the count itself, and keeps its flags to itself', async () => {
		const [noGoal, withSenders, elsewhere] = await Promise.all([runCli(['plan', '-n', '100']), runCli(['plan', '--deadline', '1s', '-s', '5']), runCli(['--deadline', '1s'])]);
		expect(noGoal.code).toBe(2);
		expect(noGoal.stderr).toMatch(/plan needs a goal/);
		expect(withSenders.stderr).toMatch(/--senders does not apply to sms-sim plan: it searches the sender count/);
		expect(elsewhere.stderr).toMatch(/--deadline goes with sms-sim plan/);
	});

	it('sweeps sender counts: a row per count, makespan falling as senders are added, NDJSON with --json', async () => {
		const args = ['plan', '-n', '4000', '--mean', '100ms', '--sweep', 'senders=10..40:10'];
		const json = await runCli([...args, '--json']);
		expect(json.code).toBe(0);
		const points = json.stdout.trim().split('\n').map(line => JSON.parse(line) as {type: string; senders: number; makespanMs: number});
		expect(points.map(point => point.senders)).toEqual([10, 20, 30, 40]);
		expect(points.every(point => point.type === 'sweep')).toBe(true);
		// 4,000 sends of 100 ms: about 40 s on 10 senders, 10 s on 40.
		expect(points[0].makespanMs / points[3].makespanMs).toBeCloseTo(4, 0);
		const text = await runCli(args);
		const table = text.stdout.slice(text.stdout.search(/^ +senders/m)).trimEnd().split('\n');
		expect(table).toHaveLength(5);
		expect(table[0]).toMatch(/^ +senders +makespan +p99 +throughput +failed$/);
		// Why p99 and failure % barely move from row to row: the same seeds at every count.
		expect(text.stdout).toMatch(/common\s+random\s+numbers/);
		const bad = await runCli(['plan', '--sweep', 'senders=5..1']);
		expect(bad.stderr).toMatch(/--sweep must be senders=FROM\.\.TO/);
	});

	it('marks the sweep rows that meet --deadline, and prints makespans to the millisecond', async () => {
		// 4,000 sends of 100 ms: about 40 s on 10 senders, 20 s on 20, 13.3 s on 30: a 15 s deadline splits them.
		const text = await runCli(['plan', '-n', '4000', '--mean', '100ms', '--sweep', 'senders=10..30:10', '--deadline', '15s']);
		expect(text.code).toBe(0);
		const rows = text.stdout.split('\n').filter(line => /^ +\d+ /.test(line));
		expect(rows.map(row => row.trim().split(/ +/).at(-1))).toEqual(['misses', 'misses', 'meets']);
		expect(rows[0]).toMatch(/ \d+\.\d{3}s /);
		const json = await runCli(['plan', '-n', '4000', '--mean', '100ms', '--sweep', 'senders=10..30:10', '--deadline', '15s', '--json']);
		expect(json.stdout.trim().split('\n').map(line => (JSON.parse(line) as {meetsGoal: boolean}).meetsGoal)).toEqual([false, false, true]);
	});

	it('never rounds a miss into a pass: a row is printed to the millisecond beside its goal', async () => {
		const {stdout} = await runCli(['plan', '-n', '2000', '--mean', '100ms', '--deadline', '9s']);
		for (const row of stdout.split('\n').filter(line => /^ +\d+ +\d+\/\d+/.test(line))) {
			const [, met, of, seconds] = /^ +[\d,]+ +(\d+)\/(\d+) +([\d.]+)s/.exec(row)!;
			// A row whose longest makespan is over 9 s cannot have met the goal in all its runs.
			if (Number(seconds) > 9) {
				expect(Number(met)).toBeLessThan(Number(of));
			}

			expect(seconds).toMatch(/^\d+\.\d{3}$/);
		}
	});

	it('refuses --max-failure-rate alone: the sender count does not change the failure ratio', async () => {
		const {code, stderr} = await runCli(['plan', '--max-failure-rate', '0.05']);
		expect(code).toBe(2);
		expect(stderr).toMatch(/^sms-sim: --max-failure-rate alone is no goal for plan: the failure ratio does not depend on the sender count/m);
	});

	it('searches no further than one sender a message: an impossible deadline ends at once, not at 1e8 senders', async () => {
		// 1,000 messages of 100 ms cannot end in 1 us; the old search started at 1e8 senders and ran out of memory.
		const {code, stdout} = await runCli(['plan', '-n', '1000', '--mean', '100ms', '--deadline', '1us', '--json']);
		expect(code).toBe(0);
		const plan = JSON.parse(stdout) as {senders: number | null; tried: Array<{senders: number}>};
		expect(plan.senders).toBeNull();
		expect(Math.max(...plan.tried.map(point => point.senders))).toBe(1000);
		const text = await runCli(['plan', '-n', '1000', '--mean', '100ms', '--deadline', '1us']);
		expect(text.code).toBe(3);
		expect(text.stdout).toMatch(/^no count of senders up to 1,000 meets the goal .*more senders than messages cannot help$/m);
	});
});

describe('sms-sim plan, stopped', () => {
	it.each(['SIGINT', 'SIGTERM'] as const)('stops on %s within a second, exit 130, and prints what it knows', async signal => {
		// A plan that takes tens of seconds: a million messages.
		const child = start(['plan', '-n', '1000000', '--mean', '250ms', '--deadline', '5m']);
		const done = finished(child);
		// One second in, as the issue has it: well into its first run (it prints nothing before its first answer).
		await delay(1000);
		const sent = performance.now();
		child.kill(signal);
		const {code, stdout} = await done;
		expect(code).toBe(130);
		expect(performance.now() - sent).toBeLessThan(2000);
		expect(stdout).toMatch(/^Interrupted after [\d.]+s: no answer yet \(within 300\.000s\)/m);
	});
});
