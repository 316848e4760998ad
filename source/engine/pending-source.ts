import type {SchedulerLike} from 'rxjs';
import type {Message} from '../model/messages.js';
import {SimulationScheduler} from './scheduler.js';

/** What a pending source gives when its next message is not read yet (input still on its way). */
export const NOT_YET: unique symbol = Symbol('sms-sim: not yet');

/**
 * A pulled source that may not have its next message yet: messages read from a pipe or a file as
 * the run goes. A pull gives a message, the end, or `NOT_YET`; `whenReady` calls back (never
 * synchronously) once the next pull can be answered. Meanwhile the simulated clock holds, so the
 * run is the same whether the input came at once or a line an hour: nothing blocks the process,
 * which hears its signals while it waits.
 */
export type PendingSource = Iterable<Message | typeof NOT_YET> & {
	readonly whenReady: (callback: () => void) => void;
};

export const isPending = (source: unknown): source is PendingSource => typeof (source as Partial<PendingSource> | undefined)?.whenReady === 'function';

/**
 * Holds the simulated clock (on a `SimulationScheduler`) until `source` is ready, then lets it
 * go and calls `then`; nothing is called once `closed()` says the run has ended.
 */
export function holdUntilReady(scheduler: SchedulerLike, source: PendingSource, closed: () => boolean, then: () => void): void {
	const clock = scheduler instanceof SimulationScheduler ? scheduler : undefined;
	clock?.pause();
	source.whenReady(() => {
		clock?.resume();
		if (!closed()) {
			then();
		}
	});
}
