import type {Message} from '../model/messages.js';
import type {Random} from '../model/random.js';
import type {RetryPolicy, SendResult} from '../model/senders.js';
import {StableMinHeap} from './heap.js';
import {PriorityLines} from './priority-lines.js';
import {toMicros, toMillis, type Micros} from './time.js';

/** A message to try again, and which attempt that will be. */
export type Retry = {readonly message: Message; readonly attempt: number};

/** A result still in the pool's hands, before it goes out. */
export type Mutable<T> = {-readonly [K in keyof T]: T[K]};

/**
 * The wait before the attempt after `attempt`: exponential (the group's backoff, doubled each
 * attempt, at most its maximum) with full jitter (uniform from 0 to that), so retries of one burst
 * spread out instead of returning together.
 */
export const drawBackoffMs = (random: Random, retry: Pick<RetryPolicy, 'backoffMs' | 'backoffMaxMs'>, attempt: number): number =>
	random.float() * Math.min(retry.backoffMaxMs, retry.backoffMs * (2 ** (attempt - 1)));

/** What the retries tell the pool's gauge. */
type RetryGauge = {retrying: number; lastRetryDueAt: number};

/**
 * A pool's failed attempts that go again: waiting out their backoff (a heap by when they are due),
 * then, once due, in a line per priority, oldest first, for a free sender.
 */
export class Retries {
	private readonly backingOff = new StableMinHeap<Retry>();
	private readonly ready: PriorityLines<Retry>;

	constructor(
		priorities: readonly string[] | undefined,
		private readonly random: Random,
		private readonly gauge: RetryGauge,
		/** The pool's origin (µs on the scheduler's clock): the gauge says when retries are due on that clock. */
		private readonly originUs: Micros,
	) {
		this.ready = new PriorityLines<Retry>(priorities, retry => retry.message);
	}

	/** Retries waiting out their backoff. */
	get backingOffCount(): number {
		return this.backingOff.size;
	}

	/** Retries due and waiting for a sender. */
	get readyCount(): number {
		return this.ready.size;
	}

	/** When the next backoff is over (µs); Infinity when none waits. */
	nextDueUs(): Micros {
		return this.backingOff.peekKey();
	}

	/** The rank of the highest priority of the retries due. */
	bestRank(): number {
		return this.ready.bestRank();
	}

	/**
	 * `result`'s message goes again after its backoff (`drawBackoffMs`). The result says what was
	 * drawn, for checking the backoff against its law from the events.
	 */
	backOff(result: Mutable<SendResult>, nowUs: Micros, retry: RetryPolicy): SendResult {
		const attempt = result.attempt ?? 1;
		const backoffUs = toMicros(drawBackoffMs(this.random, retry, attempt));
		const dueUs = nowUs + backoffUs;
		this.backingOff.push(dueUs, {message: result.message, attempt: attempt + 1});
		this.gauge.retrying++;
		this.gauge.lastRetryDueAt = Math.max(this.gauge.lastRetryDueAt, toMillis(this.originUs + dueUs));
		result.backoffMs = toMillis(backoffUs);
		result.retryDueMs = toMillis(dueUs);
		return result;
	}

	/** Retries whose backoff is over by `nowUs` join the line for a sender. */
	releaseDue(nowUs: Micros): void {
		while (this.backingOff.size > 0 && this.backingOff.peekKey() <= nowUs) {
			this.ready.push(this.backingOff.pop()!);
		}
	}

	/** The oldest retry of the highest priority due; undefined when none is. */
	take(): Retry | undefined {
		const retry = this.ready.shift();
		if (retry !== undefined) {
			this.gauge.retrying--;
		}

		return retry;
	}

	clear(): void {
		this.backingOff.clear();
	}
}
