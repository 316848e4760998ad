import type {Speed} from '../engine/scheduler.js';
import type {ArrivalProcess, Arrivals, Warmup} from './arrivals.js';
import {DEFAULTS} from './defaults.js';
import type {Charset} from './messages.js';
import type {Priority} from './priorities.js';
import {randomSeed} from './random.js';
import {resolveGroups, type ResolvedSenderGroup, type SenderGroup} from './senders.js';

/** What a simulation run is: the library's input. The CLI builds one from flags and a config file. */
export type SimulationConfig = {
	/** How many messages, a whole number >= 0. Default 1000. */
	readonly messages?: number;
	/** The sender groups; at least one. Default: one group of 10 senders. */
	readonly groups?: readonly SenderGroup[];
	/** Simulation ms between progress snapshots. Default 1000. */
	readonly intervalMs?: number;
	/** Seed for every random choice; a random one when left out (reported in the start event). */
	readonly seed?: number;
	/** Default 1 (real time). */
	readonly speed?: Speed;
	/** Longest message body. Default 100. */
	readonly maxBodyLength?: number;
	/**
	 * An open model: messages arrive at this rate (per simulated second) instead of all being there
	 * at the start. `arrival` is how they are spaced (default `poisson`).
	 */
	readonly arrivals?: {readonly ratePerSec: number; readonly process?: ArrivalProcess};
	/** What message bodies are drawn from. Default `ascii`. */
	readonly charset?: Charset;
	/** Message priorities, highest first, with their shares of the messages. None when left out. */
	readonly priorities?: readonly Priority[];
	/** Where replayed messages come from (`--input`); `messages` is then how many it holds, 0 when not known (standard input). */
	readonly input?: {readonly path: string; readonly format: string};
	/** With arrivals: the start of the run whose waits and latencies are left out (a time, or the first messages). */
	readonly warmup?: Warmup;
	/** Real sends (`--via`): the gateway (smpp://system_id@host:port, no password) and how many sessions. */
	readonly via?: Via;
};

/** Where real sends go: see `SimulationConfig.via`. */
export type Via = {readonly gateway: string; readonly binds: number};

/** A config with every default filled in and the seed chosen. */
export type ResolvedConfig = {
	readonly messages: number;
	readonly groups: readonly ResolvedSenderGroup[];
	readonly intervalMs: number;
	readonly seed: number;
	readonly speed: Speed;
	readonly maxBodyLength: number;
	/** Undefined: every message is there at the start (a closed batch). */
	readonly arrivals: Arrivals | undefined;
	readonly charset: Charset;
	readonly priorities: readonly Priority[] | undefined;
	readonly input: {readonly path: string; readonly format: string} | undefined;
	readonly warmup: Warmup | undefined;
	readonly via?: Via;
};

/** The one place defaults are filled in (from `DEFAULTS`), for a local run and every broker command. */
export function resolveConfig(config: SimulationConfig): ResolvedConfig {
	return {
		messages: config.messages ?? DEFAULTS.messages,
		groups: resolveGroups(config.groups ?? [{count: DEFAULTS.senders}]),
		intervalMs: config.intervalMs ?? DEFAULTS.intervalMs,
		seed: config.seed ?? randomSeed(),
		speed: config.speed ?? DEFAULTS.speed,
		maxBodyLength: config.maxBodyLength ?? DEFAULTS.maxBodyLength,
		charset: config.charset ?? DEFAULTS.charset,
		priorities: config.priorities,
		input: config.input,
		warmup: config.warmup,
		...(config.via === undefined ? {} : {via: config.via}),
		arrivals: config.arrivals && {ratePerSec: config.arrivals.ratePerSec, process: config.arrivals.process ?? DEFAULTS.arrival},
	};
}

/** The first sender group: every resolved config has one (`resolveConfig` makes a default group when none is given). */
export function firstGroup(config: Pick<ResolvedConfig, 'groups'>): ResolvedSenderGroup {
	const [group] = config.groups;
	if (group === undefined) {
		throw new Error('a config without a sender group');
	}

	return group;
}

/** Total senders over all groups. */
export function senderCount(groups: readonly SenderGroup[]): number {
	return groups.reduce((sum, group) => sum + group.count, 0);
}

/** The same as `DEFAULTS.intervalMs`, for importers of earlier versions. */
export const DEFAULT_INTERVAL_MS = DEFAULTS.intervalMs;
/** The same as `DEFAULTS.speed`, for importers of earlier versions. */
export const DEFAULT_SPEED: Speed = DEFAULTS.speed;
