import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {Terminal} from '@xterm/headless';
import {describe, expect, it} from 'vitest';
import {inPty, type PtySession} from '../pty.js';
import {CLI} from '../cli/spawn.js';

/** Runs the built program in a real pseudo-terminal, as a person at a terminal would. */
function inTerminal(args: string[], columns = 80, rows = 24, environment?: Record<string, string>): PtySession {
	const extraEnv = environment ?? {FORCE_COLOR: '1'};
	// Ink draws only the last frame when it thinks it runs in CI (CI=true is set there): unset it.
	const {CI, CONTINUOUS_INTEGRATION, FORCE_COLOR, NO_COLOR, ...env} = process.env;
	return inPty(process.execPath, [CLI, ...args], {cols: columns, rows, env: {...env, TERM: 'xterm-256color', ...extraEnv}});
}

/** What stays in a terminal of this size after `output`: the scrollback and the screen, line by line. */
async function terminalLines(output: string, columns: number, rows: number): Promise<string[] & {cursorX?: number}> {
	const terminal = new Terminal({
		cols: columns, rows, scrollback: 10_000, allowProposedApi: true,
	});
	await new Promise<void>(resolve => {
		terminal.write(output, resolve);
	});
	const buffer = terminal.buffer.active;
	const lines: string[] & {cursorX?: number} = Array.from({length: buffer.length}, (_, index) => buffer.getLine(index)?.translateToString(true) ?? '');
	lines.cursorX = buffer.cursorX;
	terminal.dispose();
	return lines;
}

