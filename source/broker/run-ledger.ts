import {emptyStats, mergeInto, type Stats} from '../engine/stats.js';
import {
	parseStatsHeader, parseStatsRecord, statsRecordsIn, type DeadLetter, type StatsRecordHeader,
} from './stats-records.js';
import {PRODUCER_LOST_MS, type ControlRecord} from './topology.js';

/** A producer of the run, as its control records tell: each told once, the first telling kept. */
type Producer = {
	readonly total: number;
	readonly maxBatches: number;
	/** Messages in one of its batches. */
	readonly batch: number;
	readonly seed: number;
	/** From its producer-done (or producer-lost): what it published, in how many batches. */
	done: {readonly published: number; readonly batches: number} | undefined;
	/** Its heartbeats stopped before it was done: `done` is what its last one said. */
	lost: boolean;
	/** What its last heartbeat said, and when (the reader's wall clock) it was last heard from. */
	alive: {readonly published: number; readonly batches: number};
	heardAt: number;
	/** Of its batches, those finished (a final record read): their messages, and how many. */
	finishedMessages: number;
	/** The numbers of its finished batches. */
	readonly finished: Set<number>;
	/** Final records of batches beyond what it has said it published (its last heartbeat), by `<seq>/<part>`: counted once it says so. */
	readonly held: Map<string, Partial>;
	/** Batches some of whose parts are counted or read: how far each is counted (see `Chain`). */
	readonly chains: Map<number, Chain>;
};

/**
 * A batch's parts as their final records come: a worker may give the messages of a batch it has
 * not started back to the queue as a part of their own, starting at an offset (its final record
 * then says where its own part was cut). The first final record of each part decides that part,
 * and the parts count as a chain from offset 0: each counted part's record says where the next
 * starts (`cut`), and the batch is finished at a part that was not cut. A part no chain reaches
 * (given back by a worker whose record did not count: it died, and the batch was done whole by
 * another) never counts, so every message counts once whoever did what.
 */
type Chain = {
	/** The offset of the next part to count. */
	next: number;
	/** First final records of parts not reached yet, by offset. */
	readonly waiting: Map<number, Partial>;
};

/** What counted for a part of a batch: its record's dead letters, and whose record it was. */
export type PartOutcome = {readonly dead: readonly DeadLetter[]; readonly worker: string; readonly copy?: number};

/** A batch of which only partial records have been read: the latest, to show while it is under way. */
type Partial = {readonly header: StatsRecordHeader; readonly stats: Stats | undefined};

export type LedgerOptions = {
	readonly run: string;
	/** The run's epoch: records of any other are not this run's. */
	readonly epoch: string;
	/** Whether records' stats are decoded and merged (a monitor), or only their headers read (a worker, for the run's end). */
	readonly fold: boolean;
	/** Told of each record set aside, with the reason (the caller reports each reason once). */
	readonly aside: (reason: string) => void;
	/** Wall ms: when a producer was last heard from. */
	readonly now?: () => number;
};

/**
 * What a run has done, from its records: the one place that decides which records count. A
 * monitor keeps one to show the run, and a worker one to know when the run is over; every reader
 * reads the same streams in the same order, so they all decide alike.
 *
 * - A producer's start and done are each taken once, the first: a second, or one that
 *   contradicts them, is set aside and changes nothing.
 * - A batch is finished by its first final record; a later one for it (a batch redone after a
 *   worker died, or a copy) is a redelivery, counted once. A final record whose batch number or
 *   size disagrees with what its producer published is set aside.
 * - Records of a producer not announced yet wait for its start (the control stream is read apart
 *   from the outcomes stream).
 */
export class RunLedger {
	/** Everything the finished batches did, merged. */
	readonly finished = emptyStats();
	/** Final records of batches already finished: redeliveries, counted once. */
	redelivered = 0;
	private readonly producers = new Map<string, Producer>();
	private readonly partials = new Map<string, Partial>();
	private readonly early = new Map<string, Buffer[]>();
	/** Batches of a producer whose start has not been read yet, waiting for it (see `batchProblem`). */
	private readonly startWaiters = new Map<string, Array<() => void>>();
	/** What counted for each part, by `<producer>/<seq>/<part>`: kept by a worker's ledger (it acknowledges parts), not a monitor's. */
	private readonly countedParts = new Map<string, PartOutcome>();
	/** Batches within what their producer published whose records were set aside (forged ones counted in their place). */
	private readonly neverCounted = new Set<string>();
	/** Workers waiting to know a part's outcome, by `<producer>/<seq>/<part>`: its counted record's dead letters and worker, or none (it never counts). */
	private readonly waiting = new Map<string, Array<(outcome: PartOutcome | undefined) => void>>();
	/** `finished` merged with the partial batches, made when asked for and kept until a record changes it. */
	private shown: Stats | undefined;

