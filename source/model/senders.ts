import {DEFAULTS} from './defaults.js';
import {
	createSendTimeSampler, defaultSpread, sampleShape, type Distribution, type SendTimeSampler,
} from './distributions.js';
import type {Message} from './messages.js';
import type {Random} from './random.js';

/** A group of identical senders. */
export type SenderGroup = {
	/** Shown in tables and results; unique within a run. Defaults to `default` or `group-N`. */
	readonly name?: string;
	/** How many senders, >= 1. */
	readonly count: number;
	/** Mean send time in milliseconds, >= 0. Default 100. */
	readonly meanMs?: number;
	/** Coefficient of variation of the send time; the distribution's default when left out. */
	readonly spread?: number;
	readonly distribution?: Distribution;
	/** Probability, 0..1 inclusive, that a send fails. Default 0.1. */
	readonly failureRate?: number;
	/** Attempts a message gets in all, >= 1. Default 1: a failed send is final. */
	readonly maxAttempts?: number;
	/** Backoff before the second attempt, ms; it doubles each attempt (with full jitter). Default 1000. */
	readonly backoffMs?: number;
	/** Longest backoff, ms. Default 30000. */
	readonly backoffMaxMs?: number;
	/** Share of failures that are permanent (an invalid number): never retried. Default 0. */
	readonly permanentFailureRate?: number;
	/**
	 * A carrier's limit on each sender, in segments per second (a long code's 1/s): a sender never
	 * starts sends faster. No limit when left out.
	 */
	readonly ratePerSec?: number;
	/**
	 * `distribution: 'empirical'`: measured send times (ms), each drawn with equal chance; the group's
	 * mean and spread are then theirs (any given are ignored). `sendTimesFrom` says where they came from.
	 */
	readonly sendTimes?: readonly number[];
	readonly sendTimesFrom?: string;
};

/** A group with every default filled in. */
export type ResolvedSenderGroup = Required<Omit<SenderGroup, 'ratePerSec' | 'sendTimes' | 'sendTimesFrom'>> & {
	readonly ratePerSec: number | undefined;
	readonly sendTimes?: readonly number[];
	readonly sendTimesFrom?: string;
};

/** One sender: it sends one message at a time. */
export type Sender = {
	readonly id: string;
	readonly group: string;
	readonly failureRate: number;
	readonly sampleSendTime: SendTimeSampler;
	/** Its group's retry policy; undefined when a message gets one attempt and no failure is permanent (the default). */
	readonly retry?: RetryPolicy;
	/** Its carrier limit, in segments per second; undefined: none. */
	readonly ratePerSec?: number;
};

/** How a group retries: see `SenderGroup`. */
export type RetryPolicy = {
	readonly maxAttempts: number;
	readonly backoffMs: number;
	readonly backoffMaxMs: number;
	readonly permanentFailureRate: number;
};

/** What became of one message. Times are on the simulation clock, in ms from the run's start. */
export type SendResult = {
	readonly type: 'result';
	readonly id: string;
	readonly message: Message;
	readonly senderId: string;
	readonly group: string;
	readonly status: 'sent' | 'failed';
	readonly startMs: number;
	readonly endMs: number;
	readonly durationMs: number;
	/** Which attempt this was (1 first); set only where the group retries or has permanent failures. */
	readonly attempt?: number;
	/** A failed attempt that will be tried again (after its backoff): not the message's outcome yet. */
	readonly retry?: boolean;
	/** With `retry`: the backoff drawn (ms), and when the next attempt may start (`retryDueMs`, run ms). */
	readonly backoffMs?: number;
	readonly retryDueMs?: number;
	/** A permanent failure (never retried). */
	readonly permanent?: boolean;
	/** A real send's failure (`--via`): the gateway's status by name, `ESME_RTHROTTLED`. */
	readonly error?: string;
};

/**
 * A result as flat fields, the message's own included: what NDJSON and the broker carry. A broker
 * worker shifts its times by `offsetMs` (its start, from the run's).
 */
