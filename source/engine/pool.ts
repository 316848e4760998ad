import {
	Observable, isObservable, type SchedulerLike, type Subscriber, type Subscription,
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
import {PriorityLines} from './priority-lines.js';
import {Retries} from './retries.js';
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

type Slot = {
	readonly sender: Sender;
	current: SendResult | undefined;
	/** The wake-up during which its current send started. */
	round: number;
	/** A rate-limited sender may not start again before this (its last start + segments / rate). */
	readyAtUs: Micros;
};

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
	return new Observable<SendResult>(subscriber => {
		const run = new PoolRun(source, options, subscriber);
		run.begin(source);
		return () => {
			run.stop();
		};
	});
}

/** The scheduler action of a pool's wake-up, which reschedules itself. */
type WakeAction = {schedule(state?: unknown, delay?: number): Subscription};

/**
 * One subscription's pool: its senders' slots, what waits for them, and its single wake-up. Every
 * time inside is whole microseconds from the origin (see time.ts), so ties are exact.
 */
class PoolRun {
	private readonly originUs: Micros;
	/** Per subscription, each sender's send in flight, so senders can be shared. */
	private readonly slots: Slot[];
	/** Sends in flight, by when they end. */
	private readonly inFlight = new StableMinHeap<Slot>();
	/** Rate-limited senders that are free but may not start yet, by when they may. */
	private readonly resting = new StableMinHeap<Slot>();
	/** Senders with nothing to send, in the order they freed. */
	private readonly free = new Fifo<Slot>();
	/** Pushed messages no sender has taken yet. */
	private readonly waiting: PriorityLines<Message>;
	private readonly retries: Retries;
	private readonly prioritized: boolean;
	private readonly gauge: PoolGauge;
	/** A pulled source's messages; undefined for a pushed one. */
	private readonly iterator: Iterator<Message | typeof NOT_YET> | undefined;
	private readonly pending: PendingSource | undefined;
	/** On our own clock at max speed, the pool runs its next wake-up at once when nothing else is due first. */
	private readonly advanceBy: ((delay: number) => boolean) | undefined;
	private readonly onWake: (this: WakeAction) => void;
	private sourceDone = false;
	/** A message pulled to learn its priority or whether the source is done, not yet taken. */
	private heldBack: Message | undefined;
	/** Senders freed while a pending source had no message yet, with when they were freed, in order. */
	private stalled: Array<{slot: Slot; atUs: Micros}> = [];
	private wake: Subscription | undefined;
	private wakeAt: Micros = Number.POSITIVE_INFINITY;
	/** Wake-ups so far: a send that starts in one is not handed out in the same. */
	private round = 0;
	private sourceSubscription: Subscription | undefined;

	constructor(source: MessageSource, private readonly options: SenderPoolOptions, private readonly subscriber: Subscriber<SendResult>) {
		const {scheduler} = options;
		this.gauge = options.gauge ?? createPoolGauge();
		this.gauge.inFlight = 0;
		this.gauge.waiting = 0;
		this.gauge.retrying = 0;
		this.originUs = toMicros(options.origin ?? scheduler.now());
		this.slots = options.senders.map(sender => ({
			sender, current: undefined, round: 0, readyAtUs: 0,
		}));
		this.waiting = new PriorityLines<Message>(options.priorities, message => message);
		this.retries = new Retries(options.priorities, options.random, this.gauge, this.originUs);
		this.prioritized = (options.priorities?.length ?? 0) > 0;
		this.iterator = isObservable(source) ? undefined : source[Symbol.iterator]();
		this.pending = isPending(source) ? source : undefined;
		this.advanceBy = scheduler instanceof SimulationScheduler ? (delay: number) => scheduler.advanceBy(delay) : undefined;
		const wakeUp = (action: WakeAction): void => {
			this.wakeUp(action);
		};

		this.onWake = function (this: WakeAction) {
			wakeUp(this);
		};
	}

	/** Every sender takes its first message (pulled), or waits for one to be pushed. */
	begin(source: MessageSource): void {
		if (this.iterator) {
			const startUs = this.nowUs();
			const retries = this.options.senders.some(sender => sender.retry !== undefined);
			for (const slot of this.slots) {
				if (this.sourceDone && !retries) {
					break; // No message left, and no retry will ever need a sender.
				}

				this.assign(slot, startUs);
			}

			this.afterAssigning();
			return;
		}

		for (const slot of this.slots) {
			this.free.push(slot); // One at a time: a spread of a million senders overflows the stack.
		}

		this.sourceSubscription = (source as Observable<Message>).subscribe({
			next: message => {
				this.push(message);
			},
			error: (error: unknown) => {
				this.subscriber.error(error);
			},
			complete: () => {
				this.sourceDone = true;
				this.completeIfDone();
			},
		});
	}

