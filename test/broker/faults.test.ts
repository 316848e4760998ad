import {randomUUID} from 'node:crypto';
import {fileURLToPath} from 'node:url';
import {Connection} from 'rabbitmq-client';
import {
	afterAll, beforeAll, describe, expect, inject, it,
} from 'vitest';
import {awaitRun} from '../../source/broker/run-identity.js';
import {encodeMessages, encodeOutcomes} from '../../source/broker/batches.js';
import {encodeStatsRecord} from '../../source/broker/stats-records.js';
import {addResult, emptyStats} from '../../source/engine/stats.js';
import {runNames} from '../../source/broker/topology.js';
import {
	finished, runCli, start,
} from '../cli/spawn.js';
import {
	exited, jsonLines, untilWritten, within, type Json,
} from './harness.js';

/**
 * Distributed mode loses nothing and trusts nothing: each fault of issue 19 that a program of a run
 * can meet (clocks that disagree, a producer stopped or killed, records that lie, a record that
 * throws, a batch of an earlier run, a worker that leaves too soon), and the run still ends with
 * exact totals, every program exiting by itself.
 */

const broker = inject('broker');
const clockAhead = fileURLToPath(new URL('preload/clock-ahead.js', import.meta.url));

describe('a password that holds @', () => {
	it('is masked whole in a usage error, from --broker or SMS_SIM_BROKER', async () => {
		const url = 'amqp://alice:p@ss@w0rd@localhost:notaport';
		for (const [args, env] of [[['produce', '--broker', url], {}], [['produce'], {SMS_SIM_BROKER: url}]] as const) {
			const {code, stderr} = await runCli([...args], env);
			expect(code).toBe(2);
			expect(stderr).toContain('amqp://alice:***@localhost:notaport');
			expect(stderr).not.toMatch(/ss@w0rd|p@ss/);
		}
	});

	it('is masked whole when the broker cannot be reached', async () => {
		const {code, stderr} = await runCli(['produce', '--broker', 'amqp://alice:p@ss@w0rd@127.0.0.1:1']);
		expect(code).toBe(4);
		expect(stderr).toContain('amqp://alice:***@127.0.0.1:1');
		expect(stderr).not.toMatch(/ss@w0rd|p@ss/);
	});
});

