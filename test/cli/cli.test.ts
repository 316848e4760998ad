import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {spawnSync} from 'node:child_process';
import {describe, expect, it} from 'vitest';
import {bodyCost} from '../../source/model/segments.js';
import {
	CLI, finished, outputMatches, runCli, start, withoutWallTime,
} from './spawn.js';

const parseLines = (stdout: string) => stdout.trim().split('\n').map(line => JSON.parse(line) as Record<string, any>);
const noStackTrace = (stderr: string) => {
	expect(stderr).not.toMatch(/^\s+at /m);
};

const PROGRESS_FIELDS = ['elapsedMs', 'total', 'sent', 'failed', 'inFlight', 'pending', 'avgMs', 'p50Ms', 'p95Ms', 'p99Ms', 'p999Ms', 'minMs', 'stddevMs', 'maxMs', 'throughputPerSec'];

describe('sms-sim, stdout not a terminal', () => {
	it('prints the config, one plain line per interval, then a summary; no escape codes', async () => {
		const {code, stdout, stderr} = await runCli(['-n', '400', '-s', '4', '--mean', '50ms', '--interval', '1s', '--speed', 'max', '--seed', '3']);
		expect(code).toBe(0);
		expect(stderr).toBe('');
		expect(stdout).not.toMatch(/\u001B/);
		const lines = stdout.trim().split('\n');
		expect(lines[0]).toMatch(/^sms-sim: 400 messages, 4 senders \(mean 50ms, gamma spread 0\.25, 10\.0% fail\), max speed, seed 3$/);
		const progress = lines.filter(line => line.startsWith('[monitor]'));
		// 400 sends over 4 senders at 50 ms: ~5 s of simulated time, so 4 or 5 whole intervals.
		expect(progress.length).toBeGreaterThanOrEqual(4);
		for (const line of progress) {
			expect(line).toMatch(/^\[monitor] [\d.]+s sent=\d+ failed=\d+ in-flight=\d+ avg=[\d.]+ms p99=[\d.]+ms [\d,.]+\/s$/);
		}

		expect(stdout).toMatch(/^Done in [\d.]+s \(simulated\): 400 messages processed$/m);
		const sent = Number(/^ {2}sent +(\d+)$/m.exec(stdout)![1]);
		const failed = Number(/^ {2}failed +(\d+) /m.exec(stdout)![1]);
		expect(sent + failed).toBe(400);
		expect(stdout).toMatch(/^ {2}seed +3$/m);
	});

	it('gives an empty summary for 0 messages', async () => {
		const {code, stdout} = await runCli(['-n', '0', '--speed', 'max']);
		expect(code).toBe(0);
		expect(stdout).toMatch(/Done in 0ms \(simulated\): 0 messages processed/);
	});
});

