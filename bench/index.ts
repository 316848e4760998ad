/**
 * `npm run bench`: the engine's figures, each next to its reference from the same run, with ratios.
 * Machines here are noisy: read the ratios, and run it twice before believing a change.
 */
import {execFileSync, spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {availableParallelism} from 'node:os';
import {SimulationScheduler} from '../source/engine/scheduler.js';
import {runToCompletion, simulate} from '../source/pipeline/simulation.js';
import type {Distribution} from '../source/model/distributions.js';
import {planSenders} from '../source/planning/sender-search.js';
import {createReplicationPool} from '../source/pipeline/replication-pool.js';
import {brokerBench} from './broker.js';
import {smppBench} from './smpp.js';
import {DEFAULT_REFERENCE, referenceProbe} from './reference.js';
import {figure, writeFigures} from './figures.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
const format = (value: number, digits = 0) => value.toLocaleString('en-US', {maximumFractionDigits: digits, minimumFractionDigits: digits});
const write = process.argv.includes('--write');
const only = process.argv.slice(2).find(argument => !argument.startsWith('--'));
const ROUNDS = 5;

type Probe = {sendsPerSecond: number; sent: number; avgMs: number};
const probe = (script: string, kind: string, messages: number, senders: number, seed: number) =>
	JSON.parse(execFileSync(process.execPath, [script, kind, String(messages), String(senders), String(seed)], {encoding: 'utf8'})) as Probe;
const ownProbe = `${here}throughput-probe.js`;
const nsPerMessage = (sendsPerSecond: number) => 1e9 / sendsPerSecond;

/**
 * Plans on the replication threads against the same plan on one: issue 12's planning question (how
 * many senders get a million alerts of 250 ms out in 5 minutes, met in 90% of runs, 95% sure), and
 * a smaller one timed both ways for the ratio.
 */
async function planBench(): Promise<void> {
	const cores = availableParallelism();
	console.log(`\n6. sms-sim plan: the fewest senders that meet the goal in 90% of runs, 95% sure (Clopper-Pearson), on ${cores} threads`);
	const timed = async (messages: number, deadlineMs: number, jobs: number) => {
		const runner = createReplicationPool(jobs);
		const started = performance.now();
		const plan = await planSenders({messages, intervalMs: 60_000}, {meanMs: 250}, {deadlineMs}, {runner});
		const seconds = (performance.now() - started) / 1000;
		await runner.close();
		return {plan, seconds, runs: plan.tried.reduce((sum, point) => sum + point.replications, 0)};
	};

	const [oneThread, threads] = [await timed(100_000, 60_000, 1), await timed(100_000, 60_000, cores)];
	if (oneThread.plan.senders !== threads.plan.senders) {
		throw new Error('a plan on one thread and on several disagree: runs depend on their seeds alone');
	}

	console.log(`   -n 100000 --deadline 60s: ${threads.plan.senders} senders, ${threads.runs} runs; one thread ${oneThread.seconds.toFixed(1)} s, ${cores} threads ${threads.seconds.toFixed(1)} s: ${format(threads.seconds / oneThread.seconds, 2)}x   target <= 0.6x on 2 cores`);
	const big = await timed(1_000_000, 300_000, cores);
	console.log(`   -n 1000000 --deadline 5m: ${big.plan.senders} senders, ${big.runs} runs of a million messages, in ${big.seconds.toFixed(1)} s`);
	figure({
		key: 'plan.threads', what: `\`plan -n 100000 --mean 250ms --deadline 60s\` on ${cores} threads against 1`, measured: `${threads.plan.senders} senders, ${threads.runs} runs: ${threads.seconds.toFixed(1)} s against ${oneThread.seconds.toFixed(1)} s, ${format(threads.seconds / oneThread.seconds, 2)}x`, target: '≤ 0.6x on 2 cores',
	});
	figure({
		key: 'plan.million', what: '`plan -n 1000000 --mean 250ms --deadline 5m` (met in 90% of runs, 95% sure)', measured: `${big.plan.senders} senders, ${big.runs} runs of a million messages, in ${big.seconds.toFixed(1)} s on ${cores} threads`, target: '< 30 s',
	});
}

/**
 * `--replications 4` on the threads against four runs one after another, as users would run them
 * without it (four commands, seeds 1 to 4), and against the same four in one process (`--jobs 1`).
 */
function replicationsBench(): void {
	const cores = availableParallelism();
	const cli = fileURLToPath(new URL('../cli.js', import.meta.url));
	const workload = ['-n', '1000000', '-s', '1000', '--mean', '100ms', '--json'];
	const seconds = (args: string[]): number => {
		const started = performance.now();
		const result = spawnSync(process.execPath, [cli, ...workload, ...args], {encoding: 'utf8'});
		if (result.status !== 0) {
			throw new Error(`sms-sim ${args.join(' ')} failed: ${result.stderr}`);
		}

		return (performance.now() - started) / 1000;
	};

	console.log(`\n7. --replications 4 of ${workload.slice(0, 6).join(' ')} on ${cores} threads, against four runs one after another`);
	const ratios: number[] = [];
	const inProcess: number[] = [];
	for (let round = 0; round < 3; round++) {
		const commands = [1, 2, 3, 4].reduce((sum, seed) => sum + seconds(['--speed', 'max', '--seed', String(seed)]), 0);
		const oneThread = seconds(['--replications', '4', '--jobs', '1', '--seed', '1']);
		const threads = seconds(['--replications', '4', '--jobs', String(cores), '--seed', '1']);
		ratios.push(threads / commands);
		inProcess.push(threads / oneThread);
		console.log(`   round ${round + 1}: four commands ${commands.toFixed(2)} s, --jobs 1 ${oneThread.toFixed(2)} s, --jobs ${cores} ${threads.toFixed(2)} s: ${format(threads / commands, 2)}x of four commands, ${format(threads / oneThread, 2)}x of --jobs 1`);
	}

	console.log(`   median ${format(median(ratios), 2)}x of four runs one after another   target <= 0.6x on 2 cores`);
	console.log(`   median ${format(median(inProcess), 2)}x of --jobs 1 (the same process: no start-up to save; two simulations side by side each run about 20% slower here than alone)`);
	figure({
		key: 'replications', what: `\`--replications 4\` of a million messages on ${cores} threads`, measured: `${format(median(ratios), 2)}x of four runs one after another; ${format(median(inProcess), 2)}x of \`--jobs 1\` (medians of 3 rounds)`, target: '≤ 0.6x on 2 cores',
	});
}

async function throughput(): Promise<void> {
	const messages = 1_000_000;
	const senders = 1000;
	const referenceRev = process.env.SMS_SIM_BENCH_REFERENCE ?? DEFAULT_REFERENCE;
	const reference = referenceProbe(referenceRev);
	console.log(`\n1. Simulated sends per second, speed max: ${format(messages)} messages, ${format(senders)} senders, mean 100 ms`);
	const rates: Record<'engine' | 'reference' | 'baseline', number[]> = {engine: [], reference: [], baseline: []};
	// Alternate them, each run in a fresh process, and keep each one's best: noise only slows a run.
	for (let round = 0; round < ROUNDS; round++) {
		const engine = probe(ownProbe, 'engine', messages, senders, round + 1);
		const baseline = probe(ownProbe, 'baseline', messages, senders, round + 1);
		if (baseline.sent !== engine.sent || Math.abs(baseline.avgMs - engine.avgMs) > 1e-6) {
			throw new Error('engine and baseline disagree: they should simulate the very same sends');
		}

		rates.engine.push(engine.sendsPerSecond);
		rates.baseline.push(baseline.sendsPerSecond);
		if ('probe' in reference) {
			rates.reference.push(probe(reference.probe, 'engine', messages, senders, round + 1).sendsPerSecond);
		}
	}

	const best = (values: number[]) => Math.max(...values);
	const runs = (values: number[]) => `(runs: ${values.map(rate => format(rate)).join(', ')})`;
	const engine = best(rates.engine);
	const baseline = best(rates.baseline);
	console.log(`   engine (pipeline.ts: pool, scan, monitor)  ${format(engine).padStart(11)} sends/s   ${runs(rates.engine)}`);
	if ('probe' in reference) {
		const before = best(rates.reference);
		console.log(`   ${`engine at ${referenceRev} (main before)`.padEnd(43)}${format(before).padStart(11)} sends/s   ${runs(rates.reference)}`);
		console.log(`   engine / main before (best of each)        ${format(engine / before, 2).padStart(11)}x        target >= 1.0x (no slower)`);
		const medianRatio = median(rates.engine.map((rate, index) => rate / (rates.reference[index] ?? Number.NaN)));
		console.log(`   engine / main before (median of rounds)    ${format(medianRatio, 2).padStart(11)}x`);
		figure({
			key: 'throughput.engine', what: 'sends/s at `--speed max`, 1,000,000 messages, 1,000 senders, mean 100 ms, against main before', measured: `${format(engine)} against ${format(before)} at ${referenceRev}: ${format(engine / before, 2)}x (median of rounds ${format(medianRatio, 2)}x)`, target: '≥ 1.0x: no slower',
		});
	} else {
		console.log(`   engine at ${referenceRev}: ${reference.reason}`);
	}

	console.log(`   baseline (plain heap loop, no rxjs)        ${format(baseline).padStart(11)} sends/s   ${runs(rates.baseline)}`);
	console.log(`   engine / baseline (best of each)           ${format(engine / baseline, 2).padStart(11)}x        target >= 0.5x and >= 500,000/s; aim 1.0x`);
	const baselineRatio = median(rates.engine.map((rate, index) => rate / (rates.baseline[index] ?? Number.NaN)));
	console.log(`   engine / baseline (median of rounds)       ${format(baselineRatio, 2).padStart(11)}x`);
	figure({
		key: 'throughput.baseline', what: 'the same, against the plain heap loop (no RxJS, the same messages and sends)', measured: `${format(engine)} against ${format(baseline)}: ${format(engine / baseline, 2)}x (median of rounds ${format(baselineRatio, 2)}x)`, target: '≥ 0.5x and ≥ 500,000/s; aim 1.0x',
	});

	// The realistic workload of issue 11, in the same run: arrivals, retries and priorities.
	const realistic = best(Array.from({length: 3}, (_, round) => probe(ownProbe, 'realistic', messages, senders, round + 1).sendsPerSecond));
	console.log(`   engine with Poisson arrivals, 3 attempts, 2 priorities ${format(realistic).padStart(11)} sends/s: ${format(realistic / engine, 2)}x the default workload   target >= 0.5x`);
	figure({
		key: 'throughput.realistic', what: 'the engine with Poisson arrivals at 90% of capacity, 3 attempts with backoff and 2 priorities', measured: `${format(realistic)}: ${format(realistic / engine, 2)}x the default workload`, target: '≥ 0.5x',
	});

	// Where the time goes: each layer's best rate as nanoseconds a message, the layers below it included.
	const layer = (kind: string) => best(Array.from({length: 3}, (_, round) => probe(ownProbe, kind, messages, senders, round + 1).sendsPerSecond));
	const generator = nsPerMessage(layer('messages'));
	const pool = nsPerMessage(layer('pool'));
	const loop = nsPerMessage(baseline);
	const whole = nsPerMessage(engine);
	console.log('   where the time goes, ns a message (best of 3 each):');
	console.log(`     messages (phone number, body)            ${format(generator).padStart(6)}   shared by every kind`);
	console.log(`     plain heap loop, sends and counts        ${format(loop - generator).padStart(6)}   + messages = the baseline, ${format(loop)}`);
	console.log(`     sender pool (rxjs Observable, results)   ${format(pool - generator).padStart(6)}   + messages = ${format(pool)}`);
	console.log(`     stats (scan: HDR histogram, per sender)  ${format(whole - pool).padStart(6)}   and the monitor's ticks; + the above = the engine, ${format(whole)}`);
	figure({
		key: 'throughput.layers', what: 'where the time goes, ns a message', measured: `messages ${format(generator)}, the plain loop's sends ${format(loop - generator)}, the pool's sends ${format(pool - generator)}, stats and monitor ${format(whole - pool)}: ${format(whole)} in all`, target: '',
	});
}

/** The card's literal `mergeMap(send, C)` against the pool, over the same demand-driven messages. */
function cardAgainstPool(): void {
	const messages = 100_000;
	console.log(`\n2. The card's mergeMap(send, C) against senderPool: ${format(messages)} messages, mean 100 ms, the pool alone (no stats), best of 3`);
	const cells: string[] = [];
	for (const senders of [10, 100, 1000, 10_000]) {
		const rate = (kind: string) => Math.max(...Array.from({length: 3}, (_, round) => probe(ownProbe, kind, messages, senders, round + 1).sendsPerSecond));
		const card = rate('card');
		const pool = rate('pool');
		console.log(`   C = ${format(senders).padEnd(6)}  mergeMap ${format(card).padStart(10)} sends/s   senderPool ${format(pool).padStart(10)} sends/s   pool / mergeMap ${format(pool / card, 1).padStart(5)}x`);
		cells.push(`C = ${format(senders)}: ${format(card / 1000)}k vs ${format(pool / 1000)}k/s (${format(pool / card, 1)}x)`);
	}

	figure({
		key: 'card', what: 'the card\'s literal `mergeMap(send, C)` against `senderPool`, 100,000 messages', measured: cells.join('; '), target: '',
	});
}

/** The median of `values`; NaN for none. */
const median = (values: number[]): number => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

function rss(): void {
	console.log('\n3. Peak RSS, speed max, 1,000 senders (each in a fresh process)');
	const probe = (messages: number) => JSON.parse(execFileSync(process.execPath, [`${here}rss-probe.js`, String(messages)], {encoding: 'utf8'})) as {maxRssMb: number};
	const small = probe(100_000).maxRssMb;
	const large = probe(10_000_000).maxRssMb;
	console.log(`   100,000 messages       ${format(small, 1).padStart(8)} MB`);
	console.log(`   10,000,000 messages    ${format(large, 1).padStart(8)} MB`);
	console.log(`   large / small          ${format(large / small, 2).padStart(8)}x    target < 1.3x and < 200 MB`);
	figure({
		key: 'rss', what: 'peak RSS at 100,000 / 10,000,000 messages', measured: `${format(small)} MB / ${format(large)} MB: ${format(large / small, 2)}x`, target: '< 1.3x and < 200 MB',
	});
}

type RealTimeRun = {makespanMs: number; meanMs: number; wallMeanMs: number; lagMeanMs: number; lagMaxMs: number};

/** One real-time run; the mean send time is read two ways: on the simulation clock and on the wall clock. */
async function realTimeRun(distribution: Distribution, messages: number, senders: number, seed: number): Promise<RealTimeRun> {
	const scheduler = new SimulationScheduler(1);
	const started = performance.now();
	const freedAt = new Map<string, number>();
	let wallSumMs = 0;
	let meanMs = 0;
	await new Promise<void>((resolve, reject) => {
		simulate({
			messages, groups: [{
				count: senders, meanMs: 100, failureRate: 0.1, distribution,
			}], seed, intervalMs: 1000,
		}, {scheduler}).subscribe({
			next(event) {
				if (event.type === 'result') {
					// A sender starts its next send as soon as one ends, so on the wall clock a send lasts
					// from its sender's previous completion (or the start) to its own.
					const now = performance.now();
					wallSumMs += now - (freedAt.get(event.senderId) ?? started);
					freedAt.set(event.senderId, now);
				} else if (event.type === 'final') {
					meanMs = event.avgMs;
				}
			},
			error: reject,
			complete: resolve,
		});
	});
	const lag = scheduler.pacingLag();
	return {
		makespanMs: performance.now() - started, meanMs, wallMeanMs: wallSumMs / messages, lagMeanMs: lag.meanMs, lagMaxMs: lag.maxMs,
	};
}

async function realTime(): Promise<void> {
	const messages = 200_000;
	const senders = 10_000;
	const seed = 1;
	console.log(`\n4. Real time (speed 1): ${format(messages)} messages, ${format(senders)} senders, mean 100 ms`);
	const maxRun = await runToCompletion({
		messages, groups: [{count: senders, meanMs: 100, failureRate: 0.1}], speed: 'max', seed,
	});
	const ideals: Record<'fixed' | 'gamma', number> = {fixed: 2000, gamma: maxRun.elapsedMs};
	for (const distribution of ['fixed', 'gamma'] as const) {
		// One after the other: two real-time runs at once would measure each other.
		// eslint-disable-next-line no-await-in-loop
		const run = await realTimeRun(distribution, messages, senders, seed);
		const ideal = ideals[distribution];
		figure({
			key: `realtime.${distribution}`, what: `real time, ${format(messages)} messages, ${format(senders)} senders, 100 ms, \`${distribution}\``, measured: `makespan ${format(run.makespanMs / 1000, 3)} s for an ideal ${format(ideal / 1000, 3)} s: ${format(run.makespanMs / ideal, 3)}x; mean send time ${format(run.meanMs / 100, 3)}x simulated, ${format(run.wallMeanMs / 100, 3)}x on the wall clock`, target: '≤ 1.05x, mean within 2%',
		});
		console.log(`   ${distribution.padEnd(6)} ideal ${format(ideal / 1000, 3)} s   measured ${format(run.makespanMs / 1000, 3)} s   makespan/ideal ${format(run.makespanMs / ideal, 3)}x   mean/configured: simulated ${format(run.meanMs / 100, 4)}x, wall clock ${format(run.wallMeanMs / 100, 4)}x   (pacing lag mean ${format(run.lagMeanMs, 2)} ms, max ${format(run.lagMaxMs, 1)} ms)`);
	}

	const reference = `${repositoryRoot}../shared/anchors/seed_reference.py`;
	if (existsSync(reference)) {
		const result = spawnSync('python3', [reference, '--messages', String(messages), '--senders', String(senders), '--mean', '0.1'], {encoding: 'utf8', maxBuffer: 1 << 26});
		const summary = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as {elapsed_s: number};
		// Its monitor prints "Avg Time: X seconds" (over sent messages) each second; the last one counts.
		const averages = [...result.stderr.matchAll(/Avg Time: ([\d.]+) seconds/g)].map(match => Number(match[1]) * 1000);
		const meanText = averages.length > 0 ? `${format(averages.at(-1)! / 100, 4)}x (last monitor line, wall clock)` : 'not printed (run shorter than its interval)';
		figure({
			key: 'realtime.python', what: 'the Python seed design, the same workload', measured: `makespan ${format(summary.elapsed_s, 2)} s: ${format(summary.elapsed_s / 2, 1)}x of 2.0 s; mean send time ${meanText}`, target: '',
		});
		console.log(`   python seed reference (gauss, asyncio): measured ${format(summary.elapsed_s, 3)} s   makespan/2.0 s ${format(summary.elapsed_s / 2, 3)}x   makespan/gamma ideal ${format((summary.elapsed_s * 1000) / ideals.gamma, 3)}x   mean/configured ${meanText}`);
	} else {
		console.log(`   python seed reference: ${reference} not found, skipped`);
	}

	console.log('   target: makespan within 1.05x of ideal and mean within 2%');
}

if (!only || only === 'throughput') {
	await throughput();
}

if (!only || only === 'card') {
	cardAgainstPool();
}

if (!only || only === 'rss') {
	rss();
}

if (!only || only === 'plan') {
	await planBench();
}

if (!only || only === 'replications') {
	replicationsBench();
}

if (!only || only === 'realtime') {
	await realTime();
}

if (!only || only === 'broker') {
	await brokerBench();
}

if (!only || only === 'smpp') {
	await smppBench();
}

if (write) {
	const rows = writeFigures(repositoryRoot);
	console.log(`\n${rows} figures written to docs/performance-figures.json and the table of docs/performance.md`);
}
