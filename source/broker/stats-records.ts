import type {Histogram} from 'hdr-histogram-js';
import {WasmHistogram} from 'hdr-histogram-js/dist/wasm/index.js';
import {
	emptyQueueing, emptyStats, ownedHistogram, type QueueingStats, type RetryStats, type Stats,
} from '../engine/stats.js';
import {
	MAX_BATCH, MAX_RECORD_BYTES, isRunTime, isText, type Parsed, type WorkerRecordHeader,
} from './topology.js';

/**
 * A stats record: what one worker did with one batch of messages, folded into the stats monoid
 * where the sends happened. A monitor merges records (`mergeInto`), so its work grows with the
 * number of batches, not of messages.
 *
 * A batch is named by its producer and its number within that producer (`seq`, from 1). A worker
 * publishes a `final` record once every message of the batch has its outcome, before it
 * acknowledges the batch; while a batch takes longer than an interval (slow senders), it publishes
 * a partial record of it every interval, each holding everything of the batch so far (not a
 * difference), so a reader can always replace one by the next. If the worker dies, the batch goes
 * whole to another worker, whose records name it the same way: readers take the first final record
 * of a batch, in the stream's one order, and set every later one aside as a redelivery. Every
 * reader reads the stream from its start, so every reader takes the same records.
 *
 *   "SMR" 0x01 | u32 header length | header (JSON) | histograms (hdr-histogram's V2 encoding, one after another)
 *
 * The header holds every count and sum (exact), the sender tallies and the lengths of the
 * histograms. A reader checks that the figures agree with each other (a histogram's count with the
 * attempts, the tallies with the histogram, the messages with the batch), so a record cut short,
 * made up or from another sms-sim is set aside with its reason and never reaches the totals.
 */

const MAGIC = Buffer.from('SMR\u0001', 'latin1');

/** The AMQP content type stats records are published with. */
export const STATS_CONTENT_TYPE = 'application/vnd.sms-sim.stats';

/** Which batch a record is about, and by whom. */
export type StatsRecordHeader = WorkerRecordHeader & {
	readonly producer: string;
	/** The batch's number within its producer, from 1. */
	readonly seq: number;
	/** Messages in the batch (the part of it the record is about). */
	readonly messages: number;
	/**
	 * The part of the batch the record is about: its messages from this offset on (0, the whole batch,
	 * when left out). A worker may give the messages of a batch it has not started back to the queue
	 * as a part of their own (see run-ledger.ts).
	 */
	readonly part?: number;
	/** On a final record: its part ended here (an offset), the rest given back as the part that starts here. */
	readonly cut?: number;
	/**
	 * Which of the worker's deliveries the record is of (a count in the worker): a worker whose
	 * connection dropped may finish a batch the broker gave it again, and only the record that
	 * counted may put its dead letters on the queue.
	 */
	readonly copy?: number;
	/** Every message of the batch has its outcome: the batch's last record. */
	readonly final: boolean;
	/**
	 * On a final record, the messages of the batch that never succeeded under a retry policy: their
	 * numbers, attempts and whether the last failure was permanent. Whoever acknowledges the batch
	 * puts the first final record's on the dead-letter queue, so the queue and every monitor agree.
	 */
	readonly dead?: readonly DeadLetter[];
};

/** A dead letter as a record names it: `[n, attempts, permanent]`. */
export type DeadLetter = readonly [n: number, attempts: number, permanent: 0 | 1];

export type StatsRecord = StatsRecordHeader & {readonly stats: Stats};

type QueueingHead = Omit<QueueingStats, 'waitHistogram' | 'latencyHistogram'>;

/** Histograms of a record, in the order they follow the header. */
type HistogramEntry = {readonly of: string; readonly bytes: number};

/**
 * A record, ready to publish. `shiftMs` is added to its times (a worker's clock to the run's);
 * `groupSenders` are the worker's senders in each group.
 */