describe('sms-sim --json', () => {
	it('writes NDJSON: start with schemaVersion, progress per interval, one summary last', async () => {
		const {code, stdout, stderr} = await runCli(['--json', '-n', '1000', '--speed', 'max', '--seed', '9', '--sender', 'count=6,mean=80ms,name=fast', '--sender', 'count=4,mean=200ms,failure-rate=0.3,name=slow']);
		expect(code).toBe(0);
		expect(stderr).toBe('');
		const records = parseLines(stdout);
		expect(records[0]).toMatchObject({
			type: 'start', schemaVersion: 1, config: {
				messages: 1000, seed: 9, speed: 'max', groups: [{name: 'fast', senders: 6}, {name: 'slow', senders: 4, failureRate: 0.3}],
			},
		});
		const progress = records.filter(record => record.type === 'progress');
		expect(progress.length).toBeGreaterThan(3);
		for (const record of progress) {
			for (const field of PROGRESS_FIELDS) {
				expect(record).toHaveProperty(field);
			}
		}

		expect(records.filter(record => record.type === 'summary')).toHaveLength(1);
		const summary = records.at(-1)!;
		expect(summary).toMatchObject({
			type: 'summary', total: 1000, seed: 9, interrupted: false, inFlight: 0, pending: 0,
		});
		for (const field of PROGRESS_FIELDS) {
			expect(summary).toHaveProperty(field);
		}

		expect(summary.sent + summary.failed).toBe(summary.total);
		expect(summary.groups.map((group: any) => Object.keys(group).toSorted())).toEqual([['attempts', 'avgMs', 'failed', 'failedAttempts', 'name', 'p99Ms', 'senders', 'sent'], ['attempts', 'avgMs', 'failed', 'failedAttempts', 'name', 'p99Ms', 'senders', 'sent']]);
		expect(summary.groups.reduce((sum: number, group: any) => sum + group.sent + group.failed, 0)).toBe(1000);
	});

	it('adds one message line per finished message with --events', async () => {
		const {stdout} = await runCli(['--json', '--events', '-n', '300', '--speed', 'max', '--seed', '4']);
		const messages = parseLines(stdout).filter(record => record.type === 'message');
		expect(messages).toHaveLength(300);
		expect(new Set(messages.map(message => message.id)).size).toBe(300);
		for (const message of messages) {
			expect(Object.keys(message).toSorted()).toEqual(['body', 'durationMs', 'encoding', 'endMs', 'group', 'id', 'segments', 'senderId', 'startMs', 'status', 'to', 'type']);
			expect(message.segments).toBe(bodyCost(message.body).segments);
			expect(message.to).toMatch(/^\+1[2-9]\d\d[2-9]\d{6}$/);
			expect(['sent', 'failed']).toContain(message.status);
			expect(message.endMs - message.startMs).toBeCloseTo(message.durationMs, 2);
		}
	});

	it('gives identical output for the same seed at --speed max', async () => {
		const args = ['--json', '--events', '-n', '2000', '-s', '25', '--speed', 'max', '--seed', '77'];
		const [first, second] = await Promise.all([runCli(args), runCli(args)]);
		expect(first.stdout.length).toBeGreaterThan(0);
		expect(withoutWallTime(second.stdout)).toBe(withoutWallTime(first.stdout));
	});

	it('gives the same summary at a real-time speed as at --speed max for the same seed', async () => {
		const args = ['--json', '-n', '600', '--sender', 'count=8,mean=20ms', '--sender', 'count=2,mean=80ms,failure-rate=0.4', '--seed', '31'];
		const [paced, fast] = await Promise.all([runCli([...args, '--speed', '20']), runCli([...args, '--speed', 'max'])]);
		const summary = (stdout: string) => parseLines(withoutWallTime(stdout)).at(-1);
		expect(summary(paced.stdout)).toEqual(summary(fast.stdout));
		// A run that asked for none of them reports no priorities, waits, retries or capacities.
		for (const key of ['priorities', 'wait', 'latency', 'retries', 'capacity', 'backlog']) {
			expect(summary(fast.stdout)).not.toHaveProperty(key);
		}
	});

	it('exits 3 when the failure ratio is above --max-failure-rate, and says so in the summary', async () => {
		const over = await runCli(['--json', '-n', '2000', '--failure-rate', '0.5', '--max-failure-rate', '0.2', '--speed', 'max', '--seed', '1']);
		expect(over.code).toBe(3);
		expect(parseLines(over.stdout).at(-1)).toMatchObject({type: 'summary', maxFailureRate: 0.2, thresholdExceeded: true});
		const under = await runCli(['-n', '2000', '--failure-rate', '0.05', '--max-failure-rate', '0.2', '--speed', 'max', '--seed', '1']);
		expect(under.code).toBe(0);
		expect(under.stdout).toMatch(/threshold +failure ratio [\d.]+% <= max 20\.0%: ok/);
	});

	it('ends quietly with exit 0 when stdout is closed early (| head -1)', () => {
		const result = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${CLI}" --json --events -n 1000000 --speed max | head -1`], {encoding: 'utf8'});
		expect(result.status).toBe(0);
		expect(JSON.parse(result.stdout)).toMatchObject({type: 'start', schemaVersion: 1});
		expect(result.stderr).toBe('');
	});
});

