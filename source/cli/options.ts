import {DISTRIBUTIONS, MAX_UNIFORM_SPREAD, spreadLimit, type Distribution} from '../distributions.js';
import {senderCount, type SimulationConfig} from '../config.js';
import {MAX_SEED} from '../random.js';
import type {Speed} from '../scheduler.js';
import type {SenderGroup} from '../senders.js';
import {parseDuration} from './duration.js';
import type {OutputOptions} from './run.js';

/** The flags as meow gives them: every value is text, so this module owns parsing and its errors. */
export type CliFlags = {
	readonly messages?: string;
	readonly senders?: string;
	readonly mean?: string;
	readonly spread?: string;
	readonly distribution?: string;
	readonly failureRate?: string;
	readonly sender?: readonly string[];
	readonly interval?: string;
	readonly seed?: string;
	readonly speed?: string;
	readonly maxBodyLength?: string;
	readonly json?: boolean;
	readonly events?: boolean;
	readonly config?: string;
	readonly maxFailureRate?: string;
};

/** A config file as read from disk: its text, or why it could not be read. */
export type ConfigFile = {readonly path: string; readonly text: string} | {readonly path: string; readonly readError: string};

/** Everything a run needs, validated. */
export type RunOptions = OutputOptions & {
	readonly simulation: SimulationConfig & {readonly speed: Speed; readonly intervalMs: number};
};

export type Validation = {readonly options: RunOptions; readonly errors: readonly []} | {readonly options: undefined; readonly errors: readonly string[]};

export const DEFAULTS = {
	messages: 1000,
	senders: 10,
	meanMs: 100,
	failureRate: 0.1,
	intervalMs: 1000,
	speed: 1 as Speed,
	maxBodyLength: 100,
};

/** Most senders one process may run: each is a few hundred bytes, and more would not help. */
export const MAX_SENDERS = 1_000_000;
/** Longest body a message may be given. */
export const MAX_BODY_LENGTH = 10_000;

const CONFIG_KEYS = ['messages', 'senders', 'mean', 'spread', 'distribution', 'failureRate', 'groups', 'interval', 'seed', 'speed', 'maxFailureRate', 'maxBodyLength'] as const;
const GROUP_KEYS = ['name', 'count', 'mean', 'spread', 'distribution', 'failureRate'] as const;
const SENDER_SPEC_KEYS = ['count', 'mean', 'spread', 'distribution', 'failure-rate', 'name'] as const;

/** Where a value came from, as the user wrote it: `--failure-rate`, `sim.json: groups[1].mean`. */
type Subject = string;
/** A raw value: text from a flag, or anything from JSON. */
type Raw = unknown;

const NUMBER_PATTERN = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

const show = (raw: Raw): string => (typeof raw === 'string' ? JSON.stringify(raw) : Array.isArray(raw) ? 'a list' : raw === null ? 'null' : typeof raw === 'object' ? 'an object' : String(raw));

/** Collects every error, so the user sees them all at once. */
class Checker {
	readonly errors: string[] = [];
	/** While true, values come from JSON: a number must be a JSON number, not text. */
	inFile = false;

	fail(subject: Subject, rule: string, raw: Raw): undefined {
		this.errors.push(`${subject} ${rule}, got ${show(raw)}`);
		return undefined;
	}

	/** A finite number from text (strictly: no `NaN`, `Infinity`, hex or trailing junk) or from JSON. */
	number(subject: Subject, raw: Raw, rule: string, accept: (value: number) => boolean): number | undefined {
		let value: number | undefined;
		if (typeof raw === 'number') {
			value = raw;
		} else if (typeof raw === 'string' && !this.inFile && NUMBER_PATTERN.test(raw.trim())) {
			value = Number(raw.trim());
		}

		return value !== undefined && Number.isFinite(value) && accept(value) ? value : this.fail(subject, rule, raw);
	}

	whole(subject: Subject, raw: Raw, min: number, max: number): number | undefined {
		const rule = max === Number.MAX_SAFE_INTEGER ? `must be a whole number >= ${min}` : `must be a whole number from ${min} to ${max}`;
		return this.number(subject, raw, rule, value => Number.isInteger(value) && value >= min && value <= max);
	}

