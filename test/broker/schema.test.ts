/**
 * The broker commands' NDJSON against schema/output.schema.json: a producer's, two workers', a
 * monitor's and purge's lines, of a run with priorities, events and retries.
 */
import {randomUUID} from 'node:crypto';
import {
	describe, expect, inject, it,
} from 'vitest';
import {finished, runCli, start} from '../cli/spawn.js';
import {invalidLines} from '../output-schema.js';
import {deleteRuns, within} from './harness.js';

const broker = inject('broker');
if (broker.skipReason && process.env.SMS_SIM_TEST_IN_CI === '1') {
	throw new Error(`broker tests must run under CI, but: ${broker.skipReason}`);
}

describe.skipIf(Boolean(broker.skipReason))('the broker commands\' lines and the schema', () => {
	it('are valid: produce, send, monitor and purge', async () => {
		const run = `schema-${randomUUID().slice(0, 8)}`;
		const args = (command: string, ...rest: string[]) => [command, '--broker', broker.url, '--run', run, '--json', ...rest];
		try {
			const produced = await runCli(args('produce', '-n', '2000', '--priority', 'high=0.3,low=0.7', '--events', '--seed', '7'));
			expect(produced.code, produced.stderr).toBe(0);
			const workers = [1, 2].map(async seed => finished(start(args('send', '-s', '20', '--mean', '10ms', '--max-attempts', '3', '--failure-rate', '0.2', '--seed', String(seed), '--interval', '100ms'))));
			const monitored = await within(runCli(args('monitor', '--events', '--interval', '100ms')), 90_000, () => 'the monitor did not end');
			const sent = await Promise.all(workers);
			const purged = await runCli(args('purge'));
			const outputs = {
				produce: produced.stdout, send1: sent[0].stdout, send2: sent[1].stdout, monitor: monitored.stdout, purge: purged.stdout,
			};
			for (const [command, text] of Object.entries(outputs)) {
				expect({command, invalid: invalidLines(text).slice(0, 3)}).toEqual({command, invalid: []});
			}

			const types = new Set(Object.values(outputs).flatMap(text => text.trim().split('\n').map(line => (JSON.parse(line) as {type: string}).type)));
			expect([...types].toSorted()).toEqual(['message', 'produced', 'progress', 'purged', 'start', 'summary']);
			expect(monitored.stdout).toContain('"workers":{"live":');
			expect(monitored.stdout).toContain('"role":"monitor"');
			expect(monitored.stdout).toContain('"retries":{');
		} finally {
			await deleteRuns(broker.url, [run]);
		}
	}, 120_000);
});
