import {describe, expect, it} from 'vitest';
import type {Message} from '../source/model/messages.js';
import {resolveGroups, type SendResult} from '../source/model/senders.js';
import {
	exceedsFailureRate, needsWarmup, type Snapshot, type SnapshotContext, takeSnapshot, WARMUP_WARNING_SHARE,
} from '../source/engine/snapshot.js';
import {
	addResult, emptyStats, listPriorities, type Stats,
} from '../source/engine/stats.js';
import {WarmupDetector} from '../source/engine/warmup.js';

/*
 * TakeSnapshot on Stats built by hand: each figure from a few results whose answer is known, so a
 * changed comparison or a dropped term shows. (The CLI's tests check the same figures end to end,
 * in a child process.)
 */

type ResultOverrides = Partial<Omit<SendResult, 'message'>> & {message?: Partial<Message>};

let nextId = 0;

/** A sent result of sender a-1 (group a) that took `durationMs` from 0, changed by `overrides`. */
function result(durationMs: number, overrides: ResultOverrides = {}): SendResult {
	const id = `m${nextId++}`;
	const startMs = overrides.startMs ?? 0;
	return {
		type: 'result',
		id,
		senderId: 'a-1',
		group: 'a',
		status: 'sent',
		startMs,
		endMs: startMs + durationMs,
		durationMs,
		...overrides,
		message: {
			id, to: '+12025550123', body: 'x', ...overrides.message,
		},
	};
}

function fold(results: readonly SendResult[], stats: Stats = emptyStats()): Stats {
	for (const each of results) {
		addResult(stats, each);
	}

	return stats;
}

const context = (overrides: Partial<SnapshotContext> = {}): SnapshotContext => ({
	type: 'progress', elapsedMs: 1000, total: 100, inFlight: 0, groups: [], ...overrides,
});

// 1.2345 ms is recorded as 1,235 us, whose HDR bucket reports above the exact value: a figure
// clamped to the exact max is 1.2345, one taken raw from the histogram is not.
const ODD_MS = 1.2345;

describe('takeSnapshot: send times', () => {
	it('gives zeros, not Infinity or NaN, before the first result', () => {
		const snapshot = takeSnapshot(emptyStats(), context({type: 'final'}));
		expect(snapshot).toMatchObject({
			processed: 0, attempts: 0, avgMs: 0, minMs: 0, maxMs: 0, p50Ms: 0, p99Ms: 0, p999Ms: 0, stddevMs: 0, histogram: [],
		});
	});

	it('never reports a percentile above the exact longest send', () => {
		const snapshot = takeSnapshot(fold([result(ODD_MS)]), context());
		expect(snapshot.maxMs).toBe(ODD_MS);
		for (const figure of [snapshot.p50Ms, snapshot.p90Ms, snapshot.p95Ms, snapshot.p99Ms, snapshot.p999Ms]) {
			expect(figure).toBe(ODD_MS);
		}

		expect(snapshot.minMs).toBe(ODD_MS);
	});

	it('takes each percentile from the histogram, in ms', () => {
		const snapshot = takeSnapshot(fold([result(1), result(2), result(3)]), context());
		expect(snapshot).toMatchObject({
			p50Ms: 2, p90Ms: 3, minMs: 1, maxMs: 3, avgMs: 2,
		});
		const arrived = (waitMs: number) => result(1, {startMs: waitMs, message: {arrivalMs: 0}});
		const {wait} = takeSnapshot(fold([arrived(1), arrived(2), arrived(3)]), context());
		expect(wait).toMatchObject({p50Ms: 2, p90Ms: 3, maxMs: 3});
	});

	it('puts the send times of a final snapshot in one bin when they are all equal', () => {
		const snapshot = takeSnapshot(fold([result(3), result(3), result(3)]), context({type: 'final'}));
		expect(snapshot.histogram).toEqual([{fromMs: 3, toMs: 3, count: 3}]);
	});

	it('bins send times in ten equal bins from min to max, a time on an edge in the lower bin', () => {
		// 0.125, 0.25, ..., 1.375 ms: bins of 0.125 ms, every edge a recorded time. Binary fractions,
		// and under 2,048 us, where the histogram keeps every microsecond: the edges are exact.
		const times = Array.from({length: 11}, (_, index) => (index + 1) / 8);
		const snapshot = takeSnapshot(fold(times.map(ms => result(ms))), context({type: 'final'}));
		expect(snapshot.histogram).toEqual(times.slice(0, 10).map((fromMs, index) => ({fromMs, toMs: fromMs + 0.125, count: index === 0 ? 2 : 1})));
	});

	it('has no histogram on a progress snapshot', () => {
		expect(takeSnapshot(fold([result(1), result(2)]), context())).not.toHaveProperty('histogram');
	});
});

