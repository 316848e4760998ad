import type {ResolvedConfig} from '../model/config.js';
import type {Distribution} from '../model/distributions.js';
import type {Charset} from '../model/messages.js';
import type {Priority} from '../model/priorities.js';
import type {Speed} from '../engine/scheduler.js';
import type {SendResult} from '../model/senders.js';
import type {GroupSnapshot, Snapshot} from '../engine/snapshot.js';

/** One line of a saved `--json` run, as parsed JSON. */
export type JsonRecord = Record<string, unknown>;

/** A field of a saved record read as what it should be, or a fallback: saved files are not trusted to have every field. */
export const numberOr = (value: unknown, fallback: number): number => (typeof value === 'number' ? value : fallback);
export const optionalNumber = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
export const recordsOf = (value: unknown): JsonRecord[] => (Array.isArray(value) ? value.filter((item): item is JsonRecord => typeof item === 'object' && item !== null) : []);
/** A field that should be text, or '' when it is not. */
const textOf = (value: unknown): string => (typeof value === 'string' ? value : '');
export const objectOf = (value: unknown): JsonRecord | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? value as JsonRecord : undefined);

/** The run's config as a saved start line gives it, in the shape the summary's lines read. */
export function configFromStart(start: JsonRecord): ResolvedConfig {
	const config = (typeof start.config === 'object' && start.config !== null ? start.config : {}) as JsonRecord;
	return {
		messages: numberOr(config.messages, 0),
		seed: numberOr(config.seed, 0),
		speed: (config.speed === 'max' ? 'max' : numberOr(config.speed, 1)),
		intervalMs: numberOr(config.intervalMs, 1000),
		maxBodyLength: numberOr(config.maxBodyLength, 0),
		charset: (typeof config.charset === 'string' ? config.charset : 'ascii') as Charset,
		arrivals: config.arrivals as ResolvedConfig['arrivals'],
		priorities: config.priorities as Priority[] | undefined,
		input: config.input as ResolvedConfig['input'],
		warmup: config.warmup as ResolvedConfig['warmup'],
		...(objectOf(config.via) === undefined ? {} : {via: config.via as ResolvedConfig['via']}),
		groups: recordsOf(config.groups).map(group => ({
			name: String(group.name),
			count: numberOr(group.senders, 0),
			meanMs: numberOr(group.meanMs, 0),
			spread: numberOr(group.spread, 0),
			distribution: group.distribution as Distribution,
			failureRate: numberOr(group.failureRate, 0),
			maxAttempts: numberOr(group.maxAttempts, 1),
			backoffMs: numberOr(group.backoffMs, 1000),
			backoffMaxMs: numberOr(group.backoffMaxMs, 30_000),
			permanentFailureRate: numberOr(group.permanentFailureRate, 0),
			ratePerSec: typeof group.ratePerSec === 'number' ? group.ratePerSec : undefined,
		})),
	};
}

/**
 * A saved summary (or, for a run cut short, its last progress line) as the snapshot it was written
 * from, as far as the record tells: so it prints as the run printed it.
 */
export function snapshotFromRecord(record: JsonRecord, cutShort: boolean): Snapshot {
	const groups: GroupSnapshot[] = recordsOf(record.groups).map(group => ({
		name: String(group.name),
		senders: numberOr(group.senders, 0),
		sent: numberOr(group.sent, 0),
		failed: numberOr(group.failed, 0),
		processed: numberOr(group.sent, 0) + numberOr(group.failed, 0),
		// Saved before groups said their attempts: as many as the messages, as far as the record tells.
		attempts: numberOr(group.attempts, numberOr(group.sent, 0) + numberOr(group.failed, 0)),
		failedAttempts: numberOr(group.failedAttempts, numberOr(group.failed, 0)),
		avgMs: numberOr(group.avgMs, 0),
		p99Ms: numberOr(group.p99Ms, 0),
	}));
	const encodings = (typeof record.encodings === 'object' && record.encodings !== null ? record.encodings : {}) as JsonRecord;
	return {
		...(record as unknown as Snapshot),
		type: 'final',
		groups,
		senders: [],
		interrupted: record.interrupted === true || cutShort,
		segments: numberOr(record.segments, 0),
		ucs2: numberOr(encodings.ucs2, 0),
		attempts: numberOr(record.attempts, numberOr(record.processed, 0)),
		histogram: recordsOf(record.histogram) as unknown as Snapshot['histogram'],
	};
}

/**
 * A saved message line (`--events`) as the result it was written from, as far as the record
 * tells; undefined when it lacks what a result needs (its status and times).
 */
export function resultFromRecord(record: JsonRecord): SendResult | undefined {
	const {status, startMs, endMs, durationMs} = record;
	if ((status !== 'sent' && status !== 'failed') || typeof startMs !== 'number' || typeof endMs !== 'number' || typeof durationMs !== 'number') {
		return undefined;
	}

	const encoding = record.encoding === 'ucs2' ? 'ucs2' : 'gsm7';
	return {
		type: 'result',
		id: String(record.id),
		message: {
			id: String(record.id),
			to: textOf(record.to),
			body: textOf(record.body),
			encoding,
			segments: numberOr(record.segments, 1),
			...(typeof record.priority === 'string' ? {priority: record.priority} : {}),
			...(typeof record.arrivalMs === 'number' ? {arrivalMs: record.arrivalMs} : {}),
		},
		senderId: textOf(record.senderId),
		group: textOf(record.group),
		status,
		startMs,
		endMs,
		durationMs,
		...(typeof record.attempt === 'number' ? {attempt: record.attempt, retry: record.retry === true, permanent: record.permanent === true} : {}),
	};
}
