import type {WireMessage} from './batches.js';

/** A batch (or a part of one) in a worker's hands, as far as handing its messages out goes. */
export type Portion = {
	/** Draws its next message, in order (the first `kept` are the worker's, the rest were given back). */
	readonly next: () => WireMessage;
	/** Its offset in its producer's batch: 0, or where a part given back by a worker starts. */
	readonly part: number;
	kept: number;
	/** Its first `fed` messages went to the senders. */
	fed: number;
	/** Its kept messages without an outcome yet. */
	remaining: number;
	/** A give-back of its last messages is being published: it is not finished before that is confirmed. */
	giving: boolean;
	/** Its part ends at this offset: the rest went back to the queue as the part that starts there. */
	cut?: number;
};

export type HandOutOptions<P extends Portion> = {
	/** The worker's senders. */
	readonly slots: number;
	/** Messages waiting at the senders now. */
	readonly waiting: () => number;
	/** Hands a message to the senders. */
	readonly push: (message: WireMessage) => void;
	/** Publishes the `count` messages given back, the part of `portion`'s batch that starts at `offset`; resolves once confirmed. */
	readonly publishPart: (portion: P, offset: number, count: number) => Promise<unknown>;
	/** Gives `portion` back to the queue whole, as it came (none of its messages went out). */
	readonly requeue: (portion: P) => void;
	/** A give-back confirmed `portion`'s last outcome: its record may go out. */
	readonly settled: (portion: P) => void;
};

/**
 * How a worker hands the messages of its batches to its senders: as one process pulls them from
 * its source, half a round of them waiting at the senders, the rest kept back in hand. Those can be
 * given back when another worker starves (see `giveBack`): so the grain of shared work is half a
 * round of a worker's senders, not a batch (a slow worker's batch of 500 once held a run's end).
 */
export class HandOut<P extends Portion> {
	/** Portions with messages not handed out, oldest first. */
	private readonly queue: P[] = [];
	private count = 0;
	private readonly target: number;

	constructor(private readonly options: HandOutOptions<P>) {
		this.target = Math.ceil(options.slots / 2);
	}

	/** Messages in hand not handed to the senders: what the worker would give back. */
	get unfed(): number {
		return this.count;
	}

	/** Whether the senders are low enough on waiting messages for a `feed` (a quarter of a round: one feed per quarter). */
	get hungry(): boolean {
		return this.count > 0 && this.options.waiting() < this.target / 2;
	}

	/** A batch taken: its messages wait here until `feed` hands them out. */
	add(portion: P): void {
		this.queue.push(portion);
		this.count += portion.kept - portion.fed;
	}

	/** Hands messages out until half a round waits at the senders (every one, when `all`: the worker drains). */
	feed(all = false): void {
		const target = all ? Number.POSITIVE_INFINITY : this.target;
		for (let portion = this.queue[0]; portion !== undefined && this.options.waiting() < target; portion = this.queue[0]) {
			if (portion.fed >= portion.kept) {
				this.queue.shift();
				continue;
			}

			this.count--;
			portion.fed++;
			this.options.push(portion.next());
		}
	}

	/**
	 * Gives back up to `wanted` messages not handed out, the youngest batches' last first (the oldest
	 * stay, as a queue hands them out): a batch none of whose messages went out goes back whole; of
	 * one under way, the messages not handed out go back as a part of its batch of their own. Its
	 * own record then ends where the part begins (`cut`), set only once the part is confirmed on the
	 * queue, so a part counts only when its batch's record says so. A part not confirmed is the
	 * worker's again.
	 */
	giveBack(wanted: number): void {
		let left = wanted;
		for (const portion of this.queue.toReversed()) {
			if (left <= 0) {
				break;
			}

			const given = Math.min(portion.kept - portion.fed, left);
			if (given > 0 && !portion.giving) {
				left -= given;
				this.count -= given;
				if (portion.fed === 0 && given === portion.kept) {
					portion.kept = 0;
					this.options.requeue(portion);
				} else {
					this.givePart(portion, given);
				}
			}
		}

		this.forgetHandedOut();
	}

	private givePart(portion: P, given: number): void {
		const from = portion.kept - given;
		const offset = portion.part + from;
		portion.kept = from;
		portion.remaining -= given;
		portion.giving = true;
		this.options.publishPart(portion, offset, given).then(() => {
			portion.cut = offset;
			portion.giving = false;
			if (portion.remaining === 0) {
				this.options.settled(portion);
			}
		}, () => {
			portion.kept += given;
			portion.remaining += given;
			portion.giving = false;
			this.count += given;
			if (!this.queue.includes(portion)) {
				this.queue.push(portion);
			}

			this.feed();
		});
	}

	private forgetHandedOut(): void {
		const left = this.queue.filter(portion => portion.fed < portion.kept);
		this.queue.splice(0, this.queue.length, ...left);
	}
}
