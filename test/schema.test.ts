/**
 * Schema/output.schema.json against the program: every line of runs that cover every feature is
 * valid, every line type is seen, and a field the schema does not name, at any depth, is refused.
 * (The broker's lines, produce, send, monitor and purge, are checked in test/broker/schema.test.ts.)
 */
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {
	beforeAll, describe, expect, it,
} from 'vitest';
import {runCli} from './cli/spawn.js';
import {invalidLines, outputSchema, schemaProblems} from './output-schema.js';

const replayInput = new URL('recorded/replay-input.csv', import.meta.url).pathname;
const directory = mkdtempSync(path.join(tmpdir(), 'sms-sim-schema-'));
const saved = (name: string) => path.join(directory, name);

type Line = Record<string, unknown> & {type: string};

/** The NDJSON of every run below, by name: what the tests check. */
const outputs = new Map<string, string>();

async function record(name: string, args: string[], expectedCode = 0): Promise<void> {
	const {code, stdout, stderr} = await runCli(args);
	expect(code, `${name}: ${stderr}`).toBe(expectedCode);
	outputs.set(name, stdout);
}

const run = (...args: string[]) => [...args, '--speed', 'max', '--json'];

beforeAll(async () => {
	writeFileSync(saved('send-times.txt'), Array.from({length: 50}, (_, index) => `${20 + index}ms`).join('\n'));
	await Promise.all([
		record('events, thresholds, a failure limit, unicode', run('-n', '200', '--events', '--threshold', 'p99<500ms', '--threshold', 'throughput>1/s', '--max-failure-rate', '0.01', '--charset', 'unicode', '--seed', '1'), 3),
		record('arrivals, priorities, retries, a carrier limit, two groups, a warm-up', run('-n', '300', '--rate', '50', '--priority', 'high=0.2,low=0.8', '--sender', 'count=4,mean=50ms,max-attempts=3,permanent-failure-rate=0.1,rate=30/s', '--sender', 'count=2,name=slow,mean=200ms', '--warmup', '1s', '--events', '--seed', '3')),
		record('a start-up transient', run('-n', '3000', '-s', '1', '--mean', '10ms', '--distribution', 'exponential', '--rate', '95/s', '--seed', '3')),
		record('a replay', run('--input', replayInput, '-s', '5', '--mean', '50ms', '--events', '--seed', '2')),
		record('measured send times', run('-n', '100', '--send-times', saved('send-times.txt'), '--charset', 'gsm', '--seed', '4')),
		record('replications with arrivals', run('-n', '200', '--replications', '3', '--jobs', '1', '--rate', '100', '--seed', '5')),
		record('plan', ['plan', '--deadline', '1s', '--max-failure-rate', '0.2', '-n', '200', '--json']),
		record('plan --sweep', ['plan', '--sweep', 'senders=1..3', '--p99', '150ms', '-n', '100', '--json']),
	]);
	const plain = outputs.get('events, thresholds, a failure limit, unicode')!;
	const open = outputs.get('arrivals, priorities, retries, a carrier limit, two groups, a warm-up')!;
	writeFileSync(saved('plain.ndjson'), plain);
	writeFileSync(saved('open.ndjson'), open);
	writeFileSync(saved('no-events.ndjson'), outputs.get('measured send times')!);
	// Cut before its summary: report says so, from the last progress line.
	writeFileSync(saved('cut.ndjson'), open.split('\n').filter(line => !line.startsWith('{"type":"summary"')).join('\n'));
	await Promise.all([
		record('compare, with events', ['compare', saved('plain.ndjson'), saved('open.ndjson'), '--json']),
		record('compare, without events', ['compare', saved('no-events.ndjson'), saved('open.ndjson'), '--json']),
		record('report', ['report', saved('open.ndjson'), '--json']),
		record('report of a run cut short', ['report', saved('cut.ndjson'), '--json']),
	]);
}, 180_000);

