import type {ResolvedConfig} from '../model/config.js';
import {flattenResult, hasRetryPolicy, type SendResult} from '../model/senders.js';
import {
	exceedsFailureRate, needsWarmup, type Snapshot, type TimeFigures,
} from '../engine/snapshot.js';
import {evaluateThreshold} from '../engine/thresholds.js';
import {bodyCost, type BodyCost} from '../model/segments.js';
import {groupCapacities, type SummaryContext} from './lines.js';
import {SCHEMA_VERSION} from './schema.js';

export {SCHEMA_VERSION} from './schema.js';

/** Milliseconds to the microsecond: enough for any clock here, and short lines. */
const ms = (value: number): number => Math.round(value * 1000) / 1000;
/** A rate to the hundredth; null stays null (no time passed: no rate). */
const rate = (value: number | null): number | null => (value === null ? null : Math.round(value * 100) / 100);

/** The first line; a broker worker's or monitor's says whose view it is (`role`, `run`). */
export function startRecord(config: ResolvedConfig, header?: {readonly role: 'worker' | 'monitor' | 'gateway'; readonly run?: string; readonly listen?: string}) {
	return {
		type: 'start' as const,
		schemaVersion: SCHEMA_VERSION,
		...(header ? {role: header.role, ...(header.run === undefined ? {} : {run: header.run}), ...(header.listen === undefined ? {} : {listen: header.listen})} : {}),
		config: {
			messages: config.messages,
			seed: config.seed,
			speed: config.speed,
			intervalMs: config.intervalMs,
			maxBodyLength: config.maxBodyLength,
			charset: config.charset,
			...(config.input ? {input: {path: config.input.path, format: config.input.format}} : {}),
			...(config.priorities ? {priorities: config.priorities.map(priority => ({name: priority.name, share: priority.share}))} : {}),
			groups: config.groups.map(group => ({
				name: group.name,
				senders: group.count,
				meanMs: group.meanMs,
				spread: group.spread,
				distribution: group.distribution,
				failureRate: group.failureRate,
				...(group.ratePerSec === undefined ? {} : {ratePerSec: group.ratePerSec}),
				...(group.sendTimes === undefined ? {} : {sendTimes: {count: group.sendTimes.length, ...(group.sendTimesFrom === undefined ? {} : {from: group.sendTimesFrom})}}),
				...(hasRetryPolicy(group)
					? {
						maxAttempts: group.maxAttempts, backoffMs: group.backoffMs, backoffMaxMs: group.backoffMaxMs, permanentFailureRate: group.permanentFailureRate,
					}
					: {}),
			})),
			...(config.arrivals ? {arrivals: {ratePerSec: config.arrivals.ratePerSec, process: config.arrivals.process}} : {}),
			...(config.warmup ? {warmup: 'ms' in config.warmup ? {ms: config.warmup.ms} : {messages: config.warmup.messages}} : {}),
			...(config.via ? {via: {gateway: config.via.gateway, binds: config.via.binds}} : {}),
		},
	};
}

/** The fields progress and summary lines share. */
function progressFields(snapshot: Snapshot) {
	return {
		elapsedMs: ms(snapshot.elapsedMs),
		total: snapshot.total,
		sent: snapshot.sent,
		failed: snapshot.failed,
		processed: snapshot.processed,
		inFlight: snapshot.inFlight,
		pending: snapshot.pending,
		avgMs: ms(snapshot.avgMs),
		p50Ms: ms(snapshot.p50Ms),
		p90Ms: ms(snapshot.p90Ms),
		p95Ms: ms(snapshot.p95Ms),
		p99Ms: ms(snapshot.p99Ms),
		p999Ms: ms(snapshot.p999Ms),
		maxMs: ms(snapshot.maxMs),
		minMs: ms(snapshot.minMs),
		stddevMs: ms(snapshot.stddevMs),
		throughputPerSec: rate(snapshot.throughputPerSec),
		intervalThroughputPerSec: rate(snapshot.intervalThroughputPerSec),
		etaMs: snapshot.etaMs === null ? null : ms(snapshot.etaMs),
		...(snapshot.workers ? {workers: snapshot.workers} : {}),
		...(snapshot.gateway ? {gateway: snapshot.gateway} : {}),
		...(snapshot.via ? {via: {...snapshot.via, deliveryLatency: timeFields(snapshot.via.deliveryLatency)}} : {}),
		...(snapshot.backlog === undefined ? {} : {backlog: snapshot.backlog}),
		...(snapshot.retries ? {attempts: snapshot.attempts, retries: {...snapshot.retries, meanAttempts: Math.round(snapshot.retries.meanAttempts * 1e6) / 1e6}} : {}),
		...(snapshot.wait && snapshot.latency ? {wait: timeFields(snapshot.wait), latency: timeFields(snapshot.latency), waited: snapshot.waited} : {}),
		...(snapshot.priorities
			? {
				priorities: snapshot.priorities.map(priority => ({
					name: priority.name, count: priority.count, waited: priority.waited, wait: timeFields(priority.wait), latency: timeFields(priority.latency),
				})),
			}
			: {}),
	};
}

