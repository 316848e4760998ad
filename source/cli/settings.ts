import {DEFAULTS} from '../model/defaults.js';
import {LIMITS} from '../model/limits.js';
import {MAX_SEED} from '../model/random.js';
import {DISTRIBUTIONS} from '../model/distributions.js';
import {DEFAULT_BATCH} from '../broker/topology.js';
import type {Checker, Raw, Subject} from './checker.js';

/** Every command: `run` is the local simulation (no command word). */
export const COMMAND_NAMES = ['run', 'produce', 'send', 'monitor', 'purge', 'report', 'compare', 'plan', 'gateway', 'schema'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/**
 * One setting, written down once: its flag, its config-file key, what it means, its default, and
 * the commands it applies to. meow's flags, every command's help, the config file's keys, the
 * "does not apply" errors and the options table of docs/options.md (checked by a test) all come from here.
 * Most carry their parser too, with its range from `limits.ts`.
 */
export type Setting = {
	/** The long flag without its dashes: `failure-rate`. */
	readonly name: string;
	readonly short?: string;
	/** `value` takes text; `switch` is a boolean. */
	readonly kind: 'value' | 'switch';
	readonly multiple?: boolean;
	/** How the value is written in help: `<n>`. */
	readonly value?: string;
	/** Its key in a `--config` file, where it has one. */
	readonly configKey?: string;
	/** What it does, for `--help` (wrapped to fit). */
	readonly help: string;
	/** What it does for a command where it means something else than `help` says. */
	readonly helpIn?: Partial<Record<CommandName, string>>;
	/** The default, as help shows it. */
	readonly default?: string;
	readonly section: Section;
	readonly commands: readonly CommandName[];
	/** Why it does not apply to a command, where the reason is not obvious. */
	readonly whyNot?: Partial<Record<CommandName, string>>;
	/**
	 * Its value from a flag's text or a config file's JSON, in range (the ranges are `LIMITS`), or
	 * undefined with the error in `check`; where the table has none, the command that takes the
	 * setting parses it (sender groups, retries, plan's goals, the broker's flags: each with rules
	 * beyond one value).
	 */
	readonly parse?: (check: Checker, subject: Subject, raw: Raw) => unknown;
};

export type Section = 'Messages' | 'Senders' | 'Run' | 'Distributed mode' | 'Planning' | 'Gateway' | 'Output';

/** Commands that run a simulation or show one, and so read the run settings. */
const SENDING = ['run', 'send', 'plan'] as const;
const SHOWING = ['run', 'send', 'monitor'] as const;
const BROKER = ['produce', 'send', 'monitor', 'purge'] as const;
const PLAN_SEARCHES = {plan: 'it searches the sender count'};

export const SETTINGS: readonly Setting[] = [
	{
		name: 'messages', parse: (check, subject, raw) => check.whole(subject, raw, LIMITS.messages),
		short: 'n', kind: 'value', value: '<n>', configKey: 'messages', section: 'Messages', commands: ['run', 'produce', 'plan'],
		help: 'Number of messages, 0 or more', default: String(DEFAULTS.messages),
	},
	{
		name: 'max-body-length', parse: (check, subject, raw) => check.whole(subject, raw, LIMITS.maxBodyLength),
		kind: 'value', value: '<n>', configKey: 'maxBodyLength', section: 'Messages', commands: ['run', 'produce', 'plan'],
		help: 'Longest message body, characters', default: String(DEFAULTS.maxBodyLength),
	},
	{
		name: 'rate', parse: (check, subject, raw) => check.rate(subject, raw, LIMITS.ratePerSec),
		kind: 'value', value: '<r>', configKey: 'rate', section: 'Messages', commands: ['run', 'plan'],
		help: 'Messages arrive at r per simulated second (500, 500/s, 30000/m), not all at the start',
	},
	{
		name: 'arrival', parse: (check, subject, raw) => check.arrival(subject, raw),
		kind: 'value', value: '<process>', configKey: 'arrival', section: 'Messages', commands: ['run', 'plan'],
		help: 'poisson or constant; needs --rate', default: DEFAULTS.arrival,
	},
	{
		name: 'warmup', parse: (check, subject, raw) => check.warmup(subject, raw),
		kind: 'value', value: '<time|n>', configKey: 'warmup', section: 'Messages', commands: ['run', 'plan'],
		help: 'With --rate: leave the start out of wait and latency figures: the messages arriving before a time (30s), or the first n (2000)',
	},
	{
		name: 'input', kind: 'value', value: '<file|->', configKey: 'input', section: 'Messages', commands: ['run'],
		help: 'Replay messages from NDJSON or CSV (to, body, priority, at) instead of generating them',
		whyNot: {plan: 'it plans generated runs'},
	},
	{
		name: 'input-format', kind: 'value', value: '<f>', configKey: 'inputFormat', section: 'Messages', commands: ['run'],
		help: 'ndjson or csv', default: 'csv for a .csv file',
	},
	{
		name: 'priority', parse: (check, subject, raw) => check.priorities(subject, raw),
		kind: 'value', value: '<shares>', configKey: 'priority', section: 'Messages', commands: ['run', 'produce', 'plan'],
		help: 'critical=0.05,high=0.15,normal=0.8: highest first; a free sender takes the highest waiting',
	},
	{
		name: 'charset', parse: (check, subject, raw) => check.charset(subject, raw),
		kind: 'value', value: '<set>', configKey: 'charset', section: 'Messages', commands: ['run', 'produce', 'plan'],
		help: 'Bodies from gsm (GSM-7 only), ascii or unicode (other scripts, emoji)', default: DEFAULTS.charset,
	},
	{
		name: 'senders', parse: (check, subject, raw) => check.whole(subject, raw, LIMITS.senders),
		short: 's', kind: 'value', value: '<n>', configKey: 'senders', section: 'Senders', commands: ['run', 'send'],
		help: 'Number of identical senders', default: String(DEFAULTS.senders), whyNot: PLAN_SEARCHES,
	},
	{
		name: 'mean', parse: (check, subject, raw) => check.duration(subject, raw, {...LIMITS.meanMs, zero: true}),
		kind: 'value', value: '<duration>', configKey: 'mean', section: 'Senders', commands: [...SENDING, 'gateway'],
		help: 'Mean send time: 250ms, 1.5s, 2m; a bare number is ms', default: `${DEFAULTS.meanMs}ms`,
	},
	{
		name: 'spread', parse: (check, subject, raw) => check.number(subject, raw, 'must be a number >= 0', value => value >= 0),
		kind: 'value', value: '<cv>', configKey: 'spread', section: 'Senders', commands: [...SENDING, 'gateway'],
		help: 'Coefficient of variation of the send time (exponential 1, fixed 0)', default: String(DEFAULTS.spread),
	},
	{
		name: 'distribution', parse: (check, subject, raw) => check.distribution(subject, raw),
		kind: 'value', value: '<name>', configKey: 'distribution', section: 'Senders', commands: [...SENDING, 'gateway'],
		help: DISTRIBUTIONS.join(', '), default: DEFAULTS.distribution,
	},
	{
		name: 'send-times', kind: 'value', value: '<file>', configKey: 'sendTimes', section: 'Senders', commands: [...SENDING, 'gateway'],
		help: 'Measured send times to draw from (distribution empirical): one duration a line, or file.csv[:column]; the mean and spread are theirs',
	},
	{
		name: 'failure-rate', parse: (check, subject, raw) => check.fraction(subject, raw),
		kind: 'value', value: '<p>', configKey: 'failureRate', section: 'Senders', commands: [...SENDING, 'gateway'],
		help: 'Probability a send fails, 0 to 1 (or 10%)', default: String(DEFAULTS.failureRate),
	},
	{
		name: 'max-attempts', kind: 'value', value: '<k>', configKey: 'maxAttempts', section: 'Senders', commands: SENDING,
		help: 'Attempts a message gets, failures retried (1: a failed send is final)', default: String(DEFAULTS.maxAttempts),
	},
	{
		name: 'backoff', kind: 'value', value: '<duration>', configKey: 'backoff', section: 'Senders', commands: SENDING,
		help: 'Wait before a retry, doubled each attempt, full jitter', default: `${DEFAULTS.backoffMs / 1000}s`,
	},
	{
		name: 'backoff-max', kind: 'value', value: '<duration>', configKey: 'backoffMax', section: 'Senders', commands: SENDING,
		help: 'Longest wait before a retry', default: `${DEFAULTS.backoffMaxMs / 1000}s`,
	},
	{
		name: 'permanent-failure-rate', kind: 'value', value: '<p>', configKey: 'permanentFailureRate', section: 'Senders', commands: [...SENDING, 'gateway'],
		help: 'Share of failures never retried', default: String(DEFAULTS.permanentFailureRate),
	},
	{
		name: 'sender', kind: 'value', multiple: true, value: '<spec>', configKey: 'groups', section: 'Senders', commands: ['run', 'send', 'gateway'],
		help: 'A group, repeatable: count=5,mean=200ms,name=slow (also failure-rate=, spread=, distribution=, max-attempts=, backoff=, backoff-max=, permanent-failure-rate=, and rate=1/s: a carrier limit per sender, in segments). Replaces --senders; the flags above are every group\'s defaults',
		helpIn: {gateway: 'How the gateway answers, once, without count=: mean=20ms,rate=500/s (also failure-rate=, spread=, distribution=, permanent-failure-rate=, and rate=: each bind\'s limit in submit_sm a second, past which it answers ESME_RTHROTTLED). The flags above are its defaults'},
		whyNot: PLAN_SEARCHES,
	},
	{
		name: 'interval', parse: (check, subject, raw) => check.duration(subject, raw, {...LIMITS.intervalMs, zero: false}),
		short: 'i', kind: 'value', value: '<duration>', configKey: 'interval', section: 'Run', commands: [...SHOWING, 'plan', 'gateway'],
		help: 'Monitor interval, simulated time', default: `${DEFAULTS.intervalMs / 1000}s`,
	},
	{
		name: 'seed', parse: (check, subject, raw) => check.whole(subject, raw, {min: 0, max: MAX_SEED}),
		kind: 'value', value: '<n>', configKey: 'seed', section: 'Run', commands: ['run', 'produce', 'send', 'gateway'],
		help: 'Seed, 0 to 4294967295', default: 'random, printed', whyNot: {plan: 'it runs seeds 1 to --replications'},
	},
	{
		name: 'speed', parse: (check, subject, raw) => check.speed(subject, raw, LIMITS.speed),
		kind: 'value', value: '<k|max>', configKey: 'speed', section: 'Run', commands: ['run', 'send'],
		help: '1 real time, k times faster, max as fast as possible', default: String(DEFAULTS.speed), whyNot: {plan: 'its runs go at max speed'},
	},
	{
		name: 'config', kind: 'value', value: '<file>', section: 'Run', commands: ['run', 'produce', 'send', 'monitor'],
		help: 'JSON file of the same settings; flags win',
	},
	{
		name: 'max-failure-rate', parse: (check, subject, raw) => check.fraction(subject, raw),
		kind: 'value', value: '<p>', configKey: 'maxFailureRate', section: 'Run', commands: [...SHOWING, 'plan'],
		help: 'Exit 3 if the final failure ratio is above p (plan: a goal)',
	},
	{
		name: 'threshold', kind: 'value', multiple: true, value: '<rule>', configKey: 'thresholds', section: 'Run', commands: SHOWING,
		help: 'Exit 3 unless the summary meets it, repeatable: p99<500ms, avg<200ms, failure-rate<0.05, throughput>1000/s (also p50, p90, p95, max)',
		whyNot: {plan: 'it plans against its own goals'},
	},
	{
		name: 'broker', kind: 'value', value: '<url>', section: 'Distributed mode', commands: BROKER,
		help: 'AMQP URL; no user means guest', default: '$SMS_SIM_BROKER, else amqp://localhost',
	},
	{
		name: 'run', kind: 'value', value: '<id>', section: 'Distributed mode', commands: BROKER,
		help: 'The run\'s name (purge: required)', default: 'default',
	},
	{
		name: 'batch', kind: 'value', value: '<n>', section: 'Distributed mode', commands: ['produce', 'send'],
		help: 'Messages (produce) or results (send) per AMQP message', default: String(DEFAULT_BATCH),
	},
	{
		name: 'follow', kind: 'switch', section: 'Distributed mode', commands: ['send'],
		help: 'Keep waiting for messages when the run is complete',
	},
	{
		name: 'clock-window', kind: 'value', value: '<duration>', section: 'Distributed mode', commands: ['send'],
		help: 'At --speed max, how far (simulated) a worker may run ahead of the slowest one', default: 'a tenth of the shortest mean',
	},
	{
		name: 'deadline', kind: 'value', value: '<duration>', section: 'Planning', commands: ['plan'],
		help: 'Goal: the run ends within it',
	},
	{
		name: 'p99', kind: 'value', value: '<duration>', section: 'Planning', commands: ['plan'],
		help: 'Goal: p99 latency (with --rate) or send time at most this',
	},
	{
		name: 'replications', kind: 'value', value: '<n>', configKey: 'replications', section: 'Run', commands: ['run', 'plan'],
		help: 'Independent runs (seeds --seed, --seed + 1, ...) at max speed on --jobs threads: each figure as a mean with its 95% interval. plan: the most runs at one sender count; plan --sweep: the runs at each',
		default: '1 (plan: 200, --sweep: 1)',
	},
	{
		name: 'in-runs', kind: 'value', value: '<p>', section: 'Planning', commands: ['plan'],
		help: 'The share of runs that must meet the goal (90%, or 0.9)', default: '0.9',
	},
	{
		name: 'confidence', kind: 'value', value: '<level>', section: 'Planning', commands: ['plan'],
		help: 'How sure the answer must be that that share of runs meets the goal (Clopper-Pearson)', default: '0.95',
	},
	{
		name: 'jobs', parse: (check, subject, raw) => check.whole(subject, raw, {min: 1, max: 256}),
		kind: 'value', value: '<n>', configKey: 'jobs', section: 'Run', commands: ['run', 'plan'],
		help: 'Threads that run replications (and plan\'s runs) at once', default: 'the cores',
	},
	{
		name: 'sweep', kind: 'value', value: '<range>', section: 'Planning', commands: ['plan'],
		help: 'senders=10..1000:10: a table of sender count against makespan, p99 and throughput',
	},
	{
		name: 'via', kind: 'value', value: '<url>', section: 'Senders', commands: ['run', 'send'],
		help: 'Real senders: each send a submit_sm to the SMPP gateway at smpp://id:password@host:port (speed 1)',
	},
	{
		name: 'binds', parse: (check, subject, raw) => check.whole(subject, raw, {min: 1, max: 1000}),
		kind: 'value', value: '<n>', section: 'Senders', commands: ['run', 'send'],
		help: 'With --via: SMPP sessions the sends are spread over', default: '1',
	},
	{
		name: 'listen', parse: (check, subject, raw) => check.listenAddress(subject, raw, {defaultPort: 2775}),
		kind: 'value', value: '<[host:]port>', section: 'Gateway', commands: ['gateway'],
		help: 'Where SMPP clients connect', default: '127.0.0.1:2775',
	},
	{
		name: 'account', kind: 'value', multiple: true, value: '<id:password>', section: 'Gateway', commands: ['gateway'],
		help: 'A system_id and password that may bind, repeatable', default: 'any may bind',
	},
	{
		name: 'max-connections', parse: (check, subject, raw) => check.whole(subject, raw, {min: 1, max: 100_000}),
		kind: 'value', value: '<n>', section: 'Gateway', commands: ['gateway'],
		help: 'Connections open at once; more are refused', default: '100',
	},
	{
		name: 'window', parse: (check, subject, raw) => check.whole(subject, raw, {min: 1, max: 1_000_000}),
		kind: 'value', value: '<n>', section: 'Gateway', commands: ['gateway'],
		help: 'submit_sm a bind may have unanswered; more get ESME_RMSGQFUL', default: '1000',
	},
	{
		name: 'receipt-delay', parse: (check, subject, raw) => check.duration(subject, raw, {...LIMITS.lingerMs, zero: true}),
		kind: 'value', value: '<duration>', section: 'Gateway', commands: ['gateway'],
		help: 'From accepting a message to its delivery receipt', default: '1s',
	},
	{
		name: 'undelivered-rate', parse: (check, subject, raw) => check.fraction(subject, raw),
		kind: 'value', value: '<p>', section: 'Gateway', commands: ['gateway'],
		help: 'Share of accepted messages whose receipt says UNDELIV', default: '0',
	},
	{
		name: 'json', kind: 'switch', section: 'Output', commands: COMMAND_NAMES.filter(name => name !== 'schema'),
		help: 'NDJSON on stdout (human messages on stderr)',
		whyNot: {schema: 'the schema is JSON already'},
	},
	{
		name: 'events', kind: 'switch', section: 'Output', commands: [...SHOWING, 'produce', 'gateway'],
		help: 'With --json, one line per finished message too (produce: the run keeps them, for monitors)',
	},
	{
		name: 'html', parse: (check, subject, raw) => check.outputFile(subject, raw),
		kind: 'value', value: '<file>', configKey: 'html', section: 'Output', commands: [...SHOWING, 'report', 'plan'],
		help: 'The run as one self-contained HTML page (charts, tables; no network)',
	},
	{
		name: 'metrics', parse: (check, subject, raw) => check.listenAddress(subject, raw),
		kind: 'value', value: '<[host:]port>', configKey: 'metrics', section: 'Output', commands: ['run', 'monitor', 'gateway'],
		help: 'Serve the run\'s figures at /metrics for Prometheus (host 127.0.0.1 unless given)',
		whyNot: {send: 'a monitor serves the whole run\'s figures', plan: 'it serves one run\'s figures'},
	},
	{
		name: 'metrics-linger', parse: (check, subject, raw) => check.duration(subject, raw, {...LIMITS.lingerMs, zero: true}),
		kind: 'value', value: '<duration>', configKey: 'metricsLinger', section: 'Output', commands: ['run', 'monitor', 'gateway'],
		help: 'With --metrics: once the run is over, wait at most this long for a last scrape', default: '1m',
	},
	{
		name: 'help', short: 'h', kind: 'switch', section: 'Output', commands: COMMAND_NAMES,
		help: 'Show this help',
	},
	{
		name: 'version', short: 'v', kind: 'switch', section: 'Output', commands: COMMAND_NAMES,
		help: 'Show the version',
	},
];

/** `failure-rate` as meow names it: `failureRate`. */
export const camelCase = (name: string): string => name.replaceAll(/-([a-z\d])/g, (_, letter: string) => letter.toUpperCase());

/** `failureRate` back to its flag: `--failure-rate`. */
export const flagOf = (key: string): string => `--${key.replaceAll(/[A-Z]/g, letter => `-${letter.toLowerCase()}`)}`;

/** The settings by meow's name for them (`failureRate`). */
export const SETTINGS_BY_KEY: ReadonlyMap<string, Setting> = new Map(SETTINGS.map(setting => [camelCase(setting.name), setting]));

type MeowFlag = {readonly type: 'string' | 'boolean'; readonly shortFlag?: string; readonly isMultiple?: boolean};

/** Meow's flags, from the table: every value is text (options.ts parses it, so it owns the errors). */
export const MEOW_FLAGS: Readonly<Record<string, MeowFlag>> = Object.fromEntries(SETTINGS.map(setting => [camelCase(setting.name), {
	type: setting.kind === 'value' ? 'string' : 'boolean',
	...(setting.short ? {shortFlag: setting.short} : {}),
	...(setting.multiple ? {isMultiple: true} : {}),
}]));

/** The keys a config file may have, in the table's order. */
export const CONFIG_KEYS: readonly string[] = SETTINGS.flatMap(setting => (setting.configKey ? [setting.configKey] : []));

/** Whether `setting` applies to `command`. */
export const appliesTo = (setting: Setting, command: CommandName): boolean => setting.commands.includes(command);

/** The settings by their flag's name (`failure-rate`). */
export const SETTINGS_BY_NAME: ReadonlyMap<string, Setting> = new Map(SETTINGS.map(setting => [setting.name, setting]));