describe('takeSnapshot: progress and time left', () => {
	it('counts as pending what is neither processed, in flight nor waiting to retry', () => {
		const stats = fold(Array.from({length: 10}, () => result(1)));
		expect(takeSnapshot(stats, context({inFlight: 5, retrying: 3})).pending).toBe(82);
		expect(takeSnapshot(stats, context({total: 12, inFlight: 5})).pending).toBe(0);
		expect(takeSnapshot(stats, context({total: null})).pending).toBeNull();
	});

	it('tells the time left from the throughput so far', () => {
		const stats = fold(Array.from({length: 10}, () => result(1)));
		// 10 in 1 s: 90 more take 9 s.
		expect(takeSnapshot(stats, context()).etaMs).toBe(9000);
		expect(takeSnapshot(stats, context({total: null})).etaMs).toBeNull();
		expect(takeSnapshot(stats, context({total: 10, elapsedMs: 0})).etaMs).toBe(0);
		expect(takeSnapshot(stats, context({elapsedMs: 0})).etaMs).toBeNull();
		expect(takeSnapshot(emptyStats(), context()).etaMs).toBeNull();
	});

	it('has no rate and no end in sight while a broker run has no live worker', () => {
		const stats = fold(Array.from({length: 10}, () => result(1)));
		const gone = takeSnapshot(stats, context({workers: {live: 0, senders: 0}}));
		expect(gone).toMatchObject({etaMs: null, intervalThroughputPerSec: 0, workers: {live: 0, senders: 0}});
		expect(takeSnapshot(stats, context({workers: {live: 1, senders: 4}})).etaMs).toBe(9000);
		expect(takeSnapshot(stats, context({workers: {live: 0, senders: 0}, type: 'final'})).etaMs).toBe(9000);
		expect(takeSnapshot(stats, context({workers: {live: 0, senders: 0}, total: 10})).etaMs).toBe(0);
	});

	it('takes the interval throughput over the time since the previous snapshot', () => {
		const previous = takeSnapshot(fold(Array.from({length: 10}, () => result(1))), context());
		const stats = fold(Array.from({length: 30}, () => result(1)));
		expect(takeSnapshot(stats, context({elapsedMs: 2000, previous})).intervalThroughputPerSec).toBe(20);
		// A final at the last tick's instant keeps the tick's rate.
		expect(takeSnapshot(stats, context({elapsedMs: 1000, previous, type: 'final'})).intervalThroughputPerSec).toBe(previous.intervalThroughputPerSec);
	});

	it('gives backlog only to a run with arrivals, zero included', () => {
		expect(takeSnapshot(emptyStats(), context())).not.toHaveProperty('backlog');
		expect(takeSnapshot(emptyStats(), context({backlog: 0}))).toHaveProperty('backlog', 0);
	});
});

describe('exceedsFailureRate', () => {
	const withFailures = (failed: number, processed: number): Snapshot => ({...takeSnapshot(emptyStats(), context()), failed, processed});

	it('is never exceeded when no limit is set, or before the first message', () => {
		expect(exceedsFailureRate(withFailures(10, 10), undefined)).toBe(false);
		expect(exceedsFailureRate(withFailures(0, 0), 0)).toBe(false);
	});

	it('is exceeded only above the limit, not at it', () => {
		expect(exceedsFailureRate(withFailures(1, 10), 0.1)).toBe(false);
		expect(exceedsFailureRate(withFailures(2, 10), 0.1)).toBe(true);
		expect(exceedsFailureRate(withFailures(1, 10), 0)).toBe(true);
	});
});

