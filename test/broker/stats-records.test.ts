import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import type {SendResult} from '../../source/model/senders.js';
import {
	addResult, durationStdDevMs, emptyStats, groupHistogram, mergeInto, mergeStats, type QueueingStats, type Stats,
} from '../../source/engine/stats.js';
import {
	encodeStatsRecord, encodeStatsRecords, parseStatsHeader, parseStatsRecord, statsRecordsIn, type StatsRecordHeader,
} from '../../source/broker/stats-records.js';

/**
 * Results with every field the stats monoid reads: attempts and retries (transient and permanent),
 * arrival times (waits and latencies), priorities, segments and encodings, two groups.
 */
const resultArbitrary = fc.record({
	senderId: fc.constantFrom('w1/a-1', 'w1/a-2', 'w2/b-1'),
	status: fc.constantFrom('sent' as const, 'failed' as const),
	startUs: fc.integer({min: 0, max: 100_000_000}),
	// Whole microseconds, so sums are exact in floating point and folds compare exactly.
	durationUs: fc.integer({min: 0, max: 5_000_000}),
	waitUs: fc.option(fc.integer({min: 0, max: 1_000_000}), {nil: undefined}),
	priority: fc.option(fc.constantFrom('high', 'low'), {nil: undefined}),
	attempt: fc.option(fc.integer({min: 1, max: 3}), {nil: undefined}),
	retry: fc.boolean(),
	permanent: fc.boolean(),
	segments: fc.integer({min: 1, max: 4}),
	ucs2: fc.boolean(),
}).map(({senderId, status, startUs, durationUs, waitUs, priority, attempt, retry, permanent, segments, ucs2}): SendResult => ({
	type: 'result',
	id: 'm',
	message: {
		id: 'm',
		to: '+12025550123',
		body: 'x',
		segments,
		encoding: ucs2 ? 'ucs2' : 'gsm7',
		...(waitUs === undefined ? {} : {arrivalMs: (startUs - waitUs) / 1000}),
		...(priority === undefined || waitUs === undefined ? {} : {priority}),
	},
	senderId,
	group: senderId.slice(3, 4),
	status,
	startMs: startUs / 1000,
	endMs: (startUs + durationUs) / 1000,
	durationMs: durationUs / 1000,
	...(attempt === undefined ? {} : {attempt, retry: status === 'failed' && retry && !permanent, permanent: status === 'failed' && permanent}),
}));

const fold = (results: readonly SendResult[]): Stats => {
	const stats = emptyStats();
	for (const result of results) {
		addResult(stats, result);
	}

	return stats;
};

const round = (value: number): number => Math.round(value * 1e6);
const percentiles = (histogram: Stats['histogram']) => [histogram.totalCount, ...[0, 50, 90, 99, 100].map(p => histogram.getValueAtPercentile(p))];
const queueingView = (figures: QueueingStats | undefined) => figures && {
	count: figures.count,
	waitCount: figures.waitCount,
	waited: figures.waited,
	waitSumMs: round(figures.waitSumMs),
	waitMaxMs: figures.waitMaxMs,
	latencySumMs: round(figures.latencySumMs),
	latencyMaxMs: figures.latencyMaxMs,
	waits: percentiles(figures.waitHistogram),
	latencies: percentiles(figures.latencyHistogram),
};

/** Every field of a Stats, for comparing two of them (sums of thousandths to a billionth of a ms). */
function view(stats: Stats) {
	return {
		sent: stats.sent,
		failed: stats.failed,
		attempts: stats.attempts,
		retries: stats.retries,
		durationSumMs: round(stats.durationSumMs),
		maxDurationMs: stats.maxDurationMs,
		minDurationMs: stats.minDurationMs,
		stdDevMs: round(durationStdDevMs(stats)),
		firstStartMs: stats.firstStartMs,
		lastEndMs: stats.lastEndMs,
		times: percentiles(stats.histogram),
		// By group: a record carries tallies per group of its worker, not per sender.
		tallies: ['a', 'b'].map(group => {
			const sums = [0, 0, 0];
			for (const tally of stats.senders.values()) {
				if (tally.group === group) {
					sums[0] += tally.sent;
					sums[1] += tally.failed;
					sums[2] += round(tally.durationSumMs);
				}
			}

			return sums;
		}),
		groups: ['a', 'b'].map(group => {
			const times = groupHistogram(stats, group);
			return times ? percentiles(times) : [];
		}),
		segments: stats.segments,
		ucs2: stats.ucs2,
		queueing: queueingView(stats.queueing),
		byPriority: [...stats.byPriority].toSorted(([a], [b]) => a.localeCompare(b)).map(([name, figures]) => [name, queueingView(figures)]),
	};
}

const header = (messages: number, final = true): StatsRecordHeader => ({
	run: 'r', epoch: 'e', worker: 'w1', producer: 'p', seq: 1, messages, final,
});

/** A batch's stats through the wire and back. */
function roundTrip(stats: Stats, final = true): Stats {
	const parsed = parseStatsRecord(encodeStatsRecord(header(Math.max(1, stats.sent + stats.failed), final), stats));
	if ('problem' in parsed) {
		throw new Error(parsed.problem);
	}

	return parsed.record.stats;
}

/** Results that each end their message (no retry to come), so a batch's counts add up to its size. */
const finishedResults = fc.array(resultArbitrary.map(result => ({...result, retry: false})), {minLength: 1, maxLength: 40});

