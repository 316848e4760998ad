import type {Connection, Publisher} from 'rabbitmq-client';
import type {SendResult} from '../model/senders.js';
import {
	MAX_RECORDS_A_MESSAGE, STATS_CONTENT_TYPE, encodeStatsRecord, encodeStatsRecords, type DeadLetter,
} from './stats-records.js';
import {queueOptions, runNames, type RunNames} from './topology.js';
import {
	BATCH_CONTENT_TYPE, costOf, drawMessages, encodeMessages, encodeOutcomes, type WireResult,
} from './batches.js';
import {
	heldOf, numberOf, settle, type Held, type Settle,
} from './held-batch.js';

/** Longest a finished result waits for its batch to fill before it is published anyway (wall ms). */
const RESULT_FLUSH_MS = 50;

export type WorkerPublisherOptions = {
	readonly run: string;
	readonly workerId: string;
	/** Rows in one AMQP message at most (the worker's `--batch`). */
	readonly batch: number;
	/** Each group's senders in this worker: its stats records say so. */
	readonly groupSenders: ReadonlyMap<string, number>;
};

/**
 * What a sender worker publishes, confirmed: its batches' stats records (as group commits), their
 * rows for a run that keeps events, the parts of batches it gives back, dead letters, and control
 * records (heartbeats, joining). Tracks every confirm the worker must see before it leaves.
 */
export class WorkerPublisher {
	/** Added to the pipeline's times: the run's time when the worker's pipeline started. */
	offsetMs = 0;
	private readonly publisher: Publisher;
	private readonly names: RunNames;
	private readonly unconfirmed = new Set<Promise<unknown>>();
	/** The run's epoch, once the worker has joined it: nothing is published before. */
	private epoch: string | undefined;
	// Rows of a run that keeps events wait here until a batch is full or RESULT_FLUSH_MS passes.
	private pendingRows: SendResult[] = [];
	private flushTimer: NodeJS.Timeout | undefined;
	private pendingRecords: Array<{readonly bytes: Buffer; readonly sent: Settle}> = [];
	private envelopeInFlight = false;

	constructor(connection: Connection, private readonly options: WorkerPublisherOptions) {
		this.names = runNames(options.run);
		const queues = queueOptions(options.run);
		this.publisher = connection.createPublisher({confirm: true, maxAttempts: 50, queues: [queues.outcomes, queues.control, queues.dead]});
	}

	/** The worker has joined the run of `epoch`, whose time was `offsetMs` when its pipeline started. */
	joined(epoch: string, offsetMs: number): void {
		this.epoch = epoch;
		this.offsetMs = offsetMs;
	}

	/** Waits for `confirm` before the worker leaves. */
	track(confirm: Promise<unknown>): void {
		this.unconfirmed.add(confirm);
		void confirm.finally(() => this.unconfirmed.delete(confirm));
	}

	/** Settles once every publish tracked so far is confirmed or failed. */
	async allSettled(): Promise<void> {
		await Promise.allSettled([...this.unconfirmed]);
	}

	/** A record on the run's control stream (JSON), confirmed. */
	async sendControl(record: unknown): Promise<void> {
		await this.publisher.send({routingKey: this.names.control, durable: true, contentType: 'application/json'}, JSON.stringify(record));
	}

	/** A final result's row (a run that keeps events): goes out with others once `batch` are waiting, or after a moment. */
	addRow(result: SendResult): void {
		this.pendingRows.push(result);
		if (this.pendingRows.length >= this.options.batch) {
			this.flushRows();
		} else {
			this.flushTimer ??= setTimeout(() => {
				this.flushRows();
			}, RESULT_FLUSH_MS);
		}
	}

	/** The rows waiting go out now; each batch they are of waits for their confirm before it finishes. */
	flushRows(): void {
		clearTimeout(this.flushTimer);
		this.flushTimer = undefined;
		if (this.pendingRows.length === 0 || this.epoch === undefined) {
			return;
		}

		const out = this.pendingRows;
		this.pendingRows = [];
		const {offsetMs} = this;
		const rows: WireResult[] = out.map(result => ({
			producer: heldOf(result)!.batch.producer,
			n: numberOf(result),
			to: result.message.to,
			body: result.message.body,
			cost: costOf(result.message),
			senderId: result.senderId,
			group: result.group,
			status: result.status,
			startMs: result.startMs + offsetMs,
			endMs: result.endMs + offsetMs,
			durationMs: result.durationMs,
		}));
		const confirm = this.publisher.send({routingKey: this.names.outcomes, durable: true, contentType: BATCH_CONTENT_TYPE}, encodeOutcomes({run: this.options.run, epoch: this.epoch, worker: this.options.workerId}, rows));
		for (const held of new Set(out.map(result => heldOf(result)!))) {
			held.confirms.push(confirm);
		}
	}