	fraction(subject: Subject, raw: Raw): number | undefined {
		return this.number(subject, raw, 'must be between 0 and 1', value => value >= 0 && value <= 1);
	}

	duration(subject: Subject, raw: Raw, {positive}: {positive: boolean}): number | undefined {
		const rule = `must be a duration ${positive ? '> 0' : '>= 0'} such as 250ms, 1.5s or 2m (a bare number is milliseconds)`;
		const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? parseDuration(raw) : undefined;
		return value !== undefined && Number.isFinite(value) && (positive ? value > 0 : value >= 0) ? value : this.fail(subject, rule, raw);
	}

	distribution(subject: Subject, raw: Raw): Distribution | undefined {
		return typeof raw === 'string' && (DISTRIBUTIONS as readonly string[]).includes(raw)
			? (raw as Distribution)
			: this.fail(subject, `must be one of ${DISTRIBUTIONS.join(', ')}`, raw);
	}

	speed(subject: Subject, raw: Raw): Speed | undefined {
		if (raw === 'max') {
			return 'max';
		}

		return this.number(subject, raw, 'must be a number > 0 (1 is real time) or max', value => value > 0);
	}

	name(subject: Subject, raw: Raw): string | undefined {
		return typeof raw === 'string' && /^[\w.-]{1,40}$/.test(raw) ? raw : this.fail(subject, 'must be 1 to 40 letters, digits, dots, dashes or underscores', raw);
	}
}

/** Settings at one level (top level or one group), before defaults. Undefined: not given. */
type SendTimeSettings = {
	meanMs?: number;
	spread?: number;
	distribution?: Distribution;
	failureRate?: number;
	/** Where `spread` was given, for errors. */
	spreadSubject?: Subject;
};

/**
 * Validates flags and an optional config file, once, before anything runs. Flags override the
 * file; defaults fill the rest. Every problem is reported, one line each, naming the flag or the
 * file and field and the rule. Pure: the caller reads the file and prints the errors.
 */
export function validateOptions(flags: CliFlags, configFile?: ConfigFile): Validation {
	const check = new Checker();
	const file = readConfigFile(check, configFile);
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

	const groups = resolveGroups(check, flags, file, top, senders, fileSubject);

	if (flags.events && !flags.json) {
		check.errors.push('--events needs --json (it adds one line per message to the NDJSON output)');
	}

	if (check.errors.length > 0 || groups === undefined) {
		return {options: undefined, errors: check.errors};
	}

	return {
		options: {
			simulation: {
				messages: messages ?? DEFAULTS.messages,
				groups,
				intervalMs: intervalMs ?? DEFAULTS.intervalMs,
				seed,
				speed: speed ?? DEFAULTS.speed,
				maxBodyLength: maxBodyLength ?? DEFAULTS.maxBodyLength,
			},
			json: flags.json ?? false,
			events: flags.events ?? false,
			maxFailureRate,
		},
		errors: [],
	};
}

/** The file's top-level object, or undefined (with an error if there was a file). */
function readConfigFile(check: Checker, configFile: ConfigFile | undefined): Record<string, unknown> | undefined {
	if (configFile === undefined) {
		return undefined;
	}

	if ('readError' in configFile) {
		check.errors.push(`--config: cannot read ${configFile.path}: ${configFile.readError}`);
		return undefined;
	}

	let data: unknown;
	try {
		data = JSON.parse(configFile.text);
	} catch (error) {
		check.errors.push(`--config: ${configFile.path} is not valid JSON: ${describeJsonError(error, configFile.text)}`);
		return undefined;
	}

	if (typeof data !== 'object' || data === null || Array.isArray(data)) {
		check.errors.push(`--config: ${configFile.path} must hold a JSON object, got ${show(data)}`);
		return undefined;
	}

	const record = data as Record<string, unknown>;
	for (const key of Object.keys(record)) {
		if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
			check.errors.push(`${configFile.path}: unknown key ${JSON.stringify(key)} (known: ${CONFIG_KEYS.join(', ')})`);
		}
	}

	return record;
}

