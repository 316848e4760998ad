/**
 * The house reads core -> pipeline -> front ends -> cli: a module imports only from its own floor
 * or the floors below, and no import cycle exists. Checked on the source's import statements.
 */
import {readdirSync, readFileSync} from 'node:fs';
import {
	dirname, join, relative, resolve,
} from 'node:path';
import {fileURLToPath} from 'node:url';
import ts from 'typescript';
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

/**
 * Floors, lowest first: the engine (`engine/`: time, scheduler, pool, stats, monitor) and the model
 * (`model/`: messages, senders, distributions, config) are the core; the pipeline (`pipeline/`,
 * `planning/`, `broker/`, `gateway/`, the library's `index.ts`) builds on them; front ends (`front-ends/`,
 * `reports/`, `ui/`) show what it emits; the cli (`cli/`, `cli.tsx`) wires it all. Every file of
 * source/ is in one of these folders (or a type declaration beside them).
 */
const FLOORS: Array<[string, (path: string) => boolean]> = [
	['core', path => /^source\/(engine|model)\//.test(path) || path.endsWith('.d.ts')],
	['pipeline', path => /^source\/(pipeline|planning|broker|gateway)\//.test(path) || path === 'source/index.ts'],
	['front ends', path => /^source\/(front-ends|reports|ui)\//.test(path)],
	['cli', path => path.startsWith('source/cli/') || path === 'cli.tsx'],
];

const floorOf = (path: string): number => {
	const floor = FLOORS.findIndex(([, holds]) => holds(path));
	if (floor === -1) {
		throw new Error(`${path} is in no folder of the house: put it in engine/, model/, pipeline/, planning/, broker/, gateway/, front-ends/, reports/, ui/ or cli/`);
	}

	return floor;
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

	it('puts every file in a folder of the house, and no two files share a name', () => {
		const names = new Map<string, string[]>();
		for (const file of files) {
			floorOf(name(file));
			const base = file.split('/').at(-1)!;
			names.set(base, [...(names.get(base) ?? []), name(file)]);
		}

		expect([...names.values()].filter(paths => paths.length > 1)).toEqual([]);
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

/**
 * Functions short enough to read at once: no function, method or arrow in source/ over 80 lines
 * (a long closure is an object in disguise: its state belongs in fields, its steps in methods).
 * Exceptions would be listed here with their reason; there are none.
 */
const LONGEST_FUNCTION_LINES = 80;
const LONG_FUNCTIONS_KEPT = new Map<string, string>();

/** Functions of `text` over the limit, as `name:line (n lines)`. */
function longFunctions(name: string, text: string): string[] {
	const sourceFile = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true);
	const long: string[] = [];
	const visit = (node: ts.Node): void => {
		if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
			const first = sourceFile.getLineAndCharacterOfPosition(node.getStart()).line;
			const lines = sourceFile.getLineAndCharacterOfPosition(node.getEnd()).line - first + 1;
			if (lines > LONGEST_FUNCTION_LINES && !LONG_FUNCTIONS_KEPT.has(`${name}:${first + 1}`)) {
				long.push(`${name}:${first + 1} (${lines} lines)`);
			}
		}

		ts.forEachChild(node, visit);
	};

	visit(sourceFile);
	return long;
}

describe('function length', () => {
	it(`keeps every function in source/ to ${LONGEST_FUNCTION_LINES} lines`, () => {
		const long = sourceFiles(sourceDir).flatMap(file => longFunctions(relative(root, file), readFileSync(file, 'utf8')));
		expect(long).toEqual([]);
	});

	it('finds a function, a method and an arrow one line too long, and passes one at the limit', () => {
		const body = (lines: number) => Array.from({length: lines - 2}, (_, index) => `\tconst a${index} = ${index};`).join('\n');
		const over = LONGEST_FUNCTION_LINES + 1;
		const text = [
			`function long() {\n${body(over)}\n}`,
			`class C {\n\tmethod() {\n${body(over)}\n\t}\n}`,
			`const arrow = () => {\n${body(over)}\n};`,
			`function fits() {\n${body(LONGEST_FUNCTION_LINES)}\n}`,
		].join('\n');
		expect(longFunctions('t.ts', text).map(found => found.replace(/:\d+/, ''))).toEqual([`t.ts (${over} lines)`, `t.ts (${over} lines)`, `t.ts (${over} lines)`]);
	});
});
