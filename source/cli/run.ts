import {resolveConfig} from '../config.js';
import type {RunIo} from '../front-ends/context.js';
import {frontEndFor, present} from '../front-ends/present.js';
import {SimulationScheduler} from '../scheduler.js';
import {simulate} from '../simulation.js';
import {exitCodeFor} from './exit-codes.js';
import type {RunOptions} from './options.js';

/** Wall ms between the dashboard's glances at a run. */
const LIVE_MS = 100;

/** Runs one local simulation through the front end the environment calls for; resolves with the exit code. */
export async function run(options: RunOptions, io: RunIo): Promise<number> {
	const {speed} = resolveConfig(options.simulation);
	const scheduler = new SimulationScheduler(speed);
	// Every result goes out only when NDJSON events were asked for; the other front ends read snapshots.
	// The dashboard moves ten times a second of wall time, whatever the interval.
	const liveMs = frontEndFor(options, io) === 'dashboard' ? LIVE_MS : undefined;
	const events$ = simulate(options.simulation, {
		scheduler, stop: io.stop$, emitResults: options.json && options.events, liveMs,
	});
	const {final} = await present(events$, options, io, scheduler);
	return exitCodeFor(final, options.maxFailureRate, options.thresholds);
}