describe('sms-sim --config', () => {
	it('reads settings from the file, and flags override them', async () => {
		const folder = mkdtempSync(join(tmpdir(), 'sms-sim-'));
		const path = join(folder, 'load.json');
		writeFileSync(path, JSON.stringify({
			messages: 5000, failureRate: 0.25, seed: 12, speed: 'max', groups: [{name: 'a', count: 3, mean: '20ms'}, {
				name: 'b', count: 2, mean: 5, distribution: 'fixed',
			}],
		}));
		const {code, stdout} = await runCli(['--json', '--config', path, '-n', '700']);
		expect(code).toBe(0);
		const [startRecord] = parseLines(stdout);
		expect(startRecord.config).toMatchObject({
			messages: 700, seed: 12, speed: 'max', groups: [{
				name: 'a', senders: 3, meanMs: 20, failureRate: 0.25,
			}, {
				name: 'b', senders: 2, meanMs: 5, distribution: 'fixed',
			}],
		});
		expect(parseLines(stdout).at(-1)).toMatchObject({total: 700});
	});
});

describe('sms-sim usage errors', () => {
	it('reports every error on its own line, exit 2, no stack trace', async () => {
		const {code, stdout, stderr} = await runCli(['--failure-rate', '1.5', '-n', 'many', '--distribution', 'normal']);
		expect(code).toBe(2);
		expect(stdout).toBe('');
		expect(stderr.trim().split('\n')).toEqual([
			'sms-sim: --messages must be a whole number >= 0, got "many"',
			'sms-sim: --distribution must be one of gamma, exponential, uniform, fixed, empirical, got "normal"',
			'sms-sim: --failure-rate must be between 0 and 1 (or 0% to 100%), got "1.5"',
			'sms-sim: see sms-sim --help',
		]);
		noStackTrace(stderr);
	});

	it('names a missing config file', async () => {
		const {code, stderr} = await runCli(['--config', '/nonexistent/sim.json']);
		expect(code).toBe(2);
		expect(stderr).toMatch(/^sms-sim: --config: cannot read \/nonexistent\/sim\.json: no such file$/m);
		noStackTrace(stderr);
	});

	it('refuses an unknown flag and a stray argument', async () => {
		const unknown = await runCli(['--mesages', '5']);
		expect(unknown.code).toBe(2);
		expect(unknown.stderr).toMatch(/^sms-sim: unknown flag "--mesages" \(did you mean --messages\?\)$/m);
		const stray = await runCli(['500']);
		expect(stray.code).toBe(2);
		expect(stray.stderr).toMatch(/unknown command "500": the commands are produce, send, monitor/);
	});
});

