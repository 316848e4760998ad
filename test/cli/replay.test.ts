import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {
	finished, runCli, runCliWithInput, start, withoutWallTime,
} from './spawn.js';

const folder = mkdtempSync(join(tmpdir(), 'sms-sim-replay-'));
const file = (name: string, text: string) => {
	const path = join(folder, name);
	writeFileSync(path, text);
	return path;
};

const parseLines = (stdout: string) => stdout.trim().split('\n').map(line => JSON.parse(line) as Record<string, any>);

describe('sms-sim --input', () => {
	it('checks a file before the run: every bad line with its number, exit 2, nothing run', async () => {
		const path = file('bad.ndjson', '{"to": "+12025550123", "body": "ok"}\nnot json\n{"to": "+44 20 7946 0958", "body": "ok"}\n{"to": "+1555", "body": "x"}\n');
		const {code, stdout, stderr} = await runCli(['--input', path, '--json', '--speed', 'max']);
		expect(code).toBe(2);
		expect(stdout).toBe('');
		expect(stderr).toContain(`--input ${path}: line 2: is not JSON`);
		expect(stderr).toContain(`--input ${path}: line 4: to "+1555" is not a valid phone number`);
		expect(stderr).not.toMatch(/line 3/);
	});

	it('replays a CSV file: its messages, quoted commas kept, arrivals at their times', async () => {
		const path = file('alerts.csv', 'to,body,at\n+12025550123,"Flood warning, move uphill",0\n+14155552671,All clear,1500\n');
		const {code, stdout} = await runCli(['--input', path, '--json', '--events', '--speed', 'max', '--seed', '1']);
		expect(code).toBe(0);
		const lines = parseLines(stdout);
		expect(lines[0].config).toMatchObject({messages: 2, input: {path, format: 'csv'}});
		const messages = lines.filter(line => line.type === 'message');
		expect(messages.map(message => [message.to, message.body, message.arrivalMs])).toEqual([['+12025550123', 'Flood warning, move uphill', 0], ['+14155552671', 'All clear', 1500]]);
		expect(messages[1].startMs).toBe(1500);
		expect(lines.at(-1)).toMatchObject({type: 'summary', total: 2, processed: 2});
	});

	it('stops at a bad line of standard input with its number, exit 2', async () => {
		const {code, stderr} = await runCliWithInput(['--input', '-', '--speed', 'max', '--json'], '{"to": "+12025550123", "body": "a"}\n{"to": "+12025550123", "body": "b"}\n{"to": "nobody", "body": "c"}\n');
		expect(code).toBe(2);
		expect(stderr).toMatch(/--input -: line 3: to "nobody" is not a valid phone number/);
	});

	it('replays 1,000,000 NDJSON lines from standard input in under 150 MB', async () => {
		const child = start(['--input', '-', '-s', '1000', '--speed', 'max', '--json']);
		let stdout = '';
		child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
			stdout += chunk;
		});
		// Peak resident memory as Linux keeps it (VmHWM), read while the program runs.
		let peakKb = 0;
		const watch = setInterval(() => {
			try {
				const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
				peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
			} catch {
				// Gone already: the last reading stands.
			}
		}, 50);
		const closed = new Promise<number | null>(resolve => {
			child.on('close', resolve);
		});
		// Written as it is read: a million lines, 64 KiB at a time, honouring the pipe's backpressure.
		for (let start = 0; start < 1_000_000; start += 10_000) {
			let chunk = '';
			for (let i = start; i < start + 10_000; i++) {
				chunk += `{"to":"+1202555${String(i % 10_000).padStart(4, '0')}","body":"Alert ${i}: the service is degraded"}\n`;
			}

			if (!child.stdin.write(chunk)) {
				await new Promise(resolve => {
					child.stdin.once('drain', resolve);
				});
			}
		}

		child.stdin.end();
		expect(await closed).toBe(0);
		clearInterval(watch);
		expect(parseLines(stdout).at(-1)).toMatchObject({type: 'summary', processed: 1_000_000});
		expect(peakKb).toBeGreaterThan(0);
		expect(peakKb / 1024).toBeLessThan(150);
	}, 180_000);
});

describe('sms-sim --input, priorities', () => {
	const message = (index: number, priority?: string) => JSON.stringify({
		to: `+1202555${String(index).padStart(4, '0')}`, body: `alert ${index}`, ...(priority ? {priority, at: index * 10} : {}),
	});

	it('prints no priority table when the input has no priority column', async () => {
		const path = file('plain.ndjson', Array.from({length: 50}, (_, index) => message(index)).join('\n'));
		const [text, json] = await Promise.all([
			runCli(['--input', path, '--speed', 'max', '--seed', '1']),
			runCli(['--input', path, '--speed', 'max', '--seed', '1', '--json']),
		]);
		expect(text.code).toBe(0);
		expect(text.stdout).not.toMatch(/^ {2}priority /m);
		expect(parseLines(json.stdout).at(-1)).not.toHaveProperty('priorities');
	});

	it('lists the priorities a timed input has, highest first, and no others', async () => {
		const path = file('some.ndjson', Array.from({length: 50}, (_, index) => message(index, index % 2 === 0 ? 'normal' : 'critical')).join('\n'));
		const json = await runCli(['--input', path, '--speed', 'max', '--seed', '1', '--json']);
		const summary = parseLines(json.stdout).at(-1)!;
		expect(summary.priorities.map((priority: {name: string; count: number}) => [priority.name, priority.count])).toEqual([['critical', 25], ['normal', 25]]);
	});
});

