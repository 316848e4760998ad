import {LIMITS} from '../model/limits.js';
import {
	resolveConfig, senderCount, type ResolvedConfig, type SimulationConfig,
} from '../model/config.js';
import {formatDuration} from '../reports/format.js';
import type {OutputOptions} from '../front-ends/context.js';
import {MAX_SEED} from '../model/random.js';
import {parseThreshold, THRESHOLD_RULE, type Threshold} from '../engine/thresholds.js';
import type {ReplayFormat} from '../model/replay.js';
import type {ArrivalProcess, Warmup} from '../model/arrivals.js';
import type {Distribution} from '../model/distributions.js';
import type {Charset} from '../model/messages.js';
import type {Priority} from '../model/priorities.js';
import type {Speed} from '../engine/scheduler.js';
import {Checker, type Raw, type Subject} from './checker.js';
import {camelCase, SETTINGS_BY_NAME} from './settings.js';
import {parseDuration} from './duration.js';
import {parseConfigFile, type ConfigFile} from './config-file.js';
import type {CliFlags} from './flags.js';
import type {InputSource} from './input.js';
import {
	MAX_SENDERS, retrySettings, validateGroups, type SendTimeSettings,
} from './sender-groups.js';

/**
 * Everything a run needs, validated. `simulation` holds what was given (flags over the file);
 * `resolveConfig` fills in the rest from `DEFAULTS`.
 */
/** `--via`: where real sends go, and over how many sessions. */
export type ViaOptions = {readonly host: string; readonly port: number; readonly systemId: string; readonly password: string; readonly binds: number};

export type RunOptions = OutputOptions & {
	/** `--via`: real sends to an SMPP gateway, in place of the simulated senders. */
	readonly via?: ViaOptions;
	readonly simulation: SimulationConfig;
	/** Replayed messages (`--input`), instead of generated ones. */
	readonly input?: InputSource;
	/** `--replications`: independent runs, summarized with intervals (1: an ordinary run). */
	readonly replications: number;
	/** `--jobs`: threads for replications; the cores when left out. */
	readonly jobs?: number;
};

/** Most replications one run makes. */
export const MAX_REPLICATIONS = 10_000;

/** What every validator gives: a value and no errors, or every error and no value. */
export type Validated<T> = {readonly value: T; readonly errors: readonly []; readonly notes?: readonly string[]} | {readonly value: undefined; readonly errors: readonly string[]};

/** Longest body a message may be given. */
export const MAX_BODY_LENGTH = LIMITS.maxBodyLength.max;

export type {CliFlags} from './flags.js';

/**
 * Validates flags and an optional config file, once, before anything runs. Flags override the
 * file; `resolveConfig` fills the rest from `DEFAULTS`. Every problem is reported, one line each, naming the flag or the
 * file and field and the rule. Pure: the caller reads the file and prints the errors.
 */
/** `counted: false`: sender groups without a count (a gateway's, which is how it answers); see `validateGroups`. */
export function validateOptions(flags: CliFlags, configFile?: ConfigFile, {counted = true}: {readonly counted?: boolean} = {}): Validated<RunOptions> {
	const check = new Checker();
	const read = new SettingReader(check, flags, parseConfigFile(check, configFile), configFile?.path);
	const messages = read.setting<number>('messages');
	const senders = read.setting<number>('senders');
	const top = sendTimeSettings(read);
	const intervalMs = read.setting<number>('interval');
	const seed = read.setting<number>('seed');
	const speed = read.setting<Speed>('speed');
	const maxFailureRate = read.setting<number>('max-failure-rate');
	const maxBodyLength = read.setting<number>('max-body-length');
	const ratePerSec = read.setting<number>('rate');
	const charset = read.setting<Charset>('charset');
	const priorities = read.setting<Priority[]>('priority');
	const input = validateInput(check, flags, read.file, read.fileSubject);
	const arrival = read.setting<ArrivalProcess>('arrival');
	const warmup = read.setting<Warmup>('warmup');
	checkNeedsRate(read, {warmup, arrival, ratePerSec});
	const groups = validateGroups(check, flags, read.file, top, senders, read.fileSubject, {counted});
	const html = read.setting<string>('html');
	const metrics = read.setting<{host: string; port: number}>('metrics');
	const metricsLingerMs = read.setting<number>('metrics-linger');
	if (metricsLingerMs !== undefined && metrics === undefined) {
		check.errors.push(`${read.subject('metrics-linger', 'metricsLinger')} needs --metrics (it is how long the figures stay served after the run)`);
	}

	const thresholds = validateThresholds(check, flags.threshold, read.file?.thresholds, read.fileSubject('thresholds'));
	const replications = read.pick('replications', flags.replications, 'replications', (subject, raw) => check.whole(subject, raw, {min: 1, max: MAX_REPLICATIONS})) ?? 1;
	const jobs = read.setting<number>('jobs');
	if (replications > 1) {
		checkReplicated(read, {
			speed, input, thresholds, maxFailureRate, metrics,
		});
	}

	const via = validateVia(read, {
		speed, replications, groups: groups?.length ?? 0,
	});

	if (flags.events && !flags.json) {
		check.errors.push('--events needs --json (it adds one line per message to the NDJSON output)');
	}

	if (check.errors.length > 0 || groups === undefined) {
		return {value: undefined, errors: check.errors};
	}

	const simulation = {
		messages, groups, intervalMs, seed, speed, maxBodyLength, charset, priorities, ...(ratePerSec === undefined ? {} : {arrivals: {ratePerSec, process: arrival}}), ...(warmup === undefined ? {} : {warmup}),
		...(via === undefined ? {} : {via: {gateway: viaGateway(via), binds: via.binds}}),
	};
	checkRunSize(check, resolveConfig({...simulation, seed: 0}));
	if (check.errors.length > 0) {
		return {value: undefined, errors: check.errors};
	}

	return {
		value: {
			simulation,
			...(input ? {input} : {}),
			json: flags.json ?? false,
			events: flags.events ?? false,
			maxFailureRate,
			thresholds,
			...(html === undefined ? {} : {html}),
			...(metrics === undefined ? {} : {metrics}),
			...(via === undefined ? {} : {via}),
			...(metricsLingerMs === undefined ? {} : {metricsLingerMs}),
			replications,
			...(jobs === undefined ? {} : {jobs}),
		},
		errors: [],
		notes: check.notes,
	};
}

