import {
	concat, defer, finalize, ignoreElements, mergeMap, Observable, Subject, type SchedulerLike,
} from 'rxjs';
import {onDemand} from '../engine/on-demand.js';
import type {MessageSource, PoolGauge} from '../engine/pool.js';
import {drawBackoffMs} from '../engine/retries.js';
import type {Message} from '../model/messages.js';
import type {Random} from '../model/random.js';
import {bodyCost} from '../model/segments.js';
import type {ResolvedSenderGroup, SendResult} from '../model/senders.js';
import {isTransient, type SmppSenders} from './smpp-senders.js';

export type RealSendOptions = {
	readonly senders: SmppSenders;
	/** Messages in flight at once: the window of unanswered submits across the binds (the pool's C). */
	readonly concurrency: number;
	/** Its retry policy (`--max-attempts`, `--backoff`) and name. */
	readonly group: ResolvedSenderGroup;
	readonly random: Random;
	/** The wall clock at speed 1: result times are its ms, from `origin`. */
	readonly scheduler: SchedulerLike;
	readonly origin: number;
	readonly gauge: PoolGauge;
	/** How long the run waits at its end for the receipts of what it sent. */
	readonly receiptTimeoutMs: number;
	/** Says a line on stderr (that the run waits for receipts). */
	readonly say: (text: string) => void;
};

/**
 * The design card's shape with real I/O: `messages.pipe(mergeMap(send, C))`, where `send` submits
 * a message to an SMPP gateway and C is the window of unanswered submits. The messages are pulled
 * as sends end (`onDemand`), so mergeMap never holds more than C: a million messages are never
 * all in memory. A failed attempt that can be tried again (throttled, the gateway's queue full, a
 * transient failure) is, after its backoff, under the group's retry policy; each attempt is a
 * result, as the simulated pool gives.
 */
export function realSends(messages: MessageSource, options: RealSendOptions): Observable<SendResult> {
	const ended$ = new Subject<void>();
	const send = (message: Message): Observable<SendResult> => sendWithRetries(message, options).pipe(finalize(() => {
		ended$.next();
	}));
	const sends$ = onDemand(messages, options.concurrency, ended$, options.gauge).pipe(mergeMap(send, options.concurrency));
	// The run ends once the receipts of what it sent are in (or `receiptTimeoutMs` has passed), so its summary has them all.
	return concat(sends$, defer(async () => options.senders.settle(options.receiptTimeoutMs, options.say)).pipe(ignoreElements()));
}

/** One message's attempts, each a result, until one is sent, fails for good, or the attempts run out. */
function sendWithRetries(message: Message, options: RealSendOptions): Observable<SendResult> {
	const {senders, group, random, scheduler, origin, gauge} = options;
	const cost = message.segments === undefined || message.encoding === undefined ? bodyCost(message.body) : {encoding: message.encoding, segments: message.segments};
	const priced = {...message, ...cost};
	const parts = senders.prepare(priced);
	return new Observable<SendResult>(subscriber => {
		let cancelled = false;
		let timer: NodeJS.Timeout | undefined;
		const attempt = async (number: number): Promise<void> => {
			gauge.inFlight++;
			const startMs = scheduler.now() - origin;
			const outcome = await senders.submit(parts);
			gauge.inFlight--;
			if (cancelled) {
				return;
			}

			const endMs = scheduler.now() - origin;
			const {failure} = outcome;
			const retrying = failure !== undefined && isTransient(failure) && number < group.maxAttempts;
			const backoffMs = retrying ? drawBackoffMs(random, group, number) : 0;
			subscriber.next({
				type: 'result',
				id: message.id,
				message: priced,
				senderId: `${group.name}-smpp`,
				group: group.name,
				status: failure === undefined ? 'sent' : 'failed',
				startMs,
				endMs,
				durationMs: endMs - startMs,
				...(group.maxAttempts > 1 ? {attempt: number, retry: retrying} : {}),
				...(retrying ? {backoffMs, retryDueMs: endMs + backoffMs} : {}),
				...(failure === undefined || isTransient(failure) ? {} : {attempt: number, permanent: true}),
				...(failure === undefined ? {} : {error: failure}),
			});
			if (!retrying) {
				subscriber.complete();
				return;
			}

			gauge.retrying++;
			timer = setTimeout(() => {
				gauge.retrying--;
				void attempt(number + 1).catch((error: unknown) => {
					subscriber.error(error);
				});
			}, backoffMs);
		};

		void attempt(1).catch((error: unknown) => {
			subscriber.error(error);
		});
		return () => {
			cancelled = true;
			clearTimeout(timer);
		};
	});
}
