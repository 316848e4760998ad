import leven from 'leven';
import meow from 'meow';
import {Observable} from 'rxjs';
import type {RunIo} from '../front-ends/context.js';
import {show} from './checker.js';
import {given, type Command, type GivenFlags} from './command.js';
import {COMMANDS} from './commands/all-commands.js';
import {EXIT} from './exit-codes.js';
import {commandHelp} from './help.js';
import {
	appliesTo, camelCase, COMMAND_NAMES, flagOf, MEOW_FLAGS, SETTINGS, SETTINGS_BY_KEY, type CommandName,
} from './settings.js';

/** What the program is given by its entry: its streams, its environment, and the user's requests to stop. */
export type MainIo = Omit<RunIo, 'stop$'> & {
	readonly argv: readonly string[];
	readonly env: NodeJS.ProcessEnv;
	/** Calls `listener` when the user asks to stop (at once if they already did); returns a function that stops listening. */
	readonly onStop: (listener: () => void) => () => void;
	/** Asks to stop, as a signal does (the dashboard's `q`, and Ctrl-C, which raw mode turns into a key). */
	readonly requestStop?: () => void;
};

/** Words that may stand first: the commands, and `help`. */
const COMMAND_WORDS = [...COMMAND_NAMES.filter(name => name !== 'run'), 'help'];

/** The nearest of `candidates` to `typed`, when it is near enough to be a likely typo. */
function nearest(typed: string, candidates: readonly string[]): string | undefined {
	const best = candidates.map(name => ({name, score: leven(typed, name)})).toSorted((a, b) => a.score - b.score)[0];
	return best && best.score <= Math.max(2, Math.floor(typed.length / 4)) ? best.name : undefined;
}

export type CheckedArguments = {
	errors: string[];
	/** The arguments for meow, without the offending ones. */
	argv: string[];
	/** The words that are not flags or their values, in order: the command and its files. */
	operands: string[];
	/** `--help` or `-h` was given (before any `--`). */
	help: boolean;
};

/**
 * Checks the flags as typed, before meow reads them, so every problem is told at once, each with
 * its flag: an unknown flag (with the nearest known one), a flag given twice, a flag that takes a
 * value given none. A value that starts with a dash is joined to its flag (`--mean=-1s`), so it
 * meets the flag's own rule rather than "unknown flag"; a short flag's value may be written on
 * it (`-n5`), as getopt allows.
 */
export function checkArguments(argv: readonly string[]): CheckedArguments {
	const specs = flagSpecs();
	const errors: string[] = [];
	const kept: string[] = [];
	const operands: string[] = [];
	const seen = new Set<string>();
	let help = false;
	for (let index = 0; index < argv.length; index++) {
		const argument = argv[index]!;
		if (argument === '--') {
			kept.push(...argv.slice(index));
			operands.push(...argv.slice(index + 1));
			break;
		}

		if (!argument.startsWith('-') || argument === '-') {
			kept.push(argument);
			operands.push(argument);
			continue;
		}

		const {typed, inline, argument: flagArgument} = splitFlag(argument, specs);
		const spec = specs.get(typed) ?? (typed.startsWith('--no-') ? specs.get(`--${typed.slice(5)}`) : undefined);
		const next = argv[index + 1];
		if (spec === undefined) {
			errors.push(unknownFlag(typed, specs));
			if (inline === undefined && next !== undefined && !next.startsWith('-')) {
				index++; // Its value, most likely: not a stray argument of its own.
			}

			continue;
		}

		help ||= spec.long === '--help';
		let value = inline;
		if (spec.takesValue && value === undefined) {
			if (next === undefined || (next.startsWith('-') && specs.has(next.split('=')[0] ?? next))) {
				errors.push(`${spec.long} needs a value`);
				continue;
			}

			value = next;
			index++;
		}

		if (!spec.multiple && seen.has(spec.long)) {
			errors.push(`${spec.long} is given more than once; give it once`);
			continue;
		}

		seen.add(spec.long);
		if (value === undefined || inline !== undefined) {
			kept.push(flagArgument);
		} else if (value.startsWith('-')) {
			kept.push(`${spec.long}=${value}`); // Joined, or meow would read it as a flag.
		} else {
			kept.push(flagArgument, value); // Apart: meow drops an empty value written `--sender=`.
		}
	}

	return {
		errors, argv: kept, operands, help,
	};
}

type FlagSpec = {readonly long: string; readonly takesValue: boolean; readonly multiple: boolean};

/** Every flag by the names it may be typed with (long, and short where it has one). */
function flagSpecs(): Map<string, FlagSpec> {
	const specs = new Map<string, FlagSpec>();
	for (const setting of SETTINGS) {
		const entry = {long: `--${setting.name}`, takesValue: setting.kind === 'value', multiple: setting.multiple === true};
		specs.set(entry.long, entry);
		if (setting.short) {
			specs.set(`-${setting.short}`, entry);
		}
	}

	return specs;
}

