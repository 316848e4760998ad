import {
	describe, expect, it, vi,
} from 'vitest';
import {RunLedger} from '../../source/broker/run-ledger.js';
import {encodeStatsRecord, type StatsRecordHeader} from '../../source/broker/stats-records.js';
import {PRODUCER_LOST_MS, type ControlRecord} from '../../source/broker/topology.js';
import {addResult, emptyStats, type Stats} from '../../source/engine/stats.js';

const run = 'r';
const epoch = 'e';

/** A batch's stats: `messages` results of 1 ms each, from `worker`'s sender. */
function batchStats(messages: number, worker = 'w1'): Stats {
	const stats = emptyStats();
	for (let index = 0; index < messages; index++) {
		addResult(stats, {
			type: 'result', id: `m${index}`, message: {id: `m${index}`, to: '+12025550123', body: 'x'}, senderId: `${worker}/default-1`, group: 'default', status: 'sent', startMs: index, endMs: index + 1, durationMs: 1,
		});
	}

	return stats;
}

const record = (header: Partial<StatsRecordHeader> & {seq: number}, messages = 10, worker = 'w1') => encodeStatsRecord({
	run, epoch, worker, producer: 'p', messages, final: true, ...header,
}, batchStats(messages, worker));

const start = (overrides: {total?: number} = {}): ControlRecord => ({
	type: 'producer-start', run, epoch, producer: 'p', total: 30, seed: 1, maxBodyLength: 10, maxBatches: 5, batch: 10, ...overrides,
});
const done = (published: number, batches: number): ControlRecord => ({
	type: 'producer-done', run, epoch, producer: 'p', published, batches,
});
const alive = (published: number, batches: number): ControlRecord => ({
	type: 'producer-alive', run, epoch, producer: 'p', published, batches,
});

/** A ledger on a clock the test moves, and what it set aside. */
function ledger() {
	let now = 0;
	const aside: string[] = [];
	const runLedger = new RunLedger({
		run, epoch, fold: true, aside: reason => aside.push(reason), now: () => now,
	});
	return {
		runLedger, aside, advance(ms: number) {
			now += ms;
		},
	};
}

