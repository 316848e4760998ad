import type {Message} from '../model/messages.js';
import {Fifo} from './fifo.js';

/**
 * Things waiting for a sender (messages, or retries whose backoff is over), a first-in first-out
 * line per priority, highest first; a message of no listed priority comes last.
 */
export class PriorityLines<T> {
	size = 0;
	private readonly lines: Array<Fifo<T>>;
	private readonly rankOf: Map<string, number> | undefined;

	constructor(priorities: readonly string[] | undefined, private readonly messageOf: (item: T) => Message) {
		const ranks = (priorities?.length ?? 0) + 1;
		this.lines = Array.from({length: ranks}, () => new Fifo<T>());
		this.rankOf = priorities && new Map(priorities.map((name, rank) => [name, rank]));
	}

	/** A message's place: 0 is the highest priority. */
	rank(message: Message): number {
		const lowest = this.lines.length - 1;
		return this.rankOf === undefined || message.priority === undefined ? lowest : (this.rankOf.get(message.priority) ?? lowest);
	}

	push(item: T): void {
		this.lines[this.rank(this.messageOf(item))]!.push(item); // A rank is a line's index.
		this.size++;
	}

	/** The rank of the highest priority waiting; Infinity when none waits. */
	bestRank(): number {
		if (this.size > 0) {
			for (const [rank, line] of this.lines.entries()) {
				if (line.size > 0) {
					return rank;
				}
			}
		}

		return Number.POSITIVE_INFINITY;
	}

	/** The oldest of the highest priority waiting; undefined when none waits. */
	shift(): T | undefined {
		if (this.size === 0) {
			return undefined;
		}

		for (const line of this.lines) {
			if (line.size > 0) {
				this.size--;
				return line.shift();
			}
		}

		return undefined;
	}
}