export function flattenResult(result: SendResult, offsetMs = 0) {
	return {
		id: result.id,
		to: result.message.to,
		body: result.message.body,
		senderId: result.senderId,
		group: result.group,
		status: result.status,
		startMs: result.startMs + offsetMs,
		endMs: result.endMs + offsetMs,
		durationMs: result.durationMs,
	};
}

/**
 * Fills in names, spread and distribution. One group is called `default`; an unnamed group among
 * several is `group-N` (N its place), or the first `group-N-M` no other group is called, so a
 * generated name never takes a given one. Two groups given the same name are an error: their
 * senders would be counted as one group.
 */
export function resolveGroups(groups: readonly SenderGroup[]): ResolvedSenderGroup[] {
	const given = new Set<string>();
	for (const group of groups) {
		if (group.name !== undefined) {
			if (given.has(group.name)) {
				throw new RangeError(`two sender groups are called ${JSON.stringify(group.name)}; names must be unique`);
			}

			given.add(group.name);
		}
	}

	return groups.map((group, index) => {
		const distribution = group.distribution ?? DEFAULTS.distribution;
		const name = group.name ?? generatedName(groups.length === 1 ? 'default' : `group-${index + 1}`, given);
		if (distribution === 'empirical' && !(group.sendTimes && group.sendTimes.length > 0)) {
			throw new RangeError(`sender group ${JSON.stringify(name)}: the empirical distribution needs sendTimes (measured send times, ms)`);
		}

		// Measured send times bring their own mean and spread.
		const measured = distribution === 'empirical' ? sampleShape(group.sendTimes!) : undefined;
		return {
			name,
			count: group.count,
			meanMs: measured?.meanMs ?? group.meanMs ?? DEFAULTS.meanMs,
			spread: measured?.spread ?? group.spread ?? defaultSpread(distribution),
			distribution,
			...(measured ? {sendTimes: group.sendTimes, ...(group.sendTimesFrom === undefined ? {} : {sendTimesFrom: group.sendTimesFrom})} : {}),
			failureRate: group.failureRate ?? DEFAULTS.failureRate,
			maxAttempts: group.maxAttempts ?? DEFAULTS.maxAttempts,
			backoffMs: group.backoffMs ?? DEFAULTS.backoffMs,
			backoffMaxMs: group.backoffMaxMs ?? DEFAULTS.backoffMaxMs,
			permanentFailureRate: group.permanentFailureRate ?? DEFAULTS.permanentFailureRate,
			ratePerSec: group.ratePerSec,
		};
	});
}

/** Whether a group does more than today's one final attempt: it retries, or some failures are permanent. */
export function hasRetryPolicy(group: ResolvedSenderGroup): boolean {
	return group.maxAttempts > 1 || group.permanentFailureRate > 0;
}

/** `wanted`, or `wanted-2`, `wanted-3`... whichever is not taken; the name chosen is taken from then on. */
function generatedName(wanted: string, taken: Set<string>): string {
	let name = wanted;
	for (let suffix = 2; taken.has(name); suffix++) {
		name = `${wanted}-${suffix}`;
	}

	taken.add(name);
	return name;
}

/**
 * The senders of every group, in group order, ids `<group>-<n>`. Each draws its send times and
 * outcomes from the one shared `random`, so a run is reproducible from its seed.
 */
export function createSenders(groups: readonly ResolvedSenderGroup[], random: Random): Sender[] {
	const senders: Sender[] = [];
	for (const group of groups) {
		const sampleSendTime = createSendTimeSampler(group, random);
		const retry = hasRetryPolicy(group)
			? {
				maxAttempts: group.maxAttempts, backoffMs: group.backoffMs, backoffMaxMs: group.backoffMaxMs, permanentFailureRate: group.permanentFailureRate,
			}
			: undefined;
		for (let n = 1; n <= group.count; n++) {
			senders.push({
				id: `${group.name}-${n}`, group: group.name, failureRate: group.failureRate, sampleSendTime, retry, ratePerSec: group.ratePerSec,
			});
		}
	}

	return senders;
}
