import {randomUUID} from 'node:crypto';
import fc from 'fast-check';
import {Connection} from 'rabbitmq-client';
import {
	afterAll, describe, expect, inject, it,
} from 'vitest';
import {encodeMessages, encodeOutcomes} from '../../source/broker/batches.js';
import {awaitRun} from '../../source/broker/run-identity.js';
import {encodeStatsRecord, encodeStatsRecords} from '../../source/broker/stats-records.js';
import {runNames} from '../../source/broker/topology.js';
import {addResult, emptyStats} from '../../source/engine/stats.js';
import {finished, runCli, start} from '../cli/spawn.js';
import {exited, within} from './harness.js';

const broker = inject('broker');

/** Values a hostile record puts where a number, a name or a time belongs. */
const HOSTILE_VALUES = [-1, 0, 2 ** 53, 2 ** 60, 1e308, Number.NaN, 'NaN', '', 'x'.repeat(10_000), null, [], {}];

/**
 * Hostile records of every kind on every queue and stream of a run, a few hundred of them, drawn
 * from a seeded generator: records cut short, bytes flipped, fields set to hostile values, another
 * run's and an earlier epoch's, forged control records. The run's real producer, worker and monitor
 * then give the totals they would have given without them, say each reason once, and end by
 * themselves.
 */
