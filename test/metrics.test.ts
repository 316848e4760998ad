import {createServer} from 'node:net';
import {describe, expect, it} from 'vitest';
import {takeSnapshot} from '../source/engine/snapshot.js';
import {addResult, emptyStats, listPriorities} from '../source/engine/stats.js';
import type {SendResult} from '../source/model/senders.js';
import {runRegistry, TIME_BUCKETS, type RunView} from '../source/reports/prometheus.js';
import {runCli} from './cli/spawn.js';

/** A sent result of `senderId` (group: the id's first letter) that took `durationMs`. */
function result(senderId: string, durationMs: number, extra: Partial<SendResult> = {}, priority?: string): SendResult {
	return {
		type: 'result',
		id: 'm',
		message: {
			id: 'm', to: '+12025550123', body: 'x', ...(priority === undefined ? {} : {arrivalMs: 0, priority}),
		},
		senderId,
		group: senderId.slice(0, 1),
		status: 'sent',
		startMs: 0,
		endMs: durationMs,
		durationMs,
		...extra,
	};
}

/** The exposition's samples, `name{labels}` to value. */
async function scrape(view: RunView): Promise<Map<string, number>> {
	const text = await runRegistry(() => view).metrics();
	return new Map(text.split('\n').filter(line => line !== '' && !line.startsWith('#')).map(line => {
		const space = line.lastIndexOf(' ');
		return [line.slice(0, space), Number(line.slice(space + 1))];
	}));
}

