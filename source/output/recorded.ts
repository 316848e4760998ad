import type {ResolvedConfig} from '../config.js';
import type {GroupSnapshot, Snapshot} from '../snapshot.js';
import type {SummaryContext} from './lines.js';

type Json = Record<string, any>;

/**
 * A run saved with `--json`, read back: its start line's config, and its summary (or, for a run
 * cut short, its last progress line) as a snapshot, so the summary prints as the run printed it.
 */
export type RecordedRun = {
	readonly config: ResolvedConfig;
	readonly snapshot: Snapshot;
	readonly context: SummaryContext;
	/** No summary line: the file ends before the run did (killed, or cut). */
	readonly cutShort: boolean;
};

/** The run's config as the start line gives it, in the shape the summary's lines read. */
export function configFromStart(start: Json): ResolvedConfig {
	const config = (start.config ?? {}) as Json;
	return {
		messages: config.messages ?? 0,
		seed: config.seed ?? 0,
		speed: config.speed ?? 1,
		intervalMs: config.intervalMs ?? 1000,
		maxBodyLength: config.maxBodyLength ?? 0,
		charset: config.charset ?? 'ascii',
		arrivals: config.arrivals,
		priorities: config.priorities,
		input: config.input,
		groups: ((config.groups ?? []) as Json[]).map(group => ({
			name: group.name,
			count: group.senders,
			meanMs: group.meanMs,
			spread: group.spread,
			distribution: group.distribution,
			failureRate: group.failureRate,
			maxAttempts: group.maxAttempts ?? 1,
			backoffMs: group.backoffMs ?? 1000,
			backoffMaxMs: group.backoffMaxMs ?? 30_000,
			permanentFailureRate: group.permanentFailureRate ?? 0,
			ratePerSec: group.ratePerSec,
		})),
	};
}

/** A summary (or progress) record as the snapshot it was written from, as far as the record tells. */
export function snapshotFromRecord(record: Json, cutShort: boolean): Snapshot {
	const groups: GroupSnapshot[] = ((record.groups ?? []) as Json[]).map(group => ({
		name: group.name, senders: group.senders, sent: group.sent, failed: group.failed, processed: group.sent + group.failed, avgMs: group.avgMs, p99Ms: group.p99Ms ?? 0,
	}));
	return {
		...(record as unknown as Snapshot),
		type: 'final',
		groups,
		senders: [],
		interrupted: Boolean(record.interrupted) || cutShort,
		segments: record.segments ?? 0,
		ucs2: record.encodings?.ucs2 ?? 0,
		attempts: record.attempts ?? record.processed,
		histogram: record.histogram ?? [],
	};
}