describe('stats records', () => {
	it('carry every field of a batch\'s stats, exactly', () => {
		fc.assert(fc.property(finishedResults, results => {
			const stats = fold(results);
			expect(view(roundTrip(stats))).toEqual(view(stats));
		}));
	});

	it('merged with mergeInto, in any split, give the fold of every result', () => {
		fc.assert(fc.property(fc.array(finishedResults, {minLength: 1, maxLength: 6}), batches => {
			const merged = emptyStats();
			for (const batch of batches) {
				mergeInto(merged, roundTrip(fold(batch)));
			}

			expect(view(merged)).toEqual(view(fold(batches.flat())));
		}));
	});

	it('mergeInto agrees with mergeStats and leaves its source as it was', () => {
		fc.assert(fc.property(fc.array(resultArbitrary), fc.array(resultArbitrary), (first, second) => {
			const a = fold(first);
			const b = fold(second);
			const before = view(b);
			expect(view(mergeInto(fold(first), b))).toEqual(view(mergeStats(a, b)));
			expect(view(b)).toEqual(before);
		}));
	});

	it('shift their times from the worker\'s clock to the run\'s', () => {
		const stats = fold([{...fc.sample(resultArbitrary, {numRuns: 1, seed: 1})[0], retry: false}]);
		const parsed = parseStatsRecord(encodeStatsRecord(header(1), stats, {shiftMs: 1000}));
		expect('record' in parsed && [parsed.record.stats.firstStartMs, parsed.record.stats.lastEndMs]).toEqual([stats.firstStartMs + 1000, stats.lastEndMs + 1000]);
	});

	it('name their batch in a header a reader takes without decoding the histograms', () => {
		const stats = fold(fc.sample(finishedResults, {numRuns: 1, seed: 2})[0]);
		expect(parseStatsHeader(encodeStatsRecord({...header(stats.sent + stats.failed, false), seq: 7}, stats))).toEqual({record: {...header(stats.sent + stats.failed, false), seq: 7}});
	});
});

describe('a stats record that is not one', () => {
	const stats = fold(fc.sample(finishedResults, {numRuns: 1, seed: 3})[0]);
	const finished = stats.sent + stats.failed;
	const good = encodeStatsRecord(header(finished), stats);
	/** The record with its JSON header changed by `change`. */
	const forged = (change: (head: Record<string, any>) => void): Buffer => {
		const length = good.readUInt32LE(4);
		const head = JSON.parse(good.toString('utf8', 8, 8 + length)) as Record<string, any>;
		change(head);
		const json = Buffer.from(JSON.stringify(head));
		const out = Buffer.alloc(8 + json.length + good.length - 8 - length);
		good.copy(out, 0, 0, 4);
		out.writeUInt32LE(json.length, 4);
		json.copy(out, 8);
		good.copy(out, 8 + json.length, 8 + length);
		return out;
	};

	const problemOf = (body: unknown): string | undefined => {
		const parsed = parseStatsRecord(body);
		return 'problem' in parsed ? parsed.problem : undefined;
	};

	it.each([
		['not a record', Buffer.from('hello'), 'not a stats record'],
		['cut short', good.subarray(0, -3), 'histograms are cut short'],
		['with bytes after its histograms', Buffer.concat([good, Buffer.from([1, 2, 3])]), 'histograms are cut short'],
		['with a header that is not JSON', Buffer.concat([good.subarray(0, 8), Buffer.from('{nope'), good.subarray(13)]), 'not JSON'],
		['more finished than its batch holds', forged(head => {
			head.sent += head.messages;
		}), 'counts disagree with its batch'],
		['final with fewer finished than its batch', forged(head => {
			head.messages += 1;
		}), 'counts disagree with its batch'],
		['with forged counts the histograms do not hold', forged(head => {
			head.attempts += 1;
		}), 'send times disagree with its attempts'],
		['with a tally that does not add up', forged(head => {
			head.tallies[0][1] += 1;
		}), 'send times disagree with its attempts'],
		['with a negative time', forged(head => {
			head.firstStartMs = -5;
		}), 'times are negative'],
		['with a send time of 26,062 days, past the longest a run may last', forged(head => {
			head.maxDurationMs = 26_062 * 86_400_000;
			head.lastEndMs = 26_062 * 86_400_000;
		}), 'times are negative, out of range'],
		['with NaN times', forged(head => {
			head.lastEndMs = 'NaN';
		}), 'times are negative'],
		['with a huge batch number', forged(head => {
			head.seq = 2 ** 60;
		}), 'batch number'],
		['with a group of no senders', forged(head => {
			head.tallies[0][4] = 0;
		}), 'groups are malformed'],
		['of no run', forged(head => {
			delete head.run;
		}), 'no run'],
	])('is set aside when %s', (_name, body, reason) => {
		expect(problemOf(body)).toContain(reason);
	});

	it('is taken when nothing is wrong with it', () => {
		expect(problemOf(good)).toBeUndefined();
	});
});

describe('an envelope of stats records', () => {
	const records = [1, 2, 3].map(seq => encodeStatsRecord({...header(1), seq}, fold([{...fc.sample(resultArbitrary, {numRuns: 1, seed: seq})[0], retry: false}])));

	it('holds its records, in order, byte for byte', () => {
		expect(statsRecordsIn(encodeStatsRecords(records))).toEqual({record: records});
		expect(statsRecordsIn(records[0])).toEqual({record: [records[0]]});
	});

	it('is set aside when cut short or with bytes after its records', () => {
		const envelope = encodeStatsRecords(records);
		expect(statsRecordsIn(envelope.subarray(0, -1))).toEqual({problem: 'an envelope of stats records cut short'});
		expect(statsRecordsIn(Buffer.concat([envelope, Buffer.from([0])]))).toEqual({problem: 'an envelope of stats records with bytes after them'});
	});
});