describe('sms-sim --threshold', () => {
	it('judges the summary: each rule with its value and ok or FAILED, exit 3 when any fails', async () => {
		const args = ['-n', '500', '--speed', 'max', '--seed', '1', '--threshold', 'p99<500ms', '--threshold', 'throughput>1000/s'];
		const lines = await runCli(args);
		expect(lines.code).toBe(3);
		expect(lines.stdout).toMatch(/^ {2}threshold {2}p99<500ms: [\d.]+ms ok$/m);
		expect(lines.stdout).toMatch(/^ {2}threshold {2}throughput>1000\/s: [\d,.]+\/s FAILED$/m);
		const json = await runCli([...args, '--json']);
		expect(json.code).toBe(3);
		const summary = parseLines(json.stdout).at(-1)!;
		expect(summary.thresholds).toEqual([
			{expression: 'p99<500ms', value: summary.p99Ms, ok: true},
			{expression: 'throughput>1000/s', value: expect.any(Number), ok: false},
		]);
		// The send-time histogram: ten bins from min to max, every send counted once.
		expect(summary.histogram).toHaveLength(10);
		expect(summary.histogram.reduce((sum: number, bin: {count: number}) => sum + bin.count, 0)).toBe(500);
		expect([summary.histogram[0].fromMs, summary.histogram.at(-1).toMs]).toEqual([summary.minMs, summary.maxMs]);
	});

	it('ends the summary with the verdict, and with --json says it on stderr too', async () => {
		const args = ['-n', '500', '--speed', 'max', '--seed', '1', '--threshold', 'p99<1ms', '--threshold', 'p99<1s', '--threshold', 'throughput>1000/s'];
		const text = await runCli(args);
		expect(text.code).toBe(3);
		expect(text.stdout.trimEnd().split('\n').at(-1)).toMatch(/^✗ 2 of 3 thresholds crossed: p99<1ms \(was [\d.]+ms\), throughput>1000\/s \(was [\d.,]+\/s\)$/);
		const json = await runCli([...args, '--json']);
		expect(json.code).toBe(3);
		expect(json.stderr).toMatch(/^sms-sim: ✗ 2 of 3 thresholds crossed: p99<1ms/m);
		// Stdout stays NDJSON, and its last line says its schema too (a consumer may read only that line).
		expect(parseLines(json.stdout).at(-1)).toMatchObject({type: 'summary', schemaVersion: 1});
	});

	it('takes a thresholds list from a config file; passing rules exit 0', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'sms-sim-'));
		const file = join(dir, 'load.json');
		writeFileSync(file, JSON.stringify({messages: 200, speed: 'max', thresholds: ['p99<1s', 'failure-rate<=50%']}));
		const {code, stdout} = await runCli(['--config', file, '--json']);
		expect(code).toBe(0);
		expect(parseLines(stdout).at(-1)!.thresholds.map((result: {ok: boolean}) => result.ok)).toEqual([true, true]);
	});
});

describe('sms-sim flags as typed', () => {
	it('tells every problem at once: an unknown flag with a suggestion, beside the other errors', async () => {
		const {code, stderr} = await runCli(['--sendrs', '5', '--failure-rate', '2']);
		expect(code).toBe(2);
		expect(stderr.trim().split('\n')).toEqual([
			'sms-sim: unknown flag "--sendrs" (did you mean --senders?)',
			'sms-sim: --failure-rate must be between 0 and 1 (or 0% to 100%), got "2"',
			'sms-sim: see sms-sim --help',
		]);
	});

	it('refuses a flag given twice, naming it, with no stack trace (exit 2, not 1)', async () => {
		const {code, stderr} = await runCli(['-n', '10', '-n', '20']);
		expect(code).toBe(2);
		expect(stderr).toMatch(/^sms-sim: --messages is given more than once; give it once$/m);
		expect(stderr).not.toMatch(/^\s+at /m);
	});

	it('refuses --sender with no value, or an empty one, rather than ignore it', async () => {
		const none = await runCli(['-n', '5', '--sender']);
		expect(none.code).toBe(2);
		expect(none.stderr).toMatch(/^sms-sim: --sender needs a value$/m);
		const empty = await runCli(['-n', '5', '--sender', '']);
		expect(empty.code).toBe(2);
		expect(empty.stderr).toMatch(/^sms-sim: --sender "": count is required/m);
	});

	it('gives a value that starts with a dash to its flag, so the flag\'s own rule speaks', async () => {
		const {code, stderr} = await runCli(['--mean', '-1s', '--interval', '-1s']);
		expect(code).toBe(2);
		expect(stderr).toMatch(/^sms-sim: --mean must be a duration/m);
		expect(stderr).toMatch(/^sms-sim: --interval must be a duration/m);
		expect(stderr).not.toMatch(/unknown/i);
	});
});

