import {hostname} from 'node:os';
import type {Connection} from 'rabbitmq-client';
import {Subject} from 'rxjs';
import {brokerFailure, connect} from '../broker/connection.js';
import {redactUrl} from '../broker/redact-url.js';
import {declareRun} from '../broker/declare-run.js';
import {runNames} from '../broker/topology.js';
import {resolveConfig} from '../model/config.js';
import type {RunIo} from '../front-ends/context.js';
import {listening} from '../front-ends/metrics.js';
import {SCHEMA_VERSION} from '../reports/schema.js';
import {sendersLine} from '../reports/lines.js';
import {formatCount, formatDuration} from '../reports/format.js';
import type {BrokerCommand} from './broker-options.js';
import {bindRealSenders} from './via.js';
import {EXIT, exitCodeFor} from './exit-codes.js';

export type BrokerIo = RunIo & {
	/** A warning for people: on stderr, prefixed. */
	readonly warn: (text: string) => void;
	/** Warnings while a front end shows the run, for it to show. */
	readonly warnings$?: Subject<string>;
};

/** Runs `produce`, `send` or `monitor`; resolves with the exit code. Broker errors reject with a `BrokerError`. */
export async function runBrokerCommand(command: BrokerCommand, brokerIo: BrokerIo): Promise<number> {
	// While a front end shows the run, warnings go through it (above a dashboard, not over it).
	const warnings$ = new Subject<string>();
	const io: BrokerIo = {
		...brokerIo,
		warnings$,
		warn(text) {
			if (warnings$.observed) {
				warnings$.next(text);
			} else {
				brokerIo.warn(text);
			}
		},
	};
	const connection = await connect(command.broker, {name: `sms-sim ${command.name} ${command.run}`});
	// After the first connection, a lost one is retried by the client; say so, once per outage.
	let connected = true;
	connection.on('error', (error: unknown) => {
		if (connected) {
			connected = false;
			io.warn(`lost the broker at ${redactUrl(command.broker)} (${error instanceof Error ? error.message : String(error)}); reconnecting`);
		}
	});
	connection.on('connection', () => {
		if (!connected) {
			connected = true;
			io.warn(`reconnected to ${redactUrl(command.broker)}`);
		}
	});
	try {
		if (command.name !== 'purge') {
			try {
				await declareRun(connection, command.run);
			} catch (error) {
				throw brokerFailure(error, `declaring the queues of run ${command.run}`);
			}
		}

		switch (command.name) {
			case 'produce': {
				return await runProduce(connection, command, io);
			}

			case 'send': {
				return await runSend(connection, command, io);
			}

			case 'monitor': {
				return await runMonitor(connection, command, io);
			}

			case 'purge': {
				return await runPurge(connection, command, io);
			}
		}
	} finally {
		await connection.close();
	}
}

async function runProduce(connection: Connection, command: BrokerCommand, io: BrokerIo): Promise<number> {
	const {
		messages, seed, maxBodyLength, charset, priorities,
	} = resolveConfig(command.options.simulation);
	const {json} = command.options;
	let stopped = false;
	const subscription = io.stop$.subscribe(() => {
		stopped = true;
	});
	const say = (line: string) => (json ? io.stderr : io.stdout).write(`${line}\n`);
	say(`sms-sim produce: ${formatCount(messages)} messages to run ${command.run} at ${redactUrl(command.broker)}, seed ${seed}`);
	let lastReport = performance.now();
	try {
		// Each command loads its own part only: a producer starts without the sending pipeline.
		const {produce} = await import('../broker/produce.js');
		const {published, producer} = await produce(connection, {
			run: command.run, messages, seed, maxBodyLength, charset, priorities, batch: command.batch, events: command.options.events,
		}, {
			shouldStop: () => stopped,
			onProgress({published, total}) {
				if (performance.now() - lastReport >= 1000) {
					lastReport = performance.now();
					say(`[produce] ${formatCount(published)}/${formatCount(total)} published`);
				}
			},
		});
		if (json) {
			io.stdout.write(`${JSON.stringify({
				type: 'produced', schemaVersion: SCHEMA_VERSION, run: command.run, producer, published, total: messages, seed, interrupted: stopped,
			})}\n`);
		}

		say(`${stopped ? 'Interrupted: ' : ''}published ${formatCount(published)} of ${formatCount(messages)} messages (confirmed by the broker) to run ${command.run}`);
		return stopped ? EXIT.interrupted : EXIT.ok;
	} catch (error) {
		throw brokerFailure(error, `publishing to run ${command.run}`);
	} finally {
		subscription.unsubscribe();
	}
}