/** "line 3, column 5: Expected ..." from V8's "... at position 42" message. */
function describeJsonError(error: unknown, text: string): string {
	const message = error instanceof Error ? error.message : String(error);
	const position = /at position (\d+)/.exec(message);
	const cleaned = message.replace(/\s*in JSON at position \d+.*$/, '').replace(/\s*\(line \d+ column \d+\)$/, '');
	if (position === null) {
		return text.trim() === '' ? 'the file is empty' : cleaned;
	}

	const before = text.slice(0, Number(position[1]));
	const line = before.split('\n').length;
	const column = before.length - before.lastIndexOf('\n');
	return `line ${line}, column ${column}: ${cleaned}`;
}

/**
 * The sender groups: `--sender` specs, else `--senders`, else the file's `groups`, else its
 * `senders`, else one default group. Top-level mean, spread, distribution and failure rate are
 * the defaults of every group, so nothing given is dropped.
 */
function resolveGroups(
	check: Checker,
	flags: CliFlags,
	file: Record<string, unknown> | undefined,
	top: SendTimeSettings,
	senders: number | undefined,
	fileSubject: (key: string) => string,
): SenderGroup[] | undefined {
	const specs = flags.sender ?? [];
	let groups: Array<SendTimeSettings & {count?: number; name?: string; subject: Subject}> | undefined;
	if (specs.length > 0) {
		if (flags.senders !== undefined) {
			check.errors.push('--senders cannot be combined with --sender (each --sender sets its own count)');
			return undefined;
		}

		groups = specs.map(spec => parseSenderSpec(check, spec));
	} else if (flags.senders === undefined && file?.groups !== undefined) {
		if (file.senders !== undefined) {
			check.errors.push(`${fileSubject('senders')} cannot be combined with groups (each group sets its own count)`);
			return undefined;
		}

		check.inFile = true;
		groups = parseConfigGroups(check, file.groups, fileSubject('groups'));
		check.inFile = false;
	} else {
		groups = [{count: senders ?? DEFAULTS.senders, subject: '--senders'}];
	}

	if (groups === undefined) {
		return undefined;
	}

	// A top-level spread serves every group whose distribution takes one; if none does, it would be
	// dropped, which is an error. A group's own spread must fit its own distribution.
	const distributionOf = (group: SendTimeSettings): Distribution | undefined => group.distribution ?? top.distribution;
	const takesSpread = (group: SendTimeSettings) => spreadLimit(distributionOf(group) ?? 'gamma').takesSpread;
	if (top.spread !== undefined && !groups.some(group => group.spread === undefined && takesSpread(group))) {
		const distribution = distributionOf(groups[0]) ?? 'gamma';
		check.errors.push(`${top.spreadSubject} does not apply to the ${groups.length > 1 || specs.length > 0 ? 'groups\' distributions' : `${distribution} distribution`} (${spreadRule(distribution)}), got ${top.spread}`);
	}

	const names = new Set<string>();
	const resolved: SenderGroup[] = [];
	for (const group of groups) {
		if (group.name !== undefined) {
			if (names.has(group.name)) {
				check.errors.push(`${group.subject}: name ${JSON.stringify(group.name)} is used by another group; names must be unique`);
			}

			names.add(group.name);
		}

		const distribution = distributionOf(group);
		const limit = spreadLimit(distribution ?? 'gamma');
		let spread = group.spread;
		if (spread !== undefined && !limit.takesSpread) {
			check.errors.push(`${group.spreadSubject} does not apply to the ${distribution} distribution (${spreadRule(distribution!)}), got ${spread}`);
		}

		spread ??= limit.takesSpread ? top.spread : undefined;
		if (spread !== undefined && limit.takesSpread && spread > limit.max) {
			const subject = group.spread === undefined ? top.spreadSubject : group.spreadSubject;
			check.errors.push(`${subject} must be at most ${MAX_UNIFORM_SPREAD.toFixed(3)} for the uniform distribution (or its shortest send time would be negative), got ${spread}`);
		}

		if (group.count !== undefined) {
			resolved.push({
				name: group.name,
				count: group.count,
				meanMs: group.meanMs ?? top.meanMs ?? DEFAULTS.meanMs,
				spread: limit.takesSpread ? spread : undefined,
				distribution,
				failureRate: group.failureRate ?? top.failureRate ?? DEFAULTS.failureRate,
			});
		}
	}

	const totalSenders = senderCount(resolved);
	if (totalSenders > MAX_SENDERS) {
		check.errors.push(`the sender groups have ${totalSenders} senders in all; at most ${MAX_SENDERS} are allowed`);
	}

	return check.errors.length > 0 ? undefined : resolved;
}