/** Each setting: the flag if given, else the config file's value if present, else undefined (default later). */
class SettingReader {
	/** What names a field of the config file in an error. */
	readonly fileSubject: (key: string) => string;

	constructor(readonly check: Checker, readonly flags: CliFlags, readonly file: ReturnType<typeof parseConfigFile>, path: string | undefined) {
		this.fileSubject = (key: string) => `${path}: ${key}`;
	}

	/** The flag `flagName` if given (`flagValue`), else the file's `key`, parsed by `parse`. */
	pick<T>(flagName: string, flagValue: string | undefined, key: string, parse: (subject: Subject, raw: Raw) => T | undefined): T | undefined {
		if (flagValue !== undefined) {
			return parse(`--${flagName}`, flagValue);
		}

		if (this.file?.[key] !== undefined) {
			this.check.inFile = true;
			const value = parse(this.fileSubject(key), this.file[key]);
			this.check.inFile = false;
			return value;
		}

		return undefined;
	}

	/** A setting of the table (settings.ts) by its flag's name: its flag, else its config key, parsed by its own rule. */
	setting<T>(name: string): T | undefined {
		const entry = SETTINGS_BY_NAME.get(name)!;
		return this.pick(name, (this.flags as Record<string, string | undefined>)[camelCase(name)], entry.configKey!, (subject, raw) => entry.parse!(this.check, subject, raw) as T | undefined);
	}

	/** What names a setting in an error: its flag if given, else its field in the file. */
	subject(flagName: string, key: string): string {
		return (this.flags as Record<string, unknown>)[camelCase(flagName)] === undefined ? this.fileSubject(key) : `--${flagName}`;
	}

	/** Whether the flag or the file gives `flagName` (`key` in the file), valid or not. */
	given(flagName: string, key: string): boolean {
		return (this.flags as Record<string, unknown>)[camelCase(flagName)] !== undefined || this.file?.[key] !== undefined;
	}
}

/** The top-level send-time settings: those of the one group of a run without `--sender`. */
function sendTimeSettings(read: SettingReader): SendTimeSettings {
	const {flags, file, fileSubject} = read;
	return {
		meanMs: read.setting<number>('mean'),
		spread: read.setting<number>('spread'),
		distribution: read.setting<Distribution>('distribution'),
		failureRate: read.setting<number>('failure-rate'),
		spreadSubject: read.subject('spread', 'spread'),
		sendTimes: read.pick('send-times', flags.sendTimes, 'sendTimes', (subject, raw) => read.check.text(subject, raw)),
		sendTimesSubject: read.subject('send-times', 'sendTimes'),
		...retrySettings(read.check, key => {
			const flag = {
				maxAttempts: ['max-attempts', flags.maxAttempts], backoff: ['backoff', flags.backoff], backoffMax: ['backoff-max', flags.backoffMax], permanentFailureRate: ['permanent-failure-rate', flags.permanentFailureRate],
			}[key] as [string, string | undefined];
			if (flag[1] !== undefined) {
				return [`--${flag[0]}`, flag[1]];
			}

			if (file?.[key] !== undefined) {
				return [fileSubject(key), file[key], true];
			}

			return undefined;
		}),
	};
}