const linesOf = (text: string): Line[] => text.trim().split('\n').map(line => JSON.parse(line) as Line);

/** Every object in `value`, with its path: the line itself and each one nested in it. */
function objectsIn(value: unknown, at = ''): Array<{at: string; object: Record<string, unknown>}> {
	if (Array.isArray(value)) {
		return value.flatMap((element, index) => objectsIn(element, `${at}/${index}`));
	}

	if (typeof value === 'object' && value !== null) {
		return [{at, object: value as Record<string, unknown>}, ...Object.entries(value).flatMap(([key, inner]) => objectsIn(inner, `${at}/${key}`))];
	}

	return [];
}

/** `line` with `field` added to the object at `at`. */
function withField(line: Line, at: string, field: string): Line {
	const copy = structuredClone(line);
	const target = objectsIn(copy).find(found => found.at === at)!.object;
	target[field] = 1;
	return copy;
}

describe('schema/output.schema.json', () => {
	it('is a draft 2020-12 schema that names every line type', () => {
		expect(outputSchema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
		expect((outputSchema.properties as {type: {enum: string[]}}).type.enum).toEqual(['start', 'progress', 'message', 'summary', 'replication', 'plan', 'sweep', 'sweep-interrupted', 'comparison', 'produced', 'purged']);
	});

	it('accepts every line of runs that cover every feature', () => {
		expect(outputs.size).toBe(12);
		for (const [name, text] of outputs) {
			expect({name, invalid: invalidLines(text).slice(0, 3)}).toEqual({name, invalid: []});
		}
	});

	it('has seen every line type but the broker\'s and an interrupted sweep\'s', () => {
		const types = new Set([...outputs.values()].flatMap(text => linesOf(text).map(line => line.type)));
		expect([...types].toSorted()).toEqual(['comparison', 'message', 'plan', 'progress', 'replication', 'start', 'summary', 'sweep']);
		// And the optional parts that only some runs have.
		const all = [...outputs.values()].join('\n');
		for (const field of ['warmupSuggestion', 'capacity', 'thresholds', 'thresholdExceeded', 'priorities', 'retries', 'sendTimes', 'cutShort', 'messageLines', 'input', 'warmup', 'meetsGoal', 'rankZ']) {
			expect(all, field).toContain(`"${field}":`);
		}

		expect(all).toContain('"sendTimes":null');
	});

	it('refuses a field it does not name, at any depth of any kind of line', () => {
		const checked = new Set<string>();
		for (const text of outputs.values()) {
			for (const line of linesOf(text)) {
				// One line of each shape: its type and its fields.
				const shape = `${line.type}:${Object.keys(line).join(',')}`;
				if (checked.has(shape)) {
					continue;
				}

				checked.add(shape);
				for (const {at} of objectsIn(line)) {
					expect({shape, at, problems: schemaProblems(withField(line, at, 'addedField')).length > 0}).toEqual({shape, at, problems: true});
				}
			}
		}

		expect(checked.size).toBeGreaterThan(15);
	});

	it('refuses a line without its required fields, of a wrong type, or of a type it does not know', () => {
		const summary = linesOf(outputs.get('report')!)[0];
		const {groups: _groups, ...withoutGroups} = summary;
		expect(schemaProblems(withoutGroups).join(',')).toContain('groups');
		expect(schemaProblems({...summary, sent: -1})).not.toEqual([]);
		expect(schemaProblems({...summary, sent: '3'})).not.toEqual([]);
		expect(schemaProblems({...summary, schemaVersion: 2})).not.toEqual([]);
		expect(schemaProblems({type: 'heartbeat'})).not.toEqual([]);
		expect(schemaProblems({})).not.toEqual([]);
	});

	it('is what sms-sim schema prints, byte for byte', async () => {
		const {code, stdout} = await runCli(['schema']);
		expect(code).toBe(0);
		expect(stdout).toBe(readFileSync(new URL('../schema/output.schema.json', import.meta.url), 'utf8'));
	});
});
