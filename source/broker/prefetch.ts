import type {Connection} from 'rabbitmq-client';
import type {ResolvedSenderGroup} from '../senders.js';

/** The most bytes of batches a worker holds at once (whole batches: at least one). */
export const PREFETCH_BYTES = 64 * 1024 * 1024;

/**
 * The most messages a second one worker finishes at `--speed max` with mean 0: the broker bench
 * measures about 140,000 for each of two workers; rounded up, so the window is never what limits it.
 */
export const MAX_WORKER_RATE = 200_000;

/** What sizes a worker's window of batches. */
export type WindowInputs = {
	readonly groups: readonly ResolvedSenderGroup[];
	readonly speed: number | 'max';
	/** The producers' largest batch: its messages, and the bytes it may take. */
	readonly batch: {readonly messages: number; readonly bytes: number};
	/** A round trip to the broker, measured (ms). */
	readonly roundTripMs: number;
};

/**
 * How many batches a worker takes at once (the consumer's prefetch). Enough for three rounds of its
 * senders (at least two batches): with fewer, senders that all finish at once waited for the first
 * confirms; and at max speed, with one round, the batches in hand were often all in their last sends
 * (a batch is acknowledged whole), senders free and nothing to give them, and 2 workers of 500 took
 * 13% longer than one process of 1,000. Plus what its senders finish in two round trips to the broker: a batch is acknowledged
 * only once its record is confirmed (one round trip), and the next one comes after the broker has
 * the acknowledgement (another), so without them a worker 10 ms from its broker ran at 0.43 of one
 * next to it. Rounded down: next to the broker (a round trip of a few ms on a busy machine) that is
 * no batch more, and a batch more made the last round of a paced run one lone batch (the bench's
 * real time went from 1.04x of ideal to 1.05x). No more than `PREFETCH_BYTES` of batches, and at
 * least one.
 */
export function prefetchBatches({groups, speed, batch, roundTripMs}: WindowInputs): number {
	const slots = groups.reduce((sum, group) => sum + group.count, 0);
	const rounds = Math.max(2, Math.ceil((3 * slots) / batch.messages));
	const inTwoRoundTrips = Math.floor((workerRate(groups, speed) * 2 * roundTripMs) / 1000 / batch.messages);
	return Math.max(1, Math.min(rounds + inTwoRoundTrips, Math.floor(PREFETCH_BYTES / batch.bytes)));
}

/**
 * Messages a second a worker's senders finish at most. Paced: each sender one per mean send time,
 * times the speed. At max speed the workers share one simulated clock (run-clock.ts), so a worker
 * goes no faster than its senders' simulated rate allows either, and a batch more in its hands is
 * simulated work the others cannot take at the run's end: only sends that take no simulated time
 * (mean 0) make it as fast as its processor, `MAX_WORKER_RATE`.
 */
function workerRate(groups: readonly ResolvedSenderGroup[], speed: number | 'max'): number {
	const perSecond = groups.reduce((sum, group) => sum + (group.meanMs > 0 ? (group.count * 1000) / group.meanMs : Number.POSITIVE_INFINITY), 0);
	return Math.min(MAX_WORKER_RATE, speed === 'max' ? perSecond : perSecond * speed);
}

/** The shortest of three round trips to the broker (a passive declare of `queue`), in ms. */
export async function measureRoundTrip(connection: Connection, queue: string): Promise<number> {
	let shortest = Number.POSITIVE_INFINITY;
	for (let trip = 0; trip < 3; trip++) {
		const startedAt = performance.now();
		// eslint-disable-next-line no-await-in-loop
		await connection.queueDeclare({queue, passive: true});
		shortest = Math.min(shortest, performance.now() - startedAt);
	}

	return shortest;
}