	private readonly now: () => number;

	constructor(private readonly options: LedgerOptions) {
		this.now = options.now ?? Date.now;
	}

	/** Messages the run's producers published (or mean to, until they are done); null before the first producer. */
	get total(): number | null {
		if (this.producers.size === 0) {
			return null;
		}

		let total = 0;
		for (const producer of this.producers.values()) {
			total += producer.done?.published ?? producer.total;
		}

		return total;
	}

	/** Every producer is done and every batch it published is finished. */
	get done(): boolean {
		return this.complete !== undefined && this.allFinished;
	}

	/**
	 * Every producer done and every batch finished, as far as this reader has read: the moment for
	 * it to write a run-complete record (the run is done once one is read back).
	 */
	get allFinished(): boolean {
		if (this.producers.size === 0) {
			return false;
		}

		for (const producer of this.producers.values()) {
			if (producer.done === undefined || !finishedUpTo(producer, producer.done.batches)) {
				return false;
			}
		}

		return true;
	}

	/** Every producer started so far has said it is done (or was taken for lost): no new batch will come from them. */
	get producersDone(): boolean {
		return this.producers.size > 0 && [...this.producers.values()].every(producer => producer.done !== undefined);
	}

	/** The producers' seeds, in the order they started. */
	get seeds(): number[] {
		return [...this.producers.values()].map(producer => producer.seed);
	}

	/**
	 * Producers not done and not heard from for `PRODUCER_LOST_MS`, with what their last heartbeat
	 * said: a reader writes a producer-lost record for each, and the run completes with that. Silence
	 * counts only from `listeningSince` (when the reader last connected): a reader cut off from the
	 * broker hears nobody, and a broker down for 10 s silenced every producer for every reader (a CI
	 * run ended with 77,120 of a live producer's 100,000).
	 */
	silentProducers(listeningSince = Number.NEGATIVE_INFINITY): Array<{readonly producer: string; readonly published: number; readonly batches: number}> {
		const now = this.now();
		return [...this.producers].filter(([, producer]) => producer.done === undefined && now - Math.max(producer.heardAt, listeningSince) > PRODUCER_LOST_MS).map(([producer, {alive}]) => ({producer, ...alive}));
	}

	/** The largest batch any producer of the run publishes: in messages, and the most bytes it can take. 0 before the first producer. */
	get largestBatch(): {readonly messages: number} {
		let messages = 0;
		for (const producer of this.producers.values()) {
			messages = Math.max(messages, producer.batch);
		}

		return {messages};
	}

	/** Producers taken for lost, with what the run counts of them. */
	get lostProducers(): Array<{readonly producer: string; readonly published: number}> {
		return [...this.producers].filter(([, producer]) => producer.lost).map(([producer, {done}]) => ({producer, published: done!.published}));
	}

	/** Whether any batch is under way (partial records read, no final one yet). */
	get underWay(): boolean {
		return this.partials.size > 0;
	}

	/** What the run has done so far: the finished batches, and the latest of each batch under way. */
	stats(): Stats {
		// Once done, what counts is the finished batches: a batch under way then is one that will
		// never count (of a lost producer, beyond what it said it published).
		if (this.partials.size === 0 || this.done) {
			return this.finished;
		}

		if (this.shown === undefined) {
			this.shown = mergeInto(emptyStats(), this.finished);
			for (const partial of this.partials.values()) {
				if (partial.stats) {
					mergeInto(this.shown, partial.stats);
				}
			}
		}

		return this.shown;
	}

	/** The run-complete record taken: the producers the run counts. */
	complete: readonly string[] | undefined;

	/** The run's producers, in the order they started. */
	get producerNames(): string[] {
		return [...this.producers.keys()];
	}

