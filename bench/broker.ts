import {spawn, execFileSync, type ChildProcess} from 'node:child_process';
import {
	existsSync, mkdtempSync, readFileSync, rmSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {Connection} from 'rabbitmq-client';
import {DEFAULT_BATCH, runNames} from '../source/broker/topology.js';
import {runToCompletion} from '../source/pipeline/simulation.js';
import {figure} from './figures.js';
import {exited, program} from './program.js';

const cli = fileURLToPath(new URL('../cli.js', import.meta.url));
const nodeScript = fileURLToPath(new URL('../../scripts/rabbitmq-node.sh', import.meta.url));
const format = (value: number, digits = 0) => value.toLocaleString('en-US', {maximumFractionDigits: digits, minimumFractionDigits: digits});

/**
 * A broker for the bench: $SMS_SIM_BENCH_BROKER, else a throwaway local node if RabbitMQ is
 * installed. Its node's pid, when known (the throwaway's, or a node of scripts/rabbitmq-node.sh
 * whose folder $SMS_SIM_BENCH_RABBITMQ_DIR names), for its CPU.
 */
function findBroker(): {url: string; stop: () => void; pid?: number} | undefined {
	if (process.env.SMS_SIM_BENCH_BROKER) {
		const dir = process.env.SMS_SIM_BENCH_RABBITMQ_DIR;
		return {url: process.env.SMS_SIM_BENCH_BROKER, stop: () => undefined, ...(dir === undefined ? {} : {pid: nodePid(dir)})};
	}

	if (!existsSync('/usr/lib/rabbitmq/bin/rabbitmq-server')) {
		return undefined;
	}

	const dir = mkdtempSync(join(tmpdir(), 'sms-sim-bench-rabbitmq-'));
	const stop = () => {
		execFileSync('bash', [nodeScript, 'stop', dir]);
		rmSync(dir, {recursive: true, force: true});
	};

	try {
		const output = execFileSync('bash', [nodeScript, 'start', dir, '5696'], {encoding: 'utf8'});
		const [, url = ''] = /SMS_SIM_TEST_BROKER=(\S+)/.exec(output) ?? [];
		return {url, stop, pid: nodePid(dir)};
	} catch (error) {
		stop(); // A node that did not come up is not left behind (port 5696 taken: another bench running?).
		throw error;
	}
}

/** The pid of the node scripts/rabbitmq-node.sh started in `dir`, if it wrote one. */
function nodePid(dir: string): number | undefined {
	try {
		return Number(readFileSync(join(dir, 'rabbitmq.pid'), 'utf8').trim());
	} catch {
		return undefined;
	}
}

/** CPU seconds process `pid` has used so far (user and system, from /proc: Linux only), if it can be read. */
function cpuSecondsOf(pid: number | undefined): number | undefined {
	if (pid === undefined) {
		return undefined;
	}

	try {
		// The fields after the command's closing parenthesis: utime and stime are the 12th and 13th, in clock ticks (100 a second).
		const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
		return (Number(fields[11]) + Number(fields[12])) / 100;
	} catch {
		return undefined;
	}
}

type EndToEnd = {readonly rate: number; readonly cpuSeconds: Record<string, number> & {readonly monitor: number}};

/** Producer, `workers` workers (mean 0) and a monitor at once; messages per second until the monitor's summary, and each program's CPU. */
async function endToEnd(url: string, messages: number, workers: number, sendersPerWorker: number): Promise<EndToEnd> {
	const run = `bench-${Date.now()}-${workers}`;
	const common = ['--broker', url, '--run', run];
	const cpuDir = mkdtempSync(join(tmpdir(), 'sms-sim-bench-cpu-'));
	const started = performance.now();
	const monitor = program(['monitor', ...common, '--json', '--interval', '1s'], cpuDir, 'monitor');
	const senders = Array.from({length: workers}, (_, index) => program(['send', ...common, '--json', '-s', String(sendersPerWorker), '--mean', '0', '--interval', '10s'], cpuDir, `worker ${index + 1}`));
	const producer = program(['produce', ...common, '-n', String(messages), '--seed', '1'], cpuDir, 'producer');
	await exited(producer.child);
	const code = await exited(monitor.child);
	const seconds = (performance.now() - started) / 1000;
	await Promise.all(senders.map(async worker => exited(worker.child))); // They end by themselves when the run is complete.
	await deleteQueues(url, run);
	if (code !== 0) {
		throw new Error(`the monitor exited ${code}`);
	}

	const cpuSeconds = {
		producer: producer.cpuSeconds(),
		...Object.fromEntries(senders.map((worker, index) => [`worker ${index + 1}`, worker.cpuSeconds()])),
		monitor: monitor.cpuSeconds(),
	};
	rmSync(cpuDir, {recursive: true, force: true});
	return {rate: messages / seconds, cpuSeconds};
}

/**
 * Real time across workers: the messages queued first, then `workers` workers at speed 1 with a
 * fixed send time; the monitor's elapsed time (first send's start to last one's end).
 */
async function realTimeAcrossWorkers(url: string, messages: number, workers: number, sendersPerWorker: number, meanMs: number): Promise<number> {
	const run = `bench-rt-${Date.now()}`;
	const common = ['--broker', url, '--run', run];
	await exited(spawn(process.execPath, [cli, 'produce', ...common, '-n', String(messages), '--seed', '1'], {stdio: ['ignore', 'ignore', 'inherit']}));
	const senders = Array.from({length: workers}, () => spawn(process.execPath, [cli, 'send', ...common, '-s', String(sendersPerWorker), '--mean', `${meanMs}ms`, '--distribution', 'fixed', '--interval', '10s', '--json'], {stdio: ['ignore', 'ignore', 'inherit']}));
	await Promise.all(senders.map(async worker => exited(worker)));
	const monitor = spawn(process.execPath, [cli, 'monitor', ...common, '--json'], {stdio: ['ignore', 'pipe', 'inherit']});
	let output = '';
	monitor.stdout.setEncoding('utf8').on('data', (chunk: string) => {
		output += chunk;
	});
	await exited(monitor);
	await deleteQueues(url, run);
	const summary = JSON.parse(output.trim().split('\n').at(-1)!) as {elapsedMs: number; processed: number};
	if (summary.processed !== messages) {
		throw new Error(`the monitor counted ${summary.processed} of ${messages}`);
	}

	return summary.elapsedMs;
}

/**
 * The limit: the same client on the same broker, publishing the messages (persistent, confirmed,
 * 500 awaiting at once, as the producer does) and then consuming them (prefetch 100, ack each).
 */
async function publishThenConsume(url: string, messages: number): Promise<number> {
	const connection = new Connection(url);
	connection.on('error', () => undefined);
	const queue = `sms-sim.bench-limit-${Date.now()}.messages`;
	const publisher = connection.createPublisher({confirm: true, queues: [{queue, durable: true}]});
	const body = JSON.stringify({id: '123456', to: '+12025550123', body: 'x'.repeat(50)});
	const started = performance.now();
	let pending: Array<Promise<void>> = [];
	for (let i = 0; i < messages; i++) {
		pending.push(publisher.send({routingKey: queue, durable: true, contentType: 'application/json'}, body));
		if (pending.length >= 500) {
			// eslint-disable-next-line no-await-in-loop
			await Promise.all(pending);
			pending = [];
		}
	}

	await Promise.all(pending);
	await new Promise<void>(resolve => {
		let received = 0;
		const consumer = connection.createConsumer({queue, queueOptions: {durable: true}, qos: {prefetchCount: 100}}, () => {
			if (++received === messages) {
				resolve();
			}
		});
		consumer.on('error', () => undefined);
		void Promise.resolve().then(async () => {
			await new Promise<void>(done => {
				const check = setInterval(() => {
					if (received === messages) {
						clearInterval(check);
						done();
					}
				}, 20);
			});
			await consumer.close();
		});
	});
	const rate = messages / ((performance.now() - started) / 1000);
	await publisher.close();
	await connection.queueDelete(queue);
	await connection.close();
	return rate;
}

async function deleteQueues(url: string, run: string): Promise<void> {
	const connection = new Connection(url);
	connection.on('error', () => undefined);
	for (const queue of Object.values(runNames(run))) {
		// eslint-disable-next-line no-await-in-loop
		await connection.queueDelete(queue).catch(() => undefined);
	}

	await connection.close();
}

/** Senders a worker has in the end-to-end runs: with mean 0 a send takes no time, so this only sizes what a worker holds. */
const SENDERS_PER_WORKER = 1000;

export async function brokerBench(): Promise<void> {
	const messages = 2_000_000;
	console.log(`\n5. Through RabbitMQ, end to end (producer, 2 workers, a monitor at once), ${format(messages)} messages, mean 0, batches of ${format(DEFAULT_BATCH)} (the default)`);
	const broker = findBroker();
	if (!broker) {
		console.log('   skipped: no broker (set SMS_SIM_BENCH_BROKER, or install rabbitmq-server)');
		return;
	}

	try {
		// The local engine on the same work, in this process: what scaling out is measured against.
		const localStarted = performance.now();
		await runToCompletion({
			messages, groups: [{count: 2 * SENDERS_PER_WORKER, meanMs: 0}], speed: 'max', seed: 1,
		});
		const local = messages / ((performance.now() - localStarted) / 1000);
		const limit = await publishThenConsume(broker.url, 50_000);
		const brokerBefore = cpuSecondsOf(broker.pid);
		const {rate, cpuSeconds} = await endToEnd(broker.url, messages, 2, SENDERS_PER_WORKER);
		const brokerAfter = cpuSecondsOf(broker.pid);
		if (brokerBefore !== undefined && brokerAfter !== undefined) {
			cpuSeconds.RabbitMQ = brokerAfter - brokerBefore;
		}

		console.log(`   local run, --speed max, 2,000 senders          ${format(local).padStart(10)} msg/s`);
		console.log(`   raw limit: one AMQP message each, publish then consume  ${format(limit).padStart(8)} msg/s   (the old transport's ceiling)`);
		console.log(`   end to end, 2 workers (1,000 senders each)     ${format(rate).padStart(10)} msg/s   ${format((rate / local) * 100, 1)}% of the local run (target >= 300,000 msg/s and >= 30%, aim 50%); ${format(rate / limit, 1)}x the raw limit`);
		for (const [role, seconds] of Object.entries(cpuSeconds)) {
			console.log(`     CPU of the ${role.padEnd(9)} ${format(seconds, 2).padStart(6)} s   ${format((seconds / messages) * 1e6, 2).padStart(5)} us a message`);
		}

		// The monitor's work grows with records, not messages: what it costs whatever the run's size
		// (start-up, connecting, reading the run's streams from their start) is measured on a tiny run.
		const small = await endToEnd(broker.url, 10_000, 2, SENDERS_PER_WORKER);
		const fixed = small.cpuSeconds.monitor;
		const cpuCells = Object.entries(cpuSeconds).map(([role, seconds]) => `${role} ${format((seconds / messages) * 1e6, 2)} us`);
		figure({
			key: 'broker.endToEnd', what: `RabbitMQ end to end, ${format(messages)} messages, mean 0: a producer, 2 workers (1,000 senders each) and a monitor at once, until the monitor's summary`, measured: `${format(rate)} msg/s: ${format((rate / local) * 100, 1)}% of a local \`--speed max\` run on the same work (${format(local)} msg/s)`, target: '≥ 300,000 msg/s and ≥ 30% of the local run, aim 50%',
		});
		figure({
			key: 'broker.cpu', what: 'CPU a message of each program in that run (a worker: for its half)', measured: `${cpuCells.join(', ')}; the monitor ${format(fixed, 2)} s whatever the run, then ${format(((cpuSeconds.monitor - fixed) / (messages - 10_000)) * 1e6, 3)} us a message`, target: 'monitor ≤ a tenth of per-message rows\' (0.93 us)',
		});
		console.log(`     the monitor: ${format(fixed, 2)} s whatever the run (its CPU on a run of 10,000), then ${format(((cpuSeconds.monitor - fixed) / (messages - 10_000)) * 1e6, 3)} us a message (target: its CPU a message at most a tenth of per-message rows' 0.93 us)`);

		const elapsedMs = await realTimeAcrossWorkers(broker.url, 200_000, 2, 5000, 100);
		figure({
			key: 'broker.realTime', what: 'real time across workers: 200,000 messages, 2 workers x 5,000 senders, fixed 100 ms', measured: `the monitor's elapsed ${format(elapsedMs / 1000, 3)} s for an ideal 2.000 s: ${format(elapsedMs / 2000, 3)}x`, target: '≤ 1.05x',
		});
		console.log(`   real time, 2 workers x 5,000 senders, fixed 100 ms, 200,000 messages: the monitor's elapsed ${format(elapsedMs / 1000, 3)} s for an ideal 2.000 s: ${format(elapsedMs / 2000, 3)}x (target <= 1.05x)`);
	} finally {
		broker.stop();
	}
}