describe.skipIf(Boolean(broker.skipReason))('distributed mode under faults, on a real RabbitMQ', () => {
	let admin: Connection;
	const runs: string[] = [];
	const newRun = () => {
		const run = `fault-${randomUUID().slice(0, 8)}`;
		runs.push(run);
		return run;
	};

	const args = (command: string, run: string, ...rest: string[]) => [command, '--broker', broker.url, '--run', run, ...rest];
	const summaryOf = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Json;
	const publish = async (queue: string, body: string | Buffer) => {
		const publisher = admin.createPublisher({confirm: true});
		try {
			await publisher.send({routingKey: queue, durable: true}, body);
		} finally {
			await publisher.close();
		}
	};

	const epochOf = async (run: string) => {
		const waiting = awaitRun(admin, run);
		try {
			const {epoch} = await waiting.identity;
			return epoch;
		} finally {
			await waiting.close();
		}
	};

	beforeAll(async () => {
		admin = new Connection(broker.url);
		admin.on('error', () => undefined);
		await admin.onConnect(10_000);
	});

	afterAll(async () => {
		for (const run of runs) {
			for (const queue of Object.values(runNames(run))) {
				await admin.queueDelete(queue).catch(() => undefined);
			}
		}

		await admin.close();
	});

	/** A monitor's summary once the run is over: it must end by itself. */
	const monitored = async (run: string, ...rest: string[]) => {
		const result = await within(runCli(args('monitor', run, '--json', ...rest)), 60_000, () => `the monitor of ${run} did not end`);
		expect(result.code).toBe(0);
		return {summary: summaryOf(result.stdout), stderr: result.stderr};
	};

	it('places results in time whatever the machines\' clocks say: exact totals, no time before the run', async () => {
		// Each of these lost whole batches: times came out negative and the monitor refused them.
		const cases = [
			{name: 'a producer whose clock is 60 s ahead, a worker at speed 1', producerAheadMs: 60_000, workerArgs: ['--speed', '1']},
			{name: 'a worker at --speed max started before the producer', producerAheadMs: 0, workerArgs: ['--speed', 'max']},
			{name: 'a worker at --speed 0.5 started before the producer', producerAheadMs: 0, workerArgs: ['--speed', '0.5']},
		];
		await Promise.all(cases.map(async ({name, producerAheadMs, workerArgs}) => {
			const run = newRun();
			const worker = start(args('send', run, '--json', '-s', '100', '--mean', '1ms', '--interval', '100ms', ...workerArgs));
			const lines = jsonLines(worker);
			await lines.until(line => line.type === 'progress'); // Started, and waiting for the run.
			const produced = await runCli(args('produce', run, '-n', '3000', '--seed', '5'), {
				NODE_OPTIONS: `--import=${clockAhead}`, SMS_SIM_TEST_CLOCK_AHEAD_MS: String(producerAheadMs),
			});
			expect(produced.code, name).toBe(0);
			const {summary} = await monitored(run);
			expect(summary, name).toMatchObject({total: 3000, processed: 3000});
			expect(summary.elapsedMs, name).toBeGreaterThan(0);
			expect(await exited(worker), name).toBe(0);
		}));
	}, 120_000);

	it('completes a run whose producer was stopped with Ctrl-C while publishing two priorities', async () => {
		const run = newRun();
		const producer = start(args('produce', run, '-n', '2000000', '--priority', 'high=0.3,low=0.7', '--batch', '100', '--seed', '3', '--json'));
		const producerDone = finished(producer);
		await untilWritten(producer.stderr, '[produce]', 30_000, 'the producer said no progress');
		producer.kill('SIGINT');
		const {code, stdout} = await producerDone;
		expect(code).toBe(130);
		const {published} = JSON.parse(stdout) as {published: number};
		expect(published).toBeGreaterThan(0);
		expect(published).toBeLessThan(2_000_000);
		const worker = start(args('send', run, '-s', '1000', '--mean', '0', '--speed', 'max', '--json', '--interval', '1s'));
		const {summary} = await monitored(run);
		expect(summary).toMatchObject({total: published, processed: published});
		expect(await exited(worker)).toBe(0);
	}, 120_000);

	it('takes each producer\'s start and done once: forged and repeated ones change nothing, and each reason is said once', async () => {
		const run = newRun();
		const produced = await runCli(args('produce', run, '-n', '3000', '--seed', '7', '--json'));
		expect(produced.code).toBe(0);
		const {producer} = JSON.parse(produced.stdout) as {producer: string};
		const epoch = await epochOf(run);
		const names = runNames(run);
		const control = async (record: Json) => publish(names.control, JSON.stringify({
			run, epoch, producer, ...record,
		}));
		for (let copy = 0; copy < 3; copy++) {
			await control({type: 'producer-done', published: 100, batches: 1});

			await control({
				type: 'producer-start', total: 100, seed: 1, maxBodyLength: 10, maxBatches: 1, batch: 100,
			});
		}

		const live = start(args('monitor', run, '--json'));
		const liveDone = finished(live);
		const worker = start(args('send', run, '-s', '100', '--mean', '1ms', '--json'));
		const liveResult = await within(liveDone, 60_000, () => 'the live monitor did not end');
		expect(await exited(worker)).toBe(0);
		const late = await monitored(run);
		for (const result of [summaryOf(liveResult.stdout), late.summary]) {
			expect(result).toMatchObject({total: 3000, processed: 3000});
		}

		for (const stderr of [liveResult.stderr, late.stderr]) {
			expect(stderr.match(/second producer-done/g)).toHaveLength(1);
			expect(stderr.match(/second producer-start/g)).toHaveLength(1);
		}
	}, 120_000);

	it('sets aside a record that makes a reader throw, once, and the run completes without the producer that never finished', async () => {
		const run = newRun();
		const produced = await runCli(args('produce', run, '-n', '500', '--seed', '9', '--events', '--json'));
		expect(produced.code).toBe(0);
		const epoch = await epochOf(run);
		const names = runNames(run);
		// A producer that says it will publish 2^53 - 1 messages, and a row numbered 2^52: the id
		// bitmap cannot hold it, and the monitor used to throw, reconnect and read it again for ever.
		await publish(names.control, JSON.stringify({
			type: 'producer-start', run, epoch, producer: 'huge', total: Number.MAX_SAFE_INTEGER, seed: 1, maxBodyLength: 10, maxBatches: 1, batch: 100,
		}));
		const row = {
			producer: 'huge', n: 2 ** 52, to: '+12025550123', body: 'x', cost: 2, senderId: 'w/1', group: 'g', status: 'sent' as const, startMs: 0, endMs: 1, durationMs: 1,
		};
		await publish(names.outcomes, encodeOutcomes({run, epoch, worker: 'w'}, [row]));
		await publish(names.outcomes, encodeOutcomes({run, epoch, worker: 'w'}, [row]));
		const worker = start(args('send', run, '-s', '100', '--mean', '1ms', '--json'));
		const {summary, stderr} = await monitored(run, '--events');
		expect(summary).toMatchObject({total: 500, processed: 500});
		expect(stderr.match(/could not be read/g)).toHaveLength(1);
		expect(stderr).toMatch(/producer huge stopped before it was done .*the 0 messages it had confirmed/);
		expect(await exited(worker)).toBe(0);
	}, 120_000);

	it('dead-letters a batch of an earlier run of the same name instead of sending it', async () => {
		const run = newRun();
		const produced = await runCli(args('produce', run, '-n', '1000', '--seed', '11'));
		expect(produced.code).toBe(0);
		const names = runNames(run);
		await publish(names.messages, encodeMessages({
			run, epoch: 'an-earlier-one', startedAt: 1, producer: 'old', seq: 1, first: 1, messages: 1, seed: 1, maxBodyLength: 160, charset: 'ascii',
		}));
		const worker = start(args('send', run, '-s', '100', '--mean', '1ms', '--json'));
		const workerDone = finished(worker);
		const {summary} = await monitored(run);
		expect(summary).toMatchObject({total: 1000, processed: 1000});
		const {code, stderr} = await within(workerDone, 30_000, () => 'the worker did not end');
		expect(code).toBe(0);
		expect(stderr).toMatch(/set aside a batch .* \(an earlier run of this name\)/);
		const {messageCount} = await admin.queueDeclare({queue: names.dead, durable: true, passive: true});
		expect(messageCount).toBe(1);
	}, 120_000);

	it('counts a batch once when a worker gave back a part of it and died before its record: the batch done whole by another, the part never counts', async () => {
		const run = newRun();
		const produced = await runCli(args('produce', run, '-n', '1000', '--batch', '100', '--seed', '21', '--json'));
		expect(produced.code).toBe(0);
		const {producer} = produced.stdout.trim().split('\n').filter(line => line.startsWith('{')).map(line => JSON.parse(line) as Json).find(line => line.type === 'produced')!;
		const names = runNames(run);
		// What a worker that held batch 1, gave back its messages 41 to 100 as part 40 and was killed
		// leaves behind: the part on the queue, and batch 1 back on the queue whole (unacknowledged).
		await publish(names.messages, encodeMessages({
			run, epoch: await epochOf(run), startedAt: Date.now(), producer: producer as string, seq: 1, part: 40, first: 1, messages: 60, seed: 1, maxBodyLength: 160, charset: 'ascii',
		}));
		const worker = start(args('send', run, '-s', '50', '--mean', '1ms', '--json'));
		const {summary} = await monitored(run);
		// Batch 1's first final record covers it whole, with no cut: the part is reached by no chain.
		expect(summary).toMatchObject({total: 1000, processed: 1000});
		expect(await exited(worker)).toBe(0);
		const late = await monitored(run);
		expect(late.summary).toMatchObject({total: 1000, processed: 1000});
	}, 120_000);

	it('keeps a worker while another holds batches, so it takes them over when that one is killed', async () => {
		const run = newRun();
		const produced = await runCli(args('produce', run, '-n', '2000', '--batch', '100', '--seed', '13'));
		expect(produced.code).toBe(0);
		const monitor = start(args('monitor', run, '--json'));
		const monitorDone = finished(monitor);
		// Slow: it takes two batches (200 messages) and needs ten seconds for them.
		const slow = start(args('send', run, '--json', '-s', '10', '--mean', '500ms', '--distribution', 'fixed', '--interval', '100ms'));
		await jsonLines(slow).until(line => line.type === 'progress' && line.inFlight > 0);
		const fast = start(args('send', run, '--json', '--sender', 'name=fast,count=100,mean=1ms', '--interval', '100ms'));
		const fastLines = jsonLines(fast);
		// The queue is empty once the fast worker has done the rest; the slow one still holds its two batches.
		await within(fastLines.until(line => line.type === 'progress' && line.processed >= 1800), 30_000, () => 'the fast worker did not get through the queue');
		// It used to leave here, with nothing ready in the queue: ten more progress lines (a second) and it is still there.
		const seen = fastLines.lines.length;
		await fastLines.until(() => fastLines.lines.length >= seen + 10);
		expect(fast.exitCode).toBeNull();
		slow.kill('SIGKILL');
		const {code, stdout} = await within(monitorDone, 60_000, () => 'the monitor did not end');
		expect(code).toBe(0);
		expect(summaryOf(stdout)).toMatchObject({total: 2000, processed: 2000});
		expect(await exited(fast)).toBe(0);
	}, 120_000);

	it('completes a run whose producer was killed, with what it had confirmed, and every monitor agrees', async () => {
		const run = newRun();
		const producer = start(args('produce', run, '-n', '2000000', '--batch', '100', '--seed', '15'));
		await untilWritten(producer.stdout, '[produce]', 30_000, 'the producer said no progress');
		producer.kill('SIGKILL');
		const worker = start(args('send', run, '-s', '1000', '--mean', '0', '--speed', 'max', '--json', '--interval', '1s'));
		const live = await monitored(run);
		expect(live.summary.total).toBeGreaterThan(0);
		expect(live.summary.processed).toBe(live.summary.total);
		expect(live.stderr).toMatch(/producer \w+ stopped before it was done \(killed\?\): the run ends with the [\d,]+ messages it had confirmed/);
		expect(await exited(worker)).toBe(0);
		const late = await monitored(run);
		expect(late.summary).toMatchObject({total: live.summary.total, processed: live.summary.total});
	}, 120_000);

	it('says how long a drain waits for retries an hour away, and a second Ctrl-C hands them back to the run', async () => {
		const run = newRun();
		const produced = await runCli(args('produce', run, '-n', '200', '--seed', '17'));
		expect(produced.code).toBe(0);
		const patient = start(args('send', run, '--json', '-s', '50', '--mean', '1ms', '--failure-rate', '0.5', '--max-attempts', '3', '--backoff', '1h', '--backoff-max', '1h', '--interval', '100ms'));
		const patientDone = finished(patient);
		const lines = jsonLines(patient);
		await lines.until(line => line.type === 'progress' && line.retries?.waitingToRetry > 0);
		patient.kill('SIGINT');
		await within(new Promise<void>(resolve => {
			patient.stderr.on('data', (chunk: Buffer) => {
				if (/draining: \d+ messages? wait/.test(String(chunk))) {
					resolve();
				}
			});
		}), 20_000, () => 'the worker did not say what its drain waits for');
		patient.kill('SIGINT');
		const {code, stderr} = await within(patientDone, 20_000, () => 'the second Ctrl-C did not stop the worker');
		expect(code).toBe(130);
		expect(stderr).toMatch(/draining: \d+ messages? wait(s)? to be tried again, the last within (\d+m\d+s|\d+\.\ds); stop again \(Ctrl-C\) to hand their batches back to the run now/);
		// Another worker, without the long backoff, takes the batches handed back and ends the run.
		const worker = start(args('send', run, '--sender', 'name=quick,count=50,mean=1ms,failure-rate=0.5', '--max-attempts', '3', '--backoff', '0', '--json'));
		const {summary} = await monitored(run);
		expect(summary).toMatchObject({total: 200, processed: 200});
		expect(await exited(worker)).toBe(0);
	}, 120_000);

	it('takes a few of the producer\'s batches at a time, whatever the worker\'s own --batch says', async () => {
		const run = newRun();
		const produced = await runCli(args('produce', run, '-n', '100000', '--batch', '10000', '--seed', '19'));
		expect(produced.code).toBe(0);
		// Slow sends: what the worker took, it holds. It used to take 3,000 batches: the whole queue (545 MB at 1,000,000).
		const worker = start(args('send', run, '--json', '-s', '1000', '--batch', '1', '--mean', '1h', '--interval', '100ms'));
		await jsonLines(worker).until(line => line.type === 'progress' && line.inFlight > 0);
		const {messageCount} = await admin.queueDeclare({queue: runNames(run).messages, passive: true});
		// Two batches of the producer's (3 x 1,000 senders is less than one): 8 of 10 still in the queue.
		expect(messageCount).toBe(8);
		worker.kill('SIGKILL');
		expect(await exited(worker)).toBeNull();
	}, 120_000);

	it('puts on the dead-letter queue the outcome every monitor counts: a batch redone after its first worker finished it is not dead-lettered again', async () => {
		const run = newRun();
		const produced = await runCli(args('produce', run, '-n', '100', '--batch', '100', '--seed', '21', '--json'));
		expect(produced.code).toBe(0);
		const {producer} = JSON.parse(produced.stdout) as {producer: string};
		const epoch = await epochOf(run);
		const names = runNames(run);
		// A worker took the batch, sent all 100, published its record and died before acknowledging:
		// the broker has the batch back, marked redelivered...
		const taker = await admin.acquire();
		expect(await taker.basicGet({queue: names.messages})).toBeDefined();
		await taker.close();
		// ...and its record is on the stream (as a stats record, and as per-message rows for an sms-sim before them).
		const stats = emptyStats();
		const rows = [];
		for (let n = 1; n <= 100; n++) {
			const row = {
				producer, n, to: '+12025550123', body: 'x', cost: 2, senderId: 'gone/default-1', group: 'default', status: 'sent' as const, startMs: n, endMs: n + 1, durationMs: 1,
			};
			rows.push(row);
			addResult(stats, {
				type: 'result', id: `${producer}-${n}`, message: {id: `${producer}-${n}`, to: row.to, body: row.body}, senderId: row.senderId, group: row.group, status: 'sent', startMs: row.startMs, endMs: row.endMs, durationMs: 1,
			});
		}

		await publish(names.outcomes, encodeStatsRecord({
			run, epoch, worker: 'gone', producer, seq: 1, messages: 100, final: true,
		}, stats));
		await publish(names.outcomes, encodeOutcomes({run, epoch, worker: 'gone'}, rows));
		// The batch comes back to a worker whose every attempt fails.
		const worker = start(args('send', run, '-s', '10', '--mean', '1ms', '--failure-rate', '1', '--max-attempts', '3', '--backoff', '0', '--json'));
		const {summary} = await monitored(run);
		expect(await exited(worker)).toBe(0);
		expect(summary).toMatchObject({total: 100, sent: 100, failed: 0});
		let deadLetters = 0;
		const channel = await admin.acquire();
		try {
			for (let message = await channel.basicGet({queue: names.dead, noAck: true}); message; message = await channel.basicGet({queue: names.dead, noAck: true})) {
				deadLetters += (JSON.parse(String(message.body)) as {messages: unknown[]}).messages.length;
			}
		} finally {
			await channel.close();
		}

		expect(deadLetters).toBe(summary.failed);
	}, 120_000);

	it('keeps a complete run as it was: a producer that comes after is refused, and every monitor, however late, agrees', async () => {
		const run = newRun();
		const produced = await runCli(args('produce', run, '-n', '1000', '--seed', '23'));
		expect(produced.code).toBe(0);
		const worker = start(args('send', run, '-s', '100', '--mean', '1ms', '--json'));
		const live = await monitored(run);
		expect(live.summary).toMatchObject({total: 1000, processed: 1000});
		expect(await exited(worker)).toBe(0);
		// It used to join: a late monitor then counted 2,000 and waited for ever for a worker.
		const again = await runCli(args('produce', run, '-n', '1000', '--seed', '24'));
		expect(again.code).toBe(4);
		expect(again.stderr).toMatch(new RegExp(String.raw`^sms-sim: run ${run} is complete \(its 1 producer is done and every message is counted\): a producer cannot add to it; use another --run, or purge it to start afresh$`, 'm'));
		const late = await monitored(run);
		expect(late.summary).toEqual(live.summary);
	}, 120_000);
});

