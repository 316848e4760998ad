#!/usr/bin/env node
/**
 * The entry: it installs signal handling and output-error handling before anything else loads
 * (a Ctrl-C in the first moments must still end with a summary), then runs the program, and is
 * the only place that exits.
 */
import process from 'node:process';

/** Exit codes this file needs before the program loads; the same as source/cli/exit-codes.ts. */
const OK = 0;
const UNEXPECTED = 1;
const INTERRUPTED = 130;

// A password in a --broker URL must not stay readable in `ps`: show the command line masked.
if (process.argv.some(argument => /\/\/[^:/@\s]*:[^@\s]*@/.test(argument))) {
	process.title = ['sms-sim', ...process.argv.slice(2).map(argument => argument.replace(/(\/\/[^:/@\s]*:)[^@\s]*@/, '$1***@'))].join(' ');
}

// NO_COLOR (no-color.org) means no colour, unless FORCE_COLOR says otherwise; the colour library
// the dashboard uses reads FORCE_COLOR, so say it there before anything loads.
if (process.env.NO_COLOR && process.env.FORCE_COLOR === undefined) {
	process.env.FORCE_COLOR = '0';
}

// The first Ctrl-C (or SIGTERM, or SIGHUP: a closed terminal, a dropped ssh session) stops the
// run and shows the summary; a second one exits at once.
let stopRequests = 0;
const stopListeners = new Set<() => void>();
const onSignal = (): void => {
	if (++stopRequests > 1) {
		process.exit(INTERRUPTED);
	}

	for (const listener of stopListeners) {
		listener();
	}
};

process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.on('SIGHUP', onSignal);

const say = (line: string): void => {
	process.stderr.write(`sms-sim: ${line}\n`);
};

/** Why output failed, in words: `no space left on device` for ENOSPC. */
const outputProblem = (error: NodeJS.ErrnoException): string => {
	const reasons: Record<string, string> = {
		ENOSPC: 'no space left on device', EIO: 'input/output error', EBADF: 'stdout is closed', EACCES: 'permission denied', EFBIG: 'the file is too large',
	};
	return (error.code && reasons[error.code]) ?? error.message;
};

// A closed stdout (`sms-sim --json | head -1`) is a normal way to stop reading: leave quietly.
// Any other write error ends the run with one line saying why.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
	if (error.code === 'EPIPE') {
		process.exit(OK);
	}

	say(`cannot write output: ${outputProblem(error)}`);
	process.exit(UNEXPECTED);
});

// Whatever escapes is a bug: one line, not a stack trace, and the way to report it.
process.on('uncaughtException', (error: unknown) => {
	const code = (error as NodeJS.ErrnoException | undefined)?.code;
	if (code === 'ENOSPC' || code === 'EIO') {
		say(`cannot write output: ${outputProblem(error as NodeJS.ErrnoException)}`);
	} else {
		say(`unexpected error: ${error instanceof Error ? error.message : String(error)}`);
		say('please report it with the command line that caused it');
	}

	process.exit(UNEXPECTED);
});

/** Resolves once everything written to `stream` so far has gone out. */
const flushed = async (stream: NodeJS.WriteStream): Promise<void> => new Promise(resolve => {
	stream.write('', () => {
		resolve();
	});
});

const {main} = await import('./source/cli/main.js');
const exitCode = await main({
	argv: process.argv.slice(2),
	env: process.env,
	stdout: process.stdout,
	stderr: process.stderr,
	requestStop: onSignal,
	onStop(listener) {
		stopListeners.add(listener);
		if (stopRequests > 0) {
			listener();
		}

		return () => stopListeners.delete(listener);
	},
});
// Leave once the output is out, so no idle timer of a library (a broker client's connect timeout)
// holds the process after its work is done.
await flushed(process.stdout);
await flushed(process.stderr);
process.exit(exitCode);