/** What a terminal would show, roughly: colours and cursor moves taken out. */
const plain = (text: string) => text.replaceAll(/\u001B\[[\d;?]*[A-Za-z]/g, '');

/** Resolves once what the program wrote matches `pattern`, counting only what it writes from now on when `fresh`. */
async function until(session: PtySession, pattern: RegExp, {fresh = false} = {}): Promise<void> {
	const from = fresh ? session.output().length : 0;
	return new Promise(resolve => {
		if (pattern.test(plain(session.output().slice(from)))) {
			resolve();
			return;
		}

		const check = session.pty.onData(() => {
			if (pattern.test(plain(session.output().slice(from)))) {
				check.dispose();
				resolve();
			}
		});
	});
}

describe('the dashboard in a real terminal', () => {
	it('appears, updates, and leaves the final summary on screen', async () => {
		// About 1.2 s of real time: 600 sends of 40 ms over 20 senders, a snapshot every 100 ms.
		const session = inTerminal(['-n', '600', '-s', '20', '--mean', '40ms', '--interval', '100ms', '--seed', '5']);
		const code = await session.exited;
		const output = session.output();
		const text = plain(output);
		expect(code).toBe(0);
		// Several different progress percentages were drawn: it updates live.
		const percents = new Set([...text.matchAll(/(\d+\.\d)% [\d,]+\/600/g)].map(match => match[1]));
		expect(percents.size).toBeGreaterThanOrEqual(3);
		expect(text).toMatch(/sent \d+ +failed \d+/);
		expect(text).toMatch(/send time avg/);
		// The last thing drawn is the summary, and the cursor is given back.
		const lastFrame = text.slice(text.lastIndexOf('600 messages, 20 senders'));
		expect(lastFrame).toMatch(/Done in [\d.]+s \(simulated\): 600 messages processed/);
		expect(lastFrame).toMatch(/seed +5/);
		expect(output).toMatch(/\u001B\[\?25h/);
	});

	it('on Ctrl-C shows the interrupted summary and exits 130', async () => {
		const session = inTerminal(['-n', '100000', '-s', '5', '--mean', '1s', '--interval', '100ms']);
		await until(session, /sent \d+/);
		session.pty.write('\u0003');
		const code = await session.exited;
		expect(code).toBe(130);
		expect(plain(session.output())).toMatch(/Interrupted after [\d.]+m?s \(simulated\): \d+ of 100,000 messages processed/);
	});

	it('stops on q like Ctrl-C; typed keys and Enter leave nothing on the screen', async () => {
		const session = inTerminal(['-n', '100000', '-s', '5', '--mean', '1s', '--interval', '100ms']);
		await until(session, /sent \d+/);
		await until(session, /elapsed/, {fresh: true}); // A later frame: the dashboard reads keys by now.
		session.pty.write('xyz\r\r');
		await until(session, /elapsed/, {fresh: true}); // Another frame after the keys.
		session.pty.write('q');
		expect(await session.exited).toBe(130);
		const lines = await terminalLines(session.output(), 80, 24);
		expect(lines.some(line => line.startsWith('Interrupted after '))).toBe(true);
		expect(lines.join('\n')).not.toMatch(/xyz/);
		// The summary block has no stray empty line in it (Enter moved no line).
		const start = lines.findIndex(line => line.startsWith('Interrupted after '));
		const block = lines.slice(start, lines.findIndex((line, index) => index > start && line.trim() === ''));
		expect(block.length).toBeGreaterThanOrEqual(8);
	}, 60_000);

	it('honours NO_COLOR: the dashboard, and no colour', async () => {
		const session = inTerminal(['-n', '300', '-s', '20', '--mean', '50ms', '--speed', '5', '--seed', '3'], 80, 24, {NO_COLOR: '1'});
		expect(await session.exited).toBe(0);
		expect(plain(session.output())).toMatch(/Done in .* 300 messages processed/);
		expect(session.output()).not.toMatch(/\u001B\[(?:3\d|9\d|1);?\d*m/); // No foreground colour or bold.
	});

	it('gives a dumb terminal plain lines: no cursor movement, no hidden cursor', async () => {
		const session = inTerminal(['-n', '100', '-s', '20', '--mean', '50ms', '--speed', '5', '--seed', '3', '--interval', '100ms'], 80, 24, {TERM: 'dumb'});
		expect(await session.exited).toBe(0);
		expect(session.output()).not.toMatch(/\u001B/);
		expect(session.output()).toMatch(/^\[monitor] /m);
		expect(session.output()).toMatch(/Done in .* 100 messages processed/);
	});

	it('moves at its own pace whatever --interval: counts show before the first 5 s interval', async () => {
		// 400 sends of 50 ms on 20 senders: one second of real time, all of it before the first tick.
		const session = inTerminal(['-n', '400', '-s', '20', '--mean', '50ms', '--interval', '5s', '--seed', '3']);
		expect(await session.exited).toBe(0);
		const screen = plain(session.output());
		expect(screen).toMatch(/^sent [\d,]+ {2}failed [\d,]+/m); // The dashboard's live line, not the summary's.
		expect(screen).toMatch(/Done in .* 400 messages processed/);
	});

	it('redraws cleanly when the window narrows or shrinks mid-run: no old frame is left above the summary', async () => {
		// 4,000 sends of 50 ms on 100 senders: two seconds of real time, resized twice in the middle.
		const session = inTerminal(['-n', '4000', '--mean', '50ms', '--seed', '9', '--sender', 'count=50,name=fast-senders-with-a-long-name', '--sender', 'count=50,name=slow-senders-with-a-long-name,mean=60ms'], 120, 30);
		await until(session, /elapsed/);
		const before = session.output().length;
		session.pty.resize(60, 30);
		await until(session, /elapsed[\s\S]*elapsed/u);
		const middle = session.output().length;
		session.pty.resize(50, 12);
		expect(await session.exited).toBe(0);
		const output = session.output();
		expect(output).not.toContain('\u001B[3J'); // A shorter window must not make anything clear the scrollback.
		// The terminal model sees the same bytes at the sizes the program saw.
		const terminal = new Terminal({
			cols: 120, rows: 30, scrollback: 10_000, allowProposedApi: true,
		});
		const write = async (text: string) => new Promise<void>(resolve => {
			terminal.write(text, resolve);
		});
		await write(output.slice(0, before));
		terminal.resize(60, 30);
		await write(output.slice(before, middle));
		terminal.resize(50, 12);
		await write(output.slice(middle));
		const buffer = terminal.buffer.active;
		const lines = Array.from({length: buffer.length}, (_, index) => buffer.getLine(index)?.translateToString(true) ?? '');
		terminal.dispose();
		const text = lines.join('\n');
		expect(text).toMatch(/Done in .* 4,000 messages processed/);
		// Nothing of a live frame survives: its counts line, its bar, its title.
		expect(lines.filter(line => /^sent [\d,]+ +failed/.test(line))).toEqual([]);
		expect(lines.filter(line => line.includes('░'))).toEqual([]);
		expect(lines.filter(line => line.startsWith('sms-sim '))).toEqual([]);
		expect(lines.filter(line => line.startsWith('Done in '))).toHaveLength(1);
	});

	it('keeps the scrollback in a 10-row terminal: the live area fits, the summary is printed once and stays', async () => {
		// Sixty lines of history first, then a run with more groups than rows.
		const {CI, CONTINUOUS_INTEGRATION, FORCE_COLOR, NO_COLOR, ...env} = process.env;
		const script = `for i in $(seq 1 60); do echo history-$i; done; exec "${process.execPath}" "${CLI}" -n 2000 --mean 20ms --speed 2 --seed 42 --sender count=20,mean=10ms,name=a --sender count=10,name=b --sender count=10,name=c --sender count=10,name=d --sender count=10,name=e --sender count=10,name=f --sender count=10,name=g --sender count=10,name=h`;
		const session = inPty('bash', ['-c', script], {cols: 80, rows: 10, env: {...env, TERM: 'xterm-256color'}});
		const code = await session.exited;
		const output = session.output();
		expect(code).toBe(0);
		expect(output).not.toContain('\u001B[3J'); // Nothing erases the scrollback.
		const lines = await terminalLines(output, 80, 10);
		expect(lines.filter(line => /^history-\d+$/.test(line))).toHaveLength(60);
		expect(lines.filter(line => line.startsWith('Done in '))).toHaveLength(1);
		// Every group is in the summary, and the summary ends with a newline (the cursor is on a line of its own).
		for (const group of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) {
			expect(lines.some(line => new RegExp(`^ {2}${group} +10|^ {2}${group} +20`).test(line))).toBe(true);
		}

		expect(lines.cursorX).toBe(0);
	});
});

describe('the dashboard when stdin is not the terminal', () => {
	/** A shell line in a real terminal, as typed at a prompt: stdout is the terminal, stdin is what the line gives. */
	function shellLine(line: string): PtySession {
		const {CI, CONTINUOUS_INTEGRATION, FORCE_COLOR, NO_COLOR, ...env} = process.env;
		return inPty('sh', ['-c', line], {cols: 80, rows: 24, env: {...env, TERM: 'xterm-256color'}});
	}

	const cli = `"${process.execPath}" "${CLI}"`;

	it('runs with stdin from /dev/null: the summary stays, exit 0', async () => {
		const session = shellLine(`${cli} -n 300 -s 20 --mean 20ms --speed 5 --seed 2 < /dev/null`);
		expect(await session.exited).toBe(0);
		const lines = await terminalLines(session.output(), 80, 24);
		expect(lines.join('\n')).not.toMatch(/Raw mode|unexpected error/);
		expect(lines.filter(line => /^Done in .* 300 messages processed$/.test(line))).toHaveLength(1);
	});

	it('replays messages piped in (--input -) with the dashboard on the terminal', async () => {
		const file = join(mkdtempSync(join(tmpdir(), 'sms-sim-')), 'msgs.ndjson');
		writeFileSync(file, Array.from({length: 200}, (_, index) => JSON.stringify({to: `+1415555${String(index).padStart(4, '0')}`, body: `alert ${index}`})).join('\n'));
		const session = shellLine(`cat "${file}" | ${cli} --input - -s 20 --mean 20ms --speed 5 --seed 2`);
		expect(await session.exited).toBe(0);
		const lines = await terminalLines(session.output(), 80, 24);
		expect(lines.filter(line => /^Done in .* 200 messages processed$/.test(line))).toHaveLength(1);
	});

	it('reads q from the terminal (/dev/tty) while stdin is a pipe', async () => {
		// Stdin is a pipe that never ends: only the terminal can stop the run.
		const session = shellLine(`tail -f /dev/null | ${cli} -n 100000 -s 5 --mean 1s --interval 100ms`);
		await until(session, /elapsed/);
		await until(session, /elapsed/, {fresh: true}); // A later frame: the keys are read by now.
		session.pty.write('q');
		expect(await session.exited).toBe(130);
		const lines = await terminalLines(session.output(), 80, 24);
		expect(lines.some(line => /^Interrupted after .* of 100,000 messages processed$/.test(line))).toBe(true);
	}, 30_000);
});

describe('the summary in a narrow terminal', () => {
	const args = ['-n', '2000', '--mean', '20ms', '--speed', '20', '--seed', '4', '--priority', 'critical=0.1,high=0.3,normal=0.6', '--rate', '500/s', '--sender', 'count=10,name=fast-senders', '--sender', 'count=10,mean=30ms,name=slow-senders'];

	it('keeps the priority table whole at 60 columns: a row a line, no wrapped rows', async () => {
		const session = inTerminal(args, 60, 15);
		expect(await session.exited).toBe(0);
		const lines = await terminalLines(session.output(), 60, 15);
		const header = lines.findIndex(line => line.startsWith('  priority '));
		expect(header).toBeGreaterThan(0);
		expect(lines.slice(header + 1, header + 4).map(line => line.trim().split(/ +/)[0])).toEqual(['critical', 'high', 'normal']);
		expect(lines[header]).toMatch(/latency p99$/);
		// Nothing else wraps either: every line of the summary below its headline starts indented, as
		// it was printed (a wrapped line's tail would start at the left edge, mid-figure).
		// The live header kept the seed (the rest of the configuration is in the summary).
		expect(plain(session.output())).toMatch(/sms-sim [^\n]*, seed 4/);
		const headline = lines.findIndex(line => line.startsWith('Done in '));
		const summary = lines.slice(headline + 1).filter(line => line !== '');
		expect(summary.length).toBeGreaterThan(20);
		expect(summary.filter(line => !line.startsWith('  '))).toEqual([]);
	});

	it('fits the first line at 80 columns and keeps the seed in it', async () => {
		const session = inTerminal(args, 80, 24);
		expect(await session.exited).toBe(0);
		const lines = await terminalLines(session.output(), 80, 24);
		const headline = lines.findIndex(line => line.startsWith('Done in '));
		// The whole first line on one row: a wrapped one would leave only its tail above the headline.
		expect(lines[headline - 1]).toMatch(/^2,000 messages.*, seed 4$/);
	});
});
