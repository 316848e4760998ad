import type {Connection} from 'rabbitmq-client';
import type {ResolvedSenderGroup} from '../model/senders.js';
import {readControlUntil} from './read-stream.js';
import type {WorkerGroupRecord, WorkerStartRecord} from './topology.js';

/** What makes a group the group it is: everything but its name and its count of senders. */
function settingsOf(group: ResolvedSenderGroup): string {
	return JSON.stringify({
		meanMs: group.meanMs,
		spread: group.spread,
		distribution: group.distribution,
		failureRate: group.failureRate,
		maxAttempts: group.maxAttempts,
		backoffMs: group.backoffMs,
		backoffMaxMs: group.backoffMaxMs,
		permanentFailureRate: group.permanentFailureRate,
		ratePerSec: group.ratePerSec ?? null,
	});
}

/** The settings of two groups of one name that differ, as `meanMs 1000 here, 200 for worker w`. */
function differences(own: string, theirs: string, worker: string): string {
	const mine = JSON.parse(own) as Record<string, unknown>;
	const other = JSON.parse(theirs) as Record<string, unknown>;
	return Object.keys(mine).filter(key => mine[key] !== other[key]).map(key => `${key} ${String(mine[key])} here, ${String(other[key])} for worker ${worker}`).join('; ');
}

/**
 * Tells the run this worker's groups (a worker-start record) and reads what the workers before it
 * said: groups of one name are one group across the run (their senders add up, their figures
 * merge), so a group of a name another worker gave other settings is refused. Resolves with why,
 * or undefined when the worker may go on. The first worker to name a group sets it, in the control
 * stream's order, which every program reads alike.
 */
export async function joinWithGroups(
	connection: Connection,
	run: {readonly run: string; readonly epoch: string},
	worker: string,
	groups: readonly ResolvedSenderGroup[],
	send: (record: WorkerStartRecord) => Promise<unknown>,
): Promise<string | undefined> {
	const own: WorkerGroupRecord[] = groups.map(group => ({name: group.name, count: group.count, settings: settingsOf(group)}));
	await send({
		type: 'worker-start', run: run.run, epoch: run.epoch, worker, groups: own,
	});
	const first = new Map<string, {readonly settings: string; readonly worker: string}>();
	await readControlUntil(connection, run.run, record => record.type === 'worker-start' && record.worker === worker && record.epoch === run.epoch, record => {
		if (record.type === 'worker-start' && record.epoch === run.epoch) {
			for (const group of record.groups) {
				if (!first.has(group.name)) {
					first.set(group.name, {settings: group.settings, worker: record.worker});
				}
			}
		}
	});
	for (const group of own) {
		const known = first.get(group.name);
		if (known !== undefined && known.settings !== group.settings) {
			return `group '${group.name}' of this worker is not the run's group '${group.name}' (${differences(group.settings, known.settings, known.worker)}): groups of one name are one group across a run; give this one another name (--sender name=...)`;
		}
	}

	return undefined;
}
