import {randomUUID} from 'node:crypto';
import {
	afterAll, describe, expect, inject, it,
} from 'vitest';
import {finished, start} from '../cli/spawn.js';
import {
	deleteRuns, exited, jsonLines, stderrOf, within,
} from './harness.js';
import {startLatencyProxy} from './latency-proxy.js';

const broker = inject('broker');

/**
 * Workers far from their broker: 10 ms each way between them (a proxy in this process; the kernel
 * here has no netem). Prefetch and confirm windows that cover the bandwidth-delay product keep the
 * run's throughput; windows of one round trip each would halve it.
 */
describe.skipIf(Boolean(broker.skipReason))('workers 10 ms from their broker', () => {
	const runs: string[] = [];

	afterAll(async () => deleteRuns(broker.url, runs));

	/**
	 * Messages a second, end to end (producer to workers to monitor), with `delayMs` each way between
	 * workers and broker: the monitor's count from a tenth of the messages to nine tenths, over the
	 * wall time between. Without the first tenth, which holds the programs' start (connecting,
	 * declaring, joining: a few round trips each, a fixed cost however long the run), and the last,
	 * which holds the end of the run.
	 */
	const throughput = async (delayMs: number, messages: number): Promise<number> => {
		const run = `latency-${randomUUID().slice(0, 8)}`;
		runs.push(run);
		// Both runs go through the proxy, one with no delay: the only difference is the latency.
		const proxy = await startLatencyProxy(broker.url, delayMs);
		try {
			const args = (url: string, command: string, ...rest: string[]) => [command, '--broker', url, '--run', run, ...rest];
			const monitor = start(args(broker.url, 'monitor', '--json', '--interval', '50ms'));
			const watched = jsonLines(monitor);
			const errors = stderrOf(monitor);
			const workers = [0, 1].map(() => {
				const child = start(args(proxy.url, 'send', '--json', '-s', '1000', '--mean', '0', '--speed', 'max', '--interval', '1s'));
				child.stdout.resume();
				return child;
			});
			const produced = finished(start(args(broker.url, 'produce', '-n', String(messages), '--seed', '1', '--json')));
			const context = () => `monitor: ${JSON.stringify(watched.lines.at(-1))}; ${errors.text}`;
			await within(watched.until(line => line.type === 'progress' && line.processed >= messages / 10), 120_000, context);
			const tenthAt = performance.now();
			const tenth = watched.lines.at(-1)!.processed as number;
			await within(watched.until(line => line.type === 'progress' && line.processed >= messages * 0.9), 120_000, context);
			const counted = (watched.lines.at(-1)!.processed as number) - tenth;
			const seconds = (performance.now() - tenthAt) / 1000;
			await within(watched.until(line => line.type === 'summary'), 120_000, context);
			expect(watched.lines.at(-1)).toMatchObject({processed: messages});
			const {code} = await produced;
			expect(code).toBe(0);
			for (const worker of workers) {
				expect(await within(exited(worker), 30_000, () => 'a worker did not end')).toBe(0);
			}

			return counted / seconds;
		} finally {
			await proxy.close();
		}
	};

	it('keeps at least 80% of the throughput it has next to the broker', async () => {
		// Three million: at about a million a second, the tenth to nine tenths of a million took under a
		// second, a few of the monitor's 50 ms lines and a handful of 5,000-message batches: too coarse.
		const near = await throughput(0, 3_000_000);
		const far = await throughput(10, 3_000_000);
		console.log(`end to end: ${Math.round(near)} msg/s next to the broker, ${Math.round(far)} msg/s 10 ms away (${(far / near).toFixed(2)})`);
		expect(far / near).toBeGreaterThanOrEqual(0.8);
	}, 300_000);
});