/** A flag as typed, and its value written on it (`--mean=1s`, or `-n5`: a short flag with its value on it). */
function splitFlag(argument: string, specs: ReadonlyMap<string, FlagSpec>): {typed: string; inline: string | undefined; argument: string} {
	const [typed = '', ...inline] = argument.split('=');
	const attached = /^-([a-zA-Z])(.+)$/.exec(typed);
	if (attached && specs.get(`-${attached[1]}`)?.takesValue && inline.length === 0) {
		return {typed: `-${attached[1]}`, inline: attached[2], argument: `-${attached[1]}=${attached[2]}`};
	}

	return {typed, inline: inline.length > 0 ? inline.join('=') : undefined, argument};
}

/** `unknown flag "--mena" (did you mean --mean?)`; `--n` for `-n` is a short flag written long. */
function unknownFlag(typed: string, specs: ReadonlyMap<string, FlagSpec>): string {
	const short = /^--([a-zA-Z])$/.exec(typed);
	const suggestion = short && specs.has(`-${short[1]}`) ? `-${short[1]}` : nearest(typed, SETTINGS.map(setting => `--${setting.name}`));
	return `unknown flag ${show(typed)}${suggestion ? ` (did you mean ${suggestion}?)` : ''}`;
}

/** `unknown command "reprot" (did you mean report?): the commands are ...`. */
function unknownCommand(word: string): string {
	const suggestion = nearest(word, COMMAND_WORDS);
	return `unknown command ${show(word)}${suggestion ? ` (did you mean ${suggestion}?)` : ''}: the commands are ${COMMAND_WORDS.join(', ')} (or none, for a local run)`;
}

/** `--run does not apply to sms-sim plan` or, for a local run, `--run goes with sms-sim produce, send, monitor or purge`. */
function doesNotApply(key: string, command: CommandName): string {
	const setting = SETTINGS_BY_KEY.get(key)!;
	const flag = flagOf(key);
	const why = setting.whyNot?.[command];
	if (command === 'run') {
		const others = setting.commands.filter(name => name !== 'run');
		const list = others.length === 1 ? others[0] : `${others.slice(0, -1).join(', ')} or ${others.at(-1)}`;
		return `${flag} goes with sms-sim ${list}${why ? `: ${why}` : ''}`;
	}

	return `${flag} does not apply to sms-sim ${command}${why ? `: ${why}` : ''}`;
}

/**
 * The program: the command's word to its table entry, its flags checked against the settings
 * table, then its own validation and its run. `--help` (or `help`) answers before anything is
 * opened, read or run. Resolves with the exit code; it never exits itself (cli.tsx does), and
 * writes errors as one line each, prefixed `sms-sim:`.
 */
export async function main(io: MainIo): Promise<number> {
	const fail = (lines: readonly string[], code: number): number => {
		for (const line of lines) {
			io.stderr.write(`sms-sim: ${line}\n`);
		}

		return code;
	};

	const checked = checkArguments(io.argv);
	const [word, ...rest] = checked.operands;
	const named = (name: string | undefined): Command | undefined => (name === undefined ? COMMANDS[0] : COMMANDS.find(command => command.name === name && name !== 'run'));

	if (word === 'help' || checked.help) {
		const topic = word === 'help' ? rest[0] : word;
		const command = named(topic);
		if (command === undefined) {
			return fail([unknownCommand(topic ?? '')], EXIT.usage);
		}

		io.stdout.write(commandHelp(command, COMMANDS));
		return EXIT.ok;
	}

	const command = named(word);
	if (command === undefined) {
		return fail([unknownCommand(word ?? ''), 'see sms-sim --help'], EXIT.usage);
	}

	const see = `see sms-sim ${command.name === 'run' ? '' : `${command.name} `}--help`;
	const cli = meow({
		importMeta: import.meta,
		argv: checked.argv,
		description: false,
		allowUnknownFlags: false,
		autoHelp: false,
		autoVersion: true,
		flags: MEOW_FLAGS,
	});

	// Present flags only: meow gives absent switches as false and absent lists as [].
	const flags: GivenFlags = Object.fromEntries(Object.entries(cli.flags as Record<string, string | boolean | string[] | undefined>)
		.filter(([, value]) => value !== false && given(value))
		.map(([key, value]) => [camelCase(key), value as string | true | string[]]));
	const errors = [...checked.errors];
	for (const key of Object.keys(flags)) {
		if (!appliesTo(SETTINGS_BY_KEY.get(key)!, command.name)) {
			errors.push(doesNotApply(key, command.name));
		}
	}

	const operands = command.name === 'run' ? checked.operands : rest;
	if (!['report', 'compare', 'plan'].includes(command.name) && operands.length > 0) {
		errors.push(`unexpected argument ${show(operands[0])}`);
	}

	if (errors.some(error => error.includes('does not apply') || error.includes('goes with'))) {
		// Flags that do not belong to the command: its own rules would only add noise.
		return fail([...errors, see], EXIT.usage);
	}

	const validation = await command.validate({flags, operands, env: io.env});
	if (validation.value === undefined || errors.length > 0) {
		return fail([...errors, ...validation.errors, see], EXIT.usage);
	}

	for (const note of ('notes' in validation ? validation.notes : undefined) ?? []) {
		io.stderr.write(`sms-sim: note: ${note}\n`);
	}

	const stop$ = new Observable<void>(subscriber => io.onStop(() => {
		subscriber.next();
	}));
	return command.execute(validation.value, {
		stdout: io.stdout, stderr: io.stderr, stop$, env: io.env, requestStop: io.requestStop,
	});
}
