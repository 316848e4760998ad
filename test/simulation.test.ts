import fc from 'fast-check';
import {lastValueFrom, toArray} from 'rxjs';
import {describe, expect, it} from 'vitest';
import {SimulationScheduler} from '../source/engine/scheduler.js';
import {simulate, type SimulationEvent, type StartEvent} from '../source/pipeline/simulation.js';
import type {SimulationConfig} from '../source/model/config.js';
import type {Snapshot} from '../source/engine/snapshot.js';
import {SHAPED_DISTRIBUTIONS} from '../source/model/distributions.js';

/** Runs to the end on a virtual clock, synchronously. */
function run(config: SimulationConfig): SimulationEvent[] {
	const scheduler = new SimulationScheduler('max');
	const events: SimulationEvent[] = [];
	let done = false;
	simulate({speed: 'max', ...config}, {scheduler}).subscribe({
		next: event => events.push(event), complete() {
			done = true;
		},
	});
	scheduler.flush();
	expect(done).toBe(true);
	return events;
}

const finalOf = (events: SimulationEvent[]): Snapshot => events.at(-1) as Snapshot;
const snapshotsOf = (events: SimulationEvent[]): Snapshot[] => events.filter((event): event is Snapshot => event.type === 'progress' || event.type === 'final');

describe('simulate', () => {
	it('starts with the resolved config, then results and progress, then exactly one final snapshot', () => {
		const events = run({
			messages: 500, groups: [{count: 5, meanMs: 20, failureRate: 0.1}], intervalMs: 250, seed: 3,
		});
		expect(events[0]).toMatchObject({
			type: 'start', config: {
				seed: 3, messages: 500, groups: [{
					name: 'default', count: 5, distribution: 'gamma', spread: 0.25,
				}],
			},
		});
		expect(events.filter(event => event.type === 'result')).toHaveLength(500);
		expect(events.filter(event => event.type === 'final')).toHaveLength(1);
		expect(finalOf(events)).toMatchObject({
			type: 'final', total: 500, processed: 500, inFlight: 0, pending: 0, etaMs: 0, interrupted: false,
		});
	});

	it('gives identical events for the same seed, and different ones for another seed', async () => {
		const config: SimulationConfig = {
			messages: 2000, groups: [{count: 20, meanMs: 50, failureRate: 0.2}, {
				count: 3, meanMs: 5, failureRate: 0.5, distribution: 'exponential',
			}], seed: 11, speed: 'max',
		};
		// Through the default scheduler, running by itself in slices, twice.
		const first = await lastValueFrom(simulate(config).pipe(toArray()));
		const second = await lastValueFrom(simulate(config).pipe(toArray()));
		expect(second).toEqual(first);
		const other = await lastValueFrom(simulate({...config, seed: 12}).pipe(toArray()));
		expect(finalOf(other)).not.toEqual(finalOf(first));
	});

	it('keeps sent + failed == processed and processed + inFlight + pending == total at every snapshot', () => {
		const groupArbitrary = fc.record({
			count: fc.integer({min: 1, max: 8}),
			meanMs: fc.integer({min: 0, max: 200}),
			failureRate: fc.double({min: 0, max: 1, noNaN: true}),
			distribution: fc.constantFrom(...SHAPED_DISTRIBUTIONS),
		});
		fc.assert(fc.property(fc.array(groupArbitrary, {minLength: 1, maxLength: 3}), fc.integer({min: 0, max: 300}), fc.integer({min: 1, max: 500}), fc.nat(), (groups, messages, intervalMs, seed) => {
			const snapshots = snapshotsOf(run({
				messages, groups, intervalMs, seed,
			}));
			for (const snapshot of snapshots) {
				expect(snapshot.sent + snapshot.failed).toBe(snapshot.processed);
				expect(snapshot.processed + snapshot.inFlight + snapshot.pending!).toBe(messages);
			}

			expect(snapshots.at(-1)!.processed).toBe(messages);
		}), {numRuns: 60});
	});

	it('fails about as often as configured', () => {
		// 100,000 messages: the failure ratio's standard deviation is sqrt(p(1-p)/n), at most 0.0016;
		// within 5 of them, a wrong rate such as p +/- 0.01 cannot pass.
		for (const failureRate of [0.02, 0.1, 0.5, 0.9]) {
			const final = finalOf(run({messages: 100_000, groups: [{count: 50, meanMs: 10, failureRate}], seed: 5}));
			const tolerance = 5 * Math.sqrt((failureRate * (1 - failureRate)) / 100_000);
			expect(Math.abs(final.failed / final.processed - failureRate)).toBeLessThanOrEqual(tolerance);
		}
	});

	it('has the configured mean send time for every distribution, and no negative one', () => {
		// 50,000 sends of mean 100: standard error cv * 100 / sqrt(50000) <= 0.45 ms; we allow 5.
		for (const distribution of SHAPED_DISTRIBUTIONS) {
			const events = run({
				messages: 50_000, groups: [{
					count: 100, meanMs: 100, failureRate: 0.1, distribution,
				}], seed: 9,
			});
			const {spread} = (events[0] as StartEvent).config.groups[0];
			const final = finalOf(events);
			expect(Math.abs(final.avgMs - 100)).toBeLessThanOrEqual(5 * (spread * 100) / Math.sqrt(50_000) + 1e-9);
			const durations = events.flatMap(event => event.type === 'result' ? [event.durationMs] : []);
			expect(Math.min(...durations)).toBeGreaterThanOrEqual(0);
		}
	});

	it('has a fast group send proportionally more than a slow one', () => {
		// Equal counts, means 50 and 200: in a long run each sender's rate is 1/mean, so the fast group
		// sends 200 / (50 + 200) = 0.8 of the messages. 40,000 messages over 20 senders: each sender's
		// count varies by about cv * sqrt(count) (~0.25 * sqrt(3200) = 14 for a fast one), so the
		// share moves by well under 0.005; we allow 0.01.
		const final = finalOf(run({
			messages: 40_000,
			groups: [{
				name: 'fast', count: 10, meanMs: 50, failureRate: 0,
			}, {
				name: 'slow', count: 10, meanMs: 200, failureRate: 0,
			}],
			seed: 21,
		}));
		const fast = final.groups.find(group => group.name === 'fast')!;
		const slow = final.groups.find(group => group.name === 'slow')!;
		expect(fast.processed + slow.processed).toBe(40_000);
		expect(Math.abs(fast.processed / 40_000 - 0.8)).toBeLessThan(0.01);
		expect(fast.avgMs).toBeCloseTo(50, 0);
		expect(slow.avgMs).toBeCloseTo(200, -1);
		expect([fast.senders, slow.senders]).toEqual([10, 10]);
	});

	it('gives no failure at rate 0 and no success at rate 1, and still finishes', () => {
		expect(finalOf(run({messages: 5000, groups: [{count: 10, meanMs: 10, failureRate: 0}], seed: 1}))).toMatchObject({sent: 5000, failed: 0});
		expect(finalOf(run({messages: 5000, groups: [{count: 10, meanMs: 10, failureRate: 1}], seed: 1}))).toMatchObject({sent: 0, failed: 5000});
	});

	it('handles zero messages and a mean of zero (instant sends)', () => {
		expect(finalOf(run({messages: 0, groups: [{count: 3, meanMs: 10, failureRate: 0.5}], seed: 1}))).toMatchObject({
			type: 'final', total: 0, processed: 0, avgMs: 0, elapsedMs: 0,
		});
		expect(finalOf(run({messages: 1000, groups: [{count: 3, meanMs: 0, failureRate: 0}], seed: 1}))).toMatchObject({
			processed: 1000, avgMs: 0, maxMs: 0, elapsedMs: 0,
		});
	});

	it('stops cleanly when unsubscribed mid-run: no more events, nothing left scheduled', () => {
		const scheduler = new SimulationScheduler('max');
		const events: SimulationEvent[] = [];
		const subscription = simulate({
			messages: 10_000, groups: [{count: 10, meanMs: 10, failureRate: 0}], seed: 1, intervalMs: 50,
		}, {scheduler})
			.subscribe(event => {
				events.push(event);
				if (events.length === 100) {
					subscription.unsubscribe();
				}
			});
		scheduler.flush();
		expect(events).toHaveLength(100);
		expect(scheduler.idle).toBe(true);
	});
});
