import {spawn, type ChildProcess, type StdioOptions} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

const cli = fileURLToPath(new URL('../cli.js', import.meta.url));
const cpuReport = fileURLToPath(new URL('cpu-report.js', import.meta.url));

/** Resolves with a program's exit code once it has exited. */
export const exited = async (child: ChildProcess) => new Promise<number | null>(resolve => {
	child.on('exit', code => {
		resolve(code);
	});
});

/** A program of the bench: `node cli.js ...args`, its CPU seconds written on exit to a file of its own (see cpu-report.ts). */
export function program(args: readonly string[], cpuDir: string, name: string, stdio: StdioOptions = ['ignore', 'ignore', 'inherit']): {child: ChildProcess; cpuSeconds: () => number} {
	const file = join(cpuDir, name);
	const child = spawn(process.execPath, ['--import', cpuReport, cli, ...args], {stdio, env: {...process.env, SMS_SIM_BENCH_CPU_FILE: file}});
	return {child, cpuSeconds: () => Number(readFileSync(file, 'utf8'))};
}