describe('sms-sim --help and --version', () => {
	it('fits 80 columns', async () => {
		const {stdout} = await runCli(['--help']);
		const widest = Math.max(...stdout.split('\n').map(line => line.length));
		expect(widest).toBeLessThanOrEqual(80);
	});

	it('lists every flag with its default, and examples', async () => {
		const {code, stdout} = await runCli(['--help']);
		expect(code).toBe(0);
		for (const flag of ['--messages', '--senders', '--mean', '--spread', '--distribution', '--failure-rate', '--sender', '--interval', '--seed', '--speed', '--json', '--events', '--config', '--max-failure-rate', '--max-body-length', 'produce', 'send', 'monitor', 'purge', 'report', 'compare', 'plan']) {
			expect(stdout).toContain(flag);
		}

		expect(stdout).toMatch(/Number of messages, 0 or more \(default 1000\)/);
		expect(stdout).toMatch(/Examples/);
	});

	it('prints the version', async () => {
		const {code, stdout} = await runCli(['--version']);
		expect(code).toBe(0);
		expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
	});
});

describe('sms-sim interrupted', () => {
	it('on SIGINT stops, prints a summary marked interrupted, and exits 130', async () => {
		const child = start(['-n', '100000', '-s', '5', '--mean', '1s', '--interval', '100ms']);
		const result = finished(child);
		await outputMatches(child, /\[monitor]/);
		child.kill('SIGINT');
		const {code, stdout} = await result;
		expect(code).toBe(130);
		expect(stdout).toMatch(/^Interrupted after [\d.]+m?s \(simulated\): \d+ of 100,000 messages processed$/m);
	});

	it('on SIGTERM in --json mode ends with a summary whose interrupted is true', async () => {
		const child = start(['--json', '-n', '100000', '-s', '5', '--mean', '1s', '--interval', '100ms']);
		const result = finished(child);
		await outputMatches(child, /"type":"progress"/);
		child.kill('SIGTERM');
		const {code, stdout} = await result;
		expect(code).toBe(130);
		const summary = parseLines(stdout).at(-1)!;
		expect(summary).toMatchObject({type: 'summary', interrupted: true, inFlight: 0});
		expect(summary.sent + summary.failed).toBeLessThan(100_000);
	});

	it('on SIGHUP (a closed terminal, a dropped ssh session) ends like SIGTERM: the summary, exit 130', async () => {
		const child = start(['--json', '--events', '-n', '100000', '-s', '5', '--mean', '1s', '--interval', '100ms']);
		const result = finished(child);
		await outputMatches(child, /"type":"progress"/);
		child.kill('SIGHUP');
		const {code, signal, stdout} = await result;
		expect({code, signal}).toEqual({code: 130, signal: null});
		expect(parseLines(stdout).at(-1)).toMatchObject({type: 'summary', interrupted: true});
	});
});

describe('sms-sim segments and --charset', () => {
	it('bills the segments of every message: the summary\'s count is the sum of the messages\'', async () => {
		for (const charset of ['gsm', 'ascii', 'unicode']) {
			const {code, stdout} = await runCli(['--json', '--events', '-n', '1500', '--max-body-length', '300', '--charset', charset, '--speed', 'max', '--seed', '6']);
			expect(code).toBe(0);
			const lines = parseLines(stdout);
			expect(lines[0].config.charset).toBe(charset);
			const messages = lines.filter(line => line.type === 'message');
			const summary = lines.at(-1)!;
			expect(summary.segments).toBe(messages.reduce((sum, message) => sum + (message.segments as number), 0));
			// One attempt a message here: every message's segments submitted once, the sent ones' delivered.
			expect(summary.segmentsSubmitted).toBe(summary.segments);
			expect(summary.segmentsDelivered).toBe(messages.filter(message => message.status === 'sent').reduce((sum, message) => sum + (message.segments as number), 0));
			expect(summary.encodings.ucs2).toBe(messages.filter(message => message.encoding === 'ucs2').length);
			expect(summary.encodings.gsm7 + summary.encodings.ucs2).toBe(1500);
		}

		const text = await runCli(['-n', '1000', '--charset', 'gsm', '--speed', 'max', '--seed', '6']);
		expect(text.stdout).toMatch(/^ {2}segments {3}[\d,]+ submitted, [\d,]+ delivered \([\d.]+ a message; 0\.0% UCS-2\)$/m);
		const refused = await runCli(['--charset', 'emoji']);
		expect(refused.stderr).toMatch(/--charset must be one of gsm, ascii, unicode, got "emoji"/);
	});
});