	/** Takes a control record of this run's epoch (workers' heartbeats and starts are not the ledger's). */
	control(record: ControlRecord): void {
		if (record.epoch !== this.options.epoch || record.type === 'heartbeat' || record.type === 'worker-start') {
			return;
		}

		if (record.type === 'run-complete') {
			// Taken if it names every producer started before it: one written while another producer was
			// starting says nothing, and the next one will name that producer too.
			if (this.complete === undefined && this.producers.size > 0 && [...this.producers.keys()].every(producer => record.producers.includes(producer))) {
				this.complete = [...this.producers.keys()];
			}

			return;
		}

		if (record.type === 'producer-start') {
			this.producerStart(record);
			return;
		}

		const known = this.producers.get(record.producer);
		if (known === undefined) {
			this.options.aside(`a ${record.type} for a producer the run does not have`);
		} else if (record.type === 'producer-alive') {
			if (record.published >= known.alive.published && record.batches >= known.alive.batches && record.published <= known.total && record.batches <= known.maxBatches) {
				known.alive = {published: record.published, batches: record.batches};
				known.heardAt = this.now();
				this.release(known);
			}
		} else if (record.type === 'producer-lost') {
			// It must say what the producer's last heartbeat before it on the stream said: a reader that
			// wrote it saw no later one. One that says otherwise is forged, or the producer spoke again
			// before it landed (it was not lost): either way it changes nothing. Written by any reader
			// that noticed: the first one stands, later ones say nothing new.
			if (known.done === undefined && record.published === known.alive.published && record.batches === known.alive.batches) {
				known.done = {published: record.published, batches: record.batches};
				known.lost = true;
				this.release(known);
			}
		} else {
			this.producerDone(known, record);
		}
	}

	private producerStart(record: Extract<ControlRecord, {type: 'producer-start'}>): void {
		if (this.complete !== undefined && !this.producers.has(record.producer)) {
			this.options.aside('a producer that started after the run was complete (not part of it)');
			return;
		}

		if (this.producers.has(record.producer)) {
			this.options.aside('a second producer-start for a producer (the first one stands)');
			return;
		}

		this.producers.set(record.producer, {
			total: record.total, maxBatches: record.maxBatches, batch: record.batch, seed: record.seed, done: undefined, lost: false, alive: {published: 0, batches: 0}, heardAt: this.now(), finishedMessages: 0, finished: new Set(), held: new Map(), chains: new Map(),
		});
		const waiting = this.early.get(record.producer) ?? [];
		this.early.delete(record.producer);
		for (const body of waiting) {
			this.record(body);
		}

		for (const started of [...this.startWaiters.get(record.producer) ?? []]) {
			started();
		}

		this.startWaiters.delete(record.producer);
	}

	private producerDone(known: Producer, record: Extract<ControlRecord, {type: 'producer-done'}>): void {
		if (known.lost) {
			this.options.aside('a producer-done after its producer was taken for lost (the run ends with what its last heartbeat said)');
		} else if (known.done !== undefined) {
			this.options.aside('a second producer-done for a producer (the first one stands)');
		} else if (record.published > known.total || record.batches > known.maxBatches || record.batches > record.published || (record.published > 0 && record.batches === 0)
			|| known.finishedMessages > record.published || known.finished.size > record.batches) {
			this.options.aside('a producer-done that contradicts what its producer meant to publish or what its batches hold');
		} else {
			known.done = {published: record.published, batches: record.batches};
			this.release(known);
		}
	}

	/**
	 * What counted for a batch's part, once a record of it is read: its dead letters (whoever
	 * acknowledges the part puts these on the dead-letter queue) and whose record it was; undefined
	 * for a part that never counts (its records set aside, or no chain reaches it).
	 */
	async outcomeOf(producer: string, seq: number, part = 0): Promise<PartOutcome | undefined> {
		const key = `${producer}/${seq}/${part}`;
		const counted = this.countedParts.get(key);
		if (counted !== undefined) {
			return counted;
		}

		// Finished without this part, or its chain already past it: it never counts. Or its records were
		// set aside before this was asked (read back before the asking worker's confirm came): waiting
		// would be for good, and that worker would never end.
		const known = this.producers.get(producer);
		const chain = known?.chains.get(seq);
		if (known?.finished.has(seq) === true || (chain !== undefined && part < chain.next)
			|| (known?.done !== undefined && seq > known.done.batches) || this.neverCounted.has(`${producer}/${seq}`)) {
			return undefined;
		}

		return new Promise(resolve => {
			const waiters = this.waiting.get(key) ?? [];
			waiters.push(resolve);
			this.waiting.set(key, waiters);
		});
	}

