import {execFileSync, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {randomUUID} from 'node:crypto';
import {fileURLToPath} from 'node:url';
import {Connection} from 'rabbitmq-client';
import {
	afterAll, beforeAll, describe, expect, inject, it,
} from 'vitest';
import {parseMessage, queueNames} from '../../source/broker/topology.js';
import {
	finished, outputMatches, runCli, start,
} from '../cli/spawn.js';

const broker = inject('broker');
const inCi = process.env.SMS_SIM_TEST_IN_CI === '1';
const script = fileURLToPath(new URL('../../scripts/rabbitmq-node.sh', import.meta.url));

if (broker.skipReason) {
	if (inCi) {
		throw new Error(`broker tests must run under CI, but: ${broker.skipReason}`);
	}

	console.warn(`Skipping the RabbitMQ integration tests: ${broker.skipReason}`);
}

type Json = Record<string, any>;

/** Collects a child's stdout as JSON lines and resolves waits on them as lines arrive. */
function jsonLines(child: ChildProcessWithoutNullStreams) {
	const lines: Json[] = [];
	const waiters: Array<{test: (line: Json) => boolean; resolve: () => void}> = [];
	let buffer = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
		buffer += chunk;
		let newline;
		while ((newline = buffer.indexOf('\n')) >= 0) {
			const line = JSON.parse(buffer.slice(0, newline)) as Json;
			buffer = buffer.slice(newline + 1);
			lines.push(line);
			// Backwards: a matched waiter is removed while the list is walked.
			for (let index = waiters.length - 1; index >= 0; index--) {
				const waiter = waiters[index];
				if (waiter.test(line)) {
					waiters.splice(index, 1);
					waiter.resolve();
				}
			}
		}
	});
	return {
		lines,
		until: async (test: (line: Json) => boolean) => new Promise<void>(resolve => {
			if (lines.some(line => test(line))) {
				resolve();
			} else {
				waiters.push({test, resolve});
			}
		}),
	};
}

const exited = async (child: ChildProcessWithoutNullStreams) => new Promise<number | null>(resolve => {
	if (child.exitCode !== null || child.signalCode !== null) {
		resolve(child.exitCode);
	} else {
		child.on('exit', code => {
			resolve(code);
		});
	}
});

