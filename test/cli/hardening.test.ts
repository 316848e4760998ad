/**
 * The local run, whatever the input: no hang, no runaway memory or output, no stack trace.
 * Each case runs the real program.
 */
import {spawn, spawnSync} from 'node:child_process';
import {
	mkdtempSync, openSync, readFileSync, writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {PassThrough} from 'node:stream';
import {describe, expect, it} from 'vitest';
import {main} from '../../source/cli/main.js';
import {
	CLI, finished, outputMatches, runCli, start,
} from './spawn.js';

const lastRecord = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;

describe('no hang', () => {
	it('--mean 0: zero-time sends still yield, so Ctrl-C is heard and the summary printed', async () => {
		const child = start(['-n', '100000000', '--mean', '0', '--speed', 'max', '--json']);
		const done = finished(child);
		await outputMatches(child, /"type":"start"/);
		child.kill('SIGINT');
		const {code, stdout, stderr} = await done;
		expect(code).toBe(130);
		expect(stderr).toBe('');
		const summary = lastRecord(stdout);
		expect(summary).toMatchObject({type: 'summary', interrupted: true});
		expect(summary.processed).toBeGreaterThan(0);
	}, 30_000);

	it('a paced run keeps going past 2^25 simulated ms (9.3 hours) and finishes exactly', async () => {
		// 400,000 sends of exactly 1 s on 10 senders: 40,000 s (11.1 hours) of simulated time.
		const {code, stdout} = await runCli(['-n', '400000', '-s', '10', '--mean', '1s', '--distribution', 'fixed', '--speed', '1000000', '--seed', '1', '--json', '--interval', '1h']);
		expect(code).toBe(0);
		expect(lastRecord(stdout)).toMatchObject({type: 'summary', processed: 400_000, elapsedMs: 40_000_000});
	}, 60_000);
});

describe('bounded output and memory', () => {
	it('writes to a pipe about as fast as to a file: one drain listener, not one per blocked write', () => {
		// 1,000,000 events through `cat`: before, a listener per blocked write made this quadratic
		// (not done after 100 s); now a few seconds.
		const started = performance.now();
		const result = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" -n 1000000 -s 100000 --distribution fixed --json --events --speed max --seed 1 | cat > /dev/null`], {encoding: 'utf8', timeout: 60_000});
		expect(result.status).toBe(0);
		expect(result.stderr).toBe('');
		expect(performance.now() - started).toBeLessThan(60_000);
	}, 70_000);

	it('refuses senders x body length beyond what memory holds, before running', async () => {
		const {code, stderr} = await runCli(['-n', '1000000', '-s', '1000000', '--max-body-length', '10000']);
		expect(code).toBe(2);
		expect(stderr).toMatch(/^sms-sim: --senders and --max-body-length: 1,000,000 senders each holding a body of up to 10,000 characters is 10,000,000,000 characters in flight; keep senders x max body length at most 100,000,000$/m);
	});

	it('reads a config file only if it is a regular file of at most 1 MiB', async () => {
		const zero = await runCli(['--config', '/dev/zero']);
		expect(zero.code).toBe(2);
		expect(zero.stderr).toMatch(/^sms-sim: --config: cannot read \/dev\/zero: it is not a regular file$/m);
		const dir = mkdtempSync(join(tmpdir(), 'sms-sim-'));
		const large = join(dir, 'large.json');
		writeFileSync(large, `{"messages": 1${' '.repeat(2 * 1024 * 1024)}}`);
		const big = await runCli(['--config', large]);
		expect(big.code).toBe(2);
		expect(big.stderr).toMatch(/cannot read .*large\.json: it is larger than 1 MiB, the most a config file may be$/m);
	});

	it('cuts a long offending value short in its error', async () => {
		const {code, stderr} = await runCli(['-n', 'x'.repeat(100_000)]);
		expect(code).toBe(2);
		expect(stderr).toMatch(/^sms-sim: --messages must be a whole number >= 0, got "x{40}"\.\.\. \(100,000 characters\)$/m);
		expect(stderr.length).toBeLessThan(300);
	});

	it('says in one line that output failed (a full disk), with no stack trace', async () => {
		const child = spawn(process.execPath, [CLI, '-n', '2000', '--speed', 'max', '--json', '--events'], {stdio: ['ignore', openSync('/dev/full', 'w'), 'pipe']});
		let stderr = '';
		child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
			stderr += chunk;
		});
		const code = await new Promise(resolve => {
			child.on('close', resolve);
		});
		expect(code).toBe(1);
		expect(stderr).toBe('sms-sim: cannot write output: no space left on device\n');
	});
});

describe('signals and input', () => {
	it('a Ctrl-C before the run has started still gives an (empty) interrupted summary and exit 130', async () => {
		const stdout = new PassThrough();
		let output = '';
		stdout.setEncoding('utf8').on('data', (chunk: string) => {
			output += chunk;
		});
		const code = await main({
			argv: ['-n', '1000', '--json', '--seed', '1'],
			env: {},
			stdout,
			stderr: new PassThrough(),
			onStop(listener) {
				listener(); // Asked to stop before the program even read its flags.
				return () => undefined;
			},
		});
		expect(code).toBe(130);
		expect(lastRecord(output)).toMatchObject({
			type: 'summary', interrupted: true, processed: 0, total: 1000,
		});
	});

	it('installs its signal handling before it loads anything else', () => {
		// The entry's only static import is node:process; the program comes in by a dynamic import
		// after process.on('SIGINT') and process.on('SIGTERM'), so a Ctrl-C while modules load is heard.
		const entry = readFileSync(new URL('../../cli.tsx', import.meta.url), 'utf8');
		expect([...entry.matchAll(/^import .* from '([^']+)';$/gm)].map(match => match[1])).toEqual(['node:process']);
		expect(entry.indexOf('process.on(\'SIGINT\'')).toBeLessThan(entry.indexOf('await import(\'./source/cli/main.js\')'));
		expect(entry.indexOf('process.on(\'SIGTERM\'')).toBeLessThan(entry.indexOf('await import(\'./source/cli/main.js\')'));
	});

	it('reads numbers in one grammar: 1e3 is a count and a duration', async () => {
		const {code, stdout} = await runCli(['-n', '1e3', '-s', '1e1', '--mean', '1e2', '--interval', '1e3', '--distribution', 'fixed', '--speed', 'max', '--json', '--seed', '1']);
		expect(code).toBe(0);
		expect(lastRecord(stdout)).toMatchObject({processed: 1000, elapsedMs: 10_000, avgMs: 100});
	});

	it('accepts a config file with a byte order mark, refuses one with a key given twice', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'sms-sim-'));
		const bom = join(dir, 'bom.json');
		writeFileSync(bom, '\uFEFF{"messages": 20, "speed": "max"}');
		const accepted = await runCli(['--config', bom, '--json']);
		expect(accepted.code).toBe(0);
		expect(lastRecord(accepted.stdout)).toMatchObject({processed: 20});
		const twice = join(dir, 'twice.json');
		writeFileSync(twice, '{"messages": 20,\n "groups": [{"count": 1, "mean": "5ms", "mean": "9ms"}],\n "messages": 30}');
		const refused = await runCli(['--config', twice]);
		expect(refused.code).toBe(2);
		expect(refused.stderr).toMatch(/twice\.json: groups\[0]\.mean is given twice \(again on line 2\); give each setting once$/m);
		expect(refused.stderr).toMatch(/twice\.json: messages is given twice \(again on line 3\); give each setting once$/m);
	});
});
