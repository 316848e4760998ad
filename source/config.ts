import type {Speed} from './scheduler.js';
import {resolveGroups, type ResolvedSenderGroup, type SenderGroup} from './senders.js';
import {DEFAULT_MAX_BODY_LENGTH} from './messages.js';
import {randomSeed} from './random.js';

/** What a simulation run is: the library's input. The CLI builds one from flags and a config file. */
export type SimulationConfig = {
	/** How many messages, a whole number >= 0. */
	readonly messages: number;
	/** The sender groups; at least one. */
	readonly groups: readonly SenderGroup[];
	/** Simulation ms between progress snapshots. Default 1000. */
	readonly intervalMs?: number;
	/** Seed for every random choice; a random one when left out (reported in the start event). */
	readonly seed?: number;
	/** Default 1 (real time). */
	readonly speed?: Speed;
	/** Longest message body. Default 100. */
	readonly maxBodyLength?: number;
};

/** A config with every default filled in and the seed chosen. */
export type ResolvedConfig = {
	readonly messages: number;
	readonly groups: readonly ResolvedSenderGroup[];
	readonly intervalMs: number;
	readonly seed: number;
	readonly speed: Speed;
	readonly maxBodyLength: number;
};

export const DEFAULT_INTERVAL_MS = 1000;
export const DEFAULT_SPEED: Speed = 1;

export function resolveConfig(config: SimulationConfig): ResolvedConfig {
	return {
		messages: config.messages,
		groups: resolveGroups(config.groups),
		intervalMs: config.intervalMs ?? DEFAULT_INTERVAL_MS,
		seed: config.seed ?? randomSeed(),
		speed: config.speed ?? DEFAULT_SPEED,
		maxBodyLength: config.maxBodyLength ?? DEFAULT_MAX_BODY_LENGTH,
	};
}

/** Total senders over all groups. */
export function senderCount(groups: readonly SenderGroup[]): number {
	return groups.reduce((sum, group) => sum + group.count, 0);
}