describe.skipIf(Boolean(broker.skipReason))('distributed mode on a real RabbitMQ', () => {
	let admin: Connection;
	const runs: string[] = [];
	const afterDone: Array<() => Promise<void>> = [];
	const newRun = () => {
		const run = `test-${randomUUID().slice(0, 8)}`;
		runs.push(run);
		return run;
	};

	const args = (command: string, run: string, ...rest: string[]) => [command, '--broker', broker.url, '--run', run, ...rest];

	beforeAll(async () => {
		admin = new Connection(broker.url);
		admin.on('error', () => undefined);
		await admin.onConnect(10_000);
	});

	afterAll(async () => {
		await Promise.all(afterDone.map(async close => close()));
		for (const run of runs) {
			const queues = queueNames(run);

			await admin.queueDelete(queues.messages).catch(() => undefined);

			await admin.queueDelete(queues.results).catch(() => undefined);
		}

		await admin.close();
	});

	it('loses nothing when a worker is killed with SIGKILL mid-run: every id counted once', async () => {
		const run = newRun();
		const produced = await runCli(args('produce', run, '-n', '20000', '--seed', '1', '--json'));
		expect(produced.code).toBe(0);
		expect(JSON.parse(produced.stdout)).toMatchObject({type: 'produced', published: 20_000, total: 20_000});

		const monitor = start(args('monitor', run, '--json', '--events', '--interval', '100ms'));
		const monitorOutput = jsonLines(monitor);
		// Two workers, 40 senders each, 10 ms a send: ~2.5 s for the lot, long enough to kill one in the middle.
		const doomed = start(args('send', run, '--json', '-s', '40', '--mean', '10ms', '--seed', '2', '--interval', '100ms'));
		const doomedOutput = jsonLines(doomed);
		const survivor = start(args('send', run, '--json', '-s', '40', '--mean', '10ms', '--seed', '3', '--interval', '100ms'));
		await doomedOutput.until(line => line.type === 'progress' && line.processed >= 2000);
		doomed.kill('SIGKILL');
		await monitorOutput.until(line => line.type === 'summary');
		expect(await exited(monitor)).toBe(0);
		survivor.kill('SIGINT');
		expect(await exited(survivor)).toBe(0);

		const summary = monitorOutput.lines.at(-1)!;
		expect(summary).toMatchObject({type: 'summary', total: 20_000, interrupted: false});
		expect(summary.sent + summary.failed).toBe(20_000);
		const messages = monitorOutput.lines.filter(line => line.type === 'message');
		expect(messages).toHaveLength(20_000);
		expect(new Set(messages.map(message => message.id)).size).toBe(20_000);
		// Both workers did part of it.
		expect(new Set(messages.map(message => String(message.senderId).split('/')[0])).size).toBe(2);
	}, 120_000);

	it.skipIf(!broker.dir)('loses nothing confirmed when the broker restarts mid-run, and the programs reconnect', async () => {
		const run = newRun();
		const {code: producedCode} = await runCli(args('produce', run, '-n', '20000', '--seed', '4'));
		expect(producedCode).toBe(0);
		const monitor = start(args('monitor', run, '--json', '--interval', '100ms'));
		const monitorOutput = jsonLines(monitor);
		const worker = start(args('send', run, '--json', '-s', '40', '--mean', '20ms', '--seed', '5', '--interval', '100ms'));
		const workerOutput = jsonLines(worker);
		await workerOutput.until(line => line.type === 'progress' && line.processed >= 3000);
		// A real restart: the node's process is stopped by its pid and started again on its data.
		execFileSync('bash', [script, 'restart', broker.dir], {stdio: 'ignore'});
		await monitorOutput.until(line => line.type === 'summary');
		expect(await exited(monitor)).toBe(0);
		worker.kill('SIGINT');
		expect(await exited(worker)).toBe(0);
		const summary = monitorOutput.lines.at(-1)!;
		expect(summary).toMatchObject({
			type: 'summary', total: 20_000, processed: 20_000, interrupted: false,
		});
	}, 180_000);

	it.skipIf(!broker.dir)('loses no message the producer confirmed when the broker restarts while it publishes', async () => {
		const run = newRun();
		const total = 60_000;
		const producer = start(args('produce', run, '-n', String(total), '--seed', '9'));
		const produced = finished(producer);
		await outputMatches(producer, /\[produce] [\d,]+\/60,000 published/); // A second into publishing.
		execFileSync('bash', [script, 'restart', broker.dir], {stdio: 'ignore'});
		const {code, stdout} = await produced;
		expect(code).toBe(0);
		expect(stdout).toMatch(/published 60,000 of 60,000 messages/);

		// Every id is on the queue; a publish whose confirm was lost in the restart may be there twice.
		const ids = new Set<string>();
		let deliveries = 0;
		await new Promise<void>(resolve => {
			const consumer = admin.createConsumer({queue: queueNames(run).messages, queueOptions: {durable: true}, qos: {prefetchCount: 1000}}, delivery => {
				deliveries++;
				ids.add(parseMessage(delivery.body)!.id);
				if (ids.size === total) {
					resolve();
				}
			});
			consumer.on('error', () => undefined);
			afterDone.push(async () => consumer.close());
		});
		expect(ids.size).toBe(total);
		expect(deliveries).toBeGreaterThanOrEqual(total);
	}, 180_000);

	it('gives a monitor started after the work is done the right totals', async () => {
		const run = newRun();
		const {code: producedCode} = await runCli(args('produce', run, '-n', '5000', '--seed', '6'));
		expect(producedCode).toBe(0);
		const worker = start(args('send', run, '--json', '-s', '50', '--mean', '2ms', '--seed', '7', '--interval', '100ms'));
		const workerOutput = jsonLines(worker);
		await workerOutput.until(line => line.type === 'progress' && line.processed === 5000);
		worker.kill('SIGINT'); // Drains: every result is confirmed before it exits.
		expect(await exited(worker)).toBe(0);

		const {code, stdout} = await runCli(args('monitor', run, '--json'));
		expect(code).toBe(0);
		const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as Json;
		expect(summary).toMatchObject({
			type: 'summary', total: 5000, processed: 5000, pending: 0,
		});
		expect(summary.sent + summary.failed).toBe(5000);
	}, 120_000);

	it('lets a monitor start before the producer', async () => {
		const run = newRun();
		const monitor = start(args('monitor', run, '--json', '--interval', '100ms'));
		const monitorResult = finished(monitor);
		const worker = start(args('send', run, '-s', '20', '--mean', '1ms', '--interval', '100ms'));
		const {code: producedCode} = await runCli(args('produce', run, '-n', '1000', '--seed', '8'));
		expect(producedCode).toBe(0);
		const {code, stdout} = await monitorResult;
		worker.kill('SIGINT');
		expect(await exited(worker)).toBe(0);
		expect(code).toBe(0);
		expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toMatchObject({type: 'summary', total: 1000, processed: 1000});
	}, 120_000);
});

describe('distributed mode without a broker', () => {
	it('says which URL could not be reached, and exits 4', async () => {
		for (const command of ['produce', 'send', 'monitor']) {
			const {code, stdout, stderr} = await runCli([command, '--broker', 'amqp://guest:secret@127.0.0.1:1']);
			expect(code).toBe(4);
			expect(stdout).toBe('');
			expect(stderr.trim()).toBe('sms-sim: cannot connect to amqp://guest:***@127.0.0.1:1: connection refused (is RabbitMQ running there?)');
		}
	});

	it('refuses flags that do not apply to the command', async () => {
		const {code, stderr} = await runCli(['monitor', '--mean', '5ms', '--senders', '3']);
		expect(code).toBe(2);
		expect(stderr).toMatch(/^sms-sim: --senders does not apply to sms-sim monitor$/m);
		expect(stderr).toMatch(/^sms-sim: --mean does not apply to sms-sim monitor$/m);
	});

	it('refuses --broker or --run without a command', async () => {
		const {code, stderr} = await runCli(['--run', 'x']);
		expect(code).toBe(2);
		expect(stderr).toMatch(/--run goes with a command: produce, send or monitor/);
	});
});
