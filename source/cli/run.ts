import {isObservable} from 'rxjs';
import {resolveConfig} from '../model/config.js';
import type {RunIo} from '../front-ends/context.js';
import {frontEndFor, present} from '../front-ends/present.js';
import {listening} from '../front-ends/metrics.js';
import {SimulationScheduler} from '../engine/scheduler.js';
import {simulate} from '../pipeline/simulation.js';
import {arrivingAtTheirTimes} from '../model/arrivals.js';
import type {MessageSource} from '../engine/pool.js';
import {DEFAULT_REPLAY_PRIORITIES} from '../model/replay.js';
import {EXIT, exitCodeFor} from './exit-codes.js';
import {untilStopped} from './command.js';
import {latestArrival} from './input.js';
import {readInput} from './input-reader.js';
import type {RunOptions} from './options.js';
import {bindRealSenders} from './via.js';

/** Wall ms between the dashboard's glances at a run. */
const LIVE_MS = 100;

/** Runs one local simulation through the front end the environment calls for; resolves with the exit code. */
export async function run(options: RunOptions, io: RunIo, replay?: {readonly messages: number | undefined}): Promise<number> {
	// The seed is chosen once, here: the real senders' backoffs (`--via`) are drawn from the run's seed too.
	const config = resolveConfig(options.simulation);
	const {speed, priorities, intervalMs} = config;
	const metrics = await listening(options, io);
	if (metrics === false) {
		return EXIT.usage;
	}

	const real = await bindRealSenders(options.via, config, text => {
		io.stderr.write(`sms-sim: --via: ${text}\n`);
	});
	if (real === false) {
		await metrics?.close();
		return EXIT.broker;
	}

	const scheduler = new SimulationScheduler(speed);
	// Replayed messages: read as the senders take them, never blocking the process (a pipe with no
	// writer still hears Ctrl-C); with an `at` column they arrive at those times.
	const priorityOrder = priorities?.map(priority => priority.name) ?? [...DEFAULT_REPLAY_PRIORITIES];
	const input = options.input && readInput(options.input.path, {format: options.input.format, priorities: priorityOrder, maxAt: latestArrival(intervalMs)});
	let source: MessageSource | undefined;
	if (input) {
		// Nothing yet a second in (an idle pipe, a FIFO with no writer): say what the run waits for.
		const waiting = setTimeout(() => {
			io.stderr.write(`sms-sim: waiting for --input ${options.input!.path}: nothing read yet (Ctrl-C stops)\n`);
		}, 1000);
		const first = await untilStopped(input.first(), io);
		clearTimeout(waiting);
		source = first?.arrivalMs === undefined ? input : arrivingAtTheirTimes(input, scheduler);
	}

	// Every result goes out only when NDJSON events were asked for; the other front ends read snapshots.
	// The dashboard moves ten times a second of wall time, whatever the interval.
	const liveMs = frontEndFor(options, io) === 'dashboard' ? LIVE_MS : undefined;
	const seeded = {...options.simulation, seed: config.seed};
	const simulation = options.input ? {...seeded, input: options.input, messages: replay?.messages ?? 0} : seeded;
	const events$ = simulate(simulation, {
		scheduler, stop: io.stop$, emitResults: (options.json && options.events) || options.html !== undefined, liveMs, source, total: replay?.messages, priorityOrder: input ? priorityOrder : undefined, arrivals: source !== undefined && isObservable(source), onSample: metrics?.onSample, ...real?.deps(scheduler),
	});
	const {final, problem} = await present(events$, options, io, {clock: scheduler, others: metrics?.frontEnds}).finally(async () => real?.close());
	input?.close();
	const badInput = input?.problem();
	if (badInput) {
		// Standard input cannot be checked before the run: the run stopped at the bad line.
		io.stderr.write(`sms-sim: --input ${options.input!.path}: ${badInput.message}\n`);
		return EXIT.usage;
	}

	return problem ? EXIT.unexpected : exitCodeFor(final, options.maxFailureRate, options.thresholds);
}