describe('sms-sim --max-attempts', () => {
	it('retries failed sends: each attempt a message line, the summary counts messages, attempts and dead letters', async () => {
		const {code, stdout} = await runCli(['--json', '--events', '-n', '3000', '--failure-rate', '0.4', '--max-attempts', '3', '--backoff', '50ms', '--speed', 'max', '--seed', '8']);
		expect(code).toBe(0);
		const lines = parseLines(stdout);
		expect(lines[0].config.groups[0]).toMatchObject({
			maxAttempts: 3, backoffMs: 50, backoffMaxMs: 30_000, permanentFailureRate: 0,
		});
		const messages = lines.filter(line => line.type === 'message');
		const last = new Map(messages.map(message => [message.id, message]));
		expect(last.size).toBe(3000);
		// Only a failed attempt before the third is retried; every message's last line is its outcome.
		expect(messages.every(message => message.retry === (message.status === 'failed' && message.attempt < 3))).toBe(true);
		expect([...last.values()].every(message => message.retry === false)).toBe(true);
		const summary = lines.at(-1)!;
		expect(summary.processed).toBe(3000);
		expect(summary.attempts).toBe(messages.length);
		expect(summary.failed).toBe([...last.values()].filter(message => message.status === 'failed').length);
		expect(summary.retries).toMatchObject({deadLettered: summary.failed, retried: [...last.values()].filter(message => message.attempt > 1).length});
		const text = await runCli(['-n', '3000', '--failure-rate', '0.4', '--max-attempts', '3', '--backoff', '50ms', '--speed', 'max', '--seed', '8']);
		expect(text.stdout).toMatch(/^ {2}attempts {3}[\d,]+ \([\d.]+ a message\); [\d,]+ messages retried, [\d,]+ sent after a retry$/m);
		expect(text.stdout).toMatch(/^ {2}dead {7}[\d,]+ dead-lettered; failed attempts [\d,]+ transient, 0 permanent$/m);
	});
});