describe('RunLedger', () => {
	it('counts each batch once, at its first final record: a redone batch is a redelivery', () => {
		const {runLedger} = ledger();
		runLedger.control(start());
		runLedger.control(alive(30, 3));
		runLedger.record(record({seq: 1}));
		runLedger.record(record({seq: 1}, 10, 'w2'));
		runLedger.record(record({seq: 2}));
		expect(runLedger.stats().sent).toBe(20);
		expect(runLedger.redelivered).toBe(1);
		expect([...runLedger.stats().senders.keys()]).toEqual(['w1/default']);
		expect(runLedger.allFinished).toBe(false);
		runLedger.record(record({seq: 3}));
		runLedger.control(done(30, 3));
		expect(runLedger.allFinished).toBe(true);
		expect(runLedger.total).toBe(30);
	});

	it('shows a batch under way by its latest partial record, and replaces it with its final one', () => {
		const {runLedger} = ledger();
		runLedger.control(start());
		runLedger.control(alive(10, 1));
		runLedger.record(record({seq: 1, final: false}, 4));
		runLedger.record(record({seq: 1, final: false}, 7));
		expect(runLedger.stats().sent).toBe(7);
		expect(runLedger.finished.sent).toBe(0);
		runLedger.record(record({seq: 1}));
		expect(runLedger.stats().sent).toBe(10);
		expect(runLedger.underWay).toBe(false);
	});

	it('holds the final record of a batch its producer has not said it published, until it does', () => {
		const {runLedger} = ledger();
		runLedger.control(start());
		runLedger.record(record({seq: 1}));
		expect(runLedger.stats().sent).toBe(0);
		runLedger.control(alive(10, 1));
		expect(runLedger.stats().sent).toBe(10);
	});

	it('takes a producer whose heartbeats stopped for lost: the run ends with what it last said, the rest set aside', () => {
		const {runLedger, aside, advance} = ledger();
		runLedger.control(start());
		runLedger.control(alive(10, 1));
		runLedger.record(record({seq: 1}));
		runLedger.record(record({seq: 2})); // Confirmed after its last heartbeat.
		runLedger.record(record({seq: 3, final: false}, 4)); // Under way, never to count.
		advance(PRODUCER_LOST_MS - 1);
		expect(runLedger.silentProducers()).toEqual([]);
		advance(2);
		expect(runLedger.silentProducers()).toEqual([{producer: 'p', published: 10, batches: 1}]);
		// One that does not say what the last heartbeat said is not taken (forged, or the producer spoke again).
		runLedger.control({
			type: 'producer-lost', run, epoch, producer: 'p', published: 0, batches: 0,
		});
		expect(runLedger.allFinished).toBe(false);
		runLedger.control({
			type: 'producer-lost', run, epoch, producer: 'p', published: 10, batches: 1,
		});
		expect(runLedger.allFinished).toBe(true);
		expect(runLedger.stats().sent).toBe(10);
		expect(runLedger.underWay).toBe(false);
		expect(runLedger.lostProducers).toEqual([{producer: 'p', published: 10}]);
		expect(aside).toEqual(['records of batches a producer had not yet said it published when it was lost']);
		runLedger.control(done(20, 2)); // Too late: the first word stands.
		expect(runLedger.total).toBe(10);
		expect(aside.at(-1)).toMatch(/producer-done after its producer was taken for lost/);
	});

	it('tells a worker a batch whose records were set aside has no dead letters, however late it asks', async () => {
		const {runLedger} = ledger();
		runLedger.control(start());
		runLedger.control(alive(10, 1));
		runLedger.record(record({seq: 2})); // Held: confirmed after the last heartbeat.
		runLedger.control({
			type: 'producer-lost', run, epoch, producer: 'p', published: 10, batches: 1,
		});
		runLedger.record(record({seq: 3})); // Read after the producer was taken for lost: set aside at once.
		// Asked after the records were read and set aside (the asking worker's confirm came later):
		// answered, not waited on for good.
		await expect(runLedger.outcomeOf('p', 2)).resolves.toBeUndefined();
		await expect(runLedger.outcomeOf('p', 3)).resolves.toBeUndefined();
		// One asked before its record is read waits for it.
		const first = runLedger.outcomeOf('p', 1);
		const stats = batchStats(9);
		addResult(stats, {
			type: 'result', id: 'm9', message: {id: 'm9', to: '+12025550123', body: 'x'}, senderId: 'w1/default-1', group: 'default', status: 'failed', startMs: 9, endMs: 10, durationMs: 1, attempt: 3,
		});
		runLedger.record(encodeStatsRecord({
			run, epoch, worker: 'w1', producer: 'p', seq: 1, messages: 10, final: true, dead: [[9, 3, 0]],
		}, stats));
		await expect(first).resolves.toEqual({dead: [[9, 3, 0]], worker: 'w1'});
	});

	it('holds a batch of a producer not yet announced until its start is read, and says so of one never announced', async () => {
		vi.useFakeTimers();
		try {
			const {runLedger} = ledger();
			const batch = {
				producer: 'p', seq: 1, first: 1, messages: 2,
			};
			const announced = runLedger.batchProblem(batch, 10_000);
			const stranger = runLedger.batchProblem({...batch, producer: 'q'}, 10_000);
			await vi.advanceTimersByTimeAsync(5000);
			runLedger.control(start()); // The control stream is read apart from the queue: the batch came first.
			await expect(announced).resolves.toBeUndefined();
			await vi.advanceTimersByTimeAsync(5000);
			await expect(stranger).resolves.toBe('a producer the run does not have');
			await expect(runLedger.batchProblem({...batch, seq: 6}, 10_000)).resolves.toBe('numbers beyond what its producer publishes');
			// Its producer publishes 30: messages 30 and 31 go past them, 29 and 30 do not.
			await expect(runLedger.batchProblem({...batch, first: 30}, 10_000)).resolves.toBe('numbers beyond what its producer publishes');
			await expect(runLedger.batchProblem({...batch, first: 29}, 10_000)).resolves.toBeUndefined();
		} finally {
			vi.useRealTimers();
		}
	});

	it('counts a producer\'s silence only while the reader was listening: a broker down for 10 s is not a lost producer', () => {
		const {runLedger, advance} = ledger();
		runLedger.control(start()); // Heard at 0.
		advance(15_000);
		// Connected again at 8 s after the broker came back: 7 s of silence heard, not enough.
		expect(runLedger.silentProducers(8000)).toEqual([]);
		// Listening since 4 s: 11 s of silence, past PRODUCER_LOST_MS.
		expect(runLedger.silentProducers(4000).map(silent => silent.producer)).toEqual(['p']);
		expect(runLedger.silentProducers().map(silent => silent.producer)).toEqual(['p']);
	});

	it('takes a producer\'s start and done once, and refuses a done that contradicts its start', () => {
		const {runLedger, aside} = ledger();
		runLedger.control(start());
		runLedger.control(start({total: 100}));
		runLedger.control(done(31, 3)); // More than it meant to publish.
		runLedger.control(done(30, 6)); // More batches than it can have.
		expect(runLedger.allFinished).toBe(false);
		runLedger.control(done(10, 1));
		runLedger.control(done(20, 2));
		expect(runLedger.total).toBe(10);
		expect(aside).toEqual([
			'a second producer-start for a producer (the first one stands)',
			'a producer-done that contradicts what its producer meant to publish or what its batches hold',
			'a producer-done that contradicts what its producer meant to publish or what its batches hold',
			'a second producer-done for a producer (the first one stands)',
		]);
	});

	it('sets aside records of another run, an earlier epoch, a batch beyond what its producer can publish, or not a record', () => {
		const {runLedger, aside} = ledger();
		runLedger.control(start());
		runLedger.record(encodeStatsRecord({
			run: 'other', epoch, worker: 'w', producer: 'p', seq: 1, messages: 1, final: true,
		}, batchStats(1)));
		runLedger.record(encodeStatsRecord({
			run, epoch: 'old', worker: 'w', producer: 'p', seq: 1, messages: 1, final: true,
		}, batchStats(1)));
		runLedger.record(record({seq: 6}));
		runLedger.record(Buffer.from('SMR\u0001junk'));
		expect(aside).toEqual([
			'a record of another run',
			'records of an earlier run of this name (purge it to start afresh)',
			'a record of a batch its producer did not publish',
			expect.stringMatching(/^a record that is not sms-sim's/),
		]);
		expect(runLedger.stats().attempts).toBe(0);
	});

	it('keeps records of a producer not yet announced until its start comes', () => {
		const {runLedger} = ledger();
		runLedger.record(record({seq: 1}));
		expect(runLedger.total).toBeNull();
		runLedger.control(start());
		runLedger.control(done(10, 1));
		expect(runLedger.allFinished).toBe(true);
		expect(runLedger.stats().sent).toBe(10);
	});

	it('reads only headers when it does not fold: enough to know when the run is over', () => {
		const runLedger = new RunLedger({
			run, epoch, fold: false, aside() {
				throw new Error('nothing to set aside');
			},
		});
		runLedger.control(start());
		runLedger.record(record({seq: 1}));
		runLedger.control(done(10, 1));
		expect(runLedger.allFinished).toBe(true);
		expect(runLedger.stats().attempts).toBe(0);
	});

	it('is done once a run-complete record naming every producer started before it is read, and then takes no new producer', () => {
		const {runLedger, aside} = ledger();
		runLedger.control(start());
		runLedger.record(record({seq: 1}));
		runLedger.control(done(10, 1));
		expect(runLedger.allFinished).toBe(true);
		expect(runLedger.done).toBe(false);
		runLedger.control({
			type: 'producer-start', run, epoch, producer: 'q', total: 10, seed: 2, maxBodyLength: 10, maxBatches: 1, batch: 10,
		});
		// Written before q started, by a reader that had not seen it: not taken.
		runLedger.control({
			type: 'run-complete', run, epoch, producers: ['p'],
		});
		expect(runLedger.complete).toBeUndefined();
		runLedger.control({
			type: 'producer-done', run, epoch, producer: 'q', published: 0, batches: 0,
		});
		runLedger.control({
			type: 'run-complete', run, epoch, producers: ['p', 'q'],
		});
		expect(runLedger.done).toBe(true);
		runLedger.control({
			type: 'producer-start', run, epoch, producer: 'late', total: 10, seed: 3, maxBodyLength: 10, maxBatches: 1, batch: 10,
		});
		expect(runLedger.total).toBe(10);
		expect(aside).toEqual(['a producer that started after the run was complete (not part of it)']);
	});
});

describe('RunLedger: parts of a batch given back', () => {
	// Batch 1 of 10 messages: a worker did 3, gave the other 7 back as part 3, and another did them.
	const head = (worker = 'w1') => record({seq: 1, messages: 3, cut: 3}, 3, worker);
	const tail = (worker = 'w2') => record({seq: 1, part: 3, messages: 7}, 7, worker);

	it('counts a batch as the chain of its parts from offset 0, whichever final record comes first', () => {
		for (const order of [[head(), tail()], [tail(), head()]]) {
			const {runLedger} = ledger();
			runLedger.control(start());
			runLedger.control(alive(10, 1));
			runLedger.record(order[0]);
			expect(runLedger.allFinished).toBe(false);
			runLedger.record(order[1]);
			runLedger.control(done(10, 1));
			expect(runLedger.stats().sent).toBe(10);
			expect(runLedger.allFinished).toBe(true);
		}
	});

	it('never counts a part no chain reaches: the batch done whole by another after its first worker gave a part back and died', () => {
		const {runLedger} = ledger();
		runLedger.control(start());
		runLedger.control(alive(10, 1));
		// The first worker's part back went out, then it died: another did the whole batch.
		runLedger.record(tail());
		runLedger.record(record({seq: 1}, 10, 'w3'));
		runLedger.control(done(10, 1));
		expect(runLedger.stats().sent).toBe(10);
		expect(runLedger.allFinished).toBe(true);
		expect(runLedger.redelivered).toBe(1);
	});

	it('takes the first final record of each part: a part done twice counts once, and the chain follows the first', () => {
		const {runLedger} = ledger();
		runLedger.control(start());
		runLedger.control(alive(10, 1));
		runLedger.record(head());
		runLedger.record(record({
			seq: 1, part: 3, messages: 2, cut: 5,
		}, 2, 'w2')); // One copy of part 3, cut again at 5 ...
		runLedger.record(record({seq: 1, part: 3, messages: 7}, 7, 'w4')); // ... and another done whole: too late.
		expect(runLedger.allFinished).toBe(false);
		runLedger.record(record({seq: 1, part: 5, messages: 5}, 5, 'w5'));
		runLedger.control(done(10, 1));
		expect(runLedger.stats().sent).toBe(10);
		expect(runLedger.allFinished).toBe(true);
	});

	it('tells whoever acknowledges a part what counted for it, or that it never will', async () => {
		// A worker's ledger: it acknowledges parts, so it keeps what counted for each.
		const runLedger = new RunLedger({
			run, epoch, fold: false, aside: () => undefined,
		});
		runLedger.control(start());
		runLedger.control(alive(10, 1));
		const forTail = runLedger.outcomeOf('p', 1, 3);
		const forOrphan = runLedger.outcomeOf('p', 1, 6);
		runLedger.record(tail());
		runLedger.record(head());
		await expect(forTail).resolves.toEqual({dead: [], worker: 'w2'});
		await expect(forOrphan).resolves.toBeUndefined();
		await expect(runLedger.outcomeOf('p', 1, 0)).resolves.toEqual({dead: [], worker: 'w1'});
		await expect(runLedger.outcomeOf('p', 1, 5)).resolves.toBeUndefined();
	});

	it('sets aside a part that runs past its batch, and a cut that is not where its part ends', () => {
		const {runLedger, aside} = ledger();
		runLedger.control(start());
		runLedger.control(alive(10, 1));
		runLedger.record(record({seq: 1, part: 8, messages: 7}, 7));
		runLedger.record(record({seq: 1, messages: 3, cut: 4}, 3));
		expect(aside).toEqual(['a record of a batch its producer did not publish', 'a record that is not sms-sim\'s (a stats record whose part of its batch is malformed)']);
		expect(runLedger.stats().sent).toBe(0);
	});
});
