/**
 * The design card's literal operators, as a reference: a sender for `mergeMap(send, C)` and a
 * demand-driven message observable. The equivalence tests prove `senderPool` emits what these do;
 * the bench measures what they cost.
 */
import {
	Observable, Subject, defer, map, mergeMap, tap, timer, type SchedulerLike,
} from 'rxjs';
import type {Message} from '../source/model/messages.js';
import type {Random} from '../source/model/random.js';
import type {SendResult, Sender} from '../source/model/senders.js';
import {toMicros, toMillis} from '../source/engine/time.js';

/**
 * The card's send, for `mergeMap`: a free sender (first freed, first used) draws its send time
 * and outcome when subscribed, as the pool's does, and is freed as its send completes.
 */
export function cardSend(senders: readonly Sender[], random: Random, scheduler: SchedulerLike): (message: Message) => Observable<SendResult> {
	const free = [...senders];
	return message => defer(() => {
		const sender = free.shift()!;
		const startUs = toMicros(scheduler.now());
		const durationUs = toMicros(sender.sampleSendTime());
		const status = random.float() < sender.failureRate ? 'failed' as const : 'sent' as const;
		const result: SendResult = {
			type: 'result', id: message.id, message, senderId: sender.id, group: sender.group, status,
			startMs: toMillis(startUs), endMs: toMillis(startUs + durationUs), durationMs: toMillis(durationUs),
		};
		return timer(toMillis(durationUs), scheduler).pipe(map(() => result), tap({
			complete() {
				free.push(sender);
			},
		}));
	});
}

/**
 * A demand-driven message observable: it emits a message only when asked (`initialDemand` at
 * first, then one each time `demand$` emits), so messages are drawn lazily, interleaved with the
 * sends' draws, and nothing waits in `mergeMap`'s buffer for long.
 */
export function demandDriven(messages: Iterator<Message>, initialDemand: number, demand$: Observable<void>): Observable<Message> {
	return new Observable<Message>(subscriber => {
		const pull = (): void => {
			const next = messages.next();
			if (next.done) {
				subscriber.complete();
			} else {
				subscriber.next(next.value);
			}
		};

		const subscription = demand$.subscribe(pull);
		for (let i = 0; i < initialDemand && !subscriber.closed; i++) {
			pull();
		}

		return subscription;
	});
}

/** The card's sender pool, literally: `mergeMap(send, C)` over a demand-driven source of `messages`. */
export function cardPool(messages: Iterator<Message>, senders: readonly Sender[], random: Random, scheduler: SchedulerLike): Observable<SendResult> {
	const demand$ = new Subject<void>();
	const send = cardSend(senders, random, scheduler);
	return demandDriven(messages, senders.length, demand$).pipe(mergeMap(message => send(message).pipe(tap({
		complete() {
			demand$.next();
		},
	})), senders.length));
}
