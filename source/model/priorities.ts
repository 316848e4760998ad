import type {Message} from './messages.js';
import type {Random} from './random.js';

/**
 * Message priorities, highest first, each with its share of the generated messages:
 * `critical=0.05,high=0.15,normal=0.8`. A free sender takes the highest priority waiting.
 */
export type Priority = {readonly name: string; readonly share: number};

/**
 * Most priority classes a run may have. Each class is a line the pool keeps and a set of
 * histograms the stats keep: 10,000 classes took 3.6 GB. Real services have a handful.
 */
export const MAX_PRIORITIES = 32;

/** A priority list's rule, for errors: what `--priority` and the config's `priority` take. */
export const PRIORITY_RULE = `must be 1 to ${MAX_PRIORITIES} name=share pairs, highest first, shares adding up to 1, such as critical=0.05,high=0.15,normal=0.8`;

/** `critical=0.05,high=0.15,normal=0.8` as priorities, or undefined when it breaks `PRIORITY_RULE`. */
export function parsePriorities(text: string): Priority[] | undefined {
	const priorities: Priority[] = [];
	const parts = text.split(',');
	if (parts.length > MAX_PRIORITIES) {
		return undefined;
	}

	for (const part of parts) {
		const match = /^\s*([\w.-]{1,40})\s*=\s*(\d*\.?\d+(?:e-?\d+)?)\s*$/i.exec(part);
		if (match === null) {
			return undefined;
		}

		const [, name = '', share = ''] = match;
		priorities.push({name, share: Number(share)});
	}

	return validPriorities(priorities) ? priorities : undefined;
}

/** Names unique, shares in (0, 1] adding up to 1 (to a millionth). */
export function validPriorities(priorities: readonly Priority[]): boolean {
	const names = new Set(priorities.map(priority => priority.name));
	const sum = priorities.reduce((total, priority) => total + priority.share, 0);
	return priorities.length > 0 && priorities.length <= MAX_PRIORITIES && names.size === priorities.length && priorities.every(priority => priority.share > 0 && priority.share <= 1) && Math.abs(sum - 1) < 1e-6;
}

/**
 * How many of `count` messages each priority gets in a run where every message is there at the
 * start: its share, rounded so they add up (largest remainders first).
 */
export function priorityCounts(count: number, priorities: readonly Priority[]): number[] {
	const exact = priorities.map(priority => priority.share * count);
	const floors = exact.map(value => Math.floor(value));
	const left = count - floors.reduce((sum, value) => sum + value, 0);
	// The `left` largest remainders get one more each.
	const byRemainder = exact.map((value, index) => ({index, remainder: value - Math.floor(value)})).toSorted((a, b) => b.remainder - a.remainder || a.index - b.index);
	const rounded = new Set(byRemainder.slice(0, Math.max(0, left)).map(({index}) => index));
	return floors.map((floor, index) => floor + (rounded.has(index) ? 1 : 0));
}

/**
 * All messages at the start (a closed model): each priority's share of them, highest first, so no
 * lower-priority message starts while a higher one waits, and nothing is held in memory to sort.
 * Every message arrived at 0, so its wait is the time to its start.
 */
export function * prioritizedAtStart(messages: Iterable<Message>, count: number, priorities: readonly Priority[]): Generator<Message, void, undefined> {
	const counts = priorityCounts(count, priorities);
	let rank = 0;
	let leftInRank = counts[0] ?? 0;
	for (const message of messages) {
		while (leftInRank === 0 && rank < priorities.length - 1) {
			leftInRank = counts[++rank] ?? 0;
		}

		leftInRank--;
		yield {
			id: message.id, to: message.to, body: message.body, encoding: message.encoding, segments: message.segments, priority: priorities[rank]?.name, arrivalMs: 0,
		};
	}
}

/** Draws a priority's name by the shares (an open model: messages arrive mixed). */
export function priorityDraw(priorities: readonly Priority[], random: Random): () => string {
	const cumulative: number[] = [];
	let total = 0;
	for (const priority of priorities) {
		total += priority.share;
		cumulative.push(total);
	}

	const names = priorities.map(priority => priority.name);
	return () => {
		const draw = random.float() * total;
		let rank = 0;
		while (rank < cumulative.length - 1 && draw >= cumulative[rank]!) {
			rank++;
		}

		return names[rank]!; // Rank is below the number of priorities.
	};
}
