import {Observable, isObservable, type SchedulerLike, type Subscription} from 'rxjs';
import {StableMinHeap} from './heap.js';
import type {Message} from './messages.js';
import type {Random} from './random.js';
import type {SendResult, Sender} from './senders.js';

/**
 * Where the pool gets messages: an iterable it pulls from, one message each time a sender frees
 * (the local generator), or an observable that pushes them and keeps its backpressure elsewhere
 * (a broker consumer whose prefetch equals the number of senders).
 */
export type MessageSource = Iterable<Message> | Observable<Message>;

/** What the pool is doing right now, for the monitor. Updated in place by the pool. */
export type PoolGauge = {
	/** Sends started and not finished. */
	inFlight: number;
};

export type SenderPoolOptions = {
	readonly senders: readonly Sender[];
	readonly scheduler: SchedulerLike;
	readonly random: Random;
	/** Updated as sends start and end. */
	readonly gauge?: PoolGauge;
	/** Result times are measured from here; defaults to the scheduler's time at subscription. */
	readonly origin?: number;
};

type Slot = {readonly sender: Sender; current: SendResult | undefined};

export function createPoolGauge(): PoolGauge {
	return {inFlight: 0};
}

/**
 * Sends every message of `source` through a pool of senders and emits one result per message as
 * each send ends.
 *
 * A free sender takes the next message (one shared queue, no static split); a sender sends one
 * message at a time; a pulled source is asked for a message only when a sender is free, so memory
 * does not grow with the number of messages (unlike `mergeMap(send, C)`, which buffers every
 * waiting value). In-flight sends sit in one heap by end time, and the pool keeps a single
 * scheduled wake-up for the earliest one. Completes after the last result; unsubscribing stops
 * pulling and cancels the wake-up.
 */
export function senderPool(source: MessageSource, options: SenderPoolOptions): Observable<SendResult> {
	const {senders, scheduler, random, gauge = createPoolGauge()} = options;
	return new Observable<SendResult>(subscriber => {
		const origin = options.origin ?? scheduler.now();
		// Per-subscription slots hold each sender's send in flight, so senders can be shared.
		const slots: Slot[] = senders.map(sender => ({sender, current: undefined}));
		const inFlight = new StableMinHeap<Slot>();
		const free: Slot[] = [];
		let freeHead = 0;
		const waiting: Message[] = [];
		let waitingHead = 0;
		let sourceDone = false;
		let wake: Subscription | undefined;
		let wakeAt = Number.POSITIVE_INFINITY;
		let sourceSubscription: Subscription | undefined;
		const iterator = isObservable(source) ? undefined : source[Symbol.iterator]();

		gauge.inFlight = 0;

		const start = (slot: Slot, message: Message, nowMs: number): void => {
			const {sender} = slot;
			const durationMs = sender.sampleSendTime();
			const status = random.float() < sender.failureRate ? 'failed' : 'sent';
			const endMs = nowMs + durationMs;
			slot.current = {type: 'result', id: message.id, message, senderId: sender.id, group: sender.group, status, startMs: nowMs, endMs, durationMs};
			inFlight.push(endMs, slot);
			gauge.inFlight++;
		};

		/** The sender is free: give it the next message, or put it in line for one. */
		const assign = (slot: Slot, nowMs: number): void => {
			if (iterator) {
				if (!sourceDone) {
					const next = iterator.next();
					if (next.done) {
						sourceDone = true;
					} else {
						start(slot, next.value, nowMs);
					}
				}
			} else if (waitingHead < waiting.length) {
				const message = waiting[waitingHead];
				waiting[waitingHead++] = undefined as unknown as Message;
				if (waitingHead === waiting.length) {
					waiting.length = 0;
					waitingHead = 0;
				}

				start(slot, message, nowMs);
			} else {
				free.push(slot);
			}
		};

		const completeIfDone = (): void => {
			if (sourceDone && inFlight.size === 0 && waitingHead === waiting.length) {
				subscriber.complete();
			}
		};

		function onWake(this: {schedule(state?: unknown, delay?: number): Subscription}): void {
			wake = undefined;
			wakeAt = Number.POSITIVE_INFINITY;
			const now = scheduler.now();
			const nowMs = now - origin;
			// End times and the scheduler's clock are both sums of floats; allow for rounding.
			const dueBy = nowMs + 1e-9;
			while (inFlight.size > 0 && inFlight.peekKey() <= dueBy) {
				const slot = inFlight.pop()!;
				const result = slot.current!;
				slot.current = undefined;
				gauge.inFlight--;
				subscriber.next(result);
				if (subscriber.closed) {
					return;
				}

				assign(slot, nowMs);
			}

			completeIfDone();
			if (subscriber.closed || inFlight.size === 0) {
				return;
			}

			const next = inFlight.peekKey();
			if (wake === undefined) {
				// Reschedule this same action where the scheduler allows it: no allocation per wake-up.
				wakeAt = next;
				wake = this.schedule(undefined, next - nowMs);
			} else if (next < wakeAt) {
				// A message pushed while the results went out already armed a wake-up; move it earlier.
				armWake();
			}
		}

		const armWake = (): void => {
			const next = inFlight.peekKey();
			if (next < wakeAt) {
				wake?.unsubscribe();
				wakeAt = next;
				wake = scheduler.schedule(onWake, next - (scheduler.now() - origin));
			}
		};

		if (iterator) {
			const startMs = scheduler.now() - origin;
			for (const slot of slots) {
				assign(slot, startMs);
				if (sourceDone) {
					break;
				}
			}

			completeIfDone();
			if (!subscriber.closed && inFlight.size > 0) {
				armWake();
			}
		} else {
			free.push(...slots);
			sourceSubscription = (source as Observable<Message>).subscribe({
				next(message) {
					if (freeHead < free.length) {
						const slot = free[freeHead++];
						if (freeHead === free.length) {
							free.length = 0;
							freeHead = 0;
						}

						start(slot, message, scheduler.now() - origin);
						armWake();
					} else {
						waiting.push(message);
					}
				},
				error(error: unknown) {
					subscriber.error(error);
				},
				complete() {
					sourceDone = true;
					completeIfDone();
				},
			});
		}

		return () => {
			wake?.unsubscribe();
			sourceSubscription?.unsubscribe();
			iterator?.return?.();
			inFlight.clear();
			gauge.inFlight = 0;
		};
	});
}