export function encodeStatsRecord(header: StatsRecordHeader, stats: Stats, {shiftMs = 0, groupSenders}: {shiftMs?: number; groupSenders?: ReadonlyMap<string, number>} = {}): Buffer {
	const histograms: Array<{of: string; histogram: Histogram}> = [{of: 'run', histogram: stats.histogram}];
	if (stats.groupHistograms.size > 0) {
		for (const [group, histogram] of stats.groupHistograms) {
			histograms.push({of: `group:${group}`, histogram});
		}
	}

	const queueing = (of: string, figures: QueueingStats): QueueingHead => {
		histograms.push({of: `wait:${of}`, histogram: figures.waitHistogram}, {of: `latency:${of}`, histogram: figures.latencyHistogram});
		const {waitHistogram, latencyHistogram, ...head} = figures;
		return head;
	};

	const empty = stats.attempts === 0;
	const head = {
		type: 'stats',
		...header,
		sent: stats.sent,
		failed: stats.failed,
		attempts: stats.attempts,
		retries: stats.retries ?? null,
		durationSumMs: stats.durationSumMs,
		maxDurationMs: stats.maxDurationMs,
		minDurationMs: empty ? null : stats.minDurationMs,
		varianceShiftMs: empty ? null : stats.varianceShiftMs,
		shiftedSumMs: stats.shiftedSumMs,
		shiftedSquareSumMs: stats.shiftedSquareSumMs,
		firstStartMs: empty ? null : stats.firstStartMs + shiftMs,
		lastEndMs: empty ? null : stats.lastEndMs + shiftMs,
		segments: stats.segments,
		segmentsSubmitted: stats.segmentsSubmitted,
		segmentsDelivered: stats.segmentsDelivered,
		ucs2: stats.ucs2,
		firstGroup: stats.firstGroup ?? null,
		tallies: talliesByGroup(stats, groupSenders),
		queueing: stats.queueing ? queueing('', stats.queueing) : null,
		byPriority: [...stats.byPriority].map(([name, figures]) => [name, queueing(name, figures)]),
		histograms: [] as HistogramEntry[],
	};
	const encoded = histograms.map(({of, histogram}) => {
		const bytes = (histogram as unknown as WasmHistogram).encode();
		head.histograms.push({of, bytes: bytes.length});
		return bytes;
	});
	return frameRecord(Buffer.from(JSON.stringify(head), 'utf8'), encoded);
}

/**
 * Tallies by group, not by sender: a batch of 500 messages touches up to 500 senders, and a record
 * per sender would make a monitor's work grow with messages again. With them, the senders each
 * group of the worker has (`groupSenders`, else the senders seen): a group's sender count.
 */
function talliesByGroup(stats: Stats, groupSenders: ReadonlyMap<string, number> | undefined): Array<[string, number, number, number, number, number]> {
	const tallies = new Map<string, [string, number, number, number, number, number]>();
	const seen = new Map<string, number>();
	for (const tally of stats.senders.values()) {
		let row = tallies.get(tally.group);
		if (row === undefined) {
			row = [tally.group, 0, 0, 0, 0, 0];
			tallies.set(tally.group, row);
		}

		row[1] += tally.sent;
		row[2] += tally.failed;
		row[3] += tally.durationSumMs;
		row[5] += tally.failedMessages;
		seen.set(tally.group, (seen.get(tally.group) ?? 0) + 1);
	}

	for (const row of tallies.values()) {
		row[4] = Math.max(1, groupSenders?.get(row[0]) ?? seen.get(row[0]) ?? 0);
	}

	return [...tallies.values()];
}

/** A record as it goes on the wire: MAGIC | u32 header length | header JSON | histograms. */
function frameRecord(json: Buffer, encoded: readonly Uint8Array[]): Buffer {
	const length = 8 + json.length + encoded.reduce((sum, bytes) => sum + bytes.length, 0);
	const out = Buffer.allocUnsafe(length);
	MAGIC.copy(out, 0);
	out.writeUInt32LE(json.length, 4);
	json.copy(out, 8);
	let at = 8 + json.length;
	for (const bytes of encoded) {
		out.set(bytes, at);
		at += bytes.length;
	}

	return out;
}

/**
 * Several records in one AMQP message: a worker packs the records of the batches that finish within
 * a moment of each other, so the stream, the broker and every reader handle one message for them.
 *
 *   "SMRS" | u32 count | (u32 length | record) x count
 */