	/**
	 * `held`'s stats record (partial, or `final`), resolved once confirmed. Records go out as group
	 * commits: one envelope awaiting its confirm at a time, and the records that finish meanwhile go
	 * out together once it is confirmed (or once there are `MAX_RECORDS_A_MESSAGE`). An idle worker's
	 * record goes at once; a busy one's share an AMQP message (fewer for the broker and monitors),
	 * waiting no longer than one confirm. A timer instead (10 ms) made every batch wait for it: one
	 * worker's window of 6 batches took 15 ms a round and it ran at half its speed.
	 */
	async publishRecord(held: Held, final: boolean): Promise<void> {
		const sent = settle();
		const {batch} = held;
		this.pendingRecords.push({
			bytes: encodeStatsRecord({
				run: this.options.run, epoch: this.epoch!, worker: this.options.workerId, producer: batch.producer, seq: batch.seq, messages: held.kept, copy: held.copy, ...(held.part === 0 ? {} : {part: held.part}), ...(final && held.cut !== undefined ? {cut: held.cut} : {}), final, ...(final && held.dead.length > 0 ? {dead: held.dead} : {}),
			}, held.stats, {shiftMs: this.offsetMs, groupSenders: this.options.groupSenders}),
			sent,
		});
		if (!this.envelopeInFlight || this.pendingRecords.length >= MAX_RECORDS_A_MESSAGE) {
			this.flushRecords();
		}

		return sent.promise;
	}

	/** The records waiting go out together in one envelope; the next waits for its confirm. */
	flushRecords(): void {
		const out = this.pendingRecords;
		this.pendingRecords = [];
		if (out.length === 0) {
			return;
		}

		this.envelopeInFlight = true;
		this.publisher.send({routingKey: this.names.outcomes, durable: true, contentType: STATS_CONTENT_TYPE}, encodeStatsRecords(out.map(record => record.bytes))).then(() => {
			for (const record of out) {
				record.sent.resolve();
			}
		}, (error: unknown) => {
			for (const record of out) {
				record.sent.reject(error);
			}
		}).finally(() => {
			this.envelopeInFlight = false;
			this.flushRecords();
		});
	}

	/** Publishes the `count` messages given back, the part of `held`'s batch that starts at `offset`, confirmed. */
	async publishPart(held: Held, offset: number, count: number): Promise<unknown> {
		const {type, ...batch} = held.batch;
		const sent = this.publisher.send({
			routingKey: this.names.messages, durable: true, contentType: BATCH_CONTENT_TYPE, ...(held.amqpPriority === undefined ? {} : {priority: held.amqpPriority}),
		}, encodeMessages({...batch, part: offset, messages: count}));
		this.track(sent);
		return sent;
	}

	/** Puts `dead` (of `held`'s messages) on the run's dead-letter queue, confirmed: their messages drawn again. */
	async deadLetter(held: Held, dead: readonly DeadLetter[]): Promise<void> {
		if (dead.length === 0) {
			return;
		}

		const letters = new Map(dead.map(([n, attempts, permanent]) => [n, {attempts, permanent: permanent === 1}]));
		const messages = [];
		for (const message of drawMessages(held.batch, true)) {
			const letter = letters.get(message.n);
			if (letter !== undefined) {
				messages.push({
					id: message.id, to: message.to, body: message.body, ...letter,
				});
			}
		}

		await this.publisher.send({routingKey: this.names.dead, durable: true, contentType: 'application/json'}, JSON.stringify({
			type: 'dead-letters', run: this.options.run, epoch: this.epoch, worker: this.options.workerId, messages,
		}));
	}

	/** Stops the rows' timer (rows not flushed are not published). */
	stopTimer(): void {
		clearTimeout(this.flushTimer);
	}

	async close(): Promise<void> {
		await this.publisher.close();
	}
}