describe('sms-sim rate limits (rate= in a group)', () => {
	it('says which ceiling binds a rate-limited group, in the summary and in JSON', async () => {
		const args = ['-n', '200', '--sender', 'count=10,rate=1/s,mean=100ms,name=longcodes', '--sender', 'count=2,rate=60/s,mean=100ms,name=shortcodes', '--charset', 'gsm', '--speed', 'max', '--seed', '1'];
		const text = await runCli(args);
		expect(text.code).toBe(0);
		expect(text.stdout).toMatch(/^ {2}capacity {3}longcodes \(messages\): at most 10\/s by the rate limit, at most 100\/s by send time: the rate limit binds$/m);
		expect(text.stdout).toMatch(/^ {2}capacity {3}shortcodes \(messages\): at most 120\/s by the rate limit, at most 20\/s by send time: the send time binds$/m);
		const json = await runCli(['--json', ...args]);
		const summary = parseLines(json.stdout).at(-1)!;
		expect(summary.capacity).toEqual([
			{
				group: 'longcodes', rateLimitPerSec: 10, sendTimePerSec: 100, boundBy: 'rate-limit',
			},
			{
				group: 'shortcodes', rateLimitPerSec: 120, sendTimePerSec: 20, boundBy: 'send-time',
			},
		]);
		expect(parseLines(json.stdout)[0].config.groups.map((group: {ratePerSec: number}) => group.ratePerSec)).toEqual([1, 60]);
	});

	it('bills every attempt\'s segments, and gives the capacity in messages a second when messages are retried', async () => {
		// Bound by the rate limit (5 senders of 2 segments a second, 10 ms sends), 40% of attempts failing,
		// 3 attempts: capacity was 8.46/s, attempts, beside 5.44 messages a second measured.
		const {stdout} = await runCli(['--json', '-n', '2000', '--sender', 'count=5,mean=10ms,rate=2/s', '--failure-rate', '0.4', '--max-attempts', '3', '--backoff', '100ms', '--seed', '3', '--speed', 'max']);
		const summary = parseLines(stdout).at(-1)!;
		expect(summary.attempts).toBeGreaterThan(summary.processed * 1.4);
		// The same bodies: submitted over attempts is billed over messages, within the draw (a few %).
		expect(Math.abs((summary.segmentsSubmitted / summary.attempts) / (summary.segments / summary.processed) - 1)).toBeLessThan(0.05);
		expect(summary.segmentsDelivered).toBeLessThan(summary.segments);
		// The binding ceiling is the rate in messages a second: what the run did, within 3% (the run's
		// start and end, and the ceiling being one).
		expect(summary.capacity[0].boundBy).toBe('rate-limit');
		expect(Math.abs((summary.capacity[0].rateLimitPerSec / summary.throughputPerSec) - 1)).toBeLessThan(0.03);
	});
});

describe('sms-sim --priority', () => {
	it('reports each priority\'s messages, waits and latencies, highest first, and tags each message', async () => {
		const args = ['-n', '2000', '--priority', 'critical=0.1,normal=0.9', '-s', '5', '--speed', 'max', '--seed', '4'];
		const json = await runCli(['--json', '--events', ...args]);
		expect(json.code).toBe(0);
		const lines = parseLines(json.stdout);
		expect(lines[0].config.priorities).toEqual([{name: 'critical', share: 0.1}, {name: 'normal', share: 0.9}]);
		const messages = lines.filter(line => line.type === 'message');
		expect(messages.filter(message => message.priority === 'critical')).toHaveLength(200);
		const summary = lines.at(-1)!;
		expect(summary.priorities.map((priority: {name: string; count: number}) => [priority.name, priority.count])).toEqual([['critical', 200], ['normal', 1800]]);
		expect(summary.priorities[0].wait.maxMs).toBeLessThan(summary.priorities[1].wait.p50Ms);
		const text = await runCli(args);
		expect(text.stdout).toMatch(/^ {2}priority +messages +waited +wait avg +p50 +p95 +p99 +latency p99\n {2}critical +200 /m);
		const refused = await runCli(['--priority', 'critical=0.5,normal=0.4']);
		expect(refused.code).toBe(2);
		expect(refused.stderr).toMatch(/--priority must be 1 to 32 name=share pairs, highest first, shares adding up to 1/);
	});

	it('refuses more than 32 priority classes before the run (10,000 took 3.6 GB)', async () => {
		const classes = (count: number) => Array.from({length: count}, (_, index) => `p${index}=${1 / count}`).join(',');
		const [many, most] = await Promise.all([
			runCli(['--priority', classes(10_000), '-n', '10', '--speed', 'max']),
			runCli(['--priority', 'a=0.5,b=0.5', '-n', '10', '--speed', 'max']),
		]);
		expect(many.code).toBe(2);
		expect(many.stderr).toMatch(/^sms-sim: --priority must be 1 to 32 name=share pairs/m);
		expect(most.code).toBe(0);
	});
});