describe('sms-sim --input, bounded', () => {
	it('stops at a line longer than 1 MiB: /dev/zero, which has no newline, is refused rather than read into memory', async () => {
		const {code, stderr} = await runCli(['--input', '/dev/zero', '--speed', 'max']);
		expect(code).toBe(2);
		expect(stderr).toMatch(/^sms-sim: --input \/dev\/zero: line 1: is longer than 1,048,576 characters/m);
	});

	it('bounds at: beyond the clock is a usage error (exit 2), not an unexpected one', async () => {
		const {code, stderr} = await runCliWithInput(['--input', '-', '--speed', 'max'], '{"to": "+12025550123", "body": "x", "at": 1e15}\n');
		expect(code).toBe(2);
		expect(stderr).toMatch(/^sms-sim: --input -: line 1: at 10{15} is later than/m);
		expect(stderr).not.toMatch(/unexpected/);
	});

	it('refuses an at in epoch milliseconds at a 1 s interval (1.7 billion progress lines), naming the way out', async () => {
		const path = file('epoch.ndjson', '{"to": "+12025550123", "body": "x", "at": 1733300000000}\n');
		const {code, stderr} = await runCli(['--input', path, '--speed', 'max']);
		expect(code).toBe(2);
		expect(stderr).toMatch(/more than 10,000,000 progress lines; give at in ms from the run's start \(not epoch time\), or a longer --interval/);
	});
});

describe('sms-sim --input, stopped while it waits for input', () => {
	/** Resolves once the program says it is waiting for its input: its signal handling is in place by then. */
	const saysWaiting = async (child: ReturnType<typeof start>) => new Promise<void>(resolve => {
		let seen = '';
		child.stderr.on('data', (chunk: Buffer) => {
			seen += String(chunk);
			if (seen.includes('waiting for --input')) {
				resolve();
			}
		});
	});

	const stopsWithItsSummary = async (child: ReturnType<typeof start>, signal: NodeJS.Signals) => {
		const done = finished(child);
		await saysWaiting(child);
		const sent = performance.now();
		child.kill(signal);
		const {code, stdout} = await done;
		expect(performance.now() - sent).toBeLessThan(1000);
		expect(code).toBe(130);
		expect(parseLines(stdout).at(-1)).toMatchObject({type: 'summary', interrupted: true, processed: 0});
	};

	it.each(['SIGINT', 'SIGTERM'] as const)('a FIFO with no writer: %s stops it at once, with the summary', async signal => {
		const fifo = join(folder, `fifo-${signal}`);
		execFileSync('mkfifo', [fifo]);
		await stopsWithItsSummary(start(['--input', fifo, '--speed', 'max', '--json']), signal);
	});

	it.each(['SIGINT', 'SIGTERM'] as const)('an idle pipe on standard input: %s stops it at once, with the summary', async signal => {
		// The test holds the pipe open and writes nothing, as `tail -f` would.
		const child = start(['--input', '-', '--speed', 'max', '--json']);
		await stopsWithItsSummary(child, signal);
		child.stdin.destroy();
	});

	it('reads a FIFO once its writer comes, and ends when the writer closes it', async () => {
		const fifo = join(folder, 'fifo-written');
		execFileSync('mkfifo', [fifo]);
		const child = start(['--input', fifo, '--speed', 'max', '--json', '--seed', '1']);
		const done = finished(child);
		await saysWaiting(child);
		writeFileSync(fifo, '{"to": "+12025550123", "body": "late"}\n{"to": "+12025550124", "body": "but here"}\n');
		const {code, stdout} = await done;
		expect(code).toBe(0);
		expect(parseLines(stdout).at(-1)).toMatchObject({type: 'summary', processed: 2, interrupted: false});
	});

	it('gives the same run, byte for byte, whether the input comes at once or a line at a time', async () => {
		const lines = Array.from({length: 300}, (_, index) => JSON.stringify({to: `+1202555${String(index).padStart(4, '0')}`, body: `alert ${index}`, at: index * 3}));
		const args = ['--input', '-', '--speed', 'max', '--seed', '7', '--json', '--events'];
		const atOnce = await runCliWithInput(args, `${lines.join('\n')}\n`);
		// A slow writer: the run waits for each line with its clock held, and so comes out the same.
		const trickled = start(args);
		const done = finished(trickled);
		for (const [index, line] of lines.entries()) {
			trickled.stdin.write(`${line}\n`);
			if (index % 50 === 0) {
				await new Promise(resolve => {
					setImmediate(resolve);
				});
			}
		}

		trickled.stdin.end();
		const {code, stdout} = await done;
		expect(code).toBe(0);
		expect(withoutWallTime(stdout)).toBe(withoutWallTime(atOnce.stdout));
	});
});

describe('sms-sim --input, a long file', () => {
	it('stops its whole-file check on SIGINT at once: exit 130, the run not started', async () => {
		// 1,000,000 lines: about 8 s of checking, which a Ctrl-C used to wait out.
		const path = join(folder, 'million.ndjson');
		const line = (index: number) => `{"to": "+1202555${String(index % 10_000).padStart(4, '0')}", "body": "alert ${index}"}\n`;
		writeFileSync(path, Array.from({length: 1_000_000}, (_, index) => line(index)).join(''));
		const child = start(['--input', path, '--speed', 'max']);
		const done = finished(child);
		await new Promise<void>(resolve => {
			child.stderr.on('data', (chunk: Buffer) => {
				if (String(chunk).includes('checking every line')) {
					resolve();
				}
			});
		});
		const sent = performance.now();
		child.kill('SIGINT');
		const {code, stderr} = await done;
		expect(performance.now() - sent).toBeLessThan(1000);
		expect(code).toBe(130);
		expect(stderr).toMatch(/^sms-sim: interrupted while checking --input .*million\.ndjson \([\d,]+ lines read\): the run did not start$/m);
	}, 60_000);
});
