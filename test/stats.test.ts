import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {type SendResult, resolveGroups} from '../source/model/senders.js';
import {
	addResult, durationStdDevMs, emptyStats, groupHistogram, groupsOf, listPriorities, mergeStats, type Stats,
} from '../source/engine/stats.js';
import {takeSnapshot} from '../source/engine/snapshot.js';

const resultArbitrary = fc.record({
	senderId: fc.constantFrom('a-1', 'a-2', 'b-1'),
	status: fc.constantFrom('sent' as const, 'failed' as const),
	startMs: fc.integer({min: 0, max: 100_000}),
	// Whole microseconds, so sums are exact in floating point and folds can be compared exactly.
	durationUs: fc.integer({min: 0, max: 5_000_000}),
}).map(({senderId, status, startMs, durationUs}): SendResult => ({
	type: 'result',
	id: 'm',
	message: {id: 'm', to: '+12025550123', body: 'x'},
	senderId,
	group: senderId.slice(0, 1),
	status,
	startMs,
	endMs: startMs + durationUs / 1000,
	durationMs: durationUs / 1000,
}));

const fold = (results: SendResult[]): Stats => {
	const stats = emptyStats();
	for (const result of results) {
		addResult(stats, result);
	}

	return stats;
};

/** Everything observable of a Stats, for comparing two of them. */
function view(stats: Stats) {
	const {histogram} = stats;
	return {
		sent: stats.sent,
		failed: stats.failed,
		// Sums of thousandths are not exact in binary; compare them to a billionth of a ms.
		durationSumMs: Math.round(stats.durationSumMs * 1e6),
		maxDurationMs: stats.maxDurationMs,
		stdDevMs: Math.round(durationStdDevMs(stats) * 1e6),
		firstStartMs: stats.firstStartMs,
		lastEndMs: stats.lastEndMs,
		count: histogram.totalCount,
		percentiles: [0, 50, 90, 99, 100].map(p => histogram.getValueAtPercentile(p)),
		senders: [...stats.senders].toSorted(([a], [b]) => a.localeCompare(b)).map(([id, tally]) => [id, tally.group, tally.sent, tally.failed, Math.round(tally.durationSumMs * 1e6)]),
		groups: ['a', 'b'].map(group => {
			const groupTimes = groupHistogram(stats, group);
			return groupTimes ? [groupTimes.totalCount, ...[0, 50, 99, 100].map(p => groupTimes.getValueAtPercentile(p))] : [];
		}),
	};
}

const statsArbitrary = fc.array(resultArbitrary, {maxLength: 40}).map(results => fold(results));

describe('durationStdDevMs', () => {
	it('is the population standard deviation of the send times, and exactly 0 when they are all equal', () => {
		fc.assert(fc.property(fc.array(resultArbitrary, {minLength: 2, maxLength: 60}), results => {
			const durations = results.map(result => result.durationMs);
			const mean = durations.reduce((sum, value) => sum + value, 0) / durations.length;
			const exact = Math.sqrt(durations.reduce((sum, value) => sum + ((value - mean) ** 2), 0) / durations.length);
			expect(durationStdDevMs(fold(results))).toBeCloseTo(exact, 6);
		}));
		const equal = fold(Array.from({length: 1000}, () => ({
			type: 'result' as const, id: 'm', message: {id: 'm', to: '+12025550123', body: 'x'}, senderId: 'a-1', group: 'a', status: 'sent' as const, startMs: 0, endMs: 100.1, durationMs: 100.1,
		})));
		expect(durationStdDevMs(equal)).toBe(0);
	});
});