describe('needsWarmup', () => {
	const estimate = (messages: number) => ({
		messages, atMs: 10, of: 1000, settled: true,
	});

	it('warns only past 5% of the waits', () => {
		expect(needsWarmup(undefined)).toBe(false);
		expect(needsWarmup(estimate(WARMUP_WARNING_SHARE * 1000))).toBe(false);
		expect(needsWarmup(estimate((WARMUP_WARNING_SHARE * 1000) + 1))).toBe(true);
	});
});

describe('takeSnapshot: groups and senders', () => {
	const groups = resolveGroups([{name: 'a', count: 5}, {name: 'b', count: 2}]);

	it('counts a sender\'s messages and attempts apart, and its group\'s too', () => {
		const stats = fold([
			result(2, {status: 'failed', attempt: 1, retry: true}),
			result(4, {attempt: 2}),
			result(6, {status: 'failed', attempt: 1}),
		]);
		const snapshot = takeSnapshot(stats, context({groups}));
		expect(snapshot.senders).toEqual([{
			id: 'a-1', group: 'a', sent: 1, failed: 1, processed: 2, attempts: 3, failedAttempts: 2, avgMs: 4,
		}]);
		expect(snapshot.groups[0]).toMatchObject({
			name: 'a', senders: 5, sent: 1, failed: 1, processed: 2, attempts: 3, failedAttempts: 2, avgMs: 4,
		});
	});

	it('lists a group it was told of before any result, with zeros', () => {
		const snapshot = takeSnapshot(fold([result(1)]), context({groups}));
		expect(snapshot.groups.map(group => group.name)).toEqual(['a', 'b']);
		expect(snapshot.groups[1]).toEqual({
			name: 'b', senders: 2, sent: 0, failed: 0, processed: 0, attempts: 0, failedAttempts: 0, avgMs: 0, p99Ms: 0,
		});
	});

	it('counts the senders of a group it was not told of from their results', () => {
		const stats = fold([result(1, {senderId: 'w-1', group: 'w'}), result(1, {senderId: 'w-2', group: 'w'}), result(1)]);
		const snapshot = takeSnapshot(stats, context({groups: []}));
		expect(snapshot.groups.map(({name, senders}) => [name, senders])).toEqual([['w', 2], ['a', 1]]);
	});

	it('adds the senders the workers\' stats records declare, group by group', () => {
		const stats = fold([result(1)]);
		stats.workerSenders.set('w1/a', {group: 'a', count: 3});
		stats.workerSenders.set('w2/a', {group: 'a', count: 4});
		const snapshot = takeSnapshot(stats, context({groups: []}));
		expect(snapshot.groups).toMatchObject([{name: 'a', senders: 7}]);
	});

	it('gives each group its own 99th percentile, never above the run\'s longest send', () => {
		const stats = fold([
			result(ODD_MS),
			result(10, {senderId: 'b-1', group: 'b'}),
			result(ODD_MS),
		]);
		const [a, b] = takeSnapshot(stats, context({groups})).groups;
		expect(a.p99Ms).toBeCloseTo(ODD_MS, 2);
		expect(b.p99Ms).toBe(10);
	});
});

describe('takeSnapshot: retries', () => {
	it('gives the mean attempts of finished messages and what waits to retry', () => {
		const stats = fold([
			result(1, {status: 'failed', attempt: 1, retry: true}),
			result(1, {attempt: 2}),
			result(1, {attempt: 1}),
		]);
		expect(takeSnapshot(stats, context({retrying: 3})).retries).toEqual({
			retried: 1, deliveredAfterRetry: 1, deadLettered: 0, transientFailures: 1, permanentFailures: 0, meanAttempts: 1.5, waitingToRetry: 3,
		});
	});

	it('has a mean of 0, not NaN, while no message has finished', () => {
		const stats = fold([result(1, {status: 'failed', attempt: 1, retry: true})]);
		expect(takeSnapshot(stats, context()).retries).toMatchObject({meanAttempts: 0, waitingToRetry: 0});
	});
});

