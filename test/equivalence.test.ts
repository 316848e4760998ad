/**
 * The design card says "mergeMap with a concurrency limit stands in for the sender pool" and "scan
 * accumulates stats". We run our own pool and monitor for speed (docs/design.md says why); these
 * properties prove they are the card's operators: same values, at the same virtual times.
 */
import fc from 'fast-check';
import {
	from, last, map, mergeMap, scan, timer, type Observable, type SchedulerLike,
} from 'rxjs';
import {describe, expect, it} from 'vitest';
import {runBaseline} from '../bench/baseline.js';
import {cardPool, cardSend} from '../bench/card.js';
import {SHAPED_DISTRIBUTIONS} from '../source/model/distributions.js';
import {generateMessages, type Message} from '../source/model/messages.js';
import {monitor} from '../source/engine/monitor.js';
import {senderPool} from '../source/engine/pool.js';
import {createRandom} from '../source/model/random.js';
import {SimulationScheduler} from '../source/engine/scheduler.js';
import {
	createSenders, resolveGroups, type SendResult, type SenderGroup,
} from '../source/model/senders.js';
import {runToCompletion} from '../source/pipeline/simulation.js';
import {takeSnapshot, type Snapshot} from '../source/engine/snapshot.js';
import {addResult, emptyStats} from '../source/engine/stats.js';

const groupArbitrary = fc.record({
	count: fc.integer({min: 1, max: 12}),
	// Whole and fractional means, zero included: zero-time sends are the hardest ties.
	meanMs: fc.oneof(fc.constant(0), fc.integer({min: 1, max: 40}), fc.double({min: 0.01, max: 40, noNaN: true})),
	distribution: fc.constantFrom(...SHAPED_DISTRIBUTIONS),
	failureRate: fc.constantFrom(0, 0.1, 0.5, 1),
});
const groupsArbitrary = fc.array(groupArbitrary, {minLength: 1, maxLength: 4}).filter(groups => groups.reduce((sum, group) => sum + group.count, 0) <= 50);

/** One run's world: a seeded random, senders drawing from it, a fresh clock. Built twice from one seed. */
function world(groups: SenderGroup[], seed: number) {
	const random = createRandom(seed);
	const resolved = resolveGroups(groups);
	return {
		random, groups: resolved, senders: createSenders(resolved, random), scheduler: new SimulationScheduler('max'),
	};
}

/** Every emission with the clock's time, and the completion's. */
function record(results$: Observable<SendResult>, scheduler: SimulationScheduler): {emitted: Array<[number, SendResult]>; completedAt: number | undefined} {
	const emitted: Array<[number, SendResult]> = [];
	let completedAt: number | undefined;
	results$.subscribe({
		next: result => emitted.push([scheduler.now(), result]),
		complete() {
			completedAt = scheduler.now();
		},
	});
	scheduler.flush();
	return {emitted, completedAt};
}

describe('senderPool is mergeMap(send, C)', () => {
	it('over a demand-driven (pulled) source: same results, same virtual times', () => {
		fc.assert(fc.property(groupsArbitrary, fc.integer({min: 0, max: 500}), fc.nat(), (groups, count, seed) => {
			const ours = world(groups, seed);
			const pool = record(senderPool(generateMessages(ours.random, {count, maxBodyLength: 20}), ours), ours.scheduler);

			const card = world(groups, seed);
			const mergeMapped = record(cardPool(generateMessages(card.random, {count, maxBodyLength: 20}), card.senders, card.random, card.scheduler), card.scheduler);

			expect(pool.emitted).toEqual(mergeMapped.emitted);
			expect(pool.completedAt).toBe(mergeMapped.completedAt);
			expect(pool.emitted).toHaveLength(count);
		}), {numRuns: 150});
	});

	it('over a pushed source: same results, same virtual times', () => {
		const arrivals = fc.array(fc.record({afterMs: fc.integer({min: 0, max: 30}), id: fc.nat()}), {maxLength: 200});
		fc.assert(fc.property(groupsArbitrary, arrivals, fc.nat(), (groups, pushes, seed) => {
			const list: Message[] = pushes.map((push, index) => ({id: `m${index}`, to: '+12025550123', body: String(push.id)}));
			// Messages pushed at their arrival times, several at one instant allowed.
			const pushed = (scheduler: SchedulerLike) => from(list.map((message, index) => ({message, at: pushes[index].afterMs}))).pipe(mergeMap(({message, at}) => timer(at, scheduler).pipe(map(() => message))));

			const ours = world(groups, seed);
			const pool = record(senderPool(pushed(ours.scheduler), ours), ours.scheduler);

			const card = world(groups, seed);
			const send = cardSend(card.senders, card.random, card.scheduler);
			const mergeMapped = record(pushed(card.scheduler).pipe(mergeMap(send, card.senders.length)), card.scheduler);

			expect(pool.emitted).toEqual(mergeMapped.emitted);
			expect(pool.completedAt).toBe(mergeMapped.completedAt);
		}), {numRuns: 150});
	});
});

describe('the monitor folds with scan(addResult, emptyStats())', () => {
	it('its final snapshot is the snapshot of the plain scan over the same results', () => {
		fc.assert(fc.property(groupsArbitrary, fc.integer({min: 0, max: 500}), fc.nat(), fc.integer({min: 1, max: 50}), (groups, count, seed, intervalMs) => {
			const ours = world(groups, seed);
			let final: Snapshot | undefined;
			const results: SendResult[] = [];
			senderPool(generateMessages(ours.random, {count}), ours)
				.pipe(monitor({
					scheduler: ours.scheduler, intervalMs, total: count, groups: ours.groups,
				}))
				.subscribe(event => {
					if (event.type === 'result') {
						results.push(event);
					} else if (event.type === 'final') {
						final = event;
					}
				});
			ours.scheduler.flush();

			let folded = emptyStats();
			from(results).pipe(scan(addResult, emptyStats()), last(undefined, emptyStats())).subscribe(stats => {
				folded = stats;
			});
			const expected = takeSnapshot(folded, {
				type: 'final', elapsedMs: final!.elapsedMs, total: count, inFlight: 0, groups: ours.groups,
			});
			const comparable = ({intervalThroughputPerSec, ...rest}: Snapshot) => rest;
			expect(comparable(final!)).toEqual(comparable(expected));
		}), {numRuns: 60});
	});
});

describe('the engine and the plain heap loop (the bench baseline)', () => {
	it('simulate the very same sends', async () => {
		for (const seed of [1, 2, 3]) {
			const engine = await runToCompletion({
				messages: 20_000, groups: [{count: 100, meanMs: 100, failureRate: 0.1}], speed: 'max', seed,
			});
			const baseline = runBaseline(20_000, 100, 100, 0.1, seed);
			expect([engine.sent, engine.failed]).toEqual([baseline.sent, baseline.failed]);
			expect(engine.avgMs).toBeCloseTo(baseline.avgMs, 9);
			expect(engine.elapsedMs).toBe(baseline.makespanMs);
		}
	});
});
