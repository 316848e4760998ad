/** The validation table (docs/reports-and-planning.md): what `npm run validate` makes today (its seeds are fixed, so it is the same everywhere). */
import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {expect, it} from 'vitest';

it('the validation table is today\'s', () => {
	const script = fileURLToPath(new URL('../dist/bench/validate.js', import.meta.url));
	const result = spawnSync(process.execPath, [script, '--check'], {encoding: 'utf8'});
	expect(result.stderr).toBe('');
	expect(result.status).toBe(0);
}, 120_000);

it('puts no model far from its formula: every z within 5 standard errors, a deterministic one exact', () => {
	// 15 rows of t with 39 degrees of freedom: |z| > 5 happens by chance about once in 10,000 tables;
	// a model that drifted (a wrong rate, a biased sampler) lands tens of standard errors out.
	const readme = readFileSync(new URL('../docs/reports-and-planning.md', import.meta.url), 'utf8');
	const table = readme.slice(readme.indexOf('<!-- validation:start -->'), readme.indexOf('<!-- validation:end -->'));
	const rows = table.split('\n').filter(line => line.startsWith('| ') && !line.startsWith('| model') && !line.startsWith('| ---'));
	expect(rows.length).toBeGreaterThanOrEqual(12);
	for (const row of rows) {
		const z = row.split('|').at(-2)!.trim();
		expect(z === 'exact' || Math.abs(Number(z)) < 5, row).toBe(true);
	}
});
