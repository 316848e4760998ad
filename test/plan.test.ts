import {describe, expect, it} from 'vitest';
import {meets, planSenders, runOnce} from '../source/plan.js';
import type {SimulationConfig} from '../source/config.js';
import type {SenderGroup} from '../source/senders.js';
import {runCli} from './cli/spawn.js';

/** The fewest senders in 1..limit that meet the goal in every one of `replications` seeded runs, trying each. */
function bruteForce(config: SimulationConfig, group: Omit<SenderGroup, 'count'>, goal: Parameters<typeof meets>[1], replications: number, limit: number): number | null {
	for (let senders = 1; senders <= limit; senders++) {
		const all = Array.from({length: replications}, (_, index) => runOnce({...config, seed: index + 1, groups: [{...group, count: senders}]}));
		if (all.every(final => meets(final, goal))) {
			return senders;
		}
	}

	return null;
}

describe('planSenders', () => {
	it('finds the same count as trying every one, for a deadline', () => {
		const config = {messages: 2000, intervalMs: 60_000};
		const group = {meanMs: 100, failureRate: 0.1};
		const goal = {deadlineMs: 9000};
		const plan = planSenders(config, group, goal, 3);
		expect(plan.senders).toBe(bruteForce(config, group, goal, 3, 60));
		// It tried far fewer counts than the brute force did.
		expect(new Set(plan.tried.map(point => point.senders)).size).toBeLessThan(plan.senders!);
	});

	it('finds the same count as trying every one, for a p99 latency under arrivals', () => {
		// 40 arrivals a second, sends of mean 100 ms: at least 5 senders to keep up; p99 latency under 250 ms needs more.
		const config = {messages: 3000, intervalMs: 60_000, arrivals: {ratePerSec: 40, process: 'poisson' as const}};
		const group = {meanMs: 100, distribution: 'exponential' as const, failureRate: 0};
		const goal = {p99Ms: 600};
		const plan = planSenders(config, group, goal, 3);
		expect(plan.senders).not.toBeNull();
		expect(plan.senders).toBe(bruteForce(config, group, goal, 3, 40));
	});

	it('says when no count can meet the goal', () => {
		// Arrivals alone take 100 s: no number of senders ends the run in 50 s.
		const plan = planSenders({messages: 1000, arrivals: {ratePerSec: 10, process: 'constant'}, intervalMs: 60_000}, {meanMs: 10}, {deadlineMs: 50_000}, 1);
		expect(plan.senders).toBeNull();
	});
});

describe('sms-sim plan', () => {
	it('prints the fewest senders, how sure it is, and every count tried; --json for scripts', async () => {
		const args = ['plan', '-n', '2000', '--mean', '100ms', '--deadline', '9s'];
		const text = await runCli(args);
		expect(text.code).toBe(0);
		expect(text.stdout).toMatch(/^\d+ senders: the fewest that meet the goal \(within 9\.0s\) in 3 of 3 seeded runs$/m);
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
		expect(text.stdout.trim().split('\n')).toHaveLength(5);
		expect(text.stdout).toMatch(/^ +senders +makespan +p99 +throughput +failed$/m);
		const bad = await runCli(['plan', '--sweep', 'senders=5..1']);
		expect(bad.stderr).toMatch(/--sweep must be senders=FROM\.\.TO/);
	});
});
