/**
 * A monitor's `--metrics`: the whole distributed run's figures, folded from its workers' stats
 * records, equal to the monitor's own summary.
 */
import {randomUUID} from 'node:crypto';
import {
	describe, expect, inject, it,
} from 'vitest';
import {finished, runCli, start} from '../cli/spawn.js';
import {
	deleteRuns, exited, jsonLines, stderrOf, within,
} from './harness.js';

const broker = inject('broker');
if (broker.skipReason && process.env.SMS_SIM_TEST_IN_CI === '1') {
	throw new Error(`broker tests must run under CI, but: ${broker.skipReason}`);
}

/** The exposition's samples, `name{labels}` to value. */
async function scrape(url: string): Promise<Map<string, number>> {
	const response = await fetch(url);
	const text = await response.text();
	return new Map(text.split('\n').filter(line => line !== '' && !line.startsWith('#')).map(line => {
		const space = line.lastIndexOf(' ');
		return [line.slice(0, space), Number(line.slice(space + 1))];
	}));
}

describe.skipIf(Boolean(broker.skipReason))('a monitor\'s --metrics', () => {
	it('serves the whole run\'s figures, two workers\' folded, equal to its summary', async () => {
		const run = `metrics-${randomUUID().slice(0, 8)}`;
		const args = (command: string, ...rest: string[]) => [command, '--broker', broker.url, '--run', run, ...rest];
		try {
			const produced = await runCli(args('produce', '-n', '3000', '--seed', '3'));
			expect(produced.code).toBe(0);
			const monitor = start(args('monitor', '--json', '--interval', '100ms', '--metrics', '0', '--metrics-linger', '30s'));
			const output = jsonLines(monitor);
			const stderr = stderrOf(monitor);
			const workers = [1, 2].map(async seed => finished(start(args('send', '-s', '20', '--mean', '10ms', '--max-attempts', '2', '--seed', String(seed)))));
			await within(output.until(line => line.type === 'summary'), 90_000, () => stderr.text);
			await Promise.all(workers);
			const url = /metrics for Prometheus at (\S+)/.exec(stderr.text)![1];
			// The monitor waits for this scrape of its final figures before it exits.
			const samples = await scrape(url);
			const summary = output.lines.at(-1)!;
			expect(samples.get('sms_sim_run_done')).toBe(1);
			const sum = (prefix: string) => [...samples].filter(([key]) => key.startsWith(`${prefix}{`) || key === prefix).reduce((total, [, value]) => total + value, 0);
			expect(sum('sms_sim_messages_sent_total')).toBe(summary.sent);
			expect(sum('sms_sim_messages_failed_total')).toBe(summary.failed);
			expect(sum('sms_sim_attempts_total')).toBe(summary.attempts);
			expect(sum('sms_sim_messages_retried_total')).toBe(summary.retries.retried);
			expect(sum('sms_sim_send_time_seconds_count')).toBe(summary.attempts);
			expect(samples.get('sms_sim_messages')).toBe(3000);
			expect(await within(exited(monitor), 10_000, () => stderr.text)).toBe(0);
		} finally {
			await deleteRuns(broker.url, [run]);
		}
	}, 120_000);
});