async function runSend(connection: Connection, command: BrokerCommand, io: BrokerIo): Promise<number> {
	const {options} = command;
	// A worker's own view: no messages of its own (they come from the queue).
	const [{runWorker}, {present}, {createRandom}, {SimulationScheduler}] = await Promise.all([
		import('../broker/worker.js'), import('../front-ends/present.js'), import('../model/random.js'), import('../engine/scheduler.js'),
	]);
	const config = resolveConfig({...options.simulation, messages: 0});
	const real = await bindRealSenders(options.via, config, text => {
		io.warn(`--via: ${text}`);
	});
	if (real === false) {
		return EXIT.broker;
	}

	const scheduler = new SimulationScheduler(config.speed);
	const workerId = `${hostname()}-${process.pid}`;
	const events$ = runWorker(connection, {
		run: command.run, groups: config.groups, intervalMs: config.intervalMs, config, workerId, batch: command.batch, follow: command.follow, clockWindowMs: command.clockWindowMs,
	}, {
		scheduler,
		random: createRandom(config.seed),
		stop: io.stop$,
		warn: io.warn,
		onRetriesWaiting(messages, lastDueInMs) {
			io.warn(`draining: ${formatCount(messages)} message${messages === 1 ? ' waits' : 's wait'} to be tried again, the last within ${formatDuration(lastDueInMs)}; stop again (Ctrl-C) to hand their batches back to the run now`);
		},
		realSends: real?.deps(scheduler),
	});
	const title = () => `worker ${workerId} on run ${command.run} at ${redactUrl(command.broker)}: ${sendersLine(config)}`;
	// Told to stop, a worker drains: its pool completes normally, so its summary is not marked
	// interrupted and a clean drain exits 0.
	const {final, problem} = await present(events$, {...options, header: {role: 'worker', run: command.run, title}, warnings$: io.warnings$}, io, {clock: scheduler}).finally(async () => real?.close());
	return problem ? EXIT.unexpected : exitCodeFor(final, options.maxFailureRate, options.thresholds);
}

async function runMonitor(connection: Connection, command: BrokerCommand, io: BrokerIo): Promise<number> {
	const {options} = command;
	const [{watchRun}, {present}, {SimulationScheduler}] = await Promise.all([import('../broker/remote-monitor.js'), import('../front-ends/present.js'), import('../engine/scheduler.js')]);
	const scheduler = new SimulationScheduler(1);
	const metrics = await listening(options, io);
	if (metrics === false) {
		return EXIT.usage;
	}

	const events$ = watchRun(connection, {
		run: command.run, intervalMs: resolveConfig(options.simulation).intervalMs, emitResults: (options.json && options.events) || options.html !== undefined, eventsAsked: options.events,
	}, {
		scheduler, stop: io.stop$, warn: io.warn, onSample: metrics?.onSample,
	});
	const title = ({messages}: {messages: number}) => `monitor of run ${command.run} at ${redactUrl(command.broker)}${messages > 0 ? `: ${formatCount(messages)} messages` : ''}`;
	// Its clock is not held while stdout drains, as a simulation's is: holding it would not slow the
	// run (its records come from the broker whatever the monitor does) and only stopped its progress
	// lines. A monitor of a fast run with --events, read by a slower program, printed none for the
	// whole run.
	const {final, problem} = await present(events$, {...options, header: {role: 'monitor', run: command.run, title}, warnings$: io.warnings$}, io, {others: metrics?.frontEnds});
	return problem ? EXIT.unexpected : exitCodeFor(final, options.maxFailureRate, options.thresholds);
}

/** Deletes a run's queues and streams: what `produce`, `send` and `monitor` made for it. */
async function runPurge(connection: Connection, command: BrokerCommand, io: BrokerIo): Promise<number> {
	const names = runNames(command.run);
	// The results queue of versions before the streams, and the one-message identity queue before the identity stream, too.
	const queues = [names.messages, names.outcomes, names.control, names.dead, names.identity, `sms-sim.${command.run}.results`, `sms-sim.${command.run}.epoch`];
	const deleted: Record<string, number> = {};
	for (const queue of queues) {
		try {
			// eslint-disable-next-line no-await-in-loop
			const {messageCount} = await connection.queueDelete({queue});
			deleted[queue] = messageCount;
		} catch (error) {
			throw brokerFailure(error, `deleting ${queue}`);
		}
	}

	if (command.options.json) {
		io.stdout.write(`${JSON.stringify({
			type: 'purged', schemaVersion: SCHEMA_VERSION, run: command.run, queues: deleted,
		})}\n`);
	} else {
		const listed = (names: readonly string[]) => names.map(queue => `${queue} (${formatCount(deleted[queue] ?? 0)} broker message${deleted[queue] === 1 ? '' : 's'})`).join(', ');
		const streams = new Set([names.outcomes, names.control, names.identity]);
		io.stdout.write(`purged run ${command.run} at ${redactUrl(command.broker)}: deleted the queues ${listed(queues.filter(queue => !streams.has(queue)))}; and the streams ${listed(queues.filter(queue => streams.has(queue)))}\n`);
	}

	return EXIT.ok;
}