	stop(): void {
		this.wake?.unsubscribe();
		this.sourceSubscription?.unsubscribe();
		this.iterator?.return?.();
		this.inFlight.clear();
		this.retries.clear();
		this.resting.clear();
		this.gauge.inFlight = 0;
		this.gauge.waiting = 0;
		this.gauge.retrying = 0;
	}

	private nowUs(): Micros {
		return toMicros(this.options.scheduler.now()) - this.originUs;
	}

	/** A pushed message: a free sender takes it now, or it waits in its priority's line. */
	private push(message: Message): void {
		const slot = this.free.shift();
		if (slot === undefined) {
			this.waiting.push(message);
			this.gauge.waiting++;
		} else {
			this.start(slot, message, this.nowUs());
			this.armWake();
		}
	}

	/** `slot`'s sender starts sending `message`: its send time and outcome are drawn now. */
	private start(slot: Slot, message: Message, startUs: Micros, attempt = 1): void {
		const {sender} = slot;
		const {random} = this.options;
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

		slot.round = this.round;
		this.inFlight.push(endUs, slot);
		this.gauge.inFlight++;
	}

	/** Retries whose backoff is over by `nowUs` join the line, and free senders take them. */
	private releaseRetries(nowUs: Micros): void {
		this.retries.releaseDue(nowUs);
		// A free sender means nothing was waiting for it: the retries take the free senders.
		while (this.retries.readyCount > 0 && this.free.size > 0) {
			this.startRetry(this.free.shift()!, nowUs);
		}
	}

	private startRetry(slot: Slot, startUs: Micros): void {
		const {message, attempt} = this.retries.take()!;
		this.start(slot, message, startUs, attempt);
	}

	/**
	 * Reads a pulled source's next message ahead, to learn its priority or whether the source is
	 * done: unless one is held back already, or senders wait for input (they take it first).
	 */
	private readAhead(): void {
		if (this.iterator && this.heldBack === undefined && !this.sourceDone && this.stalled.length === 0) {
			const next = this.iterator.next();
			if (next.done) {
				this.sourceDone = true;
			} else if (next.value !== NOT_YET) {
				this.heldBack = next.value;
			}
		}
	}

	/**
	 * Whether a due retry goes before the next new message: unless that message has a higher
	 * priority (a pushed one waiting, or, from a pulled source, the next one, read ahead to see).
	 */
	private retryFirst(): boolean {
		if (this.retries.readyCount === 0) {
			return false;
		}

		if (!this.prioritized) {
			return true;
		}

		const retryRank = this.retries.bestRank();
		if (this.iterator) {
			this.readAhead();
			return this.heldBack === undefined || this.waiting.rank(this.heldBack) >= retryRank;
		}

		return this.waiting.bestRank() >= retryRank;
	}

	/** The sender is free: give it a retry that is due, else the next message, or put it in line for one. */
	private assign(slot: Slot, startUs: Micros): void {
		if (this.retryFirst()) {
			this.startRetry(slot, startUs);
		} else if (this.heldBack !== undefined) {
			const message = this.heldBack;
			this.heldBack = undefined;
			this.start(slot, message, startUs);
		} else if (this.iterator) {
			this.pull(this.iterator, slot, startUs);
		} else if (this.waiting.size > 0) {
			const message = this.waiting.shift()!;
			this.gauge.waiting--;
			this.start(slot, message, startUs);
		} else {
			this.free.push(slot);
		}
	}

	/** The sender takes the pulled source's next message, or waits: for input still to come, or for a retry. */
	private pull(iterator: Iterator<Message | typeof NOT_YET>, slot: Slot, startUs: Micros): void {
		if (this.sourceDone) {
			this.free.push(slot);
		} else if (this.stalled.length > 0) {
			this.stalled.push({slot, atUs: startUs}); // Behind those already waiting for input: the order is kept.
		} else {
			const next = iterator.next();
			if (next.done) {
				this.sourceDone = true;
				this.free.push(slot); // For a retry still to come.
			} else if (next.value === NOT_YET) {
				this.stalled.push({slot, atUs: startUs});
				this.holdForInput();
			} else {
				this.start(slot, next.value, startUs);
			}
		}
	}

