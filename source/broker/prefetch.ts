import type {Connection} from 'rabbitmq-client';
import type {ResolvedSenderGroup} from '../model/senders.js';

/**
 * The most batches a worker holds at once. Its batches in hand take no memory to speak of (a batch
 * says how to draw its messages, and they are drawn one by one as senders free: batches.ts), so
 * this only keeps the broker's count of unacknowledged deliveries sane (AMQP allows 65,535).
 */
export const MAX_PREFETCH = 1000;

/**
 * The most messages a second one worker finishes at `--speed max` with mean 0: alone, next to its
 * broker, one drew and sent 2,000,000 in 2.2 s (batches of 5,000, since it draws its messages:
 * batches.ts); two, beside a producer and a monitor on two cores, about 450,000 each.
 */
export const MAX_WORKER_RATE = 1_000_000;

/**
 * What a batch's round trip takes at least, at `--speed max` (ms): its record's confirm on a broker
 * the run keeps busy took 1 to 12 ms (measured from finish to acknowledgement), not the fraction of
 * a millisecond an idle broker answers a declare in. With the window sized by that instead, two
 * workers of mean 0 held 6 batches each, idled on confirms, and the run went at 330,000 msg/s where
 * 24 batches made it 600,000.
 */
const BUSY_ROUND_TRIP_MS = 10;

/** What sizes a worker's window of batches. */
export type WindowInputs = {
	readonly groups: readonly ResolvedSenderGroup[];
	readonly speed: number | 'max';
	/** The producers' largest batch: its messages. */
	readonly batch: {readonly messages: number};
	/** A round trip to the broker, measured (ms). */
	readonly roundTripMs: number;
};

/**
 * How many batches a worker takes at once (the consumer's prefetch). Enough for three rounds of its
 * senders (at least two batches): with fewer, senders that all finish at once waited for the first
 * confirms; and at max speed, with one round, the batches in hand were often all in their last sends
 * (a batch is acknowledged whole), senders free and nothing to give them, and 2 workers of 500 took
 * 13% longer than one process of 1,000. Plus what its senders finish in three round trips to the broker: a batch's record
 * waits for the records before it to be confirmed (they go out together: a round trip at most), a
 * batch is acknowledged only once its record is confirmed (another), and the next one comes after
 * the broker has the acknowledgement (another); without them a worker 10 ms from its broker ran at
 * 0.43 of one next to it, and with two of them, at 0.74 to 0.80. Rounded down: at a paced speed
 * next to the broker that is no batch more, and a batch more made the last round of a paced run one
 * lone batch (the bench's real time went from 1.04x of ideal to 1.05x). At most `MAX_PREFETCH`.
 */
export function prefetchBatches({groups, speed, batch, roundTripMs}: WindowInputs): number {
	const slots = groups.reduce((sum, group) => sum + group.count, 0);
	const rounds = Math.max(2, Math.ceil((3 * slots) / batch.messages));
	const tripMs = speed === 'max' ? Math.max(roundTripMs, BUSY_ROUND_TRIP_MS) : roundTripMs;
	const inThreeRoundTrips = Math.floor((workerRate(groups, speed) * 3 * tripMs) / 1000 / batch.messages);
	return Math.min(rounds + inThreeRoundTrips, MAX_PREFETCH);
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
