/** The test run builds what it spawns: a source newer than `dist/cli.js` is built before any test. */
import {statSync} from 'node:fs';
import {expect, it} from 'vitest';

it('runs on a build no older than any source (the global setup builds a stale one first)', () => {
	const built = statSync(new URL('../dist/cli.js', import.meta.url)).mtimeMs;
	for (const source of ['../source/pipeline/simulation.ts', '../cli.tsx', '../source/cli/main.ts']) {
		expect(statSync(new URL(source, import.meta.url)).mtimeMs, source).toBeLessThanOrEqual(built);
	}
});
