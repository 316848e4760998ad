import {
	Observable, isObservable, type SchedulerLike, type Subscription,
} from 'rxjs';
import type {Message} from '../model/messages.js';
import type {Random} from '../model/random.js';
import type {SendResult, Sender} from '../model/senders.js';
import {packedBodyCost} from '../model/segments.js';
import {SimulationScheduler} from './scheduler.js';
import {
	holdUntilReady, isPending, NOT_YET, type PendingSource,
} from './pending-source.js';
import {Fifo} from './fifo.js';
import {StableMinHeap} from './heap.js';
import {toMicros, toMillis, type Micros} from './time.js';

/** Segments of a message: as its source said, or worked out from its body. */
const segmentsOf = (message: Message): number => message.segments ?? (packedBodyCost(message.body) >>> 1);

/**
 * Where the pool gets messages: an iterable it pulls from, one message each time a sender frees
 * (the local generator); a pending source, pulled the same way, whose next message may still be
 * on its way (replayed input: the clock holds until it comes); or an observable that pushes them
 * and keeps its backpressure elsewhere (a broker consumer whose prefetch equals the number of
 * senders).
 */
export type MessageSource = Iterable<Message> | PendingSource | Observable<Message>;

/** What the pool is doing right now, for the monitor. Updated in place by the pool. */
export type PoolGauge = {
	/** Sends started and not finished. */
	inFlight: number;
	/** Messages pushed to the pool (arrived) and not started yet: the backlog. */
	waiting: number;
	/** Messages whose attempt failed, waiting out their backoff or for a sender to try again. */
	retrying: number;
	/** When the latest retry so far is due, on the scheduler's clock (ms); -Infinity before any. */
	lastRetryDueAt: number;
};

export type SenderPoolOptions = {
	readonly senders: readonly Sender[];
	readonly scheduler: SchedulerLike;
	readonly random: Random;
	/** Updated as sends start and end. */
	readonly gauge?: PoolGauge;
	/** Result times are measured from here (scheduler ms); defaults to the scheduler's time at subscription. */
	readonly origin?: number;
	/** Priority names, highest first: a free sender takes the highest priority waiting (a message of no listed priority comes last). */
	readonly priorities?: readonly string[];
};

/**
 * Things waiting for a sender (messages, or retries whose backoff is over), a first-in first-out
 * line per priority, highest first; a message of no listed priority comes last.
 */
class PriorityLines<T> {
	size = 0;
	private readonly lines: Array<Fifo<T>>;
	private readonly rankOf: Map<string, number> | undefined;

	constructor(priorities: readonly string[] | undefined, private readonly messageOf: (item: T) => Message) {
		const ranks = (priorities?.length ?? 0) + 1;
		this.lines = Array.from({length: ranks}, () => new Fifo<T>());
		this.rankOf = priorities && new Map(priorities.map((name, rank) => [name, rank]));
	}

	/** A message's place: 0 is the highest priority. */
	rank(message: Message): number {
		return this.rankOf === undefined || message.priority === undefined ? this.lines.length - 1 : (this.rankOf.get(message.priority) ?? this.lines.length - 1);
	}

	push(item: T): void {
		this.lines[this.rank(this.messageOf(item))].push(item);
		this.size++;
	}

	/** The rank of the highest priority waiting; Infinity when none waits. */
	bestRank(): number {
		if (this.size > 0) {
			for (let rank = 0; rank < this.lines.length; rank++) {
				if (this.lines[rank].size > 0) {
					return rank;
				}
			}
		}

		return Number.POSITIVE_INFINITY;
	}

	/** The oldest of the highest priority waiting; undefined when none waits. */
	shift(): T | undefined {
		if (this.size === 0) {
			return undefined;
		}

		for (const line of this.lines) {
			if (line.size > 0) {
				this.size--;
				return line.shift();
			}
		}

		return undefined;
	}
}

type Slot = {
	readonly sender: Sender;
	current: SendResult | undefined;
	/** The wake-up during which its current send started. */
	round: number;
	/** A rate-limited sender may not start again before this (its last start + segments / rate). */
	readyAtUs: Micros;
};

/** A result still in the pool's hands, before it goes out. */
type Mutable<T> = {-readonly [K in keyof T]: T[K]};

/** A message to try again, and which attempt that will be. */
type Retry = {readonly message: Message; readonly attempt: number};

/**
 * The most results one wake-up hands out before it lets the scheduler run again (at the same
 * instant): a wake-up is one scheduler action, and an action must stay short for Ctrl-C, the
 * dashboard and stdout's backpressure to be heard, even when a million sends end at once.
 */
