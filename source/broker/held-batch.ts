import type {SendResult} from '../model/senders.js';
import {emptyStats, type Stats} from '../engine/stats.js';
import type {Portion} from './hand-out.js';
import type {DeadLetter} from './stats-records.js';
import {drawMessages, type MessagesBatch, type WireMessage} from './batches.js';

/** The batch a message in a worker's hands came in, kept on the message itself (cheaper than a WeakMap lookup per message). */
const batchOf = Symbol('batch');

/** A promise with its settling functions. */
export type Settle = {readonly promise: Promise<void>; readonly resolve: () => void; readonly reject: (error: unknown) => void};

export function settle(): Settle {
	let resolve!: () => void;
	let reject!: (error: unknown) => void;
	const promise = new Promise<void>((yes, no) => {
		resolve = yes;
		reject = no;
	});
	return {promise, resolve, reject};
}

/**
 * A batch (or a part of one) in a worker's hands: acknowledged once its stats record (and its rows
 * and dead letters) are confirmed. How its messages go to the senders, or back to the queue, is its
 * `Portion` (hand-out.ts).
 */
export type Held = Portion & {
	/** The batch (or part) as it came: its producer and number, and how to draw its messages. */
	readonly batch: MessagesBatch;
	/** Not one of its messages was started when another worker starved: it goes back to the queue whole. */
	requeued?: boolean;
	/** The AMQP priority it came with: a part given back goes with the same. */
	readonly amqpPriority?: number;
	/** Its results folded, every attempt: what its stats records say. */
	readonly stats: Stats;
	/** Wall ms it came in. */
	readonly takenAt: number;
	/** Attempts its last partial record held (one is published only when there are more). */
	publishedAttempts: number;
	/** Its final record is out: no partial one after it. */
	finished: boolean;
	/** Publishes its finishing waits for: its rows of `--events` runs. */
	readonly confirms: Array<Promise<unknown>>;
	/** Its messages that never succeeded (a retry policy's dead letters), as its record names them. */
	readonly dead: DeadLetter[];
	/** The broker has delivered it before (to this worker or another): another record of it may have counted. */
	readonly redelivered: boolean;
	/** Which of this worker's deliveries it is: its records say so, to know whether the one that counted is its own. */
	readonly copy: number;
	/** Resolving acknowledges the batch (or gives it back whole, when `requeued`); rejecting requeues it. */
	readonly done: Settle;
};

/** A message in a worker's hands: it carries the batch it came in (a redelivered batch brings new message objects). */
export type HeldMessage = WireMessage & {readonly [batchOf]: Held};
type Holding = WireMessage & {[batchOf]?: Held};

/** A batch just delivered, as the worker holds it: its messages drawn one by one as senders are about to take them. */
export function holdBatch(batch: MessagesBatch, delivery: {readonly priority?: number; readonly redelivered: boolean}, copy: number): Held {
	const draw = drawMessages(batch);
	const held: Held = {
		batch,
		next() {
			// Drawn as a sender is about to take it, so it dies young; it carries its batch itself.
			const message = draw.next().value as Holding;
			message[batchOf] = held;
			return message;
		},
		remaining: batch.messages,
		part: batch.part ?? 0,
		kept: batch.messages,
		fed: 0,
		giving: false,
		...(delivery.priority === undefined ? {} : {amqpPriority: delivery.priority}),
		stats: emptyStats(),
		takenAt: Date.now(),
		publishedAttempts: 0,
		finished: false,
		confirms: [],
		dead: [],
		redelivered: delivery.redelivered,
		copy,
		done: settle(),
	};
	return held;
}

/** The batch the message of a result came in; undefined for a message not of a batch in hand. */
export const heldOf = (result: SendResult): Held | undefined => (result.message as Partial<HeldMessage>)[batchOf];

/** The message's number in its producer's stream, for a message of a batch in hand. */
export const numberOf = (result: SendResult): number => (result.message as HeldMessage).n;
