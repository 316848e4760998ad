import {ConsumerStatus, type Connection} from 'rabbitmq-client';
import {
	Observable, Subject, type ObservableInput, type SchedulerLike, from, tap,
} from 'rxjs';
import {senderCount, type ResolvedConfig} from '../config.js';
import type {Message} from '../messages.js';
import {pipeline} from '../pipeline.js';
import type {Random} from '../random.js';
import {createSenders, type ResolvedSenderGroup} from '../senders.js';
import type {SimulationEvent} from '../simulation.js';
import {
	QUEUE_OPTIONS, parseMessage, queueNames, toResultRecord,
} from './topology.js';

export type WorkerOptions = {
	readonly run: string;
	readonly groups: readonly ResolvedSenderGroup[];
	readonly intervalMs: number;
	/** Shown in the start event (the worker's own view). */
	readonly config: ResolvedConfig;
	/** Put before sender ids, so senders of different workers stay apart in the monitor. */
	readonly workerId: string;
};

export type WorkerDeps = {
	readonly scheduler: SchedulerLike;
	readonly random: Random;
	/** When it emits, the worker drains: it stops consuming, finishes the sends in flight, and ends. */
	readonly stop?: ObservableInput<unknown>;
	/** Told of a malformed message (dropped). */
	readonly warn?: (text: string) => void;
};

/**
 * A sender worker: consumes the run's messages with prefetch equal to its number of senders, runs
 * them through the same sender pool as a local run (a pushed source), publishes each result with a
 * publisher confirm, and acknowledges a message only once its result is confirmed. Emits the
 * worker's own events (start, its results, progress, final), like `simulate`.
 *
 * A worker that dies leaves its unacknowledged messages to the broker, which gives them to
 * another worker; a message whose result was published but not yet acknowledged is then sent
 * twice, and the monitor counts it once.
 */
export function runWorker(connection: Connection, options: WorkerOptions, deps: WorkerDeps): Observable<SimulationEvent> {
	return new Observable<SimulationEvent>(subscriber => {
		const {scheduler, random} = deps;
		const queues = queueNames(options.run);
		const slots = senderCount(options.groups);
		const senders = createSenders(options.groups, random).map(sender => ({...sender, id: `${options.workerId}/${sender.id}`}));
		const incoming$ = new Subject<Message>();
		let draining = false;
		/** Deliveries waiting for their result's confirm, by message object (a redelivery is another object). */
		const waiting = new Map<Message, {resolve: () => void; reject: (error: unknown) => void}>();
		const publisher = connection.createPublisher({confirm: true, maxAttempts: 50, queues: [{queue: queues.results, ...QUEUE_OPTIONS}]});
		const consumer = connection.createConsumer({
			queue: queues.messages,
			queueOptions: QUEUE_OPTIONS,
			qos: {prefetchCount: slots},
			concurrency: slots,
			requeue: true,
		}, async delivery => {
			if (draining) {
				return ConsumerStatus.REQUEUE; // Came in while stopping: back to the queue for another worker.
			}

			const message = parseMessage(delivery.body);
			if (message === undefined) {
				deps.warn?.(`dropped a malformed message from ${queues.messages}`);
				return ConsumerStatus.DROP;
			}

			const confirmed = new Promise<void>((resolve, reject) => {
				waiting.set(message, {resolve, reject});
			});
			incoming$.next(message);
			await confirmed; // Resolving acknowledges the delivery; a rejection requeues it.
			return ConsumerStatus.ACK;
		});
		consumer.on('error', (error: unknown) => {
			deps.warn?.(`consumer: ${error instanceof Error ? error.message : String(error)}`);
		});

		// The same pipeline as a local run, fed by the consumer. Each result is published as it comes;
		// its delivery is acknowledged once the broker confirms it.
		const events$ = pipeline(incoming$, {
			senders, groups: options.groups, scheduler, random, intervalMs: options.intervalMs, total: null,
		}).pipe(tap(event => {
			if (event.type !== 'result') {
				return;
			}

			const entry = waiting.get(event.message);
			waiting.delete(event.message);
			publisher.send({routingKey: queues.results, durable: true, contentType: 'application/json'}, JSON.stringify(toResultRecord(event))).then(
				() => entry?.resolve(),
				(error: unknown) => entry?.reject(error),
			);
		}));

		subscriber.next({type: 'start', config: options.config});
		const subscription = events$.subscribe({
			next(event) {
				subscriber.next(event);
			},
			error(error) {
				subscriber.error(error);
			},
			complete() {
				// The pool has drained: every result is published; wait for the last confirms.
				void Promise.allSettled([consumer.close(), publisher.close()]).then(() => {
					subscriber.complete();
				});
			},
		});

		const stopSubscription = deps.stop
			? from(deps.stop).subscribe(() => {
				// Drain: take no new deliveries; the sends in hand finish, are published and acknowledged,
				// then the pool completes and the consumer closes.
				draining = true;
				incoming$.complete();
			})
			: undefined;

		return () => {
			stopSubscription?.unsubscribe();
			subscription.unsubscribe();
			// Unsubscribed before the end: what is in hand goes back to the queue (requeued on reject).
			for (const entry of waiting.values()) {
				entry.reject(new Error('worker stopped'));
			}

			void consumer.close();
			void publisher.close();
		};
	});
}
