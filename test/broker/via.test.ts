/**
 * Real sends from distributed workers: a producer's 10,000 messages taken by two `send` workers,
 * each submitting through its own SMPP sessions (`--via`) to one `sms-sim gateway`. The gateway
 * counts what the workers' summaries count, every accepted part's receipt comes back to the worker
 * that sent it, and the monitor sees the whole run sent.
 */
import {randomUUID} from 'node:crypto';
import {
	describe, expect, inject, it,
} from 'vitest';
import {finished, runCli, start} from '../cli/spawn.js';
import {startGateway} from '../gateway/start-gateway.js';
import {invalidLines} from '../output-schema.js';
import {
	deleteRuns, jsonLines, stderrOf, within, type Json,
} from './harness.js';

const broker = inject('broker');
if (broker.skipReason && process.env.SMS_SIM_TEST_IN_CI === '1') {
	throw new Error(`broker tests must run under CI, but: ${broker.skipReason}`);
}

const summaryOf = (stdout: string): Json => JSON.parse(stdout.trim().split('\n').at(-1)!) as Json;

describe.skipIf(Boolean(broker.skipReason))('send workers --via smpp://', () => {
	it('two workers send a run\'s 10,000 messages through one gateway: its counts are theirs, every receipt matched', async () => {
		const run = `via-${randomUUID().slice(0, 8)}`;
		const args = (command: string, ...rest: string[]) => [command, '--broker', broker.url, '--run', run, ...rest];
		// 1% of submits fail for now (ESME_RSUBMITFAIL): the workers retry them.
		const gateway = await startGateway(['--mean', '5ms', '--failure-rate', '0.01', '--receipt-delay', '50ms', '--json', '--seed', '2']);
		try {
			// Bodies up to 300 characters: many messages go as 2 segments, each a submit_sm.
			const produced = await runCli(args('produce', '-n', '10000', '--max-body-length', '300', '--seed', '7'));
			expect(produced.code, produced.stderr).toBe(0);
			const monitor = start(args('monitor', '--json'));
			const output = jsonLines(monitor);
			const stderr = stderrOf(monitor);
			const workers = [1, 2].map(async seed => finished(start(args('send', '-s', '50', '--via', `smpp://alerts:secret@127.0.0.1:${gateway.port}`, '--binds', '2', '--max-attempts', '8', '--backoff', '5ms', '--json', '--seed', String(seed)))));
			await within(output.until(line => line.type === 'summary'), 90_000, () => stderr.text);
			const done = await Promise.all(workers);
			const served = await gateway.stop();
			for (const worker of done) {
				expect(worker.code, worker.stderr).toBe(0);
				expect(invalidLines(worker.stdout)).toEqual([]);
			}

			const workerSummaries = done.map(worker => summaryOf(worker.stdout));
			const gatewaySummary = summaryOf(served.stdout);
			const total = (pick: (summary: Json) => number) => workerSummaries.reduce((sum, summary) => sum + pick(summary), 0);

			// The whole run sent, and each worker took a share.
			expect(output.lines.at(-1)).toMatchObject({type: 'summary', processed: 10_000, sent: 10_000});
			expect(workerSummaries.every(summary => summary.processed > 0)).toBe(true);
			expect(total(summary => summary.sent)).toBe(10_000);

			// The gateway's submits, accepted and failed parts are the workers' together.
			expect(total(summary => summary.via.submits)).toBe(gatewaySummary.gateway.submits);
			expect(total(summary => summary.via.accepted)).toBe(gatewaySummary.sent);
			expect(total(summary => summary.via.statuses.ESME_RSUBMITFAIL ?? 0)).toBe(gatewaySummary.failed);
			expect(gatewaySummary.failed).toBeGreaterThan(0);
			expect(gatewaySummary.gateway.assembled).toBeGreaterThan(0);

			// Each worker matched the receipt of every part it had accepted.
			for (const {via} of workerSummaries) {
				expect(via.binds).toBe(2);
				expect(via.receipts).toEqual({delivered: via.accepted, undelivered: 0, unmatched: 0});
			}

			expect(gatewaySummary.gateway.receipts).toBe(gatewaySummary.sent);
		} finally {
			await gateway.stop();
			await deleteRuns(broker.url, [run]);
		}
	}, 120_000);
});
