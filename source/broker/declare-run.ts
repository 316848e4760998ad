import {setTimeout as delay} from 'node:timers/promises';
import type {Connection} from 'rabbitmq-client';
import {queueOptions} from './topology.js';

/** How long a program waits for another to finish declaring a run before it gives up. */
const DECLARE_TIMEOUT_MS = 30_000;
/** How soon it asks again. */
const DECLARE_RETRY_MS = 25;

/**
 * Declares every queue and stream of a run, one program at a time, before any of them reads or
 * writes. Every program of a run calls it first.
 *
 * Why one at a time: RabbitMQ 3.10 writes a new stream's queue record before its stream
 * coordinator knows the stream. A second program that declares it in between is told it exists,
 * and its first consume or publish then crashes its channel, and with the channel the connection
 * (INTERNAL_ERROR, `stream_not_found`), or is refused ("does not have a replica"). With six
 * programs started at once on a new run, that happened in about one start in three. The program
 * that creates a stream gets its declare answered only once the coordinator knows it, so while it
 * holds the run's lock (an exclusive queue: the broker gives it to one connection at a time and
 * drops it with the connection), no other program can see the stream half made.
 */
export async function declareRun(connection: Connection, run: string): Promise<void> {
	const queues = queueOptions(run);
	const lock = `sms-sim.${run}.declaring`;
	const deadline = Date.now() + DECLARE_TIMEOUT_MS;
	for (;;) {
		// A refused exclusive declare closes its channel: a new one each time.
		// eslint-disable-next-line no-await-in-loop
		const channel = await connection.acquire();
		try {
			// eslint-disable-next-line no-await-in-loop
			await channel.queueDeclare({queue: lock, exclusive: true, autoDelete: true});
		} catch (error) {
			if ((error as {code?: unknown}).code !== 'RESOURCE_LOCKED' || Date.now() > deadline) {
				throw error;
			}

			// eslint-disable-next-line no-await-in-loop
			await Promise.all([channel.close().catch(() => undefined), delay(DECLARE_RETRY_MS)]);
			continue;
		}

		try {
			for (const options of [queues.messages, queues.dead, queues.identity, queues.control, queues.outcomes]) {
				// eslint-disable-next-line no-await-in-loop
				await channel.queueDeclare(options);
			}

			return;
		} finally {
			// eslint-disable-next-line no-await-in-loop
			await channel.queueDelete({queue: lock}).catch(() => undefined);
			// eslint-disable-next-line no-await-in-loop
			await channel.close().catch(() => undefined);
		}
	}
}
