/**
 * "Same seed, same output at every speed", on the workloads where it is hardest: fixed send
 * times, so thousands of sends end on the very instant of a monitor tick.
 */
import {describe, expect, it} from 'vitest';
import {runCli, withoutWallTime} from './spawn.js';

/** The output with the start line's `speed` and the summary's `wallMs` (the things that must differ) taken out. */
function comparable(stdout: string): string {
	const [start, ...rest] = withoutWallTime(stdout).split('\n');
	const record = JSON.parse(start) as {config: {speed?: unknown}};
	delete record.config.speed;
	return [JSON.stringify(record), ...rest].join('\n');
}

describe('exact simulated time', () => {
	it('gives a sane interval throughput when the last completion falls on the last tick', async () => {
		// 30 sends of exactly 0.1 ms on one sender, a tick every 1 ms: the run ends on the tick at 3 ms.
		const {stdout} = await runCli(['-n', '30', '-s', '1', '--mean', '0.1', '--distribution', 'fixed', '--interval', '1ms', '--speed', 'max', '--json', '--seed', '1']);
		const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;
		expect(summary.elapsedMs).toBe(3);
		expect(summary.throughputPerSec).toBe(10_000);
		expect(summary.intervalThroughputPerSec).toBe(10_000);
	});

	it('gives byte-identical --json --events output at --speed max, 50 and 1 on a tie-heavy workload', async () => {
		// 20 rounds of 1,000 sends of exactly 100 ms, a tick every 100 ms: every tick ties with 1,000
		// completions. 2 s of wall time at speed 1; runs repeated, since a race would show in some only.
		const args = (speed: string) => ['-n', '20000', '-s', '1000', '--mean', '100ms', '--distribution', 'fixed', '--speed', speed, '--json', '--events', '--seed', '1', '--interval', '100ms'];
		const reference = await runCli(args('max'));
		expect(reference.code).toBe(0);
		const expected = comparable(reference.stdout);
		const lines = expected.trim().split('\n');
		expect(lines).toHaveLength(1 + 20_000 + 19 + 1); // Start, events, a progress line per tick before the end, summary.
		for (const speed of ['50', '50', '50', '1', '1']) {
			const {code, stdout, stderr} = await runCli(args(speed));
			expect(code).toBe(0);
			expect(stderr).toBe(''); // Into a pipe, stdout fills: one drain listener, no MaxListenersExceededWarning.
			expect(comparable(stdout)).toBe(expected);
			// Wall time is the one thing measured, not simulated: at speed 1 the 2 s of sending take 2 s.
			const {wallMs} = JSON.parse(stdout.trim().split('\n').at(-1)!) as {wallMs: number};
			expect(wallMs).toBeGreaterThan(speed === '1' ? 1900 : 0);
		}
	}, 60_000);

	it('gives the same output at --speed max and 20 with arrivals (arrivals and send ends at one instant keep their order)', async () => {
		// Constant arrivals every 5 ms and fixed 50 ms sends: arrivals fall on the very instants sends end.
		const args = (speed: string) => ['-n', '1500', '-s', '10', '--mean', '50ms', '--distribution', 'fixed', '--rate', '200/s', '--arrival', 'constant', '--speed', speed, '--json', '--events', '--seed', '2', '--interval', '250ms'];
		const reference = await runCli(args('max'));
		expect(reference.code).toBe(0);
		const paced = await runCli(args('20'));
		expect(paced.code).toBe(0);
		expect(comparable(paced.stdout)).toBe(comparable(reference.stdout));
		const lines = reference.stdout.trim().split('\n').map(line => JSON.parse(line) as Record<string, any>);
		expect(lines[0].config.arrivals).toEqual({ratePerSec: 200, process: 'constant'});
		const messages = lines.filter(line => line.type === 'message');
		expect(messages).toHaveLength(1500);
		for (const message of messages) {
			expect(message.waitMs).toBeCloseTo(message.startMs - message.arrivalMs, 3);
			expect(message.latencyMs).toBeCloseTo(message.endMs - message.arrivalMs, 3);
		}

		// 10 senders of 50 ms take exactly 200 a second: nobody waits, and the backlog stays 0.
		const summary = lines.at(-1)!;
		expect(summary).toMatchObject({
			type: 'summary', waited: 0, backlog: 0, wait: {maxMs: 0}, latency: {maxMs: 50},
		});
		expect(lines.filter(line => line.type === 'progress').every(line => line.backlog === 0)).toBe(true);
	}, 60_000);
});
