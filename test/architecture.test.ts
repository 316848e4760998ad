/**
 * The house reads core -> pipeline -> front ends -> cli: a module imports only from its own floor
 * or the floors below, and no import cycle exists. Checked on the source's import statements.
 */
import {readdirSync, readFileSync} from 'node:fs';
import {
	dirname, join, relative, resolve,
} from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const sourceDir = join(root, 'source');

function sourceFiles(dir: string): string[] {
	return readdirSync(dir, {withFileTypes: true}).flatMap(entry => {
		const path = join(dir, entry.name);
		return entry.isDirectory() ? sourceFiles(path) : (/\.tsx?$/.test(entry.name) ? [path] : []);
	});
}

/** Local imports of a file, as paths relative to the repository (`.js` specifiers mapped to the .ts/.tsx file). */
function importsOf(file: string, known: Set<string>): string[] {
	const text = readFileSync(file, 'utf8');
	const specifiers = [...text.matchAll(/^(?:import|export)\b[^;]*?from\s+'(\.[^']+)'/gms)].map(match => match[1]);
	return specifiers.map(specifier => {
		const base = resolve(dirname(file), specifier).replace(/\.js$/, '');
		const target = [`${base}.ts`, `${base}.tsx`].find(candidate => known.has(candidate));
		if (target === undefined) {
			throw new Error(`${relative(root, file)} imports ${specifier}, which is not a source file`);
		}

		return target;
	});
}

/** Floors, lowest first. Everything in source/ not listed is the core. */
const FLOORS: Array<[string, (path: string) => boolean]> = [
	['core', () => true],
	['pipeline', path => /^source\/(pipeline|simulation|plan|index|replications|replication-pool|replication-worker)\.ts$/.test(path) || path.startsWith('source/broker/')],
	['front ends', path => /^source\/(front-ends|output|ui)\//.test(path)],
	['cli', path => path.startsWith('source/cli/') || path === 'cli.tsx'],
];

const floorOf = (path: string): number => {
	for (let floor = FLOORS.length - 1; floor > 0; floor--) {
		if (FLOORS[floor][1](path)) {
			return floor;
		}
	}

	return 0;
};

describe('the layout of source/', () => {
	const files = [...sourceFiles(sourceDir), join(root, 'cli.tsx')];
	const known = new Set(files);
	const graph = new Map(files.map(file => [file, importsOf(file, known)]));
	const name = (file: string) => relative(root, file);

	it('imports only from its own floor or below: core -> pipeline -> front ends -> cli', () => {
		const upward: string[] = [];
		for (const [file, imports] of graph) {
			for (const target of imports) {
				if (floorOf(name(target)) > floorOf(name(file))) {
					upward.push(`${name(file)} (${FLOORS[floorOf(name(file))][0]}) imports ${name(target)} (${FLOORS[floorOf(name(target))][0]})`);
				}
			}
		}

		expect(upward).toEqual([]);
	});

	it('has no import cycle', () => {
		const cycles: string[] = [];
		const state = new Map<string, 'visiting' | 'done'>();
		const visit = (file: string, path: string[]): void => {
			if (state.get(file) === 'done') {
				return;
			}

			if (state.get(file) === 'visiting') {
				cycles.push([...path.slice(path.indexOf(file)), file].map(file => name(file)).join(' -> '));
				return;
			}

			state.set(file, 'visiting');
			for (const target of graph.get(file)!) {
				visit(target, [...path, file]);
			}

			state.set(file, 'done');
		};

		for (const file of graph.keys()) {
			visit(file, []);
		}

		expect(cycles).toEqual([]);
	});
});
