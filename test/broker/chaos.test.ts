import {execFileSync} from 'node:child_process';
import {randomUUID} from 'node:crypto';
import {fileURLToPath} from 'node:url';
import {Connection} from 'rabbitmq-client';
import {
	afterAll, describe, expect, inject, it,
} from 'vitest';
import {runNames} from '../../source/broker/topology.js';
import {finished, runCli, start} from '../cli/spawn.js';
import {
	deleteRuns, exited, jsonLines, stderrOf, within,
} from './harness.js';

const broker = inject('broker');
const script = fileURLToPath(new URL('../../scripts/rabbitmq-node.sh', import.meta.url));

/**
 * Everything at once on one run: 2 producers asking for 300,000 messages with retries and two
 * priorities, 3 workers, 2 monitors; workers SIGKILLed and replaced, a producer SIGKILLed two thirds
 * into publishing, a monitor SIGKILLed and another started after the run, the broker crashed
 * mid-run. Then the totals of every monitor agree with each other, with what the producers
 * confirmed, and with the dead-letter queue, and every program ends by itself.
 */
describe.skipIf(Boolean(broker.skipReason) || !broker.dir)('a run under chaos, on a real RabbitMQ', () => {
	const run = `chaos-${randomUUID().slice(0, 8)}`;
	const args = (command: string, ...rest: string[]) => [command, '--broker', broker.url, '--run', run, ...rest];
	/** Each worker's last progress line and its stderr, for a failing wait to show. */
	const workerStates: Array<() => string> = [];
	/** A worker in real time: 100 senders of 10 ms, a fifth of attempts failing, 3 attempts: ~10,000 messages a second. */
	const worker = () => {
		const child = start(args('send', '--json', '-s', '100', '--mean', '10ms', '--failure-rate', '0.2', '--max-attempts', '3', '--backoff', '0', '--interval', '200ms'));
		// Its output read, as a terminal or a reader on a pipe would: an unread pipe fills, and then the
		// worker waits for it (backpressure), which once looked like a stalled run here.
		const lines = jsonLines(child);
		const errors = stderrOf(child);
		workerStates.push(() => `worker ${child.pid} (exit ${child.exitCode ?? child.signalCode ?? 'not yet'}): ${JSON.stringify(lines.lines.findLast(line => line.type !== 'result'))}; ${errors.text}`);
		return child;
	};

	afterAll(async () => deleteRuns(broker.url, [run]));

	it('counts every message once, agrees with the dead-letter queue, and every program exits by itself', async () => {
		const watcher = start(args('monitor', '--json', '--interval', '200ms'));
		const watched = jsonLines(watcher);
		const watcherErrors = stderrOf(watcher);
		const doomedMonitor = start(args('monitor', '--json', '--interval', '200ms'));
		const doomedMonitorLines = jsonLines(doomedMonitor);
		const workers = [worker(), worker(), worker()];
		const producer = start(args('produce', '-n', '150000', '--priority', 'high=0.3,low=0.7', '--batch', '200', '--seed', '31', '--json'));
		const produced = finished(producer);
		// Small batches: it publishes for a few seconds, long enough to be killed in the middle.
		const doomedProducer = start(args('produce', '-n', '150000', '--batch', '10', '--seed', '32', '--json'));
		const context = () => `monitor: ${JSON.stringify(watched.lines.at(-1))}; ${watcherErrors.text}\n${workerStates.map(state => state()).join('\n')}`;
		const processed = async (count: number) => within(watched.until(line => line.type === 'progress' && line.processed >= count), 120_000, context);

		// A producer killed two thirds into publishing: the run goes on with what it confirmed.
		await within(new Promise<void>(resolve => {
			doomedProducer.stderr.on('data', (chunk: Buffer) => {
				const published = /\[produce] ([\d,]+)\//.exec(String(chunk));
				if (published && Number(published[1].replaceAll(',', '')) >= 100_000) {
					resolve();
				}
			});
		}), 60_000, () => 'the second producer did not get to 100,000');
		doomedProducer.kill('SIGKILL');
		await within(doomedMonitorLines.until(line => line.type === 'progress' && line.processed >= 40_000), 60_000, () => 'the second monitor did not get to 40,000');
		doomedMonitor.kill('SIGKILL');
		await processed(80_000);
		workers[0].kill('SIGKILL');
		const replacement = worker();
		workers.push(replacement);
		// Started (connected, the run declared) before the broker goes: one starting while it is down exits 4, as it should.
		await within(jsonLines(replacement).until(line => line.type === 'progress'), 60_000, context);
		await processed(140_000);
		execFileSync('bash', [script, 'crash', broker.dir], {stdio: 'ignore'});
		await processed(200_000);
		workers[1].kill('SIGKILL');
		workers.push(worker());

		await within(watched.until(line => line.type === 'summary'), 150_000, context);
		expect(await exited(watcher)).toBe(0);
		const {code: producedCode, stdout: producedOut} = await produced;
		expect(producedCode).toBe(0);
		for (const survivor of [workers[2], workers[3], workers[4]]) {
			expect(await within(exited(survivor), 60_000, context), context()).toBe(0);
		}

		const summary = watched.lines.at(-1)!;
		const {published} = JSON.parse(producedOut) as {published: number};
		const lost = /producer \w+ stopped before it was done \(killed\?\): the run ends with the ([\d,]+) messages? it had confirmed/.exec(watcherErrors.text);
		expect(lost, watcherErrors.text).not.toBeNull();
		const confirmedByTheLostOne = Number(lost![1].replaceAll(',', ''));
		expect(published).toBe(150_000);
		expect(summary).toMatchObject({type: 'summary', total: published + confirmedByTheLostOne, interrupted: false});
		expect(summary.processed).toBe(summary.total);
		expect(summary.failed).toBeGreaterThan(0);

		// The dead-letter queue holds every failed message, and no other (a letter may be there twice
		// only when its worker died between writing it and acknowledging: the same id).
		const admin = new Connection(broker.url);
		admin.on('error', () => undefined);
		const dead = new Set<string>();
		const channel = await admin.acquire();
		try {
			for (let message = await channel.basicGet({queue: runNames(run).dead, noAck: true}); message; message = await channel.basicGet({queue: runNames(run).dead, noAck: true})) {
				for (const letter of (JSON.parse(String(message.body)) as {messages: Array<{id: string}>}).messages) {
					dead.add(letter.id);
				}
			}
		} finally {
			await channel.close();
			await admin.close();
		}

		expect(dead.size).toBe(summary.failed);

		// A monitor started after the run: the same summary, byte for byte.
		const late = await within(runCli(args('monitor', '--json')), 60_000, () => 'the late monitor did not end');
		expect(late.code).toBe(0);
		expect(late.stdout.trim().split('\n').at(-1)).toBe(JSON.stringify(summary));
	}, 180_000);
});
