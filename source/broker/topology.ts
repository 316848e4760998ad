import {LIMITS} from '../model/limits.js';

/**
 * What a run `ID` keeps on the broker, all durable, every message persistent:
 *
 *   produce --(batches of messages)--> sms-sim.ID.messages --> send (each worker: a few batches in hand)
 *                                            | rejected (not ours, malformed, too large)
 *                                            v
 *                                      sms-sim.ID.dead
 *   send    --(batches of results)---> sms-sim.ID.outcomes  (a stream) --> any number of monitors, each from its start
 *   produce --(producer-start, producer-done)--> sms-sim.ID.control (a stream) --> monitors, workers
 *   send    --(heartbeats)-----------------------^
 *   produce --(producer-alive, every second)-----^
 *   any reader --(producer-lost, when a producer's heartbeats stop; run-complete, once)--^
 *   every produce --(an identity it offers)--> sms-sim.ID.identity (a stream: the first one is the run's)
 *   each program, as it starts: sms-sim.ID.declaring (an exclusive queue, held while it declares; see declare-run.ts)
 *   send at --speed max <--(where its clock stands)--> sms-sim.ID.clock (a fanout exchange, nothing kept; see run-clock.ts)
 *
 * Streams keep what is written to them: a monitor reads without taking anything away from
 * another, and one started late, or again, reads the run from its start.
 */
export type RunNames = {
	readonly messages: string;
	readonly outcomes: string;
	readonly control: string;
	readonly dead: string;
	readonly identity: string;
};

export function runNames(run: string): RunNames {
	return {
		messages: `sms-sim.${run}.messages`,
		outcomes: `sms-sim.${run}.outcomes`,
		control: `sms-sim.${run}.control`,
		dead: `sms-sim.${run}.dead`,
		identity: `sms-sim.${run}.identity`,
	};
}

/** How each queue is declared: every program declares them the same way (RabbitMQ refuses a mismatch). */
export function queueOptions(run: string) {
	const names = runNames(run);
	return {
		// A priority queue (`--priority`): batches of higher priorities are handed out first.
		messages: {queue: names.messages, durable: true, arguments: {'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': names.dead, 'x-max-priority': MAX_PRIORITY}},
		outcomes: {queue: names.outcomes, durable: true, arguments: {'x-queue-type': 'stream'}},
		control: {queue: names.control, durable: true, arguments: {'x-queue-type': 'stream'}},
		dead: {queue: names.dead, durable: true},
		identity: {queue: names.identity, durable: true, arguments: {'x-queue-type': 'stream'}},
	} as const;
}

/** The broker when neither --broker nor SMS_SIM_BROKER says: a local RabbitMQ, as guest. */
export const DEFAULT_BROKER = 'amqp://localhost';

/** A run's name: it becomes part of queue names. */
export const RUN_PATTERN = /^[\w.-]{1,100}$/;

/** The highest AMQP priority a batch of messages gets (the queue's x-max-priority); lower priorities count down from it. */
export const MAX_PRIORITY = 10;

/**
 * Messages (or results) in one AMQP message (a batch: see batches.ts) unless `--batch` says
 * otherwise. A batch of messages says how to draw them, so its size costs a worker no memory, and
 * work is shared in half rounds of a worker's senders whatever it is (hand-out.ts); what it sets is
 * the per-batch costs: a publish, an acknowledgement and a stats record a batch, for the broker, the
 * workers and every monitor. Measured end to end (2 workers of mean 0, a producer and a monitor on
 * two cores): batches of 500 ran at 480,000 to 500,000 msg/s, of 2,000 at 680,000, of 5,000 at
 * 920,000.
 */
export const DEFAULT_BATCH = 5000;
/** The most a batch may hold. */
export const MAX_BATCH = 10_000;
/** The largest record read off the broker: a batch of 10,000 messages with 10,000-character bodies is ~100 MB; anything larger is not ours. */
export const MAX_RECORD_BYTES = 128 * 1024 * 1024;

/**
 * The run's identity: the first of these on the identity stream. Every record of the run carries
 * its `epoch`. `events`: its workers publish a row per finished message too (`produce --events`),
 * for monitors asked for `--events`; without it they publish stats records only.
 */
export type EpochRecord = {readonly type: 'epoch'; readonly run: string; readonly epoch: string; readonly startedAt: number; readonly events?: boolean};

