import {Observable, type SchedulerLike} from 'rxjs';
import type {Message} from './messages.js';
import {priorityDraw, type Priority} from './priorities.js';
import type {Random} from './random.js';
import {toMicros, toMillis, type Micros} from './time.js';

/** How arrivals are spaced: a Poisson process (exponential gaps), or one every 1/rate exactly. */
export const ARRIVAL_PROCESSES = ['poisson', 'constant'] as const;
export type ArrivalProcess = (typeof ARRIVAL_PROCESSES)[number];

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
 * the pool keeps, not the run. Arrival times are whole microseconds, summed exactly.
 */
export function arrivingMessages(messages: Iterable<Message>, arrivals: Arrivals, deps: {readonly scheduler: SchedulerLike; readonly random: Random; readonly priorities?: readonly Priority[]}): Observable<Message> {
	return arrivingAtTheirTimes(stampedArrivals(messages, arrivals, deps.random, deps.priorities), deps.scheduler);
}

/** The messages with their drawn arrival times (and priorities), as they are pulled. */
function * stampedArrivals(messages: Iterable<Message>, arrivals: Arrivals, random: Random, priorities: readonly Priority[] | undefined): Generator<Message, void, undefined> {
	const priorityOf = priorities && priorityDraw(priorities, random);
	const meanGapMs = 1000 / arrivals.ratePerSec;
	const gapUs = (): Micros => toMicros(arrivals.process === 'constant' ? meanGapMs : -Math.log(random.open()) * meanGapMs);
	let arrivalUs: Micros | undefined;
	for (const message of messages) {
		arrivalUs = arrivalUs === undefined && arrivals.process === 'constant' ? 0 : (arrivalUs ?? 0) + gapUs();
		// Every field named, in one literal: one object of one shape per arrival (a spread copies generically).
		yield {
			id: message.id, to: message.to, body: message.body, encoding: message.encoding, segments: message.segments, priority: priorityOf ? priorityOf() : message.priority, arrivalMs: toMillis(arrivalUs),
		};
	}
}

/**
 * Messages that carry their arrival times (`arrivalMs`: drawn, or a replay's `at` column): each is
 * pushed on the simulation clock when it arrives, one read ahead, so the source completes with its
 * last arrival, not a gap after it.
 */
export function arrivingAtTheirTimes(messages: Iterable<Message>, scheduler: SchedulerLike): Observable<Message> {
	return new Observable<Message>(subscriber => {
		const origin = toMicros(scheduler.now());
		const iterator = messages[Symbol.iterator]();
		const delayTo = (atMs: number): number => toMillis(Math.max(0, toMicros(atMs) - (toMicros(scheduler.now()) - origin)));
		let next = iterator.next();
		if (next.done) {
			subscriber.complete();
			return;
		}

		const subscription = scheduler.schedule(function () {
			subscriber.next(next.value as Message);
			if (subscriber.closed) {
				return;
			}

			next = iterator.next();
			if (next.done) {
				subscriber.complete();
				return;
			}

			this.schedule(undefined, delayTo(next.value.arrivalMs ?? 0));
		}, delayTo(next.value.arrivalMs ?? 0));
		return () => {
			subscription.unsubscribe();
			iterator.return?.();
		};
	});
}
