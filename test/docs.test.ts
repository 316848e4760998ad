/** The README and docs/: every document reachable from the README, and every link within them lands. */
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {dirname, join, normalize} from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {renderTable, withTable, type Figure} from '../bench/figures.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const documents = ['README.md', ...readdirSync(join(root, 'docs')).filter(name => name.endsWith('.md')).map(name => `docs/${name}`)];
const textOf = (file: string) => readFileSync(join(root, file), 'utf8');

/** Lines outside code fences. */
function prose(text: string): string[] {
	let fenced = false;
	return text.split('\n').filter(line => {
		if (line.startsWith('```')) {
			fenced = !fenced;
			return false;
		}

		return !fenced;
	});
}

/** A heading's anchor, as GitHub makes it: lower case, punctuation dropped, spaces to hyphens. */
const anchorOf = (heading: string) => heading.trim().toLowerCase().replaceAll(/[^\w\- ]/g, '').replaceAll(' ', '-');
const anchorsOf = (file: string) => new Set(prose(textOf(file)).flatMap(line => {
	const heading = /^#{1,6} (.*)$/.exec(line);
	return heading ? [anchorOf(heading[1])] : [];
}));

describe('the documentation', () => {
	it('links every document in docs/ from the README', () => {
		const readme = textOf('README.md');
		for (const document of documents.slice(1)) {
			expect(readme, document).toContain(`](${document})`);
		}
	});

	it('keeps the README to what a user needs first: at most about 350 lines, with a table of contents', () => {
		const readme = textOf('README.md');
		expect(readme.split('\n').length).toBeLessThanOrEqual(350);
		expect(readme).toContain('## Contents');
	});

	it.each(documents)('%s: every relative link finds its file, and its heading', file => {
		for (const line of prose(textOf(file))) {
			for (const [, target] of line.matchAll(/]\(([^)\s]+)\)/g)) {
				if (/^[a-z]+:/.test(target)) {
					continue; // A web address.
				}

				const [path, anchor] = target.split('#');
				const linked = path === '' ? file : normalize(join(dirname(file), path));
				expect(existsSync(join(root, linked)), `${file}: ${target}`).toBe(true);
				if (anchor !== undefined && linked.endsWith('.md')) {
					expect(anchorsOf(linked).has(anchor), `${file}: ${target}`).toBe(true);
				}
			}
		}
	});
});

describe('docs/performance.md', () => {
	it('has the table that docs/performance-figures.json makes (written by npm run bench -- --write, not by hand)', () => {
		const rows = JSON.parse(textOf('docs/performance-figures.json')) as Figure[];
		const document = textOf('docs/performance.md');
		expect(rows.length).toBeGreaterThan(0);
		expect(document).toBe(withTable(document, rows));
	});

	it('puts each figure in a row of its own, with the date and commit it was measured at', () => {
		const table = renderTable([{
			key: 'k', what: 'a | b', measured: '1', target: '≥ 1', date: '2026-12-05', commit: 'abc1234',
		}]);
		expect(table.split('\n')).toEqual([
			'| what | measured | target | measured on |',
			'| --- | --- | --- | --- |',
			String.raw`| a \| b | 1 | ≥ 1 | 2026-12-05 (abc1234) |`,
		]);
	});
});