/** A producer joins the run: what it means to publish. */
export type ProducerStartRecord = {
	readonly type: 'producer-start';
	readonly run: string;
	readonly epoch: string;
	readonly producer: string;
	readonly total: number;
	readonly seed: number;
	readonly maxBodyLength: number;
	/** The most batches it can publish (numbered from 1): a record of a batch beyond it is not of this producer. */
	readonly maxBatches: number;
	/** Messages in one of its batches (`--batch`): workers size what they take at once by it. */
	readonly batch: number;
};

/** A producer is done: every one of its `published` messages, in `batches` batches numbered from 1, is confirmed by the broker. */
export type ProducerDoneRecord = {
	readonly type: 'producer-done';
	readonly run: string;
	readonly epoch: string;
	readonly producer: string;
	readonly published: number;
	readonly batches: number;
};

/** What every record a worker writes begins with: whose run, which epoch of it, and which worker. */
export type WorkerRecordHeader = {
	readonly run: string;
	readonly epoch: string;
	readonly worker: string;
};

/** A worker is alive: what it holds, every interval. `done` on its last. */
export type HeartbeatRecord = WorkerRecordHeader & {
	readonly type: 'heartbeat';
	readonly senders: number;
	readonly inFlight: number;
	readonly processed: number;
	readonly done: boolean;
	/**
	 * At a paced speed, with the run's queue empty: how many messages its free senders would take
	 * (another worker gives back what it has not handed out). At max speed the clock exchange says so.
	 */
	readonly wants?: number;
};

/** What a producer has published: messages, and every batch numbered up to `batches`, confirmed. */
type ProducerFigures = {
	readonly run: string;
	readonly epoch: string;
	readonly producer: string;
	readonly published: number;
	readonly batches: number;
};

/** A producer is alive (every `PRODUCER_HEARTBEAT_MS`), with what it has published so far. */
export type ProducerAliveRecord = ProducerFigures & {readonly type: 'producer-alive'};

/**
 * A producer's heartbeats stopped before its producer-done (it was killed): written by whichever
 * reader noticed first, with what its last heartbeat said it had published. It stands for the
 * producer's done: the run completes with those messages, and says so.
 */
export type ProducerLostRecord = ProducerFigures & {readonly type: 'producer-lost'};

/**
 * The run is complete: written by the first reader that finds every producer done and every batch
 * finished, naming the producers it counted. Every reader takes the first one that names every
 * producer started before it on the stream; a producer that starts after it is not part of the run
 * (and is told so as it starts). So a run, once complete, stays what it was for every monitor.
 */
export type RunCompleteRecord = {
	readonly type: 'run-complete';
	readonly run: string;
	readonly epoch: string;
	readonly producers: readonly string[];
};

/** A group of a worker, as it tells the run: its settings are everything but its name and count. */
export type WorkerGroupRecord = {readonly name: string; readonly count: number; readonly settings: string};

/**
 * A worker joins the run, with its sender groups. Groups of different workers with the same name
 * are one group: the first worker to name a group sets what it is, and a worker whose group of
 * that name has other settings is refused as it starts.
 */
export type WorkerStartRecord = WorkerRecordHeader & {
	readonly type: 'worker-start';
	readonly groups: readonly WorkerGroupRecord[];
};

export type ControlRecord = WorkerStartRecord | ProducerStartRecord | ProducerDoneRecord | HeartbeatRecord | ProducerAliveRecord | ProducerLostRecord | RunCompleteRecord;

/** How often a producer says it is alive. */
export const PRODUCER_HEARTBEAT_MS = 1000;
/** A producer not heard from for this long (wall time), and not done, is lost. */
export const PRODUCER_LOST_MS = 10_000;

/** Why a record was not taken, or the record. */
export type Parsed<T> = {readonly record: T} | {readonly problem: string};

type Json = Record<string, unknown>;

/** Text of 1 to `max` UTF-16 code units. */
export const isText = (value: unknown, max: number): value is string => typeof value === 'string' && value.length > 0 && value.length <= max;
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
/** A time or duration a result may carry: finite, not negative, within the clock's range. */
export const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 2 ** 51 / 1000;
/** A time within a run, or a send time: not negative, and no longer than a run may last (`LIMITS.simulatedMs`, 50 years). */
export const isRunTime = (value: unknown): value is number => isTime(value) && value <= LIMITS.simulatedMs;

