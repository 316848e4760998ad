import {hostname} from 'node:os';
import {map} from 'rxjs';
import type {Connection} from 'rabbitmq-client';
import {connect, redactUrl} from '../broker/connection.js';
import {produce} from '../broker/produce.js';
import {watchRun} from '../broker/remote-monitor.js';
import {runWorker} from '../broker/worker.js';
import {createRandom, randomSeed} from '../random.js';
import {SimulationScheduler} from '../scheduler.js';
import type {SimulationEvent} from '../simulation.js';
import {resolveGroups} from '../senders.js';
import {SCHEMA_VERSION} from '../output/json.js';
import {sendersLine} from '../output/lines.js';
import {formatCount} from '../output/format.js';
import type {BrokerCommand} from './broker-options.js';
import {EXIT, present, type RunIo} from './run.js';

export type BrokerIo = RunIo & {
	/** A warning for people: on stderr, prefixed. */
	readonly warn: (text: string) => void;
};

/** Runs `produce`, `send` or `monitor`; resolves with the exit code. Broker errors reject with a `BrokerError`. */
export async function runBrokerCommand(command: BrokerCommand, io: BrokerIo): Promise<number> {
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
		}
	} finally {
		await connection.close();
	}
}

async function runProduce(connection: Connection, command: Extract<BrokerCommand, {name: 'produce'}>, io: BrokerIo): Promise<number> {
	const seed = command.seed ?? randomSeed();
	let stopped = false;
	const subscription = io.stop$.subscribe(() => {
		stopped = true;
	});
	const say = (line: string) => (command.json ? io.stderr : io.stdout).write(`${line}\n`);
	say(`sms-sim produce: ${formatCount(command.messages)} messages to run ${command.run} at ${redactUrl(command.broker)}, seed ${seed}`);
	let lastReport = performance.now();
	try {
		const {published} = await produce(connection, {run: command.run, messages: command.messages, seed, maxBodyLength: command.maxBodyLength}, {
			shouldStop: () => stopped,
			onProgress({published, total}) {
				if (performance.now() - lastReport >= 1000) {
					lastReport = performance.now();
					say(`[produce] ${formatCount(published)}/${formatCount(total)} published`);
				}
			},
		});
		if (command.json) {
			io.stdout.write(`${JSON.stringify({type: 'produced', schemaVersion: SCHEMA_VERSION, run: command.run, published, total: command.messages, seed, interrupted: stopped})}\n`);
		}

		say(`${stopped ? 'Interrupted: ' : ''}published ${formatCount(published)} of ${formatCount(command.messages)} messages (confirmed by the broker) to run ${command.run}`);
		return stopped ? EXIT.interrupted : EXIT.ok;
	} finally {
		subscription.unsubscribe();
	}
}

async function runSend(connection: Connection, command: Extract<BrokerCommand, {name: 'send'}>, io: BrokerIo): Promise<number> {
	const {options} = command;
	const seed = options.simulation.seed ?? randomSeed();
	const groups = resolveGroups(options.simulation.groups);
	const scheduler = new SimulationScheduler(options.simulation.speed);
	const workerId = `${hostname()}-${process.pid}`;
	const config = {messages: 0, groups, intervalMs: options.simulation.intervalMs, seed, speed: options.simulation.speed, maxBodyLength: options.simulation.maxBodyLength ?? 100};
	const events$ = runWorker(connection, {run: command.run, groups, intervalMs: options.simulation.intervalMs, config, workerId}, {scheduler, random: createRandom(seed), stop: io.stop$, warn: io.warn});
	const title = `worker ${workerId} on run ${command.run} at ${redactUrl(command.broker)}: ${sendersLine(config)}`;
	// Told to stop, a worker drains: its pool completes normally, so its summary is not marked
	// interrupted and a clean drain exits 0.
	const outcome = await present(events$.pipe(withTitle(title, command.run, 'worker')), options, io, scheduler);
	return outcome.exitCode;
}

async function runMonitor(connection: Connection, command: Extract<BrokerCommand, {name: 'monitor'}>, io: BrokerIo): Promise<number> {
	const scheduler = new SimulationScheduler(1);
	const events$ = watchRun(connection, {run: command.run, intervalMs: command.options.simulation.intervalMs}, {scheduler, stop: io.stop$, warn: io.warn});
	const title = (total: number) => `monitor of run ${command.run} at ${redactUrl(command.broker)}${total > 0 ? `: ${formatCount(total)} messages` : ''}`;
	const outcome = await present(events$.pipe(withTitle(title, command.run, 'monitor')), command.options, io, scheduler);
	return outcome.exitCode;
}

/** Marks the start event with its role and a title for people. */
function withTitle(title: string | ((total: number) => string), run: string, role: 'worker' | 'monitor') {
	return map((event: SimulationEvent): SimulationEvent => event.type === 'start'
		? {...event, role, run, title: typeof title === 'string' ? title : title(event.config.messages)}
		: event);
}