const MAX_RESULTS_PER_WAKE = 1024;

export function createPoolGauge(): PoolGauge {
	return {
		inFlight: 0, waiting: 0, retrying: 0, lastRetryDueAt: Number.NEGATIVE_INFINITY,
	};
}

/**
 * Sends every message of `source` through a pool of senders and emits one result per attempt as
 * each send ends (one per message unless its group retries).
 *
 * A free sender takes the next message (one shared queue, no static split); a sender sends one
 * message at a time; a pulled source is asked for a message only when a sender is free, so memory
 * does not grow with the number of messages (unlike `mergeMap(send, C)`, which buffers every
 * waiting value). In-flight sends sit in one heap by end time, and the pool keeps a single
 * scheduled wake-up for the earliest thing due. Completes after the last result; unsubscribing
 * stops pulling and cancels the wake-up.
 *
 * What a free sender takes, in order: a retry whose backoff is over, then the highest priority
 * waiting (pushed messages wait in a line per priority), then the next pulled message. A failed
 * attempt its group may retry waits out its backoff in a second heap; a rate-limited sender rests
 * in a third until its carrier lets it start again.
 */
export function senderPool(source: MessageSource, options: SenderPoolOptions): Observable<SendResult> {
	const {senders, scheduler, random, gauge = createPoolGauge()} = options;
	return new Observable<SendResult>(subscriber => {
		// Every time inside is whole microseconds from the origin (see time.ts), so ties are exact.
		const origin: Micros = toMicros(options.origin ?? scheduler.now());
		const nowUs = (): Micros => toMicros(scheduler.now()) - origin;
		// Per-subscription slots hold each sender's send in flight, so senders can be shared.
		const slots: Slot[] = senders.map(sender => ({
			sender, current: undefined, round: 0, readyAtUs: 0,
		}));
		/** Rate-limited senders that are free but may not start yet, by when they may. */
		const resting = new StableMinHeap<Slot>();
		const inFlight = new StableMinHeap<Slot>();
		/** Senders with nothing to send, in the order they freed. */
		const free = new Fifo<Slot>();
		const waiting = new PriorityLines<Message>(options.priorities, message => message);
		const prioritized = (options.priorities?.length ?? 0) > 0;
		let sourceDone = false;
		let wake: Subscription | undefined;
		let wakeAt: Micros = Number.POSITIVE_INFINITY;
		let round = 0;
		let sourceSubscription: Subscription | undefined;
		const iterator: Iterator<Message | typeof NOT_YET> | undefined = isObservable(source) ? undefined : source[Symbol.iterator]();
		const pending = isPending(source) ? source : undefined;
		/** Senders freed while a pending source had no message yet, with when they were freed, in order. */
		let stalled: Array<{slot: Slot; atUs: Micros}> = [];
		/** Failed attempts waiting out their backoff, by the time they may go again. */
		const backingOff = new StableMinHeap<Retry>();
		/**
		 * Retries whose backoff is over, in a line per priority, oldest first: a free sender takes
		 * one before new messages of its priority or lower, never before a higher priority waiting.
		 */
		const ready = new PriorityLines<Retry>(options.priorities, retry => retry.message);
		/** A message pulled to learn whether the source is done, while every free sender rests. */
		let heldBack: Message | undefined;

		gauge.inFlight = 0;
		gauge.waiting = 0;
		gauge.retrying = 0;
		// On our own clock at max speed, the pool runs its next wake-up at once when nothing else is due first.
		const advanceBy = scheduler instanceof SimulationScheduler ? (delay: number) => scheduler.advanceBy(delay) : undefined;

		const start = (slot: Slot, message: Message, startUs: Micros, attempt = 1): void => {
			const {sender} = slot;
			const durationUs = toMicros(sender.sampleSendTime());
			const status = random.float() < sender.failureRate ? 'failed' : 'sent';
			const endUs = startUs + durationUs;
			const {retry} = sender;
			if (retry === undefined) {
				slot.current = {
					type: 'result', id: message.id, message, senderId: sender.id, group: sender.group, status,
					startMs: toMillis(startUs), endMs: toMillis(endUs), durationMs: toMillis(durationUs),
				};
			} else {
				const permanent = status === 'failed' && retry.permanentFailureRate > 0 && random.float() < retry.permanentFailureRate;
				slot.current = {
					type: 'result', id: message.id, message, senderId: sender.id, group: sender.group, status,
					startMs: toMillis(startUs), endMs: toMillis(endUs), durationMs: toMillis(durationUs),
					attempt, retry: status === 'failed' && !permanent && attempt < retry.maxAttempts, permanent,
					// Set by `backOff` on a retried attempt: every result of a retrying group has one shape
					// (a copy with two fields more slowed the retry workload from 0.58x to 0.42x).
					backoffMs: undefined, retryDueMs: undefined,
				};
			}

			if (sender.ratePerSec !== undefined) {
				// The carrier counts segments: the next start is this one plus segments / rate.
				slot.readyAtUs = startUs + toMicros((segmentsOf(message) * 1000) / sender.ratePerSec);
			}

			slot.round = round;
			inFlight.push(endUs, slot);
			gauge.inFlight++;
		};

		/**
		 * A failed attempt goes again after its backoff: exponential (the group's backoff, doubled each
		 * attempt, at most its maximum) with full jitter (uniform from 0 to that), so retries of one
		 * burst spread out instead of returning together.
		 */
		const backOff = (result: Mutable<SendResult>, nowAt: Micros, sender: Sender): SendResult => {
			const {retry} = sender;
			const attempt = result.attempt!;
			const ceilingMs = Math.min(retry!.backoffMaxMs, retry!.backoffMs * (2 ** (attempt - 1)));
			const backoffUs = toMicros(random.float() * ceilingMs);
			const dueUs = nowAt + backoffUs;
			backingOff.push(dueUs, {message: result.message, attempt: attempt + 1});
			gauge.retrying++;
			gauge.lastRetryDueAt = Math.max(gauge.lastRetryDueAt, toMillis(origin + dueUs));
			// The result says what was drawn, for checking the backoff against its law from the events.
			result.backoffMs = toMillis(backoffUs);
			result.retryDueMs = toMillis(dueUs);
			return result;
		};

		/** Retries whose backoff is over by `nowAt` join the line, and free senders take them. */
		const releaseRetries = (nowAt: Micros): void => {
			while (backingOff.size > 0 && backingOff.peekKey() <= nowAt) {
				ready.push(backingOff.pop()!);
			}

			// A free sender means nothing was waiting for it: the retries take the free senders.
			while (ready.size > 0 && free.size > 0) {
				startRetry(free.shift()!, nowAt);
			}
		};

		const startRetry = (slot: Slot, startUs: Micros): void => {
			const {message, attempt} = ready.shift()!;
			gauge.retrying--;
			start(slot, message, startUs, attempt);
		};

		/**
		 * Whether a due retry goes before the next new message: unless that message has a higher
		 * priority (a pushed one waiting, or, from a pulled source, the next one, read ahead to see).
		 */
		const retryFirst = (): boolean => {
			if (ready.size === 0) {
				return false;
			}

			if (!prioritized) {
				return true;
			}

			const retryRank = ready.bestRank();
			if (iterator) {
				if (heldBack === undefined && !sourceDone && stalled.length === 0) {
					const next = iterator.next();
					if (next.done) {
						sourceDone = true;
					} else if (next.value !== NOT_YET) {
						heldBack = next.value;
					}
				}

				return heldBack === undefined || waiting.rank(heldBack) >= retryRank;
			}

			return waiting.bestRank() >= retryRank;
		};

		/** The sender is free: give it a retry that is due, else the next message, or put it in line for one. */
		const assign = (slot: Slot, startUs: Micros): void => {
			if (retryFirst()) {
				startRetry(slot, startUs);
			} else if (heldBack !== undefined) {
				const message = heldBack;
				heldBack = undefined;
				start(slot, message, startUs);
			} else if (iterator) {
				if (sourceDone) {
					free.push(slot);
				} else if (stalled.length > 0) {
					stalled.push({slot, atUs: startUs}); // Behind those already waiting for input: the order is kept.
				} else {
					const next = iterator.next();
					if (next.done) {
						sourceDone = true;
						free.push(slot); // For a retry still to come.
					} else if (next.value === NOT_YET) {
						stalled.push({slot, atUs: startUs});
						holdForInput();
					} else {
						start(slot, next.value, startUs);
					}
				}
			} else if (waiting.size > 0) {
				const message = waiting.shift()!;
				gauge.waiting--;

				start(slot, message, startUs);
			} else {
				free.push(slot);
			}
		};

		/**
		 * The pending source has no message yet: the clock holds until it has, then the senders that
		 * were freed meanwhile take their messages at the times they were freed, in the same order.
		 */
		const holdForInput = (): void => {
			holdUntilReady(scheduler, pending!, () => subscriber.closed, () => {
				const waiting = stalled;
				stalled = [];
				for (const {slot, atUs} of waiting) {
					assign(slot, atUs);
				}

				completeIfDone();
				if (!subscriber.closed && inFlight.size > 0) {
					armWake();
				}
			});
		};

		const completeIfDone = (): void => {
			if (sourceDone && stalled.length === 0 && heldBack === undefined && inFlight.size === 0 && waiting.size === 0 && backingOff.size === 0 && ready.size === 0) {
				subscriber.complete();
			}
		};

		/** The next instant the pool has something to do: a send ends, a backoff is over, or a rate-limited sender may go again. */
		const nextDue = (): Micros => Math.min(inFlight.peekKey(), backingOff.peekKey(), resting.peekKey());

		/**
		 * A freed sender takes its next message now, or rests until its rate limit lets it. A pulled
		 * source is asked now whether anything is left (one message held back), so a run whose senders
		 * all rest ends with its last send, not when they could start again.
		 */
		const release = (slot: Slot, nowAt: Micros): void => {
			if (slot.readyAtUs > nowAt) {
				if (iterator && !sourceDone && heldBack === undefined && stalled.length === 0) {
					const next = iterator.next();
					if (next.done) {
						sourceDone = true;
					} else if (next.value !== NOT_YET) {
						heldBack = next.value;
					}
				}

				resting.push(slot.readyAtUs, slot);
			} else {
				assign(slot, nowAt);
			}
		};

		/**
		 * Hands out every send due by now that started before this wake-up, in end-time order (ties
		 * in start order), each freed sender taking the next message at once. A send that starts and
		 * ends within this instant (a zero send time) goes out on the next wake-up, at the same
		 * instant but after the scheduler has had its turn: zero-time runs still yield.
		 */
		function onWake(this: {schedule(state?: unknown, delay?: number): Subscription}): void {
			wake = undefined;
			wakeAt = Number.POSITIVE_INFINITY;
			let now = nowUs();
			for (;;) {
				const thisRound = ++round;
				let handedOut = 0;
				if (backingOff.size > 0) {
					releaseRetries(now);
				}

				while (resting.size > 0 && resting.peekKey() <= now) {
					assign(resting.pop()!, now);
				}

				while (inFlight.size > 0 && inFlight.peekKey() <= now) {
					const slot = inFlight.peek()!;
					if (slot.round === thisRound || handedOut === MAX_RESULTS_PER_WAKE) {
						break;
					}

					inFlight.pop();
					handedOut++;
					const ended = slot.current!;
					slot.current = undefined;
					gauge.inFlight--;
					// Drawn before the result goes out, which nothing downstream draws from: the same draws as ever.
					const result = ended.retry === true ? backOff(ended, now, slot.sender) : ended;
					subscriber.next(result);
					if (subscriber.closed) {
						return;
					}

					release(slot, now);
				}

				completeIfDone();
				if (subscriber.closed || (inFlight.size === 0 && backingOff.size === 0 && resting.size === 0)) {
					return;
				}

				const next = Math.max(now, nextDue());
				if (wake === undefined && handedOut < MAX_RESULTS_PER_WAKE && advanceBy?.(toMillis(next - now))) {
					now = next; // Nothing else was due before it: the same as waking there, without the queue.
					continue;
				}

				if (wake === undefined) {
					// Reschedule this same action where the scheduler allows it: no allocation per wake-up.
					wakeAt = next;
					wake = this.schedule(undefined, toMillis(next - now));
				} else if (next < wakeAt) {
					// A message pushed while the results went out already armed a wake-up; move it earlier.
					armWake();
				}

				return;
			}
		}

		const armWake = (): void => {
			const next = nextDue();
			if (next < wakeAt) {
				wake?.unsubscribe();
				wakeAt = next;
				wake = scheduler.schedule(onWake, toMillis(Math.max(0, next - nowUs())));
			}
		};

		if (iterator) {
			const startUs = nowUs();
			const retries = senders.some(sender => sender.retry !== undefined);
			for (const slot of slots) {
				if (sourceDone && !retries) {
					break; // No message left, and no retry will ever need a sender.
				}

				assign(slot, startUs);
			}

			completeIfDone();
			if (!subscriber.closed && inFlight.size > 0) {
				armWake();
			}
		} else {
			for (const slot of slots) {
				free.push(slot); // One at a time: a spread of a million senders overflows the stack.
			}

			sourceSubscription = (source as Observable<Message>).subscribe({
				next(message) {
					const slot = free.shift();
					if (slot === undefined) {
						waiting.push(message);
						gauge.waiting++;
					} else {
						start(slot, message, nowUs());
						armWake();
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
			backingOff.clear();
			resting.clear();
			gauge.inFlight = 0;
			gauge.waiting = 0;
			gauge.retrying = 0;
		};
	});
}