/** Reads one AMQP body as a JSON object, refusing what is too large or not JSON. */
function readJson(body: unknown): Parsed<Json> {
	if (Buffer.isBuffer(body) && body.length > MAX_RECORD_BYTES) {
		return {problem: `larger than ${MAX_RECORD_BYTES / 1024 / 1024} MB`};
	}

	let value: unknown = body;
	if (typeof body === 'string' || Buffer.isBuffer(body)) {
		// Decoded once: a batch is hundreds of kilobytes.
		const text = typeof body === 'string' ? body : body.toString('utf8');
		if (text.length > MAX_RECORD_BYTES) {
			return {problem: `larger than ${MAX_RECORD_BYTES / 1024 / 1024} MB`};
		}

		try {
			value = JSON.parse(text);
		} catch {
			return {problem: 'not JSON'};
		}
	}

	return typeof value === 'object' && value !== null && !Array.isArray(value) ? {record: value as Json} : {problem: 'not a JSON object'};
}

/** The fields every record of a run has. */
function ofRun(value: Json, type: string): string | undefined {
	if (value.type !== type) {
		return `not a ${type} record`;
	}

	return isText(value.run, 100) && isText(value.epoch, 100) ? undefined : 'no run or epoch';
}

/**
 * Reads a record off the broker: JSON (not too large), then `problemOf` says what, if anything, is
 * wrong with it; the record, or why it is not one.
 */
function parseRecord<T>(body: unknown, problemOf: (value: Json) => string | undefined): Parsed<T> {
	const json = readJson(body);
	if ('problem' in json) {
		return json;
	}

	const problem = problemOf(json.record);
	return problem === undefined ? {record: json.record as T} : {problem};
}

export const parseEpoch = (body: unknown): Parsed<EpochRecord> => parseRecord(body, value =>
	ofRun(value, 'epoch') ?? (isTime(value.startedAt) && value.startedAt > 0 ? undefined : 'no start time') ?? (value.events === undefined || typeof value.events === 'boolean' ? undefined : 'a malformed events flag'));

/** What is wrong with a control record, if anything. */
function controlProblem(value: Json): string | undefined {
	switch (value.type) {
		case 'producer-start': {
			return ofRun(value, 'producer-start') ?? (isText(value.producer, 64) && isCount(value.total) && isCount(value.seed) && isCount(value.maxBodyLength) && isCount(value.maxBatches) && isCount(value.batch) && value.batch >= 1 && value.batch <= MAX_BATCH ? undefined : 'malformed producer-start');
		}

		case 'producer-done': {
			return ofRun(value, 'producer-done') ?? (isText(value.producer, 64) && isCount(value.published) && isCount(value.batches) ? undefined : 'malformed producer-done');
		}

		case 'worker-start': {
			return ofRun(value, 'worker-start') ?? (isText(value.worker, 300) && Array.isArray(value.groups) && value.groups.length <= 1000
				&& value.groups.every(group => typeof group === 'object' && group !== null && isText((group as WorkerGroupRecord).name, 40) && isCount((group as WorkerGroupRecord).count) && isText((group as WorkerGroupRecord).settings, 2000))
				? undefined
				: 'malformed worker-start');
		}

		case 'run-complete': {
			return ofRun(value, 'run-complete') ?? (Array.isArray(value.producers) && value.producers.length <= 10_000 && value.producers.every(producer => isText(producer, 64)) ? undefined : 'malformed run-complete');
		}

		case 'producer-alive':
		case 'producer-lost': {
			return ofRun(value, value.type) ?? (isText(value.producer, 64) && isCount(value.published) && isCount(value.batches) ? undefined : `malformed ${value.type}`);
		}

		case 'heartbeat': {
			return ofRun(value, 'heartbeat') ?? (isText(value.worker, 300) && isCount(value.senders) && isCount(value.inFlight) && isCount(value.processed) && typeof value.done === 'boolean' && (value.wants === undefined || isCount(value.wants)) ? undefined : 'malformed heartbeat');
		}

		default: {
			return 'not a control record';
		}
	}
}

export const parseControl = (body: unknown): Parsed<ControlRecord> => parseRecord(body, controlProblem);
