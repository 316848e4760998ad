/**
 * A binary min-heap of items by a numeric key, stable: items with equal keys come out in the
 * order they went in (ties broken by an insertion counter). Keys, counters and items live in
 * parallel arrays so a push allocates nothing once the arrays have grown. Every index read below
 * is under the size (the `!`s say so; a check in the sift loops, the hottest code of a run, would
 * be paid a million times a second for nothing).
 */
export class StableMinHeap<T> {
	private readonly keys: number[] = [];
	private readonly order: number[] = [];
	private readonly items: T[] = [];
	private inserted = 0;

	get size(): number {
		return this.items.length;
	}

	/** The smallest key; `Infinity` when empty. */
	peekKey(): number {
		return this.items.length === 0 ? Number.POSITIVE_INFINITY : this.keys[0]!;
	}

	peek(): T | undefined {
		return this.items[0];
	}

	push(key: number, item: T): void {
		const {keys, order, items} = this;
		const sequence = this.inserted++;
		let index = items.length;
		keys.push(key);
		order.push(sequence);
		items.push(item);
		// Sift up: move parents down until the new entry's place is found, then write it once.
		while (index > 0) {
			const parent = (index - 1) >> 1;
			const parentKey = keys[parent]!;
			if (parentKey < key || (parentKey === key && order[parent]! < sequence)) {
				break;
			}

			keys[index] = parentKey;
			order[index] = order[parent]!;
			items[index] = items[parent]!;
			index = parent;
		}

		keys[index] = key;
		order[index] = sequence;
		items[index] = item;
	}

	/** Removes and returns the item with the smallest key (the earliest pushed among equals). */
	pop(): T | undefined {
		const {keys, order, items} = this;
		const count = items.length;
		if (count === 0) {
			return undefined;
		}

		const top = items[0];
		const lastKey = keys.pop()!;
		const lastOrder = order.pop()!;
		const lastItem = items.pop()!;
		const size = count - 1;
		if (size > 0) {
			// Sift the last entry down from the root.
			let index = 0;
			for (;;) {
				let child = 2 * index + 1;
				if (child >= size) {
					break;
				}

				const right = child + 1;
				if (right < size && (keys[right]! < keys[child]! || (keys[right] === keys[child] && order[right]! < order[child]!))) {
					child = right;
				}

				const childKey = keys[child]!;
				if (lastKey < childKey || (lastKey === childKey && lastOrder < order[child]!)) {
					break;
				}

				keys[index] = childKey;
				order[index] = order[child]!;
				items[index] = items[child]!;
				index = child;
			}

			keys[index] = lastKey;
			order[index] = lastOrder;
			items[index] = lastItem;
		}

		return top;
	}

	clear(): void {
		this.keys.length = 0;
		this.order.length = 0;
		this.items.length = 0;
	}
}