describe('the Prometheus exposition of a run', () => {
	it('counts messages by group, the configured ones before their first send too', async () => {
		const stats = emptyStats();
		for (const each of [
			result('a-1', 10),
			result('a-2', 20, {status: 'failed'}),
			result('b-1', 30, {status: 'failed', attempt: 1, retry: true}),
			result('b-1', 40, {attempt: 2}),
		]) {
			addResult(stats, each);
		}

		const samples = await scrape({
			stats, snapshot: undefined, groups: ['a', 'b', 'c'], done: false,
		});
		expect(samples.get('sms_sim_messages_sent_total{group="a"}')).toBe(1);
		expect(samples.get('sms_sim_messages_failed_total{group="a"}')).toBe(1);
		expect(samples.get('sms_sim_messages_sent_total{group="b"}')).toBe(1);
		expect(samples.get('sms_sim_messages_failed_total{group="b"}')).toBe(0);
		expect(samples.get('sms_sim_attempts_total{group="b"}')).toBe(2);
		expect(samples.get('sms_sim_messages_sent_total{group="c"}')).toBe(0);
		expect(samples.get('sms_sim_messages_retried_total')).toBe(1);
		expect(samples.get('sms_sim_run_done')).toBe(0);
		// No snapshot yet: no gauge of one.
		expect(samples.has('sms_sim_in_flight')).toBe(false);
	});

	it('gives send times as cumulative buckets in seconds, with the exact sum and count, by group', async () => {
		const stats = emptyStats();
		// Group a: 4 ms, 20 ms, 20 ms, 700 ms; group b: 3 s.
		for (const [id, ms] of [['a-1', 4], ['a-1', 20], ['a-2', 20], ['a-2', 700], ['b-1', 3000]] as const) {
			addResult(stats, result(id, ms));
		}

		const samples = await scrape({
			stats, snapshot: undefined, groups: [], done: true,
		});
		const bucket = (group: string, le: string) => samples.get(`sms_sim_send_time_seconds_bucket{group="${group}",le="${le}"}`);
		expect(TIME_BUCKETS.map(bound => bucket('a', String(bound)))).toEqual([1, 1, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4]);
		expect(bucket('a', '+Inf')).toBe(4);
		expect(samples.get('sms_sim_send_time_seconds_sum{group="a"}')).toBeCloseTo(0.744, 9);
		expect(samples.get('sms_sim_send_time_seconds_count{group="a"}')).toBe(4);
		expect(TIME_BUCKETS.map(bound => bucket('b', String(bound)))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
		expect(samples.get('sms_sim_run_done')).toBe(1);
	});

	it('gives waits and latencies by priority, and the snapshot\'s gauges', async () => {
		const stats = listPriorities(emptyStats(), ['high', 'low']);
		// A wait of 4 ms and a latency of 14 ms: inside buckets (a value on a bound may count above it: 3 significant digits).
		addResult(stats, result('a-1', 10, {startMs: 4, endMs: 14}, 'high'));
		const snapshot = takeSnapshot(stats, {
			type: 'progress', elapsedMs: 2500, total: 10, inFlight: 3, groups: [], backlog: 2, workers: {live: 2, senders: 8},
		});
		const samples = await scrape({
			stats, snapshot, groups: [], done: false,
		});
		expect(samples.get('sms_sim_wait_seconds_count{priority="high"}')).toBe(1);
		expect(samples.get('sms_sim_wait_seconds_sum{priority="high"}')).toBe(0.004);
		expect(samples.get('sms_sim_wait_seconds_bucket{priority="high",le="0.0025"}')).toBeUndefined();
		expect(samples.get('sms_sim_wait_seconds_bucket{priority="high",le="0.005"}')).toBe(1);
		expect(samples.get('sms_sim_latency_seconds_bucket{priority="high",le="0.01"}')).toBe(0);
		expect(samples.get('sms_sim_latency_seconds_bucket{priority="high",le="0.025"}')).toBe(1);
		expect(samples.get('sms_sim_latency_seconds_count{priority="low"}')).toBe(0);
		expect(samples.get('sms_sim_in_flight')).toBe(3);
		expect(samples.get('sms_sim_backlog')).toBe(2);
		expect(samples.get('sms_sim_pending')).toBe(6);
		expect(samples.get('sms_sim_messages')).toBe(10);
		expect(samples.get('sms_sim_elapsed_seconds')).toBe(2.5);
		expect(samples.get('sms_sim_live_workers')).toBe(2);
		expect(samples.get('sms_sim_worker_senders')).toBe(8);
	});
});

describe('--metrics on the command line', () => {
	it.each([
		[['--metrics', 'nine'], '--metrics must be [host:]port, port 0 to 65535 (0: any free port), such as 9464 or 0.0.0.0:9464, got "nine"'],
		[['--metrics', '70000'], '--metrics must be [host:]port'],
		[['--metrics-linger', '5s'], '--metrics-linger needs --metrics'],
		[['--metrics', '0', '--replications', '3'], '--metrics cannot be combined with --replications: it serves one run\'s figures'],
		[['send', '--metrics', '0'], '--metrics does not apply to sms-sim send: a monitor serves the whole run\'s figures'],
	])('refuses %j in one line, exit 2', async (args, message) => {
		const {code, stderr} = await runCli([...args, '--speed', 'max'].filter(arg => !(args[0] === 'send' && arg === '--speed') && !(args[0] === 'send' && arg === 'max')));
		expect(code).toBe(2);
		expect(stderr).toContain(message);
		expect(stderr).not.toMatch(/\n\s+at /);
	});

	it('says in one line that the port is taken, exit 2, before the run', async () => {
		const taken = createServer();
		await new Promise<void>(resolve => {
			taken.listen(0, '127.0.0.1', resolve);
		});
		const {port} = taken.address() as {port: number};
		try {
			const {code, stdout, stderr} = await runCli(['--metrics', String(port), '--speed', 'max', '--json']);
			expect(code).toBe(2);
			expect(stderr.trim()).toBe(`sms-sim: --metrics: cannot listen on 127.0.0.1:${port}: the port is in use`);
			expect(stdout).toBe('');
		} finally {
			taken.close();
		}
	});

	it('says where it listens, and exits at once after the run with --metrics-linger 0', async () => {
		const {code, stderr} = await runCli(['-n', '100', '--speed', 'max', '--metrics', '0', '--metrics-linger', '0']);
		expect(code).toBe(0);
		expect(stderr).toMatch(/^sms-sim: metrics for Prometheus at http:\/\/127\.0\.0\.1:\d+\/metrics$/m);
		expect(stderr).not.toContain('waiting up to');
	});
});
