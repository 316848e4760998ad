import {
	Observable, defer, type SchedulerAction, type SchedulerLike, type Subscription,
} from 'rxjs';
import {
	holdUntilReady, isPending, NOT_YET, type PendingSource,
} from '../engine/pending-source.js';
import {toMicros, toMillis, type Micros} from '../engine/time.js';
import type {Message} from './messages.js';
import {priorityDraw, type Priority} from './priorities.js';
import type {Random} from './random.js';

/** How arrivals are spaced: a Poisson process (exponential gaps), or one every 1/rate exactly. */
export const ARRIVAL_PROCESSES = ['poisson', 'constant'] as const;
export type ArrivalProcess = (typeof ARRIVAL_PROCESSES)[number];

/** A warm-up: the messages arriving before `ms`, or the first `messages` to arrive. */
export type Warmup = {readonly ms: number} | {readonly messages: number};

/** An open model: messages arrive at a rate over simulated time, whether or not a sender is free. */
export type Arrivals = {
	/** Arrivals per simulated second. */
	readonly ratePerSec: number;
	readonly process: ArrivalProcess;
};

/**
 * The messages of `messages`, each stamped with its arrival time (`arrivalMs`, simulated ms from
 * the subscription) and pushed on the simulation clock when it arrives: Poisson arrivals have
 * exponential gaps of mean 1/rate (the first after one gap), constant ones arrive every 1/rate
 * (the first at once). With `priorities`, each is given one drawn by the shares. Arrivals never
 * wait for a sender, so an overloaded pool shows as a growing backlog and growing waits, not as a
 * slower rate (no coordinated omission).
 *
 * Lazy: one message is drawn and one arrival scheduled at a time, so memory holds the backlog
 * the pool keeps, not the run. Arrival times are whole microseconds, rounded from exact times.
 */
export function arrivingMessages(messages: Iterable<Message>, arrivals: Arrivals, deps: {readonly scheduler: SchedulerLike; readonly random: Random; readonly priorities?: readonly Priority[]; readonly warmup?: Warmup}): Observable<Message> {
	// A stamp per subscription: each run draws its own arrival times.
	return defer(() => arrivingAtTheirTimes(messages, deps.scheduler, arrivalStamp(arrivals, deps.random, deps.priorities, deps.warmup)));
}

/**
 * Gives each message, in turn, its drawn arrival time (and priority). A function the pushing loop
 * calls, not a generator around the messages: a generator's step per message cost the realistic
 * workload 8% of its sends/s.
 */
function arrivalStamp(arrivals: Arrivals, random: Random, priorities: readonly Priority[] | undefined, warmup: Warmup | undefined): (message: Message) => Message {
	const priorityOf = priorities && priorityDraw(priorities, random);
	const meanGapMs = 1000 / arrivals.ratePerSec;
	// The arrival time is kept exact and rounded to the clock's microsecond as a whole, never gap by
	// gap: rounding each gap made constant arrivals 11% fast at 300,000/s, 17% slow at 400,000/s and
	// all at 0 at 1e9/s, and Poisson ones 4% fast at 1,000,000/s. Constant ones are n gaps, not a sum.
	let arrived = 0;
	let exactMs = 0;
	// Within the warm-up: arrived before its time, or among its first messages (counted from 1).
	const warmupUs = warmup !== undefined && 'ms' in warmup ? toMicros(warmup.ms) : -1;
	const warmupMessages = warmup !== undefined && 'messages' in warmup ? warmup.messages : 0;
	let stamped = 0;
	const arrivalUs = (): Micros => {
		if (arrivals.process === 'constant') {
			return toMicros(arrived++ * meanGapMs);
		}

		exactMs += -Math.log(random.open()) * meanGapMs;
		return toMicros(exactMs);
	};

	return message => {
		const at = arrivalUs();
		// Every field named, in one literal: one object of one shape per arrival (a spread copies generically).
		return {
			id: message.id, to: message.to, body: message.body, encoding: message.encoding, segments: message.segments, priority: priorityOf ? priorityOf() : message.priority, arrivalMs: toMillis(at), warmup: at < warmupUs || ++stamped <= warmupMessages,
		};
	};
}

/**
 * Messages that carry their arrival times (`arrivalMs`: given by `stamp` as each is read, or a
 * replay's `at` column): each is pushed on the simulation clock when it arrives, one read ahead,
 * so the source completes with its last arrival, not a gap after it.
 */
export function arrivingAtTheirTimes(messages: Iterable<Message> | PendingSource, scheduler: SchedulerLike, stamp: (message: Message) => Message = message => message): Observable<Message> {
	return new Observable<Message>(subscriber => {
		const origin = toMicros(scheduler.now());
		const iterator: Iterator<Message | typeof NOT_YET> = messages[Symbol.iterator]();
		const pending = isPending(messages) ? messages : undefined;
		const delayTo = (atMs: number): number => toMillis(Math.max(0, toMicros(atMs) - (toMicros(scheduler.now()) - origin)));
		/** The message read ahead, pushed when its time comes. */
		let ahead: Message | undefined;
		let subscription: Subscription | undefined;
		function arrive(this: SchedulerAction<unknown>): void {
			if (ahead !== undefined) {
				const message = ahead;
				ahead = undefined;
				subscriber.next(message);
				if (subscriber.closed) {
					return;
				}
			}

			const next = iterator.next();
			if (next.done) {
				subscriber.complete();
			} else if (next.value === NOT_YET) {
				// Read on when the input has more: the clock holds meanwhile, so arrivals keep their times.
				holdUntilReady(scheduler, pending!, () => subscriber.closed, () => {
					this.schedule(undefined, 0);
				});
			} else {
				ahead = stamp(next.value);
				this.schedule(undefined, delayTo(ahead.arrivalMs ?? 0));
			}
		}

		const first = iterator.next();
		if (first.done) {
			subscriber.complete();
			return;
		}

		if (first.value === NOT_YET) {
			holdUntilReady(scheduler, pending!, () => subscriber.closed, () => {
				subscription = scheduler.schedule(arrive, 0);
			});
		} else {
			ahead = stamp(first.value);
			subscription = scheduler.schedule(arrive, delayTo(ahead.arrivalMs ?? 0));
		}

		return () => {
			subscription?.unsubscribe();
			iterator.return?.();
		};
	});
}