/** A warm-up and an arrival process are about arrivals: both need a rate. */
function checkNeedsRate(read: SettingReader, {warmup, arrival, ratePerSec}: {readonly warmup?: Warmup; readonly arrival?: ArrivalProcess; readonly ratePerSec?: number}): void {
	const noRate = ratePerSec === undefined && !read.given('rate', 'rate');
	if (warmup !== undefined && noRate) {
		read.check.errors.push(`${read.subject('warmup', 'warmup')} needs a rate (--rate): without arrivals no message waits, so there is no wait to leave out`);
	}

	if (arrival !== undefined && noRate) {
		read.check.errors.push(`${read.subject('arrival', 'arrival')} needs a rate (--rate, or rate in the config file): without one every message is there at the start`);
	}
}

/** Each replication is a whole run at max speed, summarized at the end: what shows one run as it goes cannot be kept. */
function checkReplicated(read: SettingReader, {
	speed, input, thresholds, maxFailureRate, metrics,
}: {readonly speed?: Speed; readonly input?: InputSource; readonly thresholds: readonly Threshold[]; readonly maxFailureRate?: number; readonly metrics?: unknown}): void {
	const one = (what: string, why: string): void => {
		read.check.errors.push(`${what} cannot be combined with --replications: ${why}`);
	};

	if (speed !== undefined && speed !== 'max') {
		one(read.subject('speed', 'speed'), 'replications run at max speed (leave --speed out, or give max)');
	}

	if (input !== undefined) {
		one('--input', 'replications generate their messages, one set per seed');
	}

	if (read.flags.events) {
		one('--events', 'it gives one run\'s messages');
	}

	if (metrics !== undefined) {
		one(read.subject('metrics', 'metrics'), 'it serves one run\'s figures');
	}

	if (thresholds.length > 0 || maxFailureRate !== undefined) {
		one(thresholds.length > 0 ? '--threshold' : '--max-failure-rate', 'a rule is checked on one run\'s figures; use sms-sim plan for a goal met in most runs');
	}
}

/**
 * Settings that are each in range can still ask for more than a run can give: bodies in flight
 * beyond memory, more simulated time than the clock holds, a flood of progress lines. Refused
 * before the run, saying which settings to change. The run's length is estimated from the
 * groups' mean throughput (sum of senders / mean), which is what it is on average.
 */
function checkRunSize(check: Checker, config: ResolvedConfig): void {
	const senders = senderCount(config.groups);
	if (senders * config.maxBodyLength > LIMITS.bodiesInFlight) {
		check.errors.push(`--senders and --max-body-length: ${count(senders)} senders each holding a body of up to ${count(config.maxBodyLength)} characters is ${count(senders * config.maxBodyLength)} characters in flight; keep senders x max body length at most ${count(LIMITS.bodiesInFlight)}`);
	}

	const perMs = config.groups.reduce((sum, group) => sum + (group.meanMs === 0 ? Number.POSITIVE_INFINITY : group.count / group.meanMs), 0);
	// With arrivals a run lasts at least as long as they take to arrive.
	const expectedMs = Math.max(config.messages / perMs, config.arrivals ? (config.messages / config.arrivals.ratePerSec) * 1000 : 0);
	if (expectedMs > LIMITS.simulatedMs) {
		check.errors.push(`--messages: ${count(config.messages)} messages at these senders' pace would take about ${years(expectedMs)} of simulated time; at most ${years(LIMITS.simulatedMs)} are supported (fewer messages, more senders${config.arrivals ? ', a shorter --mean or a higher --rate' : ' or a shorter --mean'})`);
	} else if (expectedMs / config.intervalMs > LIMITS.progressLines) {
		const shortest = Math.ceil(expectedMs / LIMITS.progressLines);
		check.errors.push(`--interval: a snapshot every ${config.intervalMs}ms over about ${formatDuration(expectedMs)} of simulated time is ${count(expectedMs / config.intervalMs)} progress lines; choose an interval of at least ${formatDuration(shortest)}`);
	}
}

const count = (value: number): string => Math.round(value).toLocaleString('en-US');
const years = (milliseconds: number): string => `${(milliseconds / (365.25 * 86_400_000)).toLocaleString('en-US', {maximumFractionDigits: 1})} years`;

/**
 * `--input FILE|-` and its format (`--input-format`, else csv for a `.csv` name, else ndjson). The
 * messages then come from the input, so the settings that shape generated messages are refused
 * beside it rather than ignored.
 */