function spreadRule(distribution: Distribution): string {
	return distribution === 'fixed' ? 'every send takes exactly the mean' : 'its spread is always 1';
}

/** `count=5,mean=200ms,failure-rate=0.2,name=slow` (also spread= and distribution=). */
function parseSenderSpec(check: Checker, spec: string): SendTimeSettings & {count?: number; name?: string; subject: Subject} {
	const subject = `--sender ${JSON.stringify(spec)}:`;
	const fields = new Map<string, string>();
	for (const part of spec.split(',')) {
		const match = /^\s*([\w-]+)\s*=\s*(.*?)\s*$/.exec(part);
		if (match === null) {
			check.errors.push(`${subject} each part must be key=value (keys: ${SENDER_SPEC_KEYS.join(', ')}), got ${JSON.stringify(part)}`);
			continue;
		}

		const [, key, value] = match;
		if (!(SENDER_SPEC_KEYS as readonly string[]).includes(key)) {
			check.errors.push(`${subject} unknown key ${JSON.stringify(key)} (keys: ${SENDER_SPEC_KEYS.join(', ')})`);
		} else if (fields.has(key)) {
			check.errors.push(`${subject} ${key} is given twice`);
		} else {
			fields.set(key, value);
		}
	}

	if (!fields.has('count')) {
		check.errors.push(`${subject} count is required (how many senders in this group)`);
	}

	const field = (key: string) => fields.get(key);
	const optional = <T>(key: string, parse: (subject: Subject, raw: Raw) => T | undefined): T | undefined =>
		fields.has(key) ? parse(`${subject} ${key}`, field(key)) : undefined;
	return {
		subject: `--sender ${JSON.stringify(spec)}`,
		count: optional('count', (s, raw) => check.whole(s, raw, 1, MAX_SENDERS)),
		name: optional('name', (s, raw) => check.name(s, raw)),
		meanMs: optional('mean', (s, raw) => check.duration(s, raw, {positive: false})),
		spread: optional('spread', (s, raw) => check.number(s, raw, 'must be a number >= 0', value => value >= 0)),
		spreadSubject: `${subject} spread`,
		distribution: optional('distribution', (s, raw) => check.distribution(s, raw)),
		failureRate: optional('failure-rate', (s, raw) => check.fraction(s, raw)),
	};
}

function parseConfigGroups(check: Checker, raw: unknown, subject: Subject): Array<SendTimeSettings & {count?: number; name?: string; subject: Subject}> | undefined {
	if (!Array.isArray(raw) || raw.length === 0) {
		check.fail(subject, 'must be a non-empty list of groups', raw);
		return undefined;
	}

	return raw.map((item: unknown, index) => {
		const at = `${subject}[${index}]`;
		if (typeof item !== 'object' || item === null || Array.isArray(item)) {
			check.fail(at, 'must be an object such as {"count": 5, "mean": "200ms"}', item);
			return {subject: at};
		}

		const group = item as Record<string, unknown>;
		for (const key of Object.keys(group)) {
			if (!(GROUP_KEYS as readonly string[]).includes(key)) {
				check.errors.push(`${at}: unknown key ${JSON.stringify(key)} (known: ${GROUP_KEYS.join(', ')})`);
			}
		}

		if (group.count === undefined) {
			check.errors.push(`${at}.count is required (how many senders in this group)`);
		}

		const optional = <T>(key: string, parse: (subject: Subject, raw: Raw) => T | undefined): T | undefined =>
			group[key] === undefined ? undefined : parse(`${at}.${key}`, group[key]);
		return {
			subject: at,
			count: optional('count', (s, value) => check.whole(s, value, 1, MAX_SENDERS)),
			name: optional('name', (s, value) => check.name(s, value)),
			meanMs: optional('mean', (s, value) => check.duration(s, value, {positive: false})),
			spread: optional('spread', (s, value) => check.number(s, value, 'must be a number >= 0', v => v >= 0)),
			spreadSubject: `${at}.spread`,
			distribution: optional('distribution', (s, value) => check.distribution(s, value)),
			failureRate: optional('failureRate', (s, value) => check.fraction(s, value)),
		};
	});
}