describe('stats monoid', () => {
	it('keeps each group\'s send times apart, whichever group comes first and however late the second', () => {
		fc.assert(fc.property(fc.array(resultArbitrary, {maxLength: 60}), results => {
			const stats = fold(results);
			for (const group of ['a', 'b']) {
				const own = results.filter(result => result.group === group);
				const alone = fold(own);
				expect(groupHistogram(stats, group)?.totalCount ?? 0).toBe(own.length);
				if (own.length > 0) {
					expect([0, 50, 99, 100].map(p => groupHistogram(stats, group)!.getValueAtPercentile(p))).toEqual([0, 50, 99, 100].map(p => alone.histogram.getValueAtPercentile(p)));
				}
			}
		}));
	});

	it('merge is associative', () => {
		fc.assert(fc.property(statsArbitrary, statsArbitrary, statsArbitrary, (a, b, c) => {
			expect(view(mergeStats(mergeStats(a, b), c))).toEqual(view(mergeStats(a, mergeStats(b, c))));
		}));
	});

	it('merge is commutative', () => {
		fc.assert(fc.property(statsArbitrary, statsArbitrary, (a, b) => {
			expect(view(mergeStats(a, b))).toEqual(view(mergeStats(b, a)));
		}));
	});

	it('empty is the identity', () => {
		fc.assert(fc.property(statsArbitrary, a => {
			expect(view(mergeStats(a, emptyStats()))).toEqual(view(a));
			expect(view(mergeStats(emptyStats(), a))).toEqual(view(a));
		}));
	});

	it('merging the folds of two halves agrees with adding every result one by one', () => {
		fc.assert(fc.property(fc.array(resultArbitrary, {maxLength: 60}), fc.nat(), (results, cut) => {
			const at = results.length === 0 ? 0 : cut % (results.length + 1);
			expect(view(mergeStats(fold(results.slice(0, at)), fold(results.slice(at))))).toEqual(view(fold(results)));
		}));
	});

	it('merging the folds of two halves agrees with adding every result, in every figure a snapshot shows: segments, encodings, retries, priorities, waits', () => {
		// Results of every kind a run makes: bodies of 1 to 3 segments in either encoding, arrivals
		// (waits and latencies), priorities, attempts that are retried, final and permanent failures.
		const richResult = fc.record({
			plain: resultArbitrary,
			segments: fc.integer({min: 1, max: 3}),
			encoding: fc.constantFrom('gsm7' as const, 'ucs2' as const),
			priority: fc.constantFrom('high', 'low', undefined),
			waitUs: fc.option(fc.integer({min: 0, max: 2_000_000}), {nil: undefined}),
			attempt: fc.option(fc.integer({min: 1, max: 3}), {nil: undefined}),
			retry: fc.boolean(),
			permanent: fc.boolean(),
		}).map(({plain, segments, encoding, priority, waitUs, attempt, retry, permanent}): SendResult => ({
			...plain,
			message: {
				...plain.message, segments, encoding, ...(priority === undefined ? {} : {priority}), ...(waitUs === undefined ? {} : {arrivalMs: Math.max(0, plain.startMs - (waitUs / 1000))}),
			},
			...(attempt === undefined ? {} : {attempt, ...(plain.status === 'failed' && !permanent && retry ? {retry: true} : {}), ...(plain.status === 'failed' && permanent ? {permanent: true} : {})}),
		}));
		const groups = resolveGroups([{name: 'a', count: 2, meanMs: 100}, {name: 'b', count: 1, meanMs: 100}]);
		// Every number to 12 significant digits: sums of squares merged in another order differ in the last bit.
		const rounded = (value: unknown): unknown => {
			if (typeof value === 'number') {
				return Number(value.toPrecision(12));
			}

			if (Array.isArray(value)) {
				return value.map(item => rounded(item));
			}

			return typeof value === 'object' && value !== null ? Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, rounded(inner)])) : value;
		};

		const snapshotOf = (stats: Stats) => rounded(takeSnapshot(stats, {
			type: 'final', elapsedMs: 100_000, total: null, inFlight: 0, groups,
		}));
		fc.assert(fc.property(fc.array(richResult, {maxLength: 60}), fc.nat(), (results, cut) => {
			const at = results.length === 0 ? 0 : cut % (results.length + 1);
			const merged = mergeStats(fold(results.slice(0, at)), fold(results.slice(at)));
			const whole = fold(results);
			expect(snapshotOf(merged)).toEqual(snapshotOf(whole));
			expect([...merged.senders.values()].map(tally => tally.failedMessages)).toEqual([...whole.senders.values()].map(tally => tally.failedMessages));
		}));
	});

	it('merge leaves its arguments as they were', () => {
		fc.assert(fc.property(statsArbitrary, statsArbitrary, (a, b) => {
			const before = [view(a), view(b)];
			mergeStats(a, b);
			expect([view(a), view(b)]).toEqual(before);
		}));
	});
});

