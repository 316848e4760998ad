import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {fileURLToPath} from 'node:url';

/** The built program, as users run it. `npm test` builds it first (pretest). */
export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export type Finished = {code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string};

/** Spawns the program with a pipe for stdout (so not a TTY) and no stdin, like CI. */
export function start(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcessWithoutNullStreams {
	return spawn(process.execPath, [CLI, ...args], {env: {...process.env, FORCE_COLOR: '0', ...env}, stdio: 'pipe'});
}

export async function finished(child: ChildProcessWithoutNullStreams): Promise<Finished> {
	let stdout = '';
	let stderr = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
		stdout += chunk;
	});
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
		stderr += chunk;
	});
	return new Promise(resolve => {
		child.on('close', (code, signal) => {
			resolve({
				code, signal, stdout, stderr,
			});
		});
	});
}

export async function runCli(args: string[], env?: NodeJS.ProcessEnv): Promise<Finished> {
	return runCliWithInput(args, '', env);
}

/** Runs the program with `input` on its standard input (a pipe), to the end. */
export async function runCliWithInput(args: string[], input: string | Buffer, env?: NodeJS.ProcessEnv): Promise<Finished> {
	const child = start(args, env);
	child.stdin.end(input);
	return finished(child);
}

/** Resolves when stdout has printed something matching `pattern`. */
export async function outputMatches(child: ChildProcessWithoutNullStreams, pattern: RegExp): Promise<void> {
	let seen = '';
	return new Promise(resolve => {
		const onData = (chunk: Buffer | string) => {
			seen += String(chunk);
			if (pattern.test(seen)) {
				child.stdout.off('data', onData);
				resolve();
			}
		};

		child.stdout.on('data', onData);
	});
}

/**
 * NDJSON output with the one field that may differ between two runs of one seed taken out: the
 * summary's `wallMs` (the wall-clock time the run took).
 */
export function withoutWallTime(stdout: string): string {
	return stdout.split('\n').map(line => {
		if (!line.includes('"type":"summary"')) {
			return line;
		}

		const record = JSON.parse(line) as Record<string, unknown>;
		delete record.wallMs;
		return JSON.stringify(record);
	}).join('\n');
}
