import type {SimulationConfig} from '../config.js';
import type {OutputOptions} from '../front-ends/context.js';
import {MAX_SEED} from '../random.js';
import {Checker, type Raw, type Subject} from './checker.js';
import {parseConfigFile, type ConfigFile} from './config-file.js';
import type {CliFlags} from './flags.js';
import {MAX_SENDERS, validateGroups, type SendTimeSettings} from './sender-groups.js';


/**
 * Everything a run needs, validated. `simulation` holds what was given (flags over the file);
 * `resolveConfig` fills in the rest from `DEFAULTS`.
 */
export type RunOptions = OutputOptions & {
	readonly simulation: SimulationConfig;
};

/** What every validator gives: a value and no errors, or every error and no value. */
export type Validated<T> = {readonly value: T; readonly errors: readonly []} | {readonly value: undefined; readonly errors: readonly string[]};

/** Longest body a message may be given. */
export const MAX_BODY_LENGTH = 10_000;

export {MAX_SENDERS};
export type {CliFlags} from './flags.js';

/**
 * Validates flags and an optional config file, once, before anything runs. Flags override the
 * file; `resolveConfig` fills the rest from `DEFAULTS`. Every problem is reported, one line each, naming the flag or the
 * file and field and the rule. Pure: the caller reads the file and prints the errors.
 */
export function validateOptions(flags: CliFlags, configFile?: ConfigFile): Validated<RunOptions> {
	const check = new Checker();
	const file = parseConfigFile(check, configFile);
	const fileSubject = (key: string) => `${configFile?.path}: ${key}`;

	// Each setting: the flag if given, else the file's value if present, else undefined (default later).
	const pick = <T>(flagName: string, flagValue: string | undefined, key: string, parse: (subject: Subject, raw: Raw) => T | undefined): T | undefined => {
		if (flagValue !== undefined) {
			return parse(`--${flagName}`, flagValue);
		}

		if (file && file[key] !== undefined) {
			check.inFile = true;
			const value = parse(fileSubject(key), file[key]);
			check.inFile = false;
			return value;
		}

		return undefined;
	};

	const messages = pick('messages', flags.messages, 'messages', (s, raw) => check.whole(s, raw, 0, Number.MAX_SAFE_INTEGER));
	const senders = pick('senders', flags.senders, 'senders', (s, raw) => check.whole(s, raw, 1, MAX_SENDERS));
	const top: SendTimeSettings = {
		meanMs: pick('mean', flags.mean, 'mean', (s, raw) => check.duration(s, raw, {positive: false})),
		spread: pick('spread', flags.spread, 'spread', (s, raw) => check.number(s, raw, 'must be a number >= 0', value => value >= 0)),
		distribution: pick('distribution', flags.distribution, 'distribution', (s, raw) => check.distribution(s, raw)),
		failureRate: pick('failure-rate', flags.failureRate, 'failureRate', (s, raw) => check.fraction(s, raw)),
		spreadSubject: flags.spread === undefined ? fileSubject('spread') : '--spread',
	};
	const intervalMs = pick('interval', flags.interval, 'interval', (s, raw) => check.duration(s, raw, {positive: true}));
	const seed = pick('seed', flags.seed, 'seed', (s, raw) => check.whole(s, raw, 0, MAX_SEED));
	const speed = pick('speed', flags.speed, 'speed', (s, raw) => check.speed(s, raw));
	const maxFailureRate = pick('max-failure-rate', flags.maxFailureRate, 'maxFailureRate', (s, raw) => check.fraction(s, raw));
	const maxBodyLength = pick('max-body-length', flags.maxBodyLength, 'maxBodyLength', (s, raw) => check.whole(s, raw, 1, MAX_BODY_LENGTH));

	const groups = validateGroups(check, flags, file, top, senders, fileSubject);

	if (flags.events && !flags.json) {
		check.errors.push('--events needs --json (it adds one line per message to the NDJSON output)');
	}

	if (check.errors.length > 0 || groups === undefined) {
		return {value: undefined, errors: check.errors};
	}

	return {
		value: {
			simulation: {messages, groups, intervalMs, seed, speed, maxBodyLength},
			json: flags.json ?? false,
			events: flags.events ?? false,
			maxFailureRate,
		},
		errors: [],
	};
}
