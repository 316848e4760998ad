/** Carrier rate limits: a sender never starts faster than its rate, counted in segments; throughput = min(count x rate, count / mean). */
import {describe, expect, it} from 'vitest';
import {type SimulationConfig, resolveConfig} from '../source/model/config.js';
import {groupCapacities} from '../source/reports/lines.js';
import type {SendResult} from '../source/model/senders.js';
import type {Snapshot} from '../source/engine/snapshot.js';
import {finalOf, resultsOf, runToEnd} from './helpers.js';

function run(config: SimulationConfig): {results: SendResult[]; final: Snapshot} {
	const events = runToEnd(config, true);
	return {results: resultsOf(events), final: finalOf(events)};
}

/** Each sender's results in start order. */
function bySender(results: SendResult[]): SendResult[][] {
	const senders = new Map<string, SendResult[]>();
	for (const result of results) {
		const list = senders.get(result.senderId) ?? [];
		list.push(result);
		senders.set(result.senderId, list);
	}

	return [...senders.values()].map(list => list.toSorted((a, b) => a.startMs - b.startMs));
}

describe('carrier rate limits', () => {
	for (const {ratePerSec, bound} of [{ratePerSec: 1, bound: 'rate-limit'}, {ratePerSec: 100, bound: 'send-time'}] as const) {
		it(`at ${ratePerSec}/s a sender and 100 ms sends, throughput is min(count x rate, count / mean): the ${bound} binds`, () => {
			// GSM-7 bodies of at most 100 characters: one segment each.
			const config = {
				messages: 2000, seed: 1, charset: 'gsm', groups: [{
					count: 10, meanMs: 100, distribution: 'fixed', ratePerSec,
				}],
			} as const;
			const {results, final} = run(config);
			expect(results.every(result => result.message.segments === 1)).toBe(true);
			for (const starts of bySender(results)) {
				for (let index = 1; index < starts.length; index++) {
					expect(starts[index].startMs - starts[index - 1].startMs).toBeGreaterThanOrEqual(1000 / ratePerSec);
				}
			}

			const [capacity] = groupCapacities(final, resolveConfig(config).groups);
			expect(capacity.boundBy).toBe(bound);
			const ceiling = Math.min(capacity.rateLimitPerSec, capacity.sendTimePerSec);
			expect(ceiling).toBe(Math.min(10 * ratePerSec, 10 / 0.1));
			// Each sender is busy throughout: 200 sends, starts 1 s (or 100 ms) apart, the last one's 100 ms
			// after its start: 2,000 / 199.1 s = 10.05/s, or 2,000 / 20 s = 100/s.
			const makespanMs = ((200 - 1) * Math.max(1000 / ratePerSec, 100)) + 100;
			expect(final.elapsedMs).toBeCloseTo(makespanMs, 6);
			expect(final.throughputPerSec).toBeCloseTo(2000 / (makespanMs / 1000), 6);
		});
	}

	it('counts segments as the carrier does: a message of n segments holds its sender n / rate', () => {
		// Bodies of up to 400 characters: one to three segments each.
		const {results} = run({
			messages: 1500, seed: 2, maxBodyLength: 400, groups: [{count: 5, meanMs: 10, ratePerSec: 2}],
		});
		let spacedBySegments = 0;
		for (const starts of bySender(results)) {
			for (let index = 1; index < starts.length; index++) {
				const gap = starts[index].startMs - starts[index - 1].startMs;
				const needed = (starts[index - 1].message.segments! * 1000) / 2;
				expect(gap).toBeGreaterThanOrEqual(needed - 1e-9);
				spacedBySegments += gap === needed ? 1 : 0;
			}
		}

		// Always busy and never bound by its 10 ms sends: every gap is exactly segments / rate.
		expect(spacedBySegments).toBe(1500 - 5);
		expect(new Set(results.map(result => result.message.segments)).size).toBeGreaterThan(1);
	});
});
