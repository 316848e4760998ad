import {spawn, execFileSync, type ChildProcess} from 'node:child_process';
import {existsSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {Connection} from 'rabbitmq-client';
import {runNames} from '../source/broker/topology.js';

const cli = fileURLToPath(new URL('../cli.js', import.meta.url));
const nodeScript = fileURLToPath(new URL('../../scripts/rabbitmq-node.sh', import.meta.url));
const format = (value: number, digits = 0) => value.toLocaleString('en-US', {maximumFractionDigits: digits, minimumFractionDigits: digits});

/** A broker for the bench: $SMS_SIM_BENCH_BROKER, else a throwaway local node if RabbitMQ is installed. */
function findBroker(): {url: string; stop: () => void} | undefined {
	if (process.env.SMS_SIM_BENCH_BROKER) {
		return {url: process.env.SMS_SIM_BENCH_BROKER, stop: () => undefined};
	}

	if (!existsSync('/usr/lib/rabbitmq/bin/rabbitmq-server')) {
		return undefined;
	}

	const dir = mkdtempSync(join(tmpdir(), 'sms-sim-bench-rabbitmq-'));
	const output = execFileSync('bash', [nodeScript, 'start', dir, '5696'], {encoding: 'utf8'});
	return {
		url: /SMS_SIM_TEST_BROKER=(\S+)/.exec(output)![1],
		stop() {
			execFileSync('bash', [nodeScript, 'stop', dir]);
			rmSync(dir, {recursive: true, force: true});
		},
	};
}

const exited = async (child: ChildProcess) => new Promise<number | null>(resolve => {
	child.on('exit', code => {
		resolve(code);
	});
});

/** Producer, `workers` workers (mean 0) and a monitor at once; the time until the monitor's summary. */
async function endToEnd(url: string, messages: number, workers: number, sendersPerWorker: number): Promise<number> {
	const run = `bench-${Date.now()}-${workers}`;
	const common = ['--broker', url, '--run', run];
	const started = performance.now();
	const monitor = spawn(process.execPath, [cli, 'monitor', ...common, '--json', '--interval', '1s'], {stdio: ['ignore', 'ignore', 'inherit']});
	const senders = Array.from({length: workers}, () => spawn(process.execPath, [cli, 'send', ...common, '--json', '-s', String(sendersPerWorker), '--mean', '0', '--interval', '10s'], {stdio: ['ignore', 'ignore', 'inherit']}));
	const producer = spawn(process.execPath, [cli, 'produce', ...common, '-n', String(messages), '--seed', '1'], {stdio: ['ignore', 'ignore', 'inherit']});
	await exited(producer);
	const code = await exited(monitor);
	const seconds = (performance.now() - started) / 1000;
	for (const worker of senders) {
		worker.kill('SIGINT');
	}

	await Promise.all(senders.map(async worker => exited(worker)));
	await deleteQueues(url, run);
	if (code !== 0) {
		throw new Error(`the monitor exited ${code}`);
	}

	return messages / seconds;
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

/** Prefetch is the number of senders: with mean 0 a send takes no time, so what a worker holds is
 * limited only by how many deliveries await their result's publish confirm. */
const SENDERS_PER_WORKER = 1000;

export async function brokerBench(): Promise<void> {
	// Enough that starting four processes (~0.4 s) weighs little next to the run itself.
	const messages = 50_000;
	console.log(`\n5. Through RabbitMQ, end to end (producer, workers, monitor at once), ${format(messages)} messages, mean 0`);
	const broker = findBroker();
	if (!broker) {
		console.log('   skipped: no broker (set SMS_SIM_BENCH_BROKER, or install rabbitmq-server)');
		return;
	}

	try {
		const limit = await publishThenConsume(broker.url, messages);
		console.log(`   limit: publish then consume, same client       ${format(limit).padStart(8)} msg/s`);
		for (const workers of [1, 2]) {
			// eslint-disable-next-line no-await-in-loop
			const rate = await endToEnd(broker.url, messages, workers, SENDERS_PER_WORKER);
			console.log(`   end to end, ${workers} worker${workers === 1 ? ' ' : 's'} (${format(SENDERS_PER_WORKER)} senders each)     ${format(rate).padStart(8)} msg/s   ${format((rate / limit) * 100)}% of the limit (target >= 70%)`);
		}
	} finally {
		broker.stop();
	}
}
