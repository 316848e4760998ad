import {randomUUID} from 'node:crypto';
import {
	afterAll, describe, expect, inject, it,
} from 'vitest';
import {finished, runCli, start} from '../cli/spawn.js';
import {
	deleteRuns, exited, jsonLines, stderrOf, within, type Json,
} from './harness.js';

const broker = inject('broker');

/**
 * At `--speed max` the workers of a run share one simulated clock (conservative windows through the
 * broker, run-clock.ts): what they give together is what one process gives.
 */
describe.skipIf(Boolean(broker.skipReason))('one simulated clock at --speed max', () => {
	const runs: string[] = [];
	const newRun = () => {
		const run = `clock-${randomUUID().slice(0, 8)}`;
		runs.push(run);
		return run;
	};

	afterAll(async () => deleteRuns(broker.url, runs));

	const args = (run: string, command: string, ...rest: string[]) => [command, '--broker', broker.url, '--run', run, ...rest];
	const worker = (run: string, ...rest: string[]) => {
		const child = start(args(run, 'send', '--speed', 'max', '--json', ...rest));
		child.stdout.resume();
		return child;
	};

	/** A run's summary, as a monitor gives it at its end. */
	const summaryOf = async (run: string, ...monitorArgs: string[]): Promise<{summary: Json; lines: Json[]}> => {
		const monitor = start(args(run, 'monitor', '--json', ...monitorArgs));
		const watched = jsonLines(monitor);
		const errors = stderrOf(monitor);
		await within(watched.until(line => line.type === 'summary'), 120_000, () => `monitor: ${JSON.stringify(watched.lines.at(-1))}; ${errors.text}`);
		expect(await exited(monitor)).toBe(0);
		return {summary: watched.lines.at(-1)!, lines: watched.lines};
	};

	it('gives 2 workers of 500 senders the makespan and percentiles of one process of 1,000', async () => {
		const run = newRun();
		const workers = [worker(run, '-s', '500', '--mean', '100ms', '--seed', '1'), worker(run, '-s', '500', '--mean', '100ms', '--seed', '2')];
		const produced = finished(start(args(run, 'produce', '-n', '100000', '--seed', '3', '--json')));
		const {summary} = await summaryOf(run);
		const {code} = await produced;
		expect(code).toBe(0);
		for (const child of workers) {
			expect(await within(exited(child), 30_000, () => 'a worker did not end')).toBe(0);
		}

		const local = await runCli(['-n', '100000', '-s', '1000', '--mean', '100ms', '--seed', '3', '--speed', 'max', '--json']);
		const one = JSON.parse(local.stdout.trim().split('\n').at(-1)!) as Json;
		// One process's makespan with 1,000 senders: 10,101 to 10,150 ms over 6 seeds (sd 0.2%); its p50
		// and p99 vary by 0.2% and 0.4%. The run of two workers is
		// another draw of the same model, plus the window's error (W = 10 ms, 0.1%) and the grain of
		// the work: at the end one worker may hold a batch more than the other, one round of its
		// senders (100 ms, 1%). 3% covers both with room; at 20,000 messages the grain was 5% of the
		// makespan and a run came out 3.2% long. Without the shared clock, 2 x 500 took 23% longer: a
		// worker waiting for its next batch let its free senders' time go by.
		expect(summary.elapsedMs / one.elapsedMs).toBeCloseTo(1, 1);
		expect(Math.abs((summary.elapsedMs / one.elapsedMs) - 1)).toBeLessThan(0.03);
		expect(Math.abs((summary.p50Ms / one.p50Ms) - 1)).toBeLessThan(0.02);
		expect(Math.abs((summary.p99Ms / one.p99Ms) - 1)).toBeLessThan(0.02);
		expect(Math.abs((summary.throughputPerSec / one.throughputPerSec) - 1)).toBeLessThan(0.03);
	}, 120_000);

	it('gives a fast worker and a slow one the group shares, makespan and throughput of one process with both groups', async () => {
		// One process, over 4 seeds: the mean of each figure. Over 6 seeds its makespan ran from 20,645
		// to 21,257 ms (sd 1%: the last of 1,000 gamma sends, or of the slow group's 1 s ones), its
		// throughput likewise, and the slow group did 202 to 209 messages (sd 3).
		const local: Json[] = [];
		for (const seed of ['1', '2', '3', '4']) {
			const {stdout} = await runCli(['-n', '100000', '--sender', 'count=1000,mean=200ms', '--sender', 'name=slow,count=10,mean=1s', '--seed', seed, '--speed', 'max', '--json']);
			local.push(JSON.parse(stdout.trim().split('\n').at(-1)!) as Json);
		}

		const mean = (figure: (summary: Json) => number) => local.reduce((sum, summary) => sum + figure(summary), 0) / local.length;
		const slowOf = (summary: Json) => {
			const slow = (summary.groups as Json[]).find(group => group.name === 'slow')!;
			return (slow.sent as number) + (slow.failed as number);
		};

		for (const seed of [1, 2]) {
			const run = newRun();
			const workers = [
				worker(run, '--sender', 'count=1000,mean=200ms', '--seed', String(seed)),
				worker(run, '--sender', 'name=slow,count=10,mean=1s', '--seed', String(seed + 10)),
			];
			// The default batches of 500, 50 s of the slow worker's senders' time each: it gives back what
			// it has not started, beyond a round of its senders, when the fast one starves. Before it
			// could, the run took 100.7 s of simulated time where one process took 20.8 s.
			const produced = finished(start(args(run, 'produce', '-n', '100000', '--seed', String(seed + 20), '--json')));
			const {summary} = await summaryOf(run);
			const {code} = await produced;
			expect(code).toBe(0);
			for (const child of workers) {
				expect(await within(exited(child), 30_000, () => 'a worker did not end')).toBe(0);
			}

			console.log(`seed ${seed}: makespan ${summary.elapsedMs} ms (one process ${mean(one => one.elapsedMs)}), slow group ${slowOf(summary)} (${mean(slowOf)})`);
			// Makespan and throughput within 8% of one process's mean: 3 sd of its own spread (3%), the
			// slow worker's half round of messages waiting at its senders, which it cannot give back (5
			// of 1 s: 0.5 s, 2.4%), and the window W = 20 ms (0.1%). The slow group within 15 messages of
			// its mean there: 3 sd of its draw (9) and that half round. Each worker on its own clock, the
			// slow one did 46% of such a run and the makespan was 13 hours; with whole batches of 500 in
			// its hands, 100.7 s against 20.8 s.
			expect(Math.abs((summary.elapsedMs / mean(one => one.elapsedMs)) - 1)).toBeLessThan(0.08);
			expect(Math.abs((summary.throughputPerSec / mean(one => one.throughputPerSec)) - 1)).toBeLessThan(0.08);
			expect(Math.abs(slowOf(summary) - mean(slowOf))).toBeLessThan(15);
			expect(summary.processed).toBe(100_000);
		}
	}, 180_000);

	it('has a slow worker at a paced speed give back what it has not started when a fast one\'s senders are free', async () => {
		const run = newRun();
		const produced = await runCli(args(run, 'produce', '-n', '2000', '--seed', '3'));
		expect(produced.code).toBe(0);
		// At 10x: 100 senders of 10 ms do 2,000 messages in 0.2 s of run time; 2 of 1 s take 250 s of it
		// for one batch of 500, which they held whole before. The fast one's heartbeat (every 200 ms of
		// wall time, 2 s of run time) says its senders are free with the queue empty, and the slow one
		// gives back all it has not handed out: the run ends within a few heartbeats and the slow
		// senders' rounds (20 s of run time is 2 wall seconds; 60 s leaves room on a busy machine).
		const paced = (...rest: string[]) => start(args(run, 'send', '--speed', '10', '--interval', '200ms', '--json', ...rest));
		// The slow one first: it takes its batches (two of 500) before the fast one is there.
		const slowWorker = paced('--sender', 'name=slow,count=2,mean=1s');
		await within(jsonLines(slowWorker).until(line => line.type === 'progress' && (line.inFlight as number) > 0), 30_000, () => 'the slow worker took no batch');
		const workers = [slowWorker, paced('--sender', 'count=100,mean=10ms')];
		const {summary} = await summaryOf(run);
		for (const child of workers) {
			expect(await within(exited(child), 30_000, () => 'a worker did not end')).toBe(0);
		}

		expect(summary.processed).toBe(2000);
		expect(summary.elapsedMs).toBeLessThan(60_000);
		const slow = (summary.groups as Json[]).find(group => group.name === 'slow')!;
		expect((slow.sent as number) + (slow.failed as number)).toBeLessThan(120);
	}, 120_000);

	it('starts a worker that joins late at the run\'s current time, not at 0', async () => {
		const run = newRun();
		const first = worker(run, '-s', '1000', '--mean', '100ms', '--seed', '1');
		// A million messages: the first worker alone takes several seconds of wall time over them, so the
		// late one joins a run well under way (300,000 were over in 2 s once workers drew their messages).
		const produced = finished(start(args(run, 'produce', '-n', '1000000', '--seed', '3', '--events', '--json')));
		const monitor = start(args(run, 'monitor', '--json', '--events', '--interval', '50ms'));
		const watched = jsonLines(monitor);
		// Told when to start the late worker by a monitor without rows: one printing a million of them
		// to this process lags the run by seconds (it saw 60,000 when the run was nearly over).
		const pacer = start(args(run, 'monitor', '--json', '--interval', '50ms'));
		const paced = jsonLines(pacer);
		// 60,000 messages done: the run's clock is past 6 s (1,000 senders of 100 ms do 10,000 a second).
		await within(paced.until(line => line.type === 'progress' && line.processed >= 60_000), 60_000, () => JSON.stringify(paced.lines.at(-1)));
		const late = worker(run, '-s', '1000', '--mean', '100ms', '--seed', '2');
		await within(watched.until(line => line.type === 'summary'), 120_000, () => JSON.stringify(watched.lines.at(-1)));
		const {code} = await produced;
		expect(code).toBe(0);
		for (const child of [first, late]) {
			expect(await within(exited(child), 30_000, () => 'a worker did not end')).toBe(0);
		}

		expect(await within(exited(pacer), 30_000, () => 'the second monitor did not end')).toBe(0);

		const rows = watched.lines.filter(line => line.type === 'message');
		expect(rows).toHaveLength(1_000_000);
		const ofLate = rows.filter(row => String(row.senderId).includes(`-${late.pid}/`));
		expect(ofLate.length).toBeGreaterThan(0);
		let firstStart = Number.POSITIVE_INFINITY; // Math.min(...rows) overflows the stack at this many.
		for (const row of ofLate) {
			firstStart = Math.min(firstStart, row.startMs as number);
		}

		expect(firstStart).toBeGreaterThan(6000);
	}, 180_000);
});
