import {execFileSync} from 'node:child_process';
import {existsSync, mkdirSync, symlinkSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

/** The commit the engine is compared with, side by side: main before the exact-time pipeline (issue 7). */
export const DEFAULT_REFERENCE = '4cebdcf';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Builds commit `rev` of this repository in a temporary folder (its files from git, this
 * checkout's node_modules) and returns the path of its throughput probe, or why it cannot.
 * Built once per commit; later runs reuse it.
 */
export function referenceProbe(rev: string): {probe: string} | {reason: string} {
	try {
		const commit = execFileSync('git', ['rev-parse', '--short', `${rev}^{commit}`], {cwd: repositoryRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim();
		const dir = join(tmpdir(), `sms-sim-bench-reference-${commit}`);
		const probe = join(dir, 'dist/bench/throughput-probe.js');
		if (!existsSync(probe)) {
			mkdirSync(dir, {recursive: true});
			execFileSync('bash', ['-c', `git archive ${commit} | tar -x -C "${dir}"`], {cwd: repositoryRoot});
			if (!existsSync(join(dir, 'node_modules'))) {
				symlinkSync(join(repositoryRoot, 'node_modules'), join(dir, 'node_modules'));
			}

			try {
				execFileSync(process.execPath, [join(repositoryRoot, 'node_modules/typescript/bin/tsc'), '-p', dir, '--noEmitOnError', 'false'], {stdio: 'ignore'});
			} catch {
				// Type errors against today's node_modules (4cebdcf wants @types/ms, no longer installed):
				// tsc still writes the JavaScript, which is all a timing needs.
			}

			if (!existsSync(probe)) {
				return {reason: `cannot build ${rev}: tsc wrote no ${probe}`};
			}
		}

		return {probe};
	} catch (error) {
		return {reason: `cannot build ${rev} (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`};
	}
}