describe('takeSnapshot', () => {
	const groups = resolveGroups([{
		name: 'a', count: 2, meanMs: 1, spread: 0, distribution: 'fixed', failureRate: 0,
	}]);

	it('derives counts, the average over every processed message, and sent + failed == processed', () => {
		fc.assert(fc.property(fc.array(resultArbitrary, {maxLength: 60}), results => {
			const snapshot = takeSnapshot(fold(results), {
				type: 'progress', elapsedMs: 1000, total: 100, inFlight: 0, groups,
			});
			expect(snapshot.sent + snapshot.failed).toBe(snapshot.processed);
			expect(snapshot.processed).toBe(results.length);
			const expectedAverage = results.length === 0 ? 0 : results.reduce((sum, result) => sum + result.durationMs, 0) / results.length;
			expect(snapshot.avgMs).toBeCloseTo(expectedAverage, 6);
			expect(snapshot.pending).toBe(100 - results.length);
			const groupTotal = snapshot.groups.reduce((sum, group) => sum + group.processed, 0);
			expect(groupTotal).toBe(results.length);
		}));
	});

	it('gives the exact min and a final histogram whose bins cover min to max and count every send', () => {
		fc.assert(fc.property(fc.array(resultArbitrary, {minLength: 1, maxLength: 60}), results => {
			const snapshot = takeSnapshot(fold(results), {
				type: 'final', elapsedMs: 1000, total: results.length, inFlight: 0, groups,
			});
			const durations = results.map(result => result.durationMs);
			expect(snapshot.minMs).toBe(Math.min(...durations));
			expect(snapshot.maxMs).toBe(Math.max(...durations));
			const bins = snapshot.histogram!;
			expect(bins.reduce((sum, bin) => sum + bin.count, 0)).toBe(results.length);
			expect(bins[0].fromMs).toBe(snapshot.minMs);
			expect(bins.at(-1)!.toMs).toBe(snapshot.maxMs);
			expect(snapshot.p999Ms).toBeGreaterThanOrEqual(snapshot.p99Ms);
			expect(snapshot.stddevMs).toBeGreaterThanOrEqual(0);
		}));
	});

	it('puts each send in the bin of its time (to the histogram\'s 3 significant digits)', () => {
		// 1 send at 10 ms, 2 at 55 ms, 7 at 100 ms: bins of 9 ms from 10 to 100.
		const times = [10, 55, 55, 100, 100, 100, 100, 100, 100, 100];
		const snapshot = takeSnapshot(fold(times.map((durationMs, index) => ({
			type: 'result' as const, id: String(index), message: {id: String(index), to: '+12025550123', body: 'x'},
			senderId: 'a-1', group: 'a', status: 'sent' as const, startMs: 0, endMs: durationMs, durationMs,
		}))), {
			type: 'final', elapsedMs: 1000, total: 10, inFlight: 0, groups,
		});
		expect(snapshot.histogram!.map(bin => bin.count)).toEqual([1, 0, 0, 0, 0, 2, 0, 0, 0, 7]);
	});

	it('gives throughput overall and over the last interval, and an ETA', () => {
		const stats = fold(Array.from({length: 30}, (_, index) => ({
			type: 'result' as const, id: String(index), message: {id: String(index), to: '+12025550123', body: 'x'},
			senderId: 'a-1', group: 'a', status: 'sent' as const, startMs: 0, endMs: 10, durationMs: 10,
		})));
		const first = takeSnapshot(fold([]), {
			type: 'progress', elapsedMs: 1000, total: 90, inFlight: 0, groups,
		});
		const second = takeSnapshot(stats, {
			type: 'progress', elapsedMs: 2000, total: 90, inFlight: 2, groups, previous: first,
		});
		expect(second.throughputPerSec).toBe(15);
		expect(second.intervalThroughputPerSec).toBe(30);
		expect(second.etaMs).toBe(4000); // 60 left at 15/s.
		expect(second.pending).toBe(58);
		expect(Object.isFrozen(second)).toBe(true);
		expect(Object.isFrozen(second.groups[0])).toBe(true);
	});
});

