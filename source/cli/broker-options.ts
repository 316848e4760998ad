import {
	DEFAULT_BATCH, DEFAULT_BROKER, MAX_BATCH, RUN_PATTERN,
} from '../broker/topology.js';
import {Checker, show} from './checker.js';
import type {ConfigFile} from './config-file.js';
import {
	validateOptions, type CliFlags, type RunOptions, type Validated,
} from './options.js';

export const BROKER_COMMANDS = ['produce', 'send', 'monitor', 'purge'] as const;
export type BrokerCommandName = (typeof BROKER_COMMANDS)[number];

export type BrokerFlags = CliFlags & {readonly broker?: string; readonly run?: string; readonly batch?: string; readonly follow?: boolean};

/** A distributed-mode command: which one, where, and the run options it shares with a local run. */
export type BrokerCommand = {
	readonly name: BrokerCommandName;
	readonly broker: string;
	readonly run: string;
	readonly options: RunOptions;
	/** Messages (produce) or results (send) in one AMQP message. */
	readonly batch: number;
	/** Send: keep waiting for messages when the run is complete. */
	readonly follow: boolean;
};

/** Which flags each command takes (beyond --broker, --run, --config, --json). */
const APPLIES: Record<BrokerCommandName, ReadonlyArray<keyof BrokerFlags>> = {
	produce: ['messages', 'seed', 'maxBodyLength', 'charset', 'priority', 'batch'],
	send: ['senders', 'mean', 'spread', 'distribution', 'failureRate', 'maxAttempts', 'backoff', 'backoffMax', 'permanentFailureRate', 'sender', 'interval', 'speed', 'seed', 'events', 'maxFailureRate', 'threshold', 'batch', 'follow', 'html'],
	monitor: ['interval', 'events', 'maxFailureRate', 'threshold', 'html'],
	purge: [],
};

const FLAG_NAMES: Record<string, string> = {
	messages: '--messages', senders: '--senders', mean: '--mean', spread: '--spread', distribution: '--distribution', failureRate: '--failure-rate',
	sender: '--sender', interval: '--interval', seed: '--seed', speed: '--speed', maxBodyLength: '--max-body-length', events: '--events', maxFailureRate: '--max-failure-rate',
	batch: '--batch', follow: '--follow', threshold: '--threshold', rate: '--rate', arrival: '--arrival', charset: '--charset', priority: '--priority', input: '--input', inputFormat: '--input-format', maxAttempts: '--max-attempts', backoff: '--backoff', backoffMax: '--backoff-max', permanentFailureRate: '--permanent-failure-rate', html: '--html',
};

/**
 * Validates a distributed-mode command: the local run's rules for the flags it shares, plus
 * `--broker` (an amqp:// or amqps:// URL; default `$SMS_SIM_BROKER`, else amqp://localhost) and
 * `--run`. A flag that does not apply to the command is an error, not ignored.
 */
export function validateBrokerCommand(
	name: BrokerCommandName,
	flags: BrokerFlags,
	configFile: ConfigFile | undefined,
	environment: {readonly SMS_SIM_BROKER?: string},
): Validated<BrokerCommand> {
	const errors: string[] = [];
	for (const [key, flag] of Object.entries(FLAG_NAMES)) {
		const value = flags[key as keyof BrokerFlags];
		if (value !== undefined && value !== false && !(APPLIES[name] as readonly string[]).includes(key)) {
			errors.push(`${flag} does not apply to sms-sim ${name}`);
		}
	}

	const broker = flags.broker ?? environment.SMS_SIM_BROKER ?? DEFAULT_BROKER;
	const brokerSubject = flags.broker === undefined && environment.SMS_SIM_BROKER !== undefined ? 'SMS_SIM_BROKER' : '--broker';
	if (!/^amqps?:\/\/[^\s/]/.test(broker) || !URL.canParse(broker)) {
		errors.push(`${brokerSubject} must be an AMQP URL such as amqp://user:password@host:5672, got ${show(broker.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@'))}`);
	}

	const run = flags.run ?? 'default';
	if (!RUN_PATTERN.test(run)) {
		errors.push(`--run must be 1 to 100 letters, digits, dots, dashes or underscores, got ${show(run)}`);
	}

	const check = new Checker();
	const batch = flags.batch === undefined ? DEFAULT_BATCH : check.whole('--batch', flags.batch, {min: 1, max: MAX_BATCH});
	errors.push(...check.errors);
	const validation = validateOptions(flags, configFile);
	errors.push(...validation.errors);
	if (errors.length > 0 || validation.value === undefined || batch === undefined) {
		return {value: undefined, errors};
	}

	return {
		value: {
			name, broker, run, options: validation.value, batch, follow: flags.follow === true,
		}, errors: [],
	};
}
