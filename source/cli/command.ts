import type {RunIo} from '../front-ends/context.js';
import {EXIT} from './exit-codes.js';
import type {Validated} from './options.js';
import type {CommandName} from './settings.js';

/**
 * The flags as meow gives them, absent ones left out: text for values, `true` for switches, a
 * list for repeatable flags. Keys are meow's (`failureRate`).
 */
export type GivenFlags = Readonly<Record<string, string | true | readonly string[] | undefined>>;

/** What a command is given: its flags, the words after its name, and the environment. */
export type Invocation = {
	readonly flags: GivenFlags;
	readonly operands: readonly string[];
	readonly env: NodeJS.ProcessEnv;
};

/** What a command's `execute` may use: the run's streams and stop requests. */
export type CommandIo = RunIo & {
	/** Asks to stop, as a signal does. */
	readonly requestStop?: () => void;
};

/**
 * One command: what `--help` says of it, how its flags become a value (every problem at once,
 * before anything is opened or run), and what it does with that value. Its flags are the
 * settings whose `commands` name it (settings.ts).
 */
export type Command<T = any> = {
	readonly name: CommandName;
	/** `sms-sim produce [options]`, for the usage line. */
	readonly synopsis: string;
	/** One line, for the list of commands. */
	readonly summary: string;
	/** What it does, a paragraph or two (wrapped to fit). */
	readonly about: string;
	readonly examples: readonly string[];
	readonly validate: (invocation: Invocation) => Validated<T> | Promise<Validated<T>>;
	readonly execute: (value: T, io: CommandIo) => Promise<number>;
};

/** A flag that is present: text, or a list with something in it. */
export const given = (value: string | true | readonly string[] | undefined): boolean => value !== undefined && !(Array.isArray(value) && value.length === 0);

/** `promise`'s value, or undefined as soon as the user asks to stop. */
export async function untilStopped<T>(promise: Promise<T>, io: Pick<CommandIo, 'stop$'>): Promise<T | undefined> {
	let subscription: {unsubscribe: () => void} | undefined;
	const stopped = new Promise<undefined>(resolve => {
		subscription = io.stop$.subscribe(() => {
			resolve(undefined);
		});
	});
	try {
		return await Promise.race([promise, stopped]);
	} finally {
		subscription?.unsubscribe();
	}
}

/**
 * `work`'s exit code, or 130 as soon as the user asks to stop (a first Ctrl-C or SIGTERM), saying
 * `interrupted` on stderr: for commands that read a file and have nothing to show until the end.
 */
export async function stoppable(work: Promise<number>, io: CommandIo, interrupted: string): Promise<number> {
	const code = await untilStopped(work, io);
	if (code === undefined) {
		// Over any progress line the command had drawn on a terminal.
		const clear = (io.stderr as NodeJS.WriteStream).isTTY ? '\r\u001B[K' : '';
		io.stderr.write(`${clear}sms-sim: ${interrupted}\n`);
		return EXIT.interrupted;
	}

	return code;
}
