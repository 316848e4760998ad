import {
	DEFAULT_BATCH, DEFAULT_BROKER, MAX_BATCH, RUN_PATTERN,
} from '../broker/topology.js';
import {redactUrl} from '../broker/redact-url.js';
import {LIMITS} from '../model/limits.js';
import {Checker, show} from './checker.js';
import type {ConfigFile} from './config-file.js';
import {
	validateOptions, type CliFlags, type RunOptions, type Validated,
} from './options.js';

export const BROKER_COMMANDS = ['produce', 'send', 'monitor', 'purge'] as const;
export type BrokerCommandName = (typeof BROKER_COMMANDS)[number];

export type BrokerFlags = CliFlags & {
	readonly broker?: string; readonly run?: string; readonly batch?: string; readonly follow?: boolean; readonly clockWindow?: string;
};

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
	/** Send, at --speed max: how far its clock may run ahead of the slowest worker's (ms); undefined: the default. */
	readonly clockWindowMs?: number;
};

/**
 * Validates a distributed-mode command: the local run's rules for the flags it shares, plus
 * `--broker` (an amqp:// or amqps:// URL; default `$SMS_SIM_BROKER`, else amqp://localhost) and
 * `--run` (which `purge` requires). Which flags apply to which command is the settings table's
 * business (settings.ts), checked before this.
 */
export function validateBrokerCommand(
	name: BrokerCommandName,
	flags: BrokerFlags,
	configFile: ConfigFile | undefined,
	environment: {readonly SMS_SIM_BROKER?: string},
): Validated<BrokerCommand> {
	const errors: string[] = [];
	if (name === 'purge' && flags.run === undefined) {
		errors.push('purge needs --run <id>, the run whose queues and streams to delete: it never acts on an implicit run');
	}

	const broker = flags.broker ?? environment.SMS_SIM_BROKER ?? DEFAULT_BROKER;
	const brokerSubject = flags.broker === undefined && environment.SMS_SIM_BROKER !== undefined ? 'SMS_SIM_BROKER' : '--broker';
	if (!/^amqps?:\/\/[^\s/]/.test(broker) || !URL.canParse(broker)) {
		errors.push(`${brokerSubject} must be an AMQP URL such as amqp://user:password@host:5672, got ${show(redactUrl(broker))}`);
	}

	const run = flags.run ?? 'default';
	if (!RUN_PATTERN.test(run)) {
		errors.push(`--run must be 1 to 100 letters, digits, dots, dashes or underscores, got ${show(run)}`);
	}

	const check = new Checker();
	const batch = flags.batch === undefined ? DEFAULT_BATCH : check.whole('--batch', flags.batch, {min: 1, max: MAX_BATCH});
	// At least a microsecond, the clock's grain: a window of 0 would hold every worker for good.
	const clockWindowMs = flags.clockWindow === undefined ? undefined : check.duration('--clock-window', flags.clockWindow, {min: 0.001, max: LIMITS.meanMs.max, zero: false});
	errors.push(...check.errors);
	// A producer's --events says what the run keeps (rows per message), not what it prints: it needs no --json.
	const validation = validateOptions(name === 'produce' ? {...flags, events: undefined} : flags, configFile);
	errors.push(...validation.errors);
	if (errors.length > 0 || validation.value === undefined || batch === undefined) {
		return {value: undefined, errors};
	}

	return {
		value: {
			name, broker, run, options: name === 'produce' ? {...validation.value, events: flags.events === true} : validation.value, batch, follow: flags.follow === true, clockWindowMs,
		}, errors: [], notes: validation.notes,
	};
}
