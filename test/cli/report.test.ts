import {setTimeout as delay} from 'node:timers/promises';
import {
	createWriteStream, mkdtempSync, readFileSync, writeFileSync,
} from 'node:fs';
import {pipeline} from 'node:stream/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createGzip, gzipSync} from 'node:zlib';
import {describe, expect, it} from 'vitest';
import {inPty} from '../pty.js';
import {
	CLI, finished, runCli, runCliWithInput, start,
} from './spawn.js';

const folder = mkdtempSync(join(tmpdir(), 'sms-sim-report-'));

/** The summary block of a text output, from its headline on, without the wall time (measured, not simulated). */
const summaryBlock = (text: string) => text.slice(text.indexOf('\nDone in ') + 1).split('\n').filter(line => !line.startsWith('  wall time')).join('\n');

describe('sms-sim report', () => {
	const args = ['-n', '3000', '--speed', 'max', '--seed', '5', '--sender', 'count=8,mean=80ms', '--sender', 'count=2,mean=300ms,failure-rate=0.3', '--threshold', 'p99<400ms'];

	it('prints exactly the numbers of the run\'s own summary, from a file, from standard input and gzipped', async () => {
		const saved = await runCli(['--json', '--events', ...args]);
		const path = join(folder, 'run.ndjson');
		writeFileSync(path, saved.stdout);
		const own = await runCli(args);
		const reported = await runCli(['report', path]);
		expect(reported.code).toBe(0);
		expect(summaryBlock(reported.stdout)).toBe(summaryBlock(own.stdout));
		expect(summaryBlock(reported.stdout)).toMatch(/threshold {2}p99<400ms: [\d.]+ms (ok|FAILED)/);
		const piped = await runCliWithInput(['report', '-'], gzipSync(saved.stdout));
		expect(piped.code).toBe(0);
		expect(piped.stdout).toBe(reported.stdout);
		const json = await runCli(['report', path, '--json']);
		expect(JSON.parse(json.stdout)).toMatchObject({
			type: 'summary', processed: 3000, cutShort: false, messageLines: 3000, report: path,
		});
	});

	it('reports an interrupted run as interrupted, and a file cut short as cut short, its last half line left out', async () => {
		const saved = await runCli(['--json', ...args]);
		const lines = saved.stdout.trim().split('\n');
		// The start, three progress lines, and half of the fourth: a file cut while it was written.
		const path = join(folder, 'cut.ndjson');
		writeFileSync(path, [...lines.slice(0, 4), lines[4].slice(0, 20)].join('\n'));
		const {code, stdout, stderr} = await runCli(['report', path]);
		expect(code).toBe(0);
		expect(stderr).toMatch(/its last line \(5\) is cut short mid-record; reported without it/);
		// Cut short, not "interrupted": nobody pressed Ctrl-C, the file just ends.
		expect(stdout).toMatch(/^Cut short after 3\.0s \(simulated; the file ends mid-run\): [\d,]+ of 3,000 messages processed/m);
		expect(stdout).not.toMatch(/Interrupted/);
		expect(stdout).toMatch(/no summary line; these are its figures at 3,000ms, its last progress line/);
		const interrupted = JSON.parse(lines.at(-1)!) as Record<string, unknown>;
		writeFileSync(path, [...lines.slice(0, -1), JSON.stringify({...interrupted, interrupted: true})].join('\n'));
		const reported = await runCli(['report', path]);
		expect(reported.stdout).toMatch(/^Interrupted after /m);
	});

	it('refuses what is not a saved run: exit 2 with the line', async () => {
		const saved = await runCli(['--json', ...args]);
		const lines = saved.stdout.trim().split('\n');
		const garbage = join(folder, 'garbage.ndjson');
		writeFileSync(garbage, [lines[0], 'hello', ...lines.slice(1)].join('\n'));
		const bad = await runCli(['report', garbage]);
		expect(bad.code).toBe(2);
		expect(bad.stderr).toMatch(/line 2: not a record of sms-sim --json/);
		const foreign = join(folder, 'foreign.ndjson');
		writeFileSync(foreign, '{"type":"start","config":{}}\n{"type":"weather","sunny":true}\n');
		const [other, missing, withSeed] = await Promise.all([runCli(['report', foreign]), runCli(['report', join(folder, 'none.ndjson')]), runCli(['report', garbage, '--seed', '1'])]);
		expect(other.stderr).toMatch(/line 2: not a record of sms-sim --json \(type "weather"\)/);
		expect(missing.stderr).toMatch(/cannot read .*none\.ndjson: no such file/);
		expect(withSeed.stderr).toMatch(/--seed does not apply to sms-sim report/);
	});

	it('reads a million events within a 40 MB heap, its page too: it keeps three records and a bounded timeline, not the file', async () => {
		// A gzipped run of 1,000,000 message lines (about 250 MB of NDJSON), written as it is made.
		const path = join(folder, 'big.ndjson.gz');
		const producer = start(['-n', '1000000', '-s', '1000', '--speed', 'max', '--json', '--events', '--seed', '3']);
		await pipeline(producer.stdout, createGzip({level: 1}), createWriteStream(path));
		// If the report kept what it read, a heap this small would run out (the process would die).
		// With --html too: the page keeps a bounded timeline (points and windows), not the events.
		const page = join(folder, 'big.html');
		const {code, stdout} = await runCli(['report', path, '--json', '--html', page], {NODE_OPTIONS: '--max-old-space-size=40'});
		expect(code).toBe(0);
		expect(JSON.parse(stdout)).toMatchObject({processed: 1_000_000, messageLines: 1_000_000, cutShort: false});
		expect(readFileSync(page, 'utf8')).toContain('of the sends that ended in each');
	}, 120_000);

	it('refuses a gzip bomb and /dev/zero at their first 64 MiB line, exit 2, instead of crashing', async () => {
		// 256 MB of zeros in about 250 KB of gzip: one endless "line".
		const bomb = join(folder, 'bomb.ndjson.gz');
		writeFileSync(bomb, gzipSync(Buffer.alloc(256 * 1024 * 1024), {level: 9}));
		const [fromBomb, fromZero] = await Promise.all([runCli(['report', bomb]), runCli(['compare', '/dev/zero', bomb])]);
		for (const {code, stderr} of [fromBomb, fromZero]) {
			expect(code).toBe(2);
			expect(stderr).toMatch(/line 1: longer than 67,108,864 characters: not a record of sms-sim --json/);
			expect(stderr).not.toMatch(/Invalid string length|unexpected error/);
		}
	}, 60_000);

	it('reports a gzip file cut while it was written as cut short, from what it holds', async () => {
		const saved = await runCli(['--json', ...args]);
		const whole = gzipSync(saved.stdout);
		const path = join(folder, 'cut.ndjson.gz');
		// Without its last 200 bytes (the summary line and the gzip trailer): a run still being written.
		writeFileSync(path, whole.subarray(0, -200));
		const {code, stdout, stderr} = await runCli(['report', path]);
		expect(code).toBe(0);
		expect(stderr).toMatch(/its gzip stream ends early \(the file was cut while it was written\); reported up to there/);
		expect(stdout).toMatch(/^Cut short after /m);
	});

	it('reports a run killed before its first progress line from its message lines, as cut short', async () => {
		// What a run killed in its first interval leaves: the start line and message lines, no progress, no summary.
		const saved = await runCli(['--json', '--events', ...args]);
		const lines = saved.stdout.trim().split('\n').filter(line => !line.includes('"type":"progress"'));
		const path = join(folder, 'events-only.ndjson');
		writeFileSync(path, lines.slice(0, 501).join('\n'));
		const messages = lines.slice(1, 501).map(line => JSON.parse(line) as {status: string; retry?: boolean});
		const [text, json] = await Promise.all([runCli(['report', path]), runCli(['report', path, '--json'])]);
		expect(text.code).toBe(0);
		expect(text.stdout).toMatch(/^Cut short after .*: 500 of 3,000 messages processed$/m);
		expect(text.stdout).toMatch(/figures of its 500 message lines/);
		expect(JSON.parse(json.stdout)).toMatchObject({
			cutShort: true, processed: 500, sent: messages.filter(message => message.status === 'sent').length,
		});
	});

	it.each(['SIGINT', 'SIGTERM'] as const)('stops on the first %s while it reads (a pipe that has not ended): exit 130', async signal => {
		const saved = await runCli(['--json', ...args]);
		const child = start(['report', '-']);
		const done = finished(child);
		// The start line, and then nothing: the writer is still at it.
		child.stdin.write(`${saved.stdout.split('\n')[0]}\n`);
		// A second in, as a person would press Ctrl-C: its signal handling is in place long before.
		await delay(1000);
		child.kill(signal);
		const {code, stderr} = await done;
		expect(code).toBe(130);
		expect(stderr).toMatch(/^sms-sim: report: interrupted while reading standard input; nothing printed$/m);
		child.stdin.destroy();
	});

	it('says what it needs when nothing is piped in, rather than wait on the terminal', async () => {
		const terminal = inPty(process.execPath, [CLI, 'report'], {cols: 100, rows: 10, env: {...process.env, FORCE_COLOR: '0'}});
		expect(await terminal.exited).toBe(2);
		expect(terminal.output()).toMatch(/report needs a saved run: a file/);
	});
});