	/** Tells those waiting on a part what counted for it (undefined: nothing ever will). */
	private settle(key: string, outcome: PartOutcome | undefined): void {
		for (const resolve of this.waiting.get(key) ?? []) {
			resolve(outcome);
		}

		this.waiting.delete(key);
	}

	/** Tells those waiting on any part of a batch that has no more to count that theirs never will. */
	private settleBatch(batchKey: string): void {
		for (const key of [...this.waiting.keys()]) {
			if (key.startsWith(`${batchKey}/`)) {
				this.settle(key, undefined);
			}
		}
	}

	/**
	 * Why a batch of messages is not one a producer of the run published (its producer unknown once
	 * `waitMs` have passed, a batch number beyond what it can publish, or a message number beyond its
	 * total), or undefined when it may be. A producer's start is confirmed before its first batch, but
	 * the control stream is read apart from the queue, so a batch may come first: it waits.
	 */
	async batchProblem(batch: {readonly producer: string; readonly seq: number; readonly first: number; readonly part?: number; readonly messages: number}, waitMs: number): Promise<string | undefined> {
		if (!this.producers.has(batch.producer)) {
			await this.producerStarted(batch.producer, waitMs);
		}

		const producer = this.producers.get(batch.producer);
		if (producer === undefined) {
			return 'a producer the run does not have';
		}

		if (batch.seq > producer.maxBatches || batch.first + (batch.part ?? 0) + batch.messages - 1 > producer.total) {
			return 'numbers beyond what its producer publishes';
		}

		return undefined;
	}

	/** Resolves when `producer`'s start is read, or after `waitMs` (wall) without it. */
	private async producerStarted(producer: string, waitMs: number): Promise<void> {
		return new Promise(resolve => {
			const waiters = this.startWaiters.get(producer) ?? [];
			const started = (): void => {
				clearTimeout(timer);
				const index = waiters.indexOf(started);
				if (index !== -1) {
					waiters.splice(index, 1);
				}

				resolve();
			};

			const timer = setTimeout(started, waitMs);
			waiters.push(started);
			this.startWaiters.set(producer, waiters);
		});
	}

	/** Takes a message of the outcomes stream that holds stats records (one, or an envelope of them). */
	records(body: Buffer): void {
		const records = statsRecordsIn(body);
		if ('problem' in records) {
			this.options.aside(`a record that is not sms-sim's (${records.problem})`);
			return;
		}

		for (const record of records.record) {
			this.record(record);
		}
	}

	/** Takes one stats record. */
	record(body: Buffer): void {
		const parsed = this.options.fold ? parseStatsRecord(body) : parseStatsHeader(body);
		if ('problem' in parsed) {
			this.options.aside(`a record that is not sms-sim's (${parsed.problem})`);
			return;
		}

		const {record} = parsed;
		if (record.run !== this.options.run) {
			this.options.aside('a record of another run');
			return;
		}

		if (record.epoch !== this.options.epoch) {
			this.options.aside('records of an earlier run of this name (purge it to start afresh)');
			return;
		}

		const producer = this.producers.get(record.producer);
		if (producer === undefined) {
			const waiting = this.early.get(record.producer);
			if (waiting === undefined) {
				this.early.set(record.producer, [body]);
			} else {
				waiting.push(body);
			}

			return;
		}

		const key = `${record.producer}/${record.seq}`;
		const part = record.part ?? 0;
		if (producer.finished.has(record.seq)) {
			if (record.final) {
				this.redelivered++;
			}

			return;
		}

		const limit = producer.done?.published ?? producer.total;
		if (record.seq > (producer.done?.batches ?? producer.maxBatches) || part + record.messages > producer.batch || producer.finishedMessages + (record.final ? record.messages : 0) > limit) {
			this.options.aside('a record of a batch its producer did not publish');
			if (record.seq <= (producer.done?.batches ?? producer.maxBatches)) {
				this.neverCounted.add(key); // A batch its producer may have published, counted full by forged records.
			}

			this.settleBatch(key);
			return;
		}

		const stats = 'stats' in record ? (record as {stats: Stats}).stats : undefined;
		this.shown = undefined;
		if (!record.final) {
			// Progress of a part not counted yet (a late partial of a counted part would count it twice).
			if (part >= (producer.chains.get(record.seq)?.next ?? 0)) {
				this.partials.set(`${key}/${part}`, {header: record, stats});
			}

			return;
		}

