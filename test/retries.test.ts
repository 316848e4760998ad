/** Retries, backoff and dead letters: the counts against probability, the waits against the backoff policy. */
import {describe, expect, it} from 'vitest';
import type {SendResult} from '../source/model/senders.js';
import {finalOf, resultsOf, runToEnd} from './helpers.js';

describe('retries and dead letters', () => {
	it('dead-letters a share p^K of messages, which take (1 - p^K) / (1 - p) attempts on average', () => {
		const p = 0.3;
		const k = 3;
		const messages = 200_000;
		const final = finalOf(runToEnd({
			messages, seed: 11, intervalMs: 60_000, groups: [{
				count: 50, meanMs: 10, distribution: 'fixed', failureRate: p, maxAttempts: k, backoffMs: 100,
			}],
		}));
		expect(final.processed).toBe(messages);
		expect(final.sent + final.failed).toBe(messages);
		// The attempts A a message takes: P(A = a) = p^(a-1) (1 - p) for a < K, and p^(K-1) for a = K.
		const pmf = Array.from({length: k}, (_, index) => (index + 1 < k ? (p ** index) * (1 - p) : p ** index));
		const meanAttempts = pmf.reduce((sum, probability, index) => sum + (probability * (index + 1)), 0);
		expect(meanAttempts).toBeCloseTo((1 - (p ** k)) / (1 - p), 12);
		const variance = pmf.reduce((sum, probability, index) => sum + (probability * ((index + 1 - meanAttempts) ** 2)), 0);
		// Messages are independent: standard errors sqrt(var / n), and the theory within 4 of them.
		const deadShare = p ** k;
		expect(Math.abs((final.failed / messages) - deadShare)).toBeLessThan(4 * Math.sqrt(deadShare * (1 - deadShare) / messages));
		expect(Math.abs(final.retries!.meanAttempts - meanAttempts)).toBeLessThan(4 * Math.sqrt(variance / messages));
		expect(final.retries!.deadLettered).toBe(final.failed);
		// Every attempt is counted once: the attempts are the messages' attempts summed.
		expect(final.attempts).toBe(Math.round(final.retries!.meanAttempts * messages));
		// A message is retried when its first attempt fails (probability p); a dead-lettered one always was
		// (K > 1), so the retried are those delivered after a retry plus the dead-lettered.
		expect(Math.abs((final.retries!.retried / messages) - p)).toBeLessThan(4 * Math.sqrt(p * (1 - p) / messages));
		expect(final.retries!.deliveredAfterRetry + final.failed).toBe(final.retries!.retried);
	});

	it('never retries a permanent failure', () => {
		const final = finalOf(runToEnd({
			messages: 20_000, seed: 12, groups: [{
				count: 20, meanMs: 10, failureRate: 0.2, maxAttempts: 5, backoffMs: 10, permanentFailureRate: 1,
			}],
		}));
		expect(final.retries).toMatchObject({retried: 0, transientFailures: 0, meanAttempts: 1});
		expect(final.retries!.permanentFailures).toBe(final.failed);
		expect(final.attempts).toBe(20_000);
	});

	it('waits out a backoff with full jitter before each retry: uniform up to base x 2^(attempt - 1), at most the maximum', () => {
		// Many senders, so a retry never waits for one: its gap is the backoff alone.
		const events = runToEnd({
			messages: 20_000, seed: 13, groups: [{
				count: 2000, meanMs: 5, distribution: 'fixed', failureRate: 0.5, maxAttempts: 5, backoffMs: 100, backoffMaxMs: 300,
			}],
		}, true);
		const results = resultsOf(events);
		const lastEnd = new Map<string, number>();
		const gapsByAttempt = new Map<number, number[]>();
		for (const result of results) {
			if (result.attempt! > 1) {
				const gaps = gapsByAttempt.get(result.attempt!) ?? [];
				gaps.push(result.startMs - lastEnd.get(result.id)!);
				gapsByAttempt.set(result.attempt!, gaps);
			}

			lastEnd.set(result.id, result.endMs);
		}

		for (const [attempt, gaps] of gapsByAttempt) {
			const ceiling = Math.min(300, 100 * (2 ** (attempt - 2)));
			expect(Math.min(...gaps)).toBeGreaterThanOrEqual(0);
			expect(Math.max(...gaps)).toBeLessThanOrEqual(ceiling);
			// Uniform on [0, ceiling]: mean ceiling / 2, standard error ceiling / sqrt(12 n); within 4 of them.
			const mean = gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length;
			expect(Math.abs(mean - (ceiling / 2))).toBeLessThan(4 * ceiling / Math.sqrt(12 * gaps.length));
		}

		expect([...gapsByAttempt.keys()].toSorted((a, b) => a - b)).toEqual([2, 3, 4, 5]);
	});

	it('says in each retried attempt the backoff drawn and when the next attempt may start, which is when it does with senders to spare', () => {
		const events = runToEnd({
			messages: 2000, seed: 14, groups: [{
				// More senders than messages: a retry never waits for one.
				count: 3000, meanMs: 5, distribution: 'fixed', failureRate: 0.5, maxAttempts: 3, backoffMs: 100,
			}],
		}, true);
		const results = resultsOf(events);
		const due = new Map<string, number>();
		let checked = 0;
		for (const result of results) {
			const expected = due.get(result.id);
			if (expected !== undefined) {
				expect(result.startMs).toBe(expected); // A free sender takes it the moment it is due.
				checked++;
			}

			if (result.retry === true) {
				const ceiling = 100 * (2 ** (result.attempt! - 1));
				expect(result.backoffMs).toBeGreaterThanOrEqual(0);
				expect(result.backoffMs).toBeLessThanOrEqual(ceiling);
				expect(result.retryDueMs).toBeCloseTo(result.endMs + result.backoffMs!, 9);
				due.set(result.id, result.retryDueMs!);
			} else {
				expect(result.backoffMs).toBeUndefined();
				due.delete(result.id);
			}
		}

		expect(checked).toBeGreaterThan(1000);
	});

	it('gives each group the run\'s meanings: sent, failed and processed count messages, attempts and failedAttempts count sends', () => {
		const events = runToEnd({
			messages: 5000,
			seed: 4,
			groups: [
				{
					name: 'flaky', count: 5, meanMs: 10, failureRate: 0.4, maxAttempts: 3, backoffMs: 0,
				},
				{name: 'steady', count: 5, meanMs: 10},
			],
		}, true);
		const final = finalOf(events);
		const results = resultsOf(events);
		const sum = (figure: (group: (typeof final.groups)[number]) => number) => final.groups.reduce((total, group) => total + figure(group), 0);
		expect(sum(group => group.failed)).toBe(final.failed);
		expect(sum(group => group.sent)).toBe(final.sent);
		expect(sum(group => group.processed)).toBe(final.processed);
		expect(sum(group => group.attempts)).toBe(results.length);
		expect(sum(group => group.failedAttempts)).toBe(results.filter(result => result.status === 'failed').length);
		// With 3 attempts at 0.4, about 0.4^3 = 6.4% of the flaky group's messages fail for good, and
		// 0.4 of its attempts: counted as attempts (as groups did), its failed was about six times its messages'.
		const flaky = final.groups.find(group => group.name === 'flaky')!;
		expect(flaky.failedAttempts).toBeGreaterThan(5 * flaky.failed);
		expect(flaky.failed).toBe(results.filter(result => result.group === 'flaky' && result.status === 'failed' && result.retry !== true).length);
	});

	it('keeps today\'s results when a group has no retry policy: no attempt field, one result a message', () => {
		const events = runToEnd({messages: 500, seed: 14, groups: [{count: 5, meanMs: 10}]}, true);
		const results = resultsOf(events);
		expect(results).toHaveLength(500);
		expect(results.some(result => 'attempt' in result)).toBe(false);
		expect(finalOf(events).retries).toBeUndefined();
	});
});
