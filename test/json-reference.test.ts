/**
 * The JSON reference (docs/json.md) against the program: every field any NDJSON line carries, at any depth, is named
 * there (as `field` in the text, or in an example line), so a field added without its
 * documentation fails here.
 */
import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {runCli} from './cli/spawn.js';

const reference = readFileSync(new URL('../docs/json.md', import.meta.url), 'utf8');
const input = new URL('recorded/replay-input.csv', import.meta.url).pathname;

/** Every key of `value`, at any depth, as `line type: path` (array elements share their array's path). */
function fieldsOf(value: unknown, path: string, into: Set<string>): void {
	if (Array.isArray(value)) {
		for (const element of value) {
			fieldsOf(element, path, into);
		}
	} else if (typeof value === 'object' && value !== null) {
		for (const [key, inner] of Object.entries(value)) {
			into.add(`${path}.${key}`);
			fieldsOf(inner, `${path}.${key}`, into);
		}
	}
}

describe('docs/json.md', () => {
	it.each([
		['a plain run with events', ['-n', '200', '--events']],
		['arrivals, priorities, retries, thresholds and a carrier limit', ['-n', '300', '--rate', '50', '--priority', 'high=0.2,low=0.8', '--sender', 'count=4,mean=50ms,max-attempts=3,permanent-failure-rate=0.1,rate=30/s', '--threshold', 'p99<500ms', '--max-failure-rate', '0.5', '--events']],
		['a replay', ['--input', input, '-s', '5', '--mean', '50ms', '--events']],
		['replications', ['-n', '200', '--replications', '3', '--jobs', '1']],
	])('names every field of %s', async (_, args) => {
		const {stdout} = await runCli([...args, '--speed', 'max', '--seed', '3', '--json']);
		const fields = new Set<string>();
		for (const line of stdout.trim().split('\n')) {
			const record = JSON.parse(line) as {type: string};
			fieldsOf(record, record.type, fields);
		}

		expect(fields.size).toBeGreaterThan(20);
		// Named in the prose (`field`) or in an example line ("field":).
		const named = (key: string) => new RegExp(`\`(?:[\\w.]+\\.)?${key}\``).test(reference) || reference.includes(`"${key}":`);
		const unnamed = [...fields].filter(field => !named(field.split('.').at(-1)!));
		expect(unnamed).toEqual([]);
	}, 60_000);
});
