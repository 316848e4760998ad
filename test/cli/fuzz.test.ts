/**
 * Whatever flags and config values people type: every run is either refused (exit 2, one line per
 * problem, no stack trace) or completes at --speed max with every message accounted for.
 */
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import type {ConfigFile} from '../../source/cli/config-file.js';
import {validateOptions, type CliFlags} from '../../source/cli/options.js';
import {runToCompletion} from '../../source/pipeline/simulation.js';
import {runCli} from './spawn.js';

/** Text a person (or a script gone wrong) might pass: numbers of every size and sign, units, junk, unicode. */
const text = fc.oneof(
	fc.constantFrom('0', '1', '-1', '0.5', '1e3', '1e-10', '1e308', '-0', 'NaN', 'Infinity', '0x10', '1_000', '', ' ', 'max', '9'.repeat(400)),
	fc.constantFrom('250ms', '1.5s', '2m', '1h', '1d', '10us', '1e3ms', '-1s', '1y', '999999999999999999999y', '5 minutes', '½s', '٣ms'),
	fc.double({noNaN: false}).map(String),
	fc.integer({min: -10, max: 2_000_000}).map(String),
	fc.string({unit: 'grapheme', maxLength: 12}),
);
/** Messages stay small, so a run that is accepted finishes quickly; every other setting ranges freely. */
const messages = fc.oneof(fc.integer({min: 0, max: 300}).map(String), fc.constantFrom('-5', '2.5', 'many', '1e2', ''));
const senderSpec = fc.oneof(
	fc.tuple(fc.integer({min: 0, max: 30}), text, text).map(([count, mean, rate]) => `count=${count},mean=${mean},failure-rate=${rate}`),
	text,
);
const flags: fc.Arbitrary<CliFlags> = fc.record({
	messages,
	senders: fc.oneof(fc.integer({min: -1, max: 40}).map(String), text),
	mean: text,
	spread: text,
	distribution: fc.constantFrom('gamma', 'exponential', 'uniform', 'fixed', 'normal', ''),
	failureRate: text,
	sender: fc.array(senderSpec, {maxLength: 3}),
	interval: text,
	seed: text,
	maxBodyLength: text,
	maxFailureRate: text,
}, {requiredKeys: ['messages']});
/** A config file's JSON values: anything JSON holds. */
const configFile: fc.Arbitrary<ConfigFile | undefined> = fc.option(
	fc.record({
		messages: fc.oneof(fc.integer({min: 0, max: 300}), fc.jsonValue()),
		mean: fc.oneof(text, fc.jsonValue()),
		spread: fc.jsonValue(),
		interval: fc.oneof(text, fc.double()),
		groups: fc.oneof(fc.array(fc.record({count: fc.jsonValue(), mean: fc.jsonValue()})), fc.jsonValue()),
		speed: fc.jsonValue(),
	}, {requiredKeys: []}).map(data => ({path: 'fuzz.json', text: JSON.stringify(data)})),
	{nil: undefined},
);

describe('fuzzed flags and config values', () => {
	it('are refused one line per problem, or run to the end with every message counted', async () => {
		await fc.assert(fc.asyncProperty(flags, configFile, async (given, file) => {
			const {value, errors} = validateOptions({...given, sender: given.sender?.length ? given.sender : undefined}, file);
			if (value === undefined) {
				expect(errors.length).toBeGreaterThan(0);
				for (const error of errors) {
					expect(error).not.toMatch(/\n/);
					expect(error.length).toBeLessThan(400);
				}

				return;
			}

			const final = await runToCompletion({...value.simulation, speed: 'max'});
			expect(final.sent + final.failed).toBe(final.total);
			expect(final.interrupted).toBe(false);
		}), {numRuns: 400});
	}, 120_000);

	it('through the real program: exit 0, 2 or 3, never a stack trace', async () => {
		const samples = fc.sample(fc.tuple(flags, fc.boolean()), {numRuns: 16, seed: 42});
		for (const [given, json] of samples) {
			const args = Object.entries(given).flatMap(([key, value]) => {
				const flag = `--${key.replaceAll(/[A-Z]/g, letter => `-${letter.toLowerCase()}`)}`;
				return Array.isArray(value) ? value.flatMap(spec => [flag, String(spec)]) : [flag, String(value)];
			});
			const {code, stdout, stderr} = await runCli([...args, '--speed', 'max', ...(json ? ['--json'] : [])]);
			expect([0, 2, 3]).toContain(code);
			expect(stderr).not.toMatch(/^\s+at /m);
			if (code === 2) {
				expect(stderr).toMatch(/^sms-sim: see sms-sim --help$/m);
			} else if (json) {
				const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as {sent: number; failed: number; total: number};
				expect(summary.sent + summary.failed).toBe(summary.total);
			}
		}
	}, 120_000);
});
