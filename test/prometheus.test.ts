/**
 * `--metrics` against a real scraper: Debian's Prometheus scrapes a run while it runs, and what it
 * stored, read back through its HTTP query API, is the run's summary.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {
	existsSync, mkdtempSync, rmSync, writeFileSync,
} from 'node:fs';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {
	afterAll, beforeAll, describe, expect, it,
} from 'vitest';
import {runCli} from './cli/spawn.js';

const PROMETHEUS = '/usr/bin/prometheus';
const missing = existsSync(PROMETHEUS) ? '' : `no Prometheus: install Debian's prometheus (${PROMETHEUS} is missing)`;
if (missing && process.env.SMS_SIM_TEST_IN_CI === '1') {
	throw new Error(`the Prometheus test must run under CI, but: ${missing}`);
}

if (missing) {
	console.warn(`Skipping the Prometheus test: ${missing}`);
}

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const {port} = server.address() as {port: number};
			server.close(() => {
				resolve(port);
			});
		});
	});
}

/** `check()`'s value once it is not undefined, polled every 200 ms, or a failure after `ms`. */
async function eventually<T>(check: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
	const deadline = Date.now() + ms;
	for (;;) {
		const value = await check().catch(() => undefined);
		if (value !== undefined) {
			return value;
		}

		if (Date.now() > deadline) {
			throw new Error(`still waiting after ${ms / 1000}s for ${what}`);
		}

		await new Promise(resolve => {
			setTimeout(resolve, 200);
		});
	}
}

describe.skipIf(Boolean(missing))('--metrics scraped by a real Prometheus', () => {
	const directory = mkdtempSync(path.join(tmpdir(), 'sms-sim-prometheus-'));
	let prometheus: ChildProcess;
	let api: string;
	let metricsPort: number;
	let log = '';

	beforeAll(async () => {
		metricsPort = await freePort();
		const webPort = await freePort();
		api = `http://127.0.0.1:${webPort}`;
		writeFileSync(path.join(directory, 'prometheus.yml'), [
			'global:',
			'  scrape_interval: 500ms',
			'  scrape_timeout: 400ms',
			'scrape_configs:',
			'  - job_name: sms-sim',
			'    static_configs:',
			`      - targets: ['127.0.0.1:${metricsPort}']`,
			'',
		].join('\n'));
		prometheus = spawn(PROMETHEUS, [
			`--config.file=${path.join(directory, 'prometheus.yml')}`,
			`--storage.tsdb.path=${path.join(directory, 'data')}`,
			`--web.listen-address=127.0.0.1:${webPort}`,
			'--log.level=warn',
		], {stdio: ['ignore', 'ignore', 'pipe']});
		prometheus.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
			log += chunk;
		});
		await eventually(async () => {
			const response = await fetch(`${api}/-/ready`);
			return response.ok ? true : undefined;
		}, 30_000, `Prometheus to be ready (its log: ${log})`);
		// Its discovery hands targets over at most every 5 s: wait for the first scrape (of nothing yet),
		// so it scrapes all through the run, not only once it is over.
		await eventually(async () => {
			const response = await fetch(`${api}/api/v1/targets`);
			const {data} = await response.json() as {data: {activeTargets: Array<{lastScrape: string}>}};
			return data.activeTargets.some(target => !target.lastScrape.startsWith('0001')) ? true : undefined;
		}, 30_000, `Prometheus's first scrape (its log: ${log})`);
	}, 70_000);

	afterAll(() => {
		prometheus?.kill();
		rmSync(directory, {recursive: true, force: true});
	});

	/** The value of an instant PromQL query that gives one number. */
	async function query(promql: string): Promise<number | undefined> {
		const response = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(promql)}`);
		const body = await response.json() as {data: {result: Array<{value: [number, string]}>}};
		const [first] = body.data.result;
		return first === undefined ? undefined : Number(first.value[1]);
	}

	it('stores the run\'s figures, equal to its summary at the end', async () => {
		// 1,500 messages arriving at 500 a second: 3 s of real time, six scrapes or so.
		const {code, stdout, stderr} = await runCli([
			'-n',
			'1500',
			'-s',
			'20',
			'--mean',
			'20ms',
			'--rate',
			'500',
			'--priority',
			'high=0.3,low=0.7',
			'--max-attempts',
			'2',
			'--failure-rate',
			'0.2',
			'--seed',
			'9',
			'--json',
			'--metrics',
			`127.0.0.1:${metricsPort}`,
			'--metrics-linger',
			'20s',
		]);
		expect(code, stderr).toBe(0);
		expect(stderr).toContain(`sms-sim: metrics for Prometheus at http://127.0.0.1:${metricsPort}/metrics`);
		const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as {sent: number; failed: number; attempts: number; processed: number; segments: number; retries: {retried: number; deadLettered: number}};

		// At least two scrapes, the last of them of the final figures (the run waits for it before it exits).
		expect(await eventually(async () => query('count_over_time(sms_sim_run_done[5m])'), 10_000, 'the scrapes')).toBeGreaterThanOrEqual(2);
		expect(await query('max_over_time(sms_sim_run_done[5m])')).toBe(1);
		// Counters only grow: their greatest value is the last one scraped, the final.
		const last = async (metric: string) => query(`sum(max_over_time(${metric}[5m]))`);
		expect(await last('sms_sim_messages_sent_total')).toBe(summary.sent);
		expect(await last('sms_sim_messages_failed_total')).toBe(summary.failed);
		expect(await last('sms_sim_attempts_total')).toBe(summary.attempts);
		expect(await last('sms_sim_messages_retried_total')).toBe(summary.retries.retried);
		expect(await last('sms_sim_messages_dead_lettered_total')).toBe(summary.retries.deadLettered);
		expect(await last('sms_sim_segments_total')).toBe(summary.segments);
		expect(await last('sms_sim_send_time_seconds_count')).toBe(summary.attempts);
		// Latencies by priority: every finished message once.
		expect(await last('sms_sim_latency_seconds_count')).toBe(summary.processed);
		expect(await query('count(count_over_time(sms_sim_latency_seconds_count[5m])) by (priority)')).toBeDefined();
		expect(await query('count(max_over_time(sms_sim_latency_seconds_count[5m]))')).toBe(2);
	}, 60_000);
});