		if (producer.done === undefined && record.seq > producer.alive.batches) {
			// Not known to be confirmed yet: counted once its producer says so (a heartbeat, or its
			// done), set aside if it was lost before saying so. So the run's total and what it counts
			// always agree, even for a producer killed while it published.
			if (producer.held.has(`${record.seq}/${part}`)) {
				this.redelivered++;
			} else {
				producer.held.set(`${record.seq}/${part}`, {header: record, stats});
			}

			return;
		}

		this.take(producer, {header: record, stats});
	}

	/** A final record of a part of a batch its producer published: counted if it is the first of its part and the batch's chain reaches it (see `Chain`). */
	private take(producer: Producer, final: Partial): void {
		const {seq} = final.header;
		const part = final.header.part ?? 0;
		let chain = producer.chains.get(seq);
		if (chain === undefined) {
			chain = {next: 0, waiting: new Map()};
			producer.chains.set(seq, chain);
		}

		if (part < chain.next || chain.waiting.has(part)) {
			this.redelivered++; // A later record of a part already decided, or of a part its chain went past.
			return;
		}

		chain.waiting.set(part, final);
		const batchKey = `${final.header.producer}/${seq}`;
		for (let next = chain.waiting.get(chain.next); next !== undefined; next = chain.waiting.get(chain.next)) {
			chain.waiting.delete(chain.next);
			this.count(producer, next);
			if (next.header.cut === undefined) {
				// The batch is whole. Parts its chain did not reach never count; nor do their waiters.
				producer.finished.add(seq);
				producer.chains.delete(seq);
				this.redelivered += chain.waiting.size;
				for (const key of [...this.partials.keys()]) {
					if (key.startsWith(`${batchKey}/`)) {
						this.partials.delete(key);
					}
				}

				this.settleBatch(batchKey);
				return;
			}

			chain.next = next.header.cut;
		}
	}

	/** Counts one part's final record: its messages and stats, and what it says for whoever acknowledges the part. */
	private count(producer: Producer, {header, stats}: Partial): void {
		const key = `${header.producer}/${header.seq}/${header.part ?? 0}`;
		const outcome = {dead: header.dead ?? [], worker: header.worker, ...(header.copy === undefined ? {} : {copy: header.copy})};
		// Kept by a worker's ledger only (it acknowledges parts); a monitor's has no use for them.
		if (!this.options.fold) {
			this.countedParts.set(key, outcome);
		}

		this.settle(key, outcome);
		this.partials.delete(key);
		this.shown = undefined;
		producer.finishedMessages += header.messages;
		if (stats) {
			mergeInto(this.finished, stats);
		}
	}

	/** Counts the held final records its producer now says it published; once it is done, sets aside the rest. */
	private release(producer: Producer): void {
		const confirmed = producer.done?.batches ?? producer.alive.batches;
		if (producer.done !== undefined) {
			for (const [key, partial] of this.partials) {
				if (this.producers.get(partial.header.producer) === producer && partial.header.seq > confirmed) {
					this.partials.delete(key); // Never to count: not shown either.
					this.shown = undefined;
				}
			}
		}

		const held = [...producer.held].toSorted(([, a], [, b]) => (a.header.seq - b.header.seq) || ((a.header.part ?? 0) - (b.header.part ?? 0)));
		for (const [key, record] of held) {
			const {seq} = record.header;
			if (seq <= confirmed) {
				producer.held.delete(key);
				this.take(producer, record);
			} else if (producer.done !== undefined) {
				producer.held.delete(key);
				this.settleBatch(`${record.header.producer}/${seq}`);
				this.options.aside(producer.lost
					? 'records of batches a producer had not yet said it published when it was lost'
					: 'a record of a batch its producer did not publish');
			}
		}
	}
}

/**
 * Whether every batch numbered 1 to `batches` is finished. Batches beyond it can be among the
 * finished only when records came before the producer said how many it published (a lost
 * producer's last batches, confirmed after its last heartbeat, or a forged record), so they are
 * counted out only then.
 */
function finishedUpTo(producer: Producer, batches: number): boolean {
	if (producer.finished.size < batches) {
		return false;
	}

	let within = 0;
	for (const seq of producer.finished) {
		if (seq <= batches) {
			within++;
		}
	}

	return within === batches;
}
