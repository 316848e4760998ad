/**
 * A first-in first-out line: an array read from a head index, so `shift` is O(1) (an array's own
 * `shift` moves every element: O(n), quadratic over a run of a million). The slot read is cleared,
 * so a shifted item can be collected, and the array starts over once the line is empty.
 */
export class Fifo<T> {
	private items: Array<T | undefined> = [];
	private head = 0;

	/** Items in the line. */
	get size(): number {
		return this.items.length - this.head;
	}

	push(item: T): void {
		this.items.push(item);
	}

	/** The oldest item, or undefined when the line is empty. */
	peek(): T | undefined {
		return this.items[this.head];
	}

	/** Takes the oldest item; undefined when the line is empty. */
	shift(): T | undefined {
		if (this.head === this.items.length) {
			return undefined;
		}

		const item = this.items[this.head];
		this.items[this.head++] = undefined;
		if (this.head === this.items.length) {
			this.items.length = 0;
			this.head = 0;
		}

		return item;
	}
}