function timeFields(figures: TimeFigures) {
	return {
		count: figures.count, avgMs: ms(figures.avgMs), p50Ms: ms(figures.p50Ms), p90Ms: ms(figures.p90Ms), p95Ms: ms(figures.p95Ms), p99Ms: ms(figures.p99Ms), p999Ms: ms(figures.p999Ms), maxMs: ms(figures.maxMs),
	};
}

export function progressRecord(snapshot: Snapshot) {
	return {type: 'progress' as const, ...progressFields(snapshot)};
}

/**
 * The last line. Everything in it follows from the seed and the configuration, byte for byte at
 * any speed, except `wallMs`: the wall-clock time this process took.
 */
export function summaryRecord(snapshot: Snapshot, {
	seed, maxFailureRate, thresholds = [], wallMs, groups = [],
}: SummaryContext) {
	const capacities = groupCapacities(snapshot, groups);
	return {
		type: 'summary' as const,
		// Here too, not only on the first line: a consumer may read the last line alone.
		schemaVersion: SCHEMA_VERSION,
		...progressFields(snapshot),
		...(wallMs === undefined ? {} : {wallMs: ms(wallMs)}),
		seed: snapshot.seeds?.[0] ?? seed,
		...(snapshot.seeds === undefined ? {} : {seeds: snapshot.seeds}),
		interrupted: snapshot.interrupted,
		failureRatio: snapshot.processed > 0 ? snapshot.failed / snapshot.processed : 0,
		...(maxFailureRate === undefined ? {} : {maxFailureRate, thresholdExceeded: exceedsFailureRate(snapshot, maxFailureRate)}),
		...(thresholds.length === 0 ? {} : {thresholds: thresholds.map(threshold => evaluateThreshold(threshold, snapshot))}),
		...(capacities.length === 0
			? {}
			: {
				capacity: capacities.map(capacity => ({
					group: capacity.group, rateLimitPerSec: rate(capacity.rateLimitPerSec), sendTimePerSec: Number.isFinite(capacity.sendTimePerSec) ? rate(capacity.sendTimePerSec) : null, boundBy: capacity.boundBy,
				})),
			}),
		...(needsWarmup(snapshot.warmup)
			? {
				warmupSuggestion: {
					messages: snapshot.warmup.messages, atMs: ms(snapshot.warmup.atMs), of: snapshot.warmup.of, settled: snapshot.warmup.settled,
				},
			}
			: {}),
		segments: snapshot.segments,
		segmentsSubmitted: snapshot.segmentsSubmitted,
		segmentsDelivered: snapshot.segmentsDelivered,
		encodings: {gsm7: snapshot.processed - snapshot.ucs2, ucs2: snapshot.ucs2},
		histogram: (snapshot.histogram ?? []).map(bin => ({fromMs: ms(bin.fromMs), toMs: ms(bin.toMs), count: bin.count})),
		groups: snapshot.groups.map(group => ({
			name: group.name,
			senders: group.senders,
			sent: group.sent,
			failed: group.failed,
			attempts: group.attempts,
			failedAttempts: group.failedAttempts,
			avgMs: ms(group.avgMs),
			p99Ms: ms(group.p99Ms),
		})),
	};
}

/** A message's encoding and segments: as its source said, or worked out from its body. */
function messageCost(message: SendResult['message']): BodyCost {
	return message.encoding !== undefined && message.segments !== undefined ? {encoding: message.encoding, segments: message.segments} : bodyCost(message.body);
}

export function messageRecord(result: SendResult) {
	const {arrivalMs} = result.message;
	return {
		type: 'message' as const,
		...flattenResult(result),
		startMs: ms(result.startMs),
		endMs: ms(result.endMs),
		durationMs: ms(result.durationMs),
		...messageCost(result.message),
		...(result.message.priority === undefined ? {} : {priority: result.message.priority}),
		...(result.attempt === undefined ? {} : {attempt: result.attempt, retry: result.retry ?? false, permanent: result.permanent ?? false}),
		...(result.retryDueMs === undefined ? {} : {backoffMs: ms(result.backoffMs!), retryDueMs: ms(result.retryDueMs)}),
		...(result.error === undefined ? {} : {error: result.error}),
		...(arrivalMs === undefined ? {} : {arrivalMs: ms(arrivalMs), waitMs: ms(result.startMs - arrivalMs), latencyMs: ms(result.endMs - arrivalMs)}),
	};
}
