import {spawn, type IPty} from 'node-pty';

/** A program in a pseudo-terminal: everything it wrote so far, and its exit code once it ends. */
export type PtySession = {pty: IPty; output: () => string; exited: Promise<number>};

/** Runs `file` with `args` in a pseudo-terminal of `cols` x `rows`, as a person at a terminal would. */
export function inPty(file: string, args: string[], {cols, rows, env}: {cols: number; rows: number; env: NodeJS.ProcessEnv}): PtySession {
	const pty = spawn(file, args, {
		name: env.TERM ?? 'xterm-256color', cols, rows, env,
	});
	let output = '';
	pty.onData(data => {
		output += data;
	});
	const exited = new Promise<number>(resolve => {
		pty.onExit(({exitCode}) => {
			resolve(exitCode);
		});
	});
	return {pty, output: () => output, exited};
}