const ENVELOPE = Buffer.from('SMRS', 'latin1');

/** Records in one envelope at most. */
export const MAX_RECORDS_A_MESSAGE = 64;

/** Records packed into one AMQP message. */
export function encodeStatsRecords(records: readonly Buffer[]): Buffer {
	const out = Buffer.allocUnsafe(8 + records.reduce((sum, record) => sum + 4 + record.length, 0));
	ENVELOPE.copy(out, 0);
	out.writeUInt32LE(records.length, 4);
	let at = 8;
	for (const record of records) {
		out.writeUInt32LE(record.length, at);
		record.copy(out, at + 4);
		at += 4 + record.length;
	}

	return out;
}

/** Whether `body` is one stats record, or an envelope of them (and not a batch of per-message rows). */
export const isStatsRecord = (body: unknown): boolean => Buffer.isBuffer(body) && body.length >= 8 && (MAGIC.compare(body, 0, 4) === 0 || ENVELOPE.compare(body, 0, 4) === 0);

/** The records in `body` (one record, or an envelope of them), or why it holds none. */
export function statsRecordsIn(body: Buffer): Parsed<Buffer[]> {
	if (MAGIC.compare(body, 0, 4) === 0) {
		return {record: [body]};
	}

	const count = body.readUInt32LE(4);
	if (count > MAX_RECORDS_A_MESSAGE) {
		return {problem: `an envelope of more than ${MAX_RECORDS_A_MESSAGE} stats records`};
	}

	const records: Buffer[] = [];
	let at = 8;
	for (let index = 0; index < count; index++) {
		if (at + 4 > body.length) {
			return {problem: 'an envelope of stats records cut short'};
		}

		const length = body.readUInt32LE(at);
		if (at + 4 + length > body.length) {
			return {problem: 'an envelope of stats records cut short'};
		}

		records.push(body.subarray(at + 4, at + 4 + length));
		at += 4 + length;
	}

	return at === body.length ? {record: records} : {problem: 'an envelope of stats records with bytes after them'};
}

/** A record's header alone (no histograms decoded): enough to know which batch it finishes. */
export function parseStatsHeader(body: unknown): Parsed<StatsRecordHeader> {
	const head = readHead(body);
	if ('problem' in head) {
		return head;
	}

	const problem = headerProblem(head.record.json);
	return problem === undefined ? {record: headerOf(head.record.json)} : {problem};
}

/** Reads a stats record off the broker: the record (its stats made afresh), or why it is not one. */
export function parseStatsRecord(body: unknown): Parsed<StatsRecord> {
	const head = readHead(body);
	if ('problem' in head) {
		return head;
	}

	const {json, histogramsAt} = head.record;
	const problem = headerProblem(json) ?? figuresProblem(json);
	if (problem !== undefined) {
		return {problem};
	}

	const decoded = decodeHistograms(body as Buffer, histogramsAt, json.histograms as HistogramEntry[]);
	if (typeof decoded === 'string') {
		return {problem: decoded};
	}

	try {
		const stats = statsOf(json, decoded);
		const inconsistent = consistencyProblem(stats, json);
		return inconsistent === undefined ? {record: {...headerOf(json), stats}} : {problem: inconsistent};
	} finally {
		for (const histogram of decoded.values()) {
			histogram.destroy();
		}
	}
}

type Json = Record<string, unknown>;