describe('addResult, one concern at a time', () => {
	const result = ({message, ...fields}: Omit<Partial<SendResult>, 'message'> & {message?: Partial<SendResult['message']>} = {}): SendResult => ({
		type: 'result', id: 'm', senderId: 'a-1', group: 'a', status: 'sent', startMs: 0, endMs: 10, durationMs: 10, ...fields,
		message: {
			id: 'm', to: '+12025550123', body: 'x', ...message,
		},
	});

	it('counts segments and UCS-2 messages as the message says, or from its body when it does not', () => {
		const stats = fold([
			result({message: {segments: 3, encoding: 'ucs2'}}),
			result({message: {segments: 2, encoding: 'gsm7'}}),
			result({message: {body: 'ünïcode ✓'}}), // UCS-2, one segment: from the body.
		]);
		expect(stats.segments).toBe(6);
		expect(stats.ucs2).toBe(2);
		expect(stats.segmentsDelivered).toBe(6);
	});

	it('bills every attempt\'s segments, but counts a message\'s segments once, delivered only when sent', () => {
		const stats = fold([
			result({
				status: 'failed', attempt: 1, retry: true, message: {segments: 2, encoding: 'gsm7'},
			}),
			result({
				status: 'failed', attempt: 2, retry: false, message: {segments: 2, encoding: 'gsm7'},
			}),
			result({attempt: 1, message: {segments: 3, encoding: 'ucs2'}}),
		]);
		expect(stats.segmentsSubmitted).toBe(7);
		expect(stats.segments).toBe(5);
		expect(stats.segmentsDelivered).toBe(3);
		expect(stats.ucs2).toBe(1);
	});

	it('leaves a warm-up message out of waits and latencies, and only it', () => {
		const stats = fold([
			result({startMs: 5, message: {arrivalMs: 0, warmup: true}}),
			result({startMs: 7, message: {arrivalMs: 1}}),
		]);
		expect(stats.sent).toBe(2);
		expect(stats.queueing?.count).toBe(1);
		expect(stats.queueing?.waitSumMs).toBe(6);
	});

	it('keeps a priority\'s figures when its name is listed again', () => {
		const stats = fold([result({startMs: 4, message: {arrivalMs: 0, priority: 'high'}})]);
		listPriorities(stats, ['high', 'low']);
		expect(stats.byPriority.get('high')?.count).toBe(1);
		expect(stats.byPriority.get('low')?.count).toBe(0);
		expect([...stats.byPriority.keys()]).toEqual(['high', 'low']);
	});
});

describe('groups', () => {
	const sent = (group: string, durationMs: number): SendResult => ({
		type: 'result', id: 'm', message: {id: 'm', to: '+12025550123', body: 'x'}, senderId: `${group}-1`, group, status: 'sent', startMs: 0, endMs: durationMs, durationMs,
	});

	it('has no group before a send, and no send times for a group that has sent none', () => {
		expect(groupsOf(emptyStats())).toEqual([]);
		const stats = fold([sent('a', 10)]);
		expect(groupsOf(stats)).toEqual(['a']);
		expect(groupHistogram(stats, 'a')?.totalCount).toBe(1);
		expect(groupHistogram(stats, 'b')).toBeUndefined();
	});

	it('merges each group\'s send times into the same group, and workers\' sender counts once each', () => {
		const two = fold([sent('a', 10), sent('b', 20)]);
		const more = fold([sent('a', 30), sent('b', 40), sent('b', 50)]);
		more.workerSenders.set('w1|b', {group: 'b', count: 5});
		const merged = mergeStats(two, more);
		expect(groupHistogram(merged, 'a')?.totalCount).toBe(2);
		expect(groupHistogram(merged, 'b')?.totalCount).toBe(3);
		expect(merged.workerSenders.get('w1|b')).toEqual({group: 'b', count: 5});
		// Into stats of one group (no histogram per group yet): the second group's times start apart.
		const one = mergeStats(fold([sent('a', 10)]), two);
		expect(groupHistogram(one, 'a')?.totalCount).toBe(2);
		expect(groupHistogram(one, 'b')?.totalCount).toBe(1);
	});
});