describe('sms-sim --rate', () => {
	it('reports waits, latencies and the backlog beside the send times', async () => {
		const {code, stdout} = await runCli(['-n', '3000', '-s', '10', '--mean', '100ms', '--rate', '95/s', '--speed', 'max', '--seed', '5', '--interval', '5s']);
		expect(code).toBe(0);
		expect(stdout).toMatch(/^sms-sim: 3,000 messages arriving at 95\/s \(poisson\), 10 senders/);
		expect(stdout).toMatch(/^\[monitor] 5\.0s sent=\d+ failed=\d+ in-flight=\d+ backlog=\d+ wait-p99=[\d.]+m?s /m);
		expect(stdout).toMatch(/^ {2}wait {7}avg [\d.]+m?s {2}p50 [\d.]+m?s {2}p95 [\d.]+m?s {2}p99 [\d.]+m?s {2}max [\d.]+m?s \([\d.]+% waited\)$/m);
		expect(stdout).toMatch(/^ {2}latency {4}avg /m);
		// JSON: each figure with the samples it rests on, and the 99.9th percentile.
		const json = await runCli(['--json', '-n', '3000', '-s', '10', '--mean', '100ms', '--rate', '95/s', '--speed', 'max', '--seed', '5']);
		const summary = parseLines(json.stdout).at(-1)!;
		expect(summary.wait.count).toBe(3000);
		expect(summary.latency.count).toBe(3000);
		expect(summary.wait.p999Ms).toBeGreaterThanOrEqual(summary.wait.p99Ms);
		expect(summary.wait.p999Ms).toBeLessThanOrEqual(summary.wait.maxMs);
	});

	it('is refused by the distributed commands, which do not model arrivals', async () => {
		const {code, stderr} = await runCli(['send', '--rate', '5/s', '--broker', 'amqp://127.0.0.1:1']);
		expect(code).toBe(2);
		expect(stderr).toMatch(/--rate does not apply to sms-sim send/);
	});
});

describe('sms-sim sender groups', () => {
	it('gives each group its own p99, in JSON and in the summary table', async () => {
		const args = ['-n', '2000', '--speed', 'max', '--seed', '4', '--sender', 'count=5,mean=10ms,distribution=fixed,name=quick', '--sender', 'count=5,mean=100ms,distribution=exponential,name=slow'];
		const json = await runCli(['--json', ...args]);
		const summary = parseLines(json.stdout).at(-1)!;
		const [quick, slow] = summary.groups as Array<{name: string; p99Ms: number; sent: number; failed: number}>;
		expect(quick.p99Ms).toBeCloseTo(10, 1); // Every quick send takes exactly 10 ms (to the histogram's 3 digits).
		// Exponential with mean 100 ms: p99 = 100 ln 100 = 460.5 ms; a quarter of 2,000 sends (~180
		// from the slow group, whose senders are busy ten times longer) puts the sample p99 within 25%.
		expect(slow.p99Ms).toBeGreaterThan(460.5 * 0.75);
		expect(slow.p99Ms).toBeLessThan(460.5 * 1.25);
		const text = await runCli(args);
		expect(text.stdout).toMatch(/^ {2}group +senders +sent +failed +fail % +avg +p99$/m);
		expect(text.stdout).toMatch(/^ {2}quick +5(?: +[\d,]+){2} +[\d.]+%(?: +10\.0ms){2}$/m);
	});

	it('keeps every group asked for: a generated name never takes a given one', async () => {
		const {code, stdout} = await runCli(['-n', '200', '--speed', 'max', '--seed', '1', '--json', '--sender', 'count=2,name=group-2,mean=10ms', '--sender', 'count=3,mean=50ms']);
		expect(code).toBe(0);
		const summary = parseLines(stdout).at(-1)!;
		expect(summary.groups.map((group: {name: string; senders: number}) => [group.name, group.senders])).toEqual([['group-2', 2], ['group-2-2', 3]]);
		expect(summary.groups.reduce((sum: number, group: {sent: number; failed: number}) => sum + group.sent + group.failed, 0)).toBe(200);
	});
});