function readHead(body: unknown): Parsed<{json: Json; histogramsAt: number}> {
	if (!isStatsRecord(body)) {
		return {problem: 'not a stats record'};
	}

	const bytes = body as Buffer;
	if (bytes.length > MAX_RECORD_BYTES) {
		return {problem: `larger than ${MAX_RECORD_BYTES / 1024 / 1024} MB`};
	}

	const headLength = bytes.readUInt32LE(4);
	if (8 + headLength > bytes.length) {
		return {problem: 'a stats record cut short'};
	}

	let json: unknown;
	try {
		json = JSON.parse(bytes.toString('utf8', 8, 8 + headLength));
	} catch {
		return {problem: 'a stats record whose header is not JSON'};
	}

	if (typeof json !== 'object' || json === null || Array.isArray(json) || (json as Json).type !== 'stats') {
		return {problem: 'a stats record whose header is not one'};
	}

	return {record: {json: json as Json, histogramsAt: 8 + headLength}};
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
/** A sum of times: finite, not negative. */
const isSum = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;
const isFinite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

function headerProblem(json: Json): string | undefined {
	if (!isText(json.run, 100) || !isText(json.epoch, 100) || !isText(json.worker, 300) || !isText(json.producer, 64)) {
		return 'a stats record with no run, epoch, worker or producer';
	}

	if (!isCount(json.seq) || json.seq < 1 || !isCount(json.messages) || json.messages < 1 || json.messages > MAX_BATCH || typeof json.final !== 'boolean') {
		return 'a stats record whose batch number, size or state is malformed';
	}

	if (json.copy !== undefined && !isCount(json.copy)) {
		return 'a stats record whose copy is malformed';
	}

	if ((json.part !== undefined && (!isCount(json.part) || json.part < 1 || json.part >= MAX_BATCH)) || (json.cut !== undefined && (!isCount(json.cut) || !json.final || json.cut !== ((json.part) ?? 0) + json.messages))) {
		return 'a stats record whose part of its batch is malformed';
	}

	const {dead} = json;
	if (dead !== undefined && !(Array.isArray(dead) && dead.length <= json.messages && dead.every(entry => Array.isArray(entry) && entry.length === 3
		&& isCount(entry[0]) && entry[0] >= 1 && isCount(entry[1]) && entry[1] >= 1 && (entry[2] === 0 || entry[2] === 1)))) {
		return 'a stats record whose dead letters are malformed';
	}

	return undefined;
}

function headerOf(json: Json): StatsRecordHeader {
	return {
		run: json.run as string,
		epoch: json.epoch as string,
		worker: json.worker as string,
		producer: json.producer as string,
		seq: json.seq as number,
		messages: json.messages as number,
		...(json.part === undefined ? {} : {part: json.part as number}),
		...(json.cut === undefined ? {} : {cut: json.cut as number}),
		...(json.copy === undefined ? {} : {copy: json.copy as number}),
		final: json.final as boolean,
		...(json.dead === undefined ? {} : {dead: json.dead as DeadLetter[]}),
	};
}

const isQueueingHead = (value: unknown): value is QueueingHead => {
	const figures = value as Record<string, unknown>;
	return typeof value === 'object' && value !== null
		&& isCount(figures.count) && isCount(figures.waitCount) && isCount(figures.waited) && figures.waited <= figures.waitCount
		&& isFinite(figures.waitSumMs) && isFinite(figures.waitMaxMs) && isSum(figures.latencySumMs) && isSum(figures.latencyMaxMs);
};

const isRetries = (value: unknown): value is RetryStats => {
	const retries = value as Record<string, unknown>;
	return typeof value === 'object' && value !== null
		&& isCount(retries.retried) && isCount(retries.deliveredAfterRetry) && retries.deliveredAfterRetry <= retries.retried
		&& isCount(retries.attemptsOfFinished) && isCount(retries.transientFailures) && isCount(retries.permanentFailures);
};

/** What is wrong with the header's figures on their own, if anything. */
function figuresProblem(json: Json): string | undefined {
	const {sent, failed, attempts, messages} = json;
	if (!isCount(sent) || !isCount(failed) || !isCount(attempts) || !isCount(json.segments) || !isCount(json.ucs2) || !isCount(json.segmentsSubmitted) || !isCount(json.segmentsDelivered)) {
		return 'a stats record whose counts are not counts';
	}

	const finished = sent + failed;
	if (finished > (messages as number) || (json.final === true && finished !== messages) || attempts < finished || json.ucs2 > finished || json.segments < finished
		|| json.segmentsSubmitted < json.segments || json.segmentsSubmitted < attempts || json.segmentsDelivered > json.segments || json.segmentsDelivered < sent
		|| (Array.isArray(json.dead) && json.dead.length > failed)) {
		return 'a stats record whose counts disagree with its batch';
	}

	if (!isSum(json.durationSumMs) || !isSum(json.maxDurationMs) || !isFinite(json.shiftedSumMs) || !isSum(json.shiftedSquareSumMs)) {
		return 'a stats record whose sums are not sums';
	}

	if (attempts > 0 && !(isSum(json.minDurationMs) && json.minDurationMs <= json.maxDurationMs && isFinite(json.varianceShiftMs)
		&& isRunTime(json.firstStartMs) && isRunTime(json.lastEndMs) && json.firstStartMs <= json.lastEndMs && isRunTime(json.maxDurationMs))) {
		return 'a stats record whose times are negative, out of range or out of order';
	}

	if (json.retries !== null && !isRetries(json.retries)) {
		return 'a stats record whose retries are malformed';
	}

	if (json.queueing !== null && !isQueueingHead(json.queueing)) {
		return 'a stats record whose waits are malformed';
	}

	const {tallies, byPriority, histograms} = json;
	if (!Array.isArray(tallies) || tallies.length > MAX_BATCH || !tallies.every(row => Array.isArray(row) && row.length === 6 && isText(row[0], 40)
		&& isCount(row[1]) && isCount(row[2]) && isSum(row[3]) && isCount(row[4]) && row[4] >= 1 && isCount(row[5]) && row[5] <= row[2]) || new Set(tallies.map(row => (row as unknown[])[0])).size !== tallies.length) {
		return 'a stats record whose groups are malformed';
	}

	if (json.firstGroup !== null && !isText(json.firstGroup, 40)) {
		return 'a stats record whose groups are malformed';
	}

	if (!Array.isArray(byPriority) || byPriority.length > 100 || !byPriority.every(entry => Array.isArray(entry) && entry.length === 2 && isText(entry[0], 40) && isQueueingHead(entry[1]))) {
		return 'a stats record whose priorities are malformed';
	}

	if (!Array.isArray(histograms) || histograms.length > MAX_BATCH + 210 || !histograms.every((entry: unknown) => typeof entry === 'object' && entry !== null && typeof (entry as HistogramEntry).of === 'string' && isCount((entry as HistogramEntry).bytes))) {
		return 'a stats record whose histograms are malformed';
	}

	return undefined;
}

/** Each histogram of the record by what it is of, or what is wrong with them. */
function decodeHistograms(body: Buffer, at: number, entries: readonly HistogramEntry[]): Map<string, Histogram> | string {
	const decoded = new Map<string, Histogram>();
	let offset = at;
	for (const {of, bytes} of entries) {
		if (offset + bytes > body.length || decoded.has(of)) {
			break;
		}

		try {
			// Copied out: the decoder keeps no reference to the AMQP message's memory.
			decoded.set(of, WasmHistogram.decode(new Uint8Array(body.subarray(offset, offset + bytes)), 64));
		} catch {
			break;
		}

		offset += bytes;
	}

	if (offset !== body.length || decoded.size !== entries.length) {
		for (const histogram of decoded.values()) {
			histogram.destroy();
		}

		return 'a stats record whose histograms are cut short or malformed';
	}

	return decoded;
}

/** The `Stats` a record describes. */
function statsOf(json: Json, histograms: ReadonlyMap<string, Histogram>): Stats {
	const stats = emptyStats();
	stats.sent = json.sent as number;
	stats.failed = json.failed as number;
	stats.attempts = json.attempts as number;
	stats.retries = json.retries === null ? undefined : {...json.retries as RetryStats};
	stats.durationSumMs = json.durationSumMs as number;
	stats.maxDurationMs = json.maxDurationMs as number;
	if (stats.attempts > 0) {
		stats.minDurationMs = json.minDurationMs as number;
		stats.varianceShiftMs = json.varianceShiftMs as number;
		stats.firstStartMs = json.firstStartMs as number;
		stats.lastEndMs = json.lastEndMs as number;
	}

	stats.shiftedSumMs = json.shiftedSumMs as number;
	stats.shiftedSquareSumMs = json.shiftedSquareSumMs as number;
	stats.segments = json.segments as number;
	stats.segmentsSubmitted = json.segmentsSubmitted as number;
	stats.segmentsDelivered = json.segmentsDelivered as number;
	stats.ucs2 = json.ucs2 as number;
	stats.firstGroup = (json.firstGroup as string | null) ?? undefined;
	for (const [group, sent, failed, durationSumMs, senders, failedMessages] of json.tallies as Array<[string, number, number, number, number, number]>) {
		const key = `${json.worker as string}/${group}`;
		stats.senders.set(key, {
			group, sent, failed, failedMessages, durationSumMs,
		});
		stats.workerSenders.set(key, {group, count: senders});
	}

	stats.histogram.add(histograms.get('run')!);
	for (const [of, histogram] of histograms) {
		if (of.startsWith('group:')) {
			const copy = ownedHistogram(stats);
			copy.add(histogram);
			stats.groupHistograms.set(of.slice('group:'.length), copy);
		}
	}

	for (const tally of stats.senders.values()) {
		tally.groupHistogram = stats.groupHistograms.get(tally.group);
	}

	const queueingOf = (of: string, head: QueueingHead): QueueingStats => {
		const figures = emptyQueueing(stats);
		Object.assign(figures, head);
		figures.waitHistogram.add(histograms.get(`wait:${of}`)!);
		figures.latencyHistogram.add(histograms.get(`latency:${of}`)!);
		return figures;
	};

	if (json.queueing !== null) {
		stats.queueing = queueingOf('', json.queueing as QueueingHead);
	}

	for (const [name, head] of json.byPriority as Array<[string, QueueingHead]>) {
		stats.byPriority.set(name, queueingOf(name, head));
	}

	return stats;
}

/**
 * What is wrong with a record's figures against its histograms, if anything: each histogram holds
 * as many values as the counts it goes with, the senders' tallies add up to the attempts, and a
 * group histogram exists for each group of a record of several.
 */
function consistencyProblem(stats: Stats, json: Json): string | undefined {
	const expected = new Set(['run']);
	let tallied = 0;
	let failedMessages = 0;
	const byGroup = new Map<string, number>();
	for (const tally of stats.senders.values()) {
		tallied += tally.sent + tally.failed;
		failedMessages += tally.failedMessages;
		byGroup.set(tally.group, (byGroup.get(tally.group) ?? 0) + tally.sent + tally.failed);
	}

	if (stats.histogram.totalCount !== stats.attempts || tallied !== stats.attempts) {
		return 'a stats record whose send times disagree with its attempts';
	}

	if (failedMessages !== stats.failed) {
		return 'a stats record whose groups disagree with its tallies';
	}

	const firstGroup = json.firstGroup as string | null;
	if (stats.attempts > 0 && (firstGroup === null || !byGroup.has(firstGroup))) {
		return 'a stats record whose groups disagree with its tallies';
	}

	if (stats.groupHistograms.size > 0 || byGroup.size > 1) {
		for (const [group, count] of byGroup) {
			expected.add(`group:${group}`);
			if (stats.groupHistograms.get(group)?.totalCount !== count) {
				return 'a stats record whose groups disagree with its tallies';
			}
		}
	}

	const queueingProblem = (of: string, figures: QueueingStats | undefined): string | undefined => {
		if (figures === undefined) {
			return undefined;
		}

		expected.add(`wait:${of}`);
		expected.add(`latency:${of}`);
		const finished = stats.sent + stats.failed;
		return figures.waitHistogram.totalCount === figures.waitCount && figures.latencyHistogram.totalCount === figures.count && figures.count <= finished && figures.waitCount <= stats.attempts
			? undefined
			: 'a stats record whose waits disagree with its counts';
	};

	const problem = queueingProblem('', stats.queueing) ?? [...stats.byPriority].map(([name, figures]) => queueingProblem(name, figures)).find(Boolean);
	if (problem !== undefined) {
		return problem;
	}

	const entries = (json.histograms as HistogramEntry[]).map(entry => entry.of);
	return entries.length === expected.size && entries.every(of => expected.has(of)) ? undefined : 'a stats record whose histograms are not the ones its figures need';
}
