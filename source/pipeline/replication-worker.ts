import {parentPort} from 'node:worker_threads';
import type {SimulationConfig} from '../model/config.js';
import {runOnce} from './replications.js';

/**
 * A thread of the replication pool (replication-pool.ts): runs each replication it is given, one
 * at a time, and posts back its final snapshot (or why it failed).
 */
parentPort?.on('message', async ({id, config}: {readonly id: number; readonly config: SimulationConfig}) => {
	try {
		parentPort!.postMessage({id, final: await runOnce(config)});
	} catch (error) {
		parentPort!.postMessage({id, error: error instanceof Error ? error.message : String(error)});
	}
});
