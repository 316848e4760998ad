/** `distribution=empirical`: sends drawn from a user's own measured send times, read from a file. */
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {readSendTimes} from '../../source/cli/send-times.js';
import {runCli} from './spawn.js';

const folder = mkdtempSync(join(tmpdir(), 'send-times-'));
const file = (name: string, text: string): string => {
	const path = join(folder, name);
	writeFileSync(path, text);
	return path;
};

describe('readSendTimes', () => {
	it('reads one duration a line (a bare number is ms), skipping blank lines and comments', () => {
		expect(readSendTimes(file('plain.txt', '# from the gateway log\n120ms\n\n80\n0.2s\r\n1.5 s\n'))).toEqual({times: [120, 80, 200, 1500]});
	});

	it('reads a CSV column by its header, with quoted fields, or the first column', () => {
		const csv = file('times.csv', 'id,"latency"\n1,"120ms"\n2,"80\n"\n3,0.2s\n');
		expect(readSendTimes(`${csv}:latency`)).toEqual({times: [120, 80, 200]});
		expect(readSendTimes(file('bare.csv', '5\n7ms\n'))).toEqual({times: [5, 7]});
		expect(readSendTimes(`${csv}:nope`)).toEqual({problem: `${csv} has no column headed "nope" (its columns: id, latency)`});
	});

	it('names the line of a value that is not a send time, and refuses an empty file', () => {
		expect(readSendTimes(file('bad.txt', '10\n-3ms\n'))).toMatchObject({problem: expect.stringContaining('bad.txt, line 2: "-3ms" is not a send time') as string});
		expect(readSendTimes(file('empty.txt', '# nothing\n'))).toMatchObject({problem: expect.stringContaining('holds no send times') as string});
		expect(readSendTimes(join(folder, 'missing.txt'))).toMatchObject({problem: expect.stringContaining('no such file') as string});
	});
});

describe('--send-times', () => {
	it('draws every send from the measured times, each as often as the others', async () => {
		const times = file('three.txt', '10ms\n20ms\n60ms\n');
		const {code, stdout, stderr} = await runCli(['-n', '30000', '-s', '5', '--failure-rate', '0', '--send-times', times, '--mean', '1s', '--speed', 'max', '--json', '--events', '--seed', '4']);
		expect(code).toBe(0);
		// The mean given is ignored, and said so.
		expect(stderr).toContain('sms-sim: note: the mean given is ignored for the senders: distribution empirical draws from 3 measured send times');
		const durations = stdout.trim().split('\n').map(line => JSON.parse(line) as {type: string; durationMs?: number}).filter(record => record.type === 'message').map(record => record.durationMs!);
		expect(new Set(durations)).toEqual(new Set([10, 20, 60]));
		// Each of 3 values with chance 1/3 in 30,000 draws: a count's sd is sqrt(30,000 x 1/3 x 2/3) = 82;
		// 400 is about 5 of them.
		for (const value of [10, 20, 60]) {
			expect(Math.abs(durations.filter(duration => duration === value).length - 10_000)).toBeLessThan(400);
		}

		const start = JSON.parse(stdout.split('\n')[0]) as {config: {groups: Array<{distribution: string; meanMs: number; sendTimes: {count: number; from: string}}>}};
		expect(start.config.groups[0]).toMatchObject({distribution: 'empirical', meanMs: 30, sendTimes: {count: 3, from: times}});
	});

	it('is refused where it cannot apply, naming the flag and the rule', async () => {
		const times = file('one.txt', '10ms\n');
		const [alone, otherDistribution] = await Promise.all([
			runCli(['--distribution', 'empirical']),
			runCli(['--sender', `count=2,distribution=fixed,send-times=${times}`]),
		]);
		expect(alone.code).toBe(2);
		expect(alone.stderr).toContain('sms-sim: --distribution empirical needs measured send times: --send-times FILE');
		expect(otherDistribution.code).toBe(2);
		expect(otherDistribution.stderr).toContain('send-times goes with distribution empirical, not fixed');
	});
});
