import {execFileSync} from 'node:child_process';
import {readdirSync, statSync} from 'node:fs';
import {join} from 'node:path';

/** What the build reads: a change to any of these makes `dist/` stale. */
const INPUTS = ['source', 'bench', 'cli.tsx', 'scripts/bundle-cli.js', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];
/** What the build writes last (the bundle, after tsc): older than an input means a stale build. */
const OUTPUT = 'dist/cli.js';

/** The newest file under `path`, and when it was changed. */
function newest(path: string): {path: string; mtimeMs: number} {
	const stat = statSync(path);
	if (!stat.isDirectory()) {
		return {path, mtimeMs: stat.mtimeMs};
	}

	let best = {path, mtimeMs: 0};
	for (const entry of readdirSync(path)) {
		const candidate = newest(join(path, entry));
		if (candidate.mtimeMs > best.mtimeMs) {
			best = candidate;
		}
	}

	return best;
}

/**
 * About a hundred tests spawn the built program (`dist/cli.js`) as users run it: after an edit,
 * `npx vitest run` tested the build before it. `npm test` builds first (pretest); any other test run
 * builds here when a source is newer than the build, saying so in one line, and stops with the
 * build's own error when the build fails.
 */
export default function setup(): void {
	const inputs = INPUTS.map(path => newest(path)).toSorted((a, b) => b.mtimeMs - a.mtimeMs)[0];
	let built = 0;
	try {
		built = statSync(OUTPUT).mtimeMs;
	} catch {
		// No build yet.
	}

	if (inputs.mtimeMs <= built) {
		return;
	}

	console.log(`sms-sim tests: ${built === 0 ? `no ${OUTPUT} yet` : `${inputs.path} is newer than ${OUTPUT}`}: building first (npm run build)`);
	try {
		execFileSync('npm', ['run', 'build'], {stdio: ['ignore', 'ignore', 'inherit']});
	} catch {
		throw new Error('sms-sim tests: npm run build failed (its errors are above); the tests spawn dist/cli.js and would test an old build');
	}
}