describe('takeSnapshot: priorities', () => {
	const arrived = (priority: string, overrides: ResultOverrides = {}) => result(ODD_MS, {
		startMs: 1, ...overrides, message: {arrivalMs: 0, priority},
	});

	it('lists every priority of the run, or only those some message had', () => {
		const stats = fold([arrived('high')], listPriorities(emptyStats(), ['high', 'low']));
		const all = takeSnapshot(stats, context()).priorities!;
		expect(all.map(figures => figures.name)).toEqual(['high', 'low']);
		expect(all[1]).toMatchObject({
			count: 0, waited: 0, wait: {count: 0, avgMs: 0, p50Ms: 0}, latency: {count: 0, avgMs: 0, p99Ms: 0},
		});
		expect(takeSnapshot(stats, context({usedPrioritiesOnly: true})).priorities!.map(figures => figures.name)).toEqual(['high']);
		expect(takeSnapshot(emptyStats(), context())).not.toHaveProperty('priorities');
	});

	it('counts as used a priority whose message has started but not finished', () => {
		const stats = fold([arrived('low', {status: 'failed', attempt: 1, retry: true})], listPriorities(emptyStats(), ['high', 'low']));
		const [low] = takeSnapshot(stats, context({usedPrioritiesOnly: true})).priorities!;
		expect(low).toMatchObject({name: 'low', count: 0, wait: {count: 1}});
	});

	it('gives waits and latencies clamped to their exact longest', () => {
		const [high] = takeSnapshot(fold([arrived('high')]), context()).priorities!;
		expect(high).toMatchObject({
			count: 1, waited: 1, wait: {count: 1, avgMs: 1, maxMs: 1}, latency: {count: 1, avgMs: 1 + ODD_MS, maxMs: 1 + ODD_MS},
		});
		expect(high.latency.p50Ms).toBe(1 + ODD_MS);
	});

	it('takes a priority\'s figures again once something is added to it, and only then', () => {
		const stats = fold([arrived('high')]);
		const first = takeSnapshot(stats, context()).priorities![0];
		expect(takeSnapshot(stats, context()).priorities![0]).toBe(first);
		addResult(stats, arrived('high', {status: 'failed', attempt: 1, retry: true}));
		const started = takeSnapshot(stats, context()).priorities![0];
		expect(started).toMatchObject({count: 1, wait: {count: 2}});
		addResult(stats, arrived('high', {attempt: 2, startMs: 5}));
		expect(takeSnapshot(stats, context()).priorities![0]).toMatchObject({count: 2, wait: {count: 2}});
	});
});

describe('takeSnapshot: warm-up', () => {
	/** Waits that fall from 100 ms to 0 over the first 100 messages, then stay at 0: a transient MSER-5 finds. */
	function withTransient(): Stats {
		const stats = emptyStats();
		stats.warmupDetector = new WarmupDetector();
		for (let index = 0; index < 1000; index++) {
			const wait = Math.max(0, 100 - index);
			addResult(stats, result(1, {startMs: index + wait, message: {arrivalMs: index}}));
		}

		return stats;
	}

	it('estimates the transient on the final snapshot only', () => {
		const stats = withTransient();
		expect(takeSnapshot(stats, context())).not.toHaveProperty('warmup');
		const {warmup} = takeSnapshot(stats, context({type: 'final'}));
		expect(warmup).toMatchObject({of: 1000, settled: true});
		expect(needsWarmup(warmup)).toBe(true);
	});

	it('has none for a run too short to tell', () => {
		const stats = emptyStats();
		stats.warmupDetector = new WarmupDetector();
		addResult(stats, result(1, {message: {arrivalMs: 0}}));
		expect(takeSnapshot(stats, context({type: 'final'}))).not.toHaveProperty('warmup');
	});
});
