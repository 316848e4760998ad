import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {runCli} from './spawn.js';

const folder = mkdtempSync(join(tmpdir(), 'sms-sim-compare-'));

/** A run of 20,000 exponential sends on 50 senders, saved with its events. */
async function saved(name: string, meanMs: number, seed: number): Promise<string> {
	const {stdout} = await runCli(['--json', '--events', '--speed', 'max', '-n', '20000', '-s', '50', '--distribution', 'exponential', '--mean', `${meanMs}ms`, '--seed', String(seed)]);
	const path = join(folder, name);
	writeFileSync(path, stdout);
	return path;
}

describe('sms-sim compare', () => {
	it('flags a real 10% shift in p99, and not a change of seed alone', async () => {
		// Both judgements are on seeded runs, so they do not flicker. With 20,000 sends each, the p99's
		// 95% interval is about +-2.5% wide: a 10% shift leaves the two intervals apart, and a new seed
		// on the same config (the same distribution) keeps them overlapping.
		const [a, sameConfig, shifted] = await Promise.all([saved('a.ndjson', 100, 1), saved('a2.ndjson', 100, 2), saved('b.ndjson', 110, 3)]);
		const compare = async (b: string) => {
			const {code, stdout} = await runCli(['compare', a, b, '--json']);
			expect(code).toBe(0);
			return JSON.parse(stdout) as {figures: Array<{name: string; ratio: number}>; sendTimes: {percentiles: Array<{percentile: number; beyondNoise: boolean}>; shifted: boolean}};
		};

		const [noise, shift] = await Promise.all([compare(sameConfig), compare(shifted)]);
		const p99 = (comparison: typeof noise) => comparison.sendTimes.percentiles.find(percentile => percentile.percentile === 99)!;
		expect(p99(noise).beyondNoise).toBe(false);
		expect(noise.sendTimes.shifted).toBe(false);
		expect(p99(shift).beyondNoise).toBe(true);
		expect(shift.sendTimes.shifted).toBe(true);
		expect(shift.figures.find(figure => figure.name === 'p99Ms')!.ratio).toBeGreaterThan(1.05);
		const text = await runCli(['compare', a, shifted]);
		// Rows in words, and each percentile says where it comes from: the histogram in the table, the events below.
		expect(text.stdout).toMatch(/^send time p99 \(histogram\)(?: +[\d.]+ms){2} +\+[\d.]+ms +1\.\d{3}x$/m);
		expect(text.stdout).not.toMatch(/^p99Ms|failureRatio|throughputPerSec/m);
		expect(text.stdout).toMatch(/^p99 send time \(exact, from events\) +A /m);
		expect(text.stdout).toMatch(/^p99 send time .*: differs beyond noise \(95% intervals\)$/m);
		expect(text.stdout).toMatch(/rank test \(Mann-Whitney\): z = [\d.]+: B's send times are longer \(p < 0\.001\)/);
	}, 60_000);

	it('says noise is not known without events, and needs two runs', async () => {
		const {stdout: plain} = await runCli(['--json', '--speed', 'max', '-n', '1000', '--seed', '4']);
		const path = join(folder, 'plain.ndjson');
		writeFileSync(path, plain);
		const {code, stdout} = await runCli(['compare', path, path]);
		expect(code).toBe(0);
		expect(stdout).toMatch(/^send times: noise not known/m);
		expect(stdout).toMatch(/^send time p99 \(histogram\)(?: +[\d.]+ms){2} +\+0\.0ms +1\.0{3}x$/m);
		const one = await runCli(['compare', path]);
		expect(one.code).toBe(2);
		expect(one.stderr).toMatch(/compare reads two runs, A and B: got 1 file/);
	});
});