function validateInput(check: Checker, flags: CliFlags, file: Record<string, unknown> | undefined, fileSubject: (key: string) => string): InputSource | undefined {
	const fromFlag = flags.input !== undefined;
	const path = flags.input ?? file?.input;
	const formatRaw = flags.inputFormat ?? file?.inputFormat;
	if (path === undefined) {
		if (formatRaw !== undefined) {
			check.errors.push(`${flags.inputFormat === undefined ? fileSubject('inputFormat') : '--input-format'} needs --input (the file to read)`);
		}

		return undefined;
	}

	const subject = fromFlag ? '--input' : fileSubject('input');
	if (typeof path !== 'string' || path === '') {
		check.fail(subject, 'must be a file name, or - for standard input', path);
		return undefined;
	}

	for (const [flag, value, key] of [['--messages', flags.messages, 'messages'], ['--max-body-length', flags.maxBodyLength, 'maxBodyLength'], ['--charset', flags.charset, 'charset'], ['--rate', flags.rate, 'rate'], ['--arrival', flags.arrival, 'arrival']] as const) {
		if (value !== undefined || file?.[key] !== undefined) {
			check.errors.push(`${value === undefined ? fileSubject(key) : flag} cannot be combined with ${subject}: the messages${key === 'rate' || key === 'arrival' ? ' and their arrival times (its at column)' : ''} come from the input`);
		}
	}

	let format: ReplayFormat = path.toLowerCase().endsWith('.csv') ? 'csv' : 'ndjson';
	if (formatRaw !== undefined) {
		format = check.oneOf(flags.inputFormat === undefined ? fileSubject('inputFormat') : '--input-format', formatRaw, ['ndjson', 'csv'] as const) ?? format;
	}

	return {path, format};
}

/** `--threshold` rules (repeatable), else the file's `thresholds` list; each checked against the grammar. */
function validateThresholds(check: Checker, flags: readonly string[] | undefined, file: unknown, fileSubject: Subject): Threshold[] {
	if (flags === undefined && file !== undefined && !(Array.isArray(file) && file.every(item => typeof item === 'string'))) {
		check.fail(fileSubject, 'must be a list of rules such as ["p99<500ms", "failure-rate<0.05"]', file);
		return [];
	}

	const rules = flags ?? (file as string[] | undefined) ?? [];
	const subject = flags === undefined ? fileSubject : '--threshold';
	const thresholds: Threshold[] = [];
	for (const rule of rules) {
		const threshold = parseThreshold(rule, parseDuration);
		if (threshold === undefined) {
			check.fail(subject, THRESHOLD_RULE, rule);
		} else {
			thresholds.push(threshold);
		}
	}

	return thresholds;
}

/** Where `--via` sends, for people and the start line: `smpp://alerts@127.0.0.1:2775`, never the password. */
const viaGateway = ({systemId, host, port}: ViaOptions): string => `smpp://${encodeURIComponent(systemId)}@${host.includes(':') ? `[${host}]` : host}:${port}`;

/** `--via smpp://id:password@host:port` and `--binds`: real sends, at speed 1, of generated messages, by one group. */
function validateVia(read: SettingReader, {speed, replications, groups}: {readonly speed?: Speed; readonly replications: number; readonly groups: number}): ViaOptions | undefined {
	const {check, flags} = read;
	const binds = read.setting<number>('binds');
	if (flags.via === undefined) {
		if (binds !== undefined) {
			check.errors.push('--binds needs --via (it is how many SMPP sessions the sends go over)');
		}

		return undefined;
	}

	const url = URL.canParse(flags.via) ? new URL(flags.via) : undefined;

	if (url?.protocol !== 'smpp:' || url.hostname === '' || url.username === '' || url.pathname.replace(/^\/+/, '') !== '') {
		check.fail('--via', 'must be smpp://system_id:password@host[:port] (port 2775 unless given)', flags.via);
		return undefined;
	}

	const refuse = (what: string, why: string): void => {
		check.errors.push(`${what} cannot be combined with --via: ${why}`);
	};

	if (speed !== undefined && speed !== 1) {
		refuse(read.subject('speed', 'speed'), 'real sends take the time they take, on the wall clock (speed 1)');
	}

	if (replications > 1) {
		refuse('--replications', 'replications are simulated runs, at max speed');
	}

	if (groups > 1) {
		refuse('--sender', `real sends go through one group (its window is -s, its retries --max-attempts); got ${groups}`);
	}

	return {
		host: url.hostname.replace(/^\[(.*)]$/, '$1'), port: url.port === '' ? 2775 : Number(url.port), systemId: decodeURIComponent(url.username), password: decodeURIComponent(url.password), binds: binds ?? 1,
	};
}
