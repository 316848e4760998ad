/** `--replications` and `--jobs` as users run them: the built program, threads and all. */
import {describe, expect, it} from 'vitest';
import {
	runCli, start, finished, outputMatches, withoutWallTime,
} from './spawn.js';

const WORKLOAD = ['-n', '3000', '-s', '4', '--mean', '20ms', '--distribution', 'exponential', '--rate', '180/s', '--failure-rate', '0.1', '--max-attempts', '3', '--backoff', '10ms', '--seed', '77'];

type JsonLine = Record<string, unknown> & {type: string};
const lines = (stdout: string): JsonLine[] => stdout.trim().split('\n').map(line => JSON.parse(line) as JsonLine);

describe('--replications', () => {
	it('gives the same lines whatever --jobs: a replication depends on its seed alone', async () => {
		const [one, two] = await Promise.all([
			runCli([...WORKLOAD, '--replications', '6', '--jobs', '1', '--json']),
			runCli([...WORKLOAD, '--replications', '6', '--jobs', '2', '--json']),
		]);
		expect(one.code).toBe(0);
		expect(two.code).toBe(0);
		expect(withoutWallTime(two.stdout)).toBe(withoutWallTime(one.stdout));
		const records = lines(one.stdout);
		expect(records.map(record => record.type)).toEqual(['start', ...Array.from({length: 6}, () => 'replication'), 'summary']);
		expect(records.slice(1, 7).map(record => record.seed)).toEqual([77, 78, 79, 80, 81, 82]);
		const summary = records.at(-1) as JsonLine & {replications: {count: number; seeds: number[]; figures: Record<string, {n: number; mean: number; low: number; high: number}>}};
		expect(summary.replications.count).toBe(6);
		expect(summary.replications.seeds).toEqual([77, 78, 79, 80, 81, 82]);
		// The interval's mean is the mean of the replications' own figures.
		const throughputs = records.slice(1, 7).map(record => record.throughputPerSec as number);
		const {throughputPerSec} = summary.replications.figures;
		expect(throughputPerSec.mean).toBeCloseTo(throughputs.reduce((sum, value) => sum + value, 0) / 6, 1);
		expect(throughputPerSec.low).toBeLessThan(throughputPerSec.mean);
		for (const name of ['makespanMs', 'avgMs', 'p50Ms', 'p95Ms', 'p99Ms', 'waitAvgMs', 'waitP99Ms', 'latencyAvgMs', 'latencyP99Ms', 'failureRatio', 'deadLetteredShare']) {
			expect(summary.replications.figures[name]?.n, name).toBe(6);
		}
	});

	it('makes its first replication the run --seed gives alone', async () => {
		const [alone, replicated] = await Promise.all([
			runCli([...WORKLOAD, '--speed', 'max', '--json']),
			runCli([...WORKLOAD, '--replications', '2', '--json']),
		]);
		const single = lines(alone.stdout).at(-1)!;
		const first = lines(replicated.stdout)[1];
		for (const field of ['sent', 'failed', 'elapsedMs', 'avgMs', 'p99Ms', 'wait', 'latency', 'retries', 'groups']) {
			expect(first[field], field).toEqual(single[field]);
		}
	});

	it('summarizes for people: each figure\'s mean, interval and spread, and the seeds', async () => {
		const {code, stdout} = await runCli([...WORKLOAD, '--replications', '4']);
		expect(code).toBe(0);
		expect(stdout).toMatch(/^sms-sim: 4 replications \(seeds 77 to 80\) of 3,000 messages/);
		expect(stdout).toContain('Done: 4 replications (seeds 77 to 80): means, 95% confidence intervals (t)');
		expect(stdout).toMatch(/\n {2}throughput +[\d.]+\/s +\+- [\d.]+\/s +[\d.]+\/s to [\d.]+\/s/);
		expect(stdout).toMatch(/\n {2}dead-lettered +[\d.]+%/);
	});

	it('refuses what shows one run, naming the flag and why', async () => {
		const {code, stderr} = await runCli([...WORKLOAD, '--replications', '3', '--speed', '2', '--events', '--json', '--threshold', 'p99<1s']);
		expect(code).toBe(2);
		expect(stderr).toContain('sms-sim: --speed cannot be combined with --replications: replications run at max speed');
		expect(stderr).toContain('sms-sim: --events cannot be combined with --replications');
		expect(stderr).toContain('sms-sim: --threshold cannot be combined with --replications');
		expect(stderr).not.toContain('    at ');
	});

	it('stops on SIGINT and summarizes the replications done (exit 130)', async () => {
		const child = start(['-n', '400000', '-s', '4', '--mean', '1ms', '--replications', '40', '--jobs', '2', '--seed', '1', '--json']);
		await outputMatches(child, /"type":"replication"/);
		child.kill('SIGINT');
		const {code, stdout} = await finished(child);
		expect(code).toBe(130);
		const summary = lines(stdout).at(-1) as JsonLine & {interrupted: boolean; replications: {count: number}};
		expect(summary.type).toBe('summary');
		expect(summary.interrupted).toBe(true);
		expect(summary.replications.count).toBeGreaterThan(0);
		expect(summary.replications.count).toBeLessThan(40);
	});
});

describe('--warmup', () => {
	it('needs a rate, and takes a time or a count', async () => {
		const noRate = await runCli(['--warmup', '30s', '--speed', 'max']);
		expect(noRate.code).toBe(2);
		expect(noRate.stderr).toContain('sms-sim: --warmup needs a rate (--rate)');
		const bad = await runCli(['--warmup', '-3', '--rate', '10/s', '--speed', 'max']);
		expect(bad.code).toBe(2);
		expect(bad.stderr).toContain('sms-sim: --warmup must be a duration with its unit');
	});

	it('warns when a run began empty and its start biases the waits, and suggests a warm-up', async () => {
		// One sender at load 0.95 for 3,000 messages: the transient is a third of the run.
		const cold = ['-n', '3000', '-s', '1', '--mean', '10ms', '--distribution', 'exponential', '--rate', '95/s', '--speed', 'max', '--seed', '3'];
		const {stdout} = await runCli(cold);
		expect(stdout).toMatch(/warm-up +waits start low: the run began empty; MSER-5 ends the start-up\n +[\d,]+ messages in \([\d.]+%\): try --warmup [\d.]+s\n/);
		const jsonRun = await runCli([...cold, '--json']);
		const json = lines(jsonRun.stdout).at(-1)!;
		expect(json.warmupSuggestion).toMatchObject({of: 3000, settled: true});
		// Overloaded (arrivals at twice what the senders can take): waits never settle, and no warm-up is suggested.
		const overloaded = await runCli(['-n', '3000', '--rate', '200/s', '--speed', 'max', '--seed', '3']);
		expect(overloaded.stdout).toContain('waits never settle in this run (MSER-5): the load is at or above');
		expect(overloaded.stdout).not.toContain('try --warmup');
		const warmed = await runCli([...cold, '--warmup', '20s']);
		expect(warmed.stdout).toContain('warm-up 20.0s');
		expect(warmed.stdout).not.toContain('waits start low');
	});
});