describe.skipIf(Boolean(broker.skipReason))('hostile records on every queue and stream of a run', () => {
	const run = `fuzz-${randomUUID().slice(0, 8)}`;
	const names = runNames(run);
	const args = (command: string, ...rest: string[]) => [command, '--broker', broker.url, '--run', run, ...rest];
	let admin: Connection;

	afterAll(async () => {
		for (const queue of Object.values(names)) {
			await admin?.queueDelete(queue).catch(() => undefined);
		}

		await admin?.close();
	});

	it('change no total, are each reported once, and crash or hang no program', async () => {
		const produced = await runCli(args('produce', '-n', '5000', '--seed', '41', '--json'));
		expect(produced.code).toBe(0);
		const {producer} = JSON.parse(produced.stdout) as {producer: string};
		admin = new Connection(broker.url);
		admin.on('error', () => undefined);
		const waiting = awaitRun(admin, run);
		const {epoch} = await waiting.identity;
		await waiting.close();

		// Good records of each kind, to be broken.
		const stats = addResult(emptyStats(), {
			type: 'result', id: 'x', message: {id: 'x', to: '+12025550123', body: 'hi'}, senderId: 'w/default-1', group: 'default', status: 'sent', startMs: 1, endMs: 2, durationMs: 1,
		});
		// Of batches its producer never published (it published 10): a record that says, in good form,
		// that a real batch went otherwise cannot be told from a real one (records are not signed; the
		// README says so).
		const statsRecord = (header: Record<string, unknown>) => encodeStatsRecord({
			run, epoch, worker: 'fuzzer', producer, seq: 11, messages: 1, final: true, ...header,
		}, stats);
		const row = {
			producer, n: 1, to: '+12025550123', body: 'x', cost: 2, senderId: 'w/1', group: 'g', status: 'sent' as const, startMs: 0, endMs: 1, durationMs: 1,
		};
		const messagesBatch = (header: Record<string, unknown>, first = 1) => encodeMessages({
			run, epoch: 'an-earlier-one', startedAt: 1, producer, seq: 1, first, messages: 1, seed: 1, maxBodyLength: 160, charset: 'ascii', ...header,
		});
		const control = (record: Record<string, unknown>) => JSON.stringify({
			run, epoch, producer, ...record,
		});
		const bases = {
			messages: [
				messagesBatch({}),
				messagesBatch({run: `${run}-other`}),
				messagesBatch({epoch, producer: 'nobody'}),
				messagesBatch({epoch}, 2 ** 40),
				messagesBatch({epoch, seq: 2 ** 40}),
			],
			outcomes: [
				statsRecord({}),
				statsRecord({seq: 2 ** 40}),
				statsRecord({run: `${run}-other`}),
				statsRecord({epoch: 'an-earlier-one'}),
				encodeStatsRecords([statsRecord({seq: 12}), statsRecord({seq: 13})]),
				encodeOutcomes({run, epoch, worker: 'w'}, [row]),
			],
			control: [
				control({type: 'producer-done', published: 5000, batches: 10}),
				control({type: 'producer-alive', published: 1, batches: 1}),
				control({type: 'producer-lost', published: 0, batches: 0}),
				control({
					type: 'producer-start', producer: 'forged', total: Number.MAX_SAFE_INTEGER, seed: 1, maxBodyLength: 10, maxBatches: 1, batch: 1,
				}),
				control({
					type: 'heartbeat', worker: 'w', senders: 1, inFlight: 0, processed: 0, done: false,
				}),
			],
			identity: [JSON.stringify({
				type: 'epoch', run, epoch: 'a-second-one', startedAt: 1,
			})],
		};
		/** A good record broken one way: cut short, a byte changed, a field of its JSON set to a hostile value, or left whole. */
		const mutation = (base: string | Buffer) => fc.oneof(
			fc.constant(base),
			fc.nat({max: base.length - 1}).map(at => (typeof base === 'string' ? base.slice(0, at) : base.subarray(0, at))),
			fc.tuple(fc.nat({max: base.length - 1}), fc.integer({min: 0, max: 255})).map(([at, byte]) => {
				const copy = Buffer.from(base);
				copy[at] = byte;
				return copy;
			}),
			fc.tuple(fc.constantFrom(...HOSTILE_VALUES), fc.nat()).map(([value, pick]) => {
				const text = typeof base === 'string' ? base : base.toString('latin1');
				const keys = [...text.matchAll(/"(\w+)":/g)].map(match => match[1]);
				if (keys.length === 0) {
					return base;
				}

				const key = keys[pick % keys.length];
				const changed = text.replace(new RegExp(String.raw`"${key}":("[^"]*"|[^,}\]]*)`), `"${key}":${JSON.stringify(value) ?? 'null'}`);
				return typeof base === 'string' ? changed : Buffer.from(changed, 'latin1');
			}),
		);
		const publisher = admin.createPublisher({confirm: true});
		let onQueue = 0;
		for (const [where, list] of Object.entries(bases)) {
			const queue = names[where as keyof typeof bases];
			for (const base of list) {
				// Seeded: the same hostile records every run.
				for (const body of fc.sample(mutation(base), {numRuns: 12, seed: onQueue + base.length})) {
					await publisher.send({routingKey: queue, durable: true}, body);
					if (where === 'messages') {
						onQueue++;
					}
				}
			}
		}

		await publisher.close();

		const worker = start(args('send', '--json', '-s', '100', '--mean', '1ms', '--interval', '200ms'));
		const workerDone = finished(worker);
		const monitored = await within(runCli(args('monitor', '--json')), 90_000, () => 'the monitor did not end');
		expect(monitored.code).toBe(0);
		expect(JSON.parse(monitored.stdout.trim().split('\n').at(-1)!)).toMatchObject({
			type: 'summary', total: 5000, processed: 5000, interrupted: false,
		});
		const {code} = await within(workerDone, 60_000, () => 'the worker did not end');
		expect(code).toBe(0);
		// Each reason once: no line said twice.
		const lines = monitored.stderr.trim().split('\n').filter(line => line.includes('set aside'));
		expect(lines.length).toBeGreaterThan(5);
		expect(new Set(lines).size).toBe(lines.length);
		// No hostile batch was sent: each went to the dead-letter queue, or is still on the queue (the
		// worker left once the run was complete, as it does, without waiting for batches of nobody's).
		const dead = await admin.queueDeclare({queue: names.dead, durable: true, passive: true});
		const left = await admin.queueDeclare({queue: names.messages, passive: true});
		expect(dead.messageCount).toBeGreaterThan(0);
		expect(dead.messageCount + left.messageCount).toBe(onQueue);
		expect(await exited(worker)).toBe(0);
	}, 150_000);
});