	/**
	 * The pending source has no message yet: the clock holds until it has, then the senders that
	 * were freed meanwhile take their messages at the times they were freed, in the same order.
	 */
	private holdForInput(): void {
		holdUntilReady(this.options.scheduler, this.pending!, () => this.subscriber.closed, () => {
			const {stalled} = this;
			this.stalled = [];
			for (const {slot, atUs} of stalled) {
				this.assign(slot, atUs);
			}

			this.afterAssigning();
		});
	}

	/** Once senders took messages outside a wake-up: the run may be over, or a wake-up is needed. */
	private afterAssigning(): void {
		this.completeIfDone();
		if (!this.subscriber.closed && this.inFlight.size > 0) {
			this.armWake();
		}
	}

	private completeIfDone(): void {
		if (this.sourceDone && this.stalled.length === 0 && this.heldBack === undefined && this.inFlight.size === 0 && this.waiting.size === 0
			&& this.retries.backingOffCount === 0 && this.retries.readyCount === 0) {
			this.subscriber.complete();
		}
	}

	/** The next instant the pool has something to do: a send ends, a backoff is over, or a rate-limited sender may go again. */
	private nextDue(): Micros {
		return Math.min(this.inFlight.peekKey(), this.retries.nextDueUs(), this.resting.peekKey());
	}

	/**
	 * A freed sender takes its next message now, or rests until its rate limit lets it. A pulled
	 * source is asked now whether anything is left (one message held back), so a run whose senders
	 * all rest ends with its last send, not when they could start again.
	 */
	private release(slot: Slot, nowUs: Micros): void {
		if (slot.readyAtUs > nowUs) {
			this.readAhead();
			this.resting.push(slot.readyAtUs, slot);
		} else {
			this.assign(slot, nowUs);
		}
	}

	/**
	 * A wake-up: hands out what is due, round after round while nothing else is due first on our own
	 * clock, then arms the next wake-up (rescheduling this same action: no allocation per wake-up).
	 */
	private wakeUp(action: WakeAction): void {
		this.wake = undefined;
		this.wakeAt = Number.POSITIVE_INFINITY;
		let nowUs = this.nowUs();
		for (;;) {
			const handedOut = this.handOutDue(nowUs);
			this.completeIfDone();
			if (this.subscriber.closed || (this.inFlight.size === 0 && this.retries.backingOffCount === 0 && this.resting.size === 0)) {
				return;
			}

			const next = Math.max(nowUs, this.nextDue());
			if (this.wake === undefined && handedOut < MAX_RESULTS_PER_WAKE && this.advanceBy?.(toMillis(next - nowUs))) {
				nowUs = next; // Nothing else was due before it: the same as waking there, without the queue.
				continue;
			}

			if (this.wake === undefined) {
				this.wakeAt = next;
				this.wake = action.schedule(undefined, toMillis(next - nowUs));
			} else if (next < this.wakeAt) {
				// A message pushed while the results went out already armed a wake-up; move it earlier.
				this.armWake();
			}

			return;
		}
	}

	/**
	 * Hands out every send due by now that started before this round, in end-time order (ties in
	 * start order), each freed sender taking the next message at once. A send that starts and ends
	 * within this instant (a zero send time) goes out on the next round, at the same instant but
	 * after the scheduler has had its turn: zero-time runs still yield. Returns how many went out.
	 */
	private handOutDue(nowUs: Micros): number {
		const thisRound = ++this.round;
		let handedOut = 0;
		if (this.retries.backingOffCount > 0) {
			this.releaseRetries(nowUs);
		}

		while (this.resting.size > 0 && this.resting.peekKey() <= nowUs) {
			this.assign(this.resting.pop()!, nowUs);
		}

		while (this.inFlight.size > 0 && this.inFlight.peekKey() <= nowUs) {
			const slot = this.inFlight.peek()!;
			if (slot.round === thisRound || handedOut === MAX_RESULTS_PER_WAKE) {
				break;
			}

			this.inFlight.pop();
			handedOut++;
			const ended = slot.current!;
			slot.current = undefined;
			this.gauge.inFlight--;
			// Drawn before the result goes out, which nothing downstream draws from: the same draws as ever.
			const result = ended.retry === true ? this.retries.backOff(ended, nowUs, slot.sender.retry!) : ended;
			this.subscriber.next(result);
			if (this.subscriber.closed) {
				return handedOut;
			}

			this.release(slot, nowUs);
		}

		return handedOut;
	}

	/** Schedules a wake-up for the next thing due, unless one is armed for no later. */
	private armWake(): void {
		const next = this.nextDue();
		if (next < this.wakeAt) {
			this.wake?.unsubscribe();
			this.wakeAt = next;
			this.wake = this.options.scheduler.schedule(this.onWake, toMillis(Math.max(0, next - this.nowUs())));
		}
	}
}
