import {concat, of} from 'rxjs';
import {firstGroup, resolveConfig} from '../model/config.js';
import {createRandom} from '../model/random.js';
import {monitor} from '../engine/monitor.js';
import {SimulationScheduler} from '../engine/scheduler.js';
import type {RunIo} from '../front-ends/context.js';
import {listening} from '../front-ends/metrics.js';
import {present} from '../front-ends/present.js';
import {Smsc} from '../gateway/smsc.js';
import type {SimulationEvent} from '../pipeline/simulation.js';
import {cannotListen} from '../reports/format.js';
import {EXIT, exitCodeFor} from './exit-codes.js';
import type {RunOptions} from './options.js';

export type GatewayOptions = RunOptions & {
	readonly listen: {readonly host: string; readonly port: number};
	/** System_id to password; empty: any may bind. */
	readonly accounts: ReadonlyMap<string, string>;
	readonly maxConnections: number;
	readonly window: number;
	readonly receiptDelayMs: number;
	readonly undeliveredRate: number;
};

/**
 * Runs the SMSC until the user stops it, showing what it answers as a run shows its sends: each
 * answered submit_sm is a result, folded and sampled by the monitor on the wall clock.
 */
export async function gateway(options: GatewayOptions, io: RunIo): Promise<number> {
	const config = resolveConfig({...options.simulation, messages: 0, speed: 1});
	const group = firstGroup(config);
	const scheduler = new SimulationScheduler(1);
	const smsc = new Smsc({
		group,
		random: createRandom(config.seed),
		credentials: options.accounts,
		maxConnections: options.maxConnections,
		window: options.window,
		receiptDelayMs: options.receiptDelayMs,
		undeliveredRate: options.undeliveredRate,
		now: () => scheduler.now(),
	});
	let address;
	try {
		address = await smsc.listen(options.listen.host, options.listen.port);
	} catch (error) {
		io.stderr.write(`sms-sim: --listen: ${cannotListen(options.listen.host, options.listen.port, error as NodeJS.ErrnoException)}\n`);
		return EXIT.usage;
	}

	const metrics = await listening(options, io);
	if (metrics === false) {
		await smsc.close();
		return EXIT.usage;
	}

	const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
	const listen = `smpp://${host}:${address.port}`;
	io.stderr.write(`sms-sim: gateway listening on ${listen}\n`);
	const results$ = smsc.results$.pipe(monitor({
		scheduler,
		intervalMs: config.intervalMs,
		total: null,
		groups: config.groups,
		inFlight: () => smsc.inFlight(),
		stop: io.stop$,
		emitResults: options.json && options.events,
		gateway: () => smsc.figures(),
		onSample: metrics?.onSample,
	}));
	const events$ = concat(of<SimulationEvent>({type: 'start', config}), results$);
	try {
		const {final, problem} = await present(events$, {
			...options,
			header: {
				role: 'gateway', listen, title: () => `gateway on ${listen}: send time ${group.distribution} mean ${group.meanMs}ms, ${group.failureRate * 100}% fail`,
			},
		}, io, {clock: scheduler, others: metrics?.frontEnds});
		return problem ? EXIT.unexpected : exitCodeFor(final, options.maxFailureRate, options.thresholds);
	} finally {
		await smsc.close();
	}
}
