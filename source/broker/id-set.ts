/**
 * The ids the monitor has counted, so a message redelivered after a worker died is not counted
 * twice. A producer's messages are numbered 1..N: a growing bitmap holds them in N/8 bytes, 1.25 MB
 * for ten million. Any other id falls back to a Set.
 */
export class IdSet {
	private bits = new Uint8Array(1024);
	private readonly others = new Set<string>();
	private count = 0;

	get size(): number {
		return this.count;
	}

	/** Adds the id; false when it was already there. */
	add(id: string): boolean {
		if (/^[1-9]\d{0,14}$/.test(id)) {
			return this.addNumber(Number(id));
		}

		if (this.others.has(id)) {
			return false;
		}

		this.others.add(id);
		this.count++;
		return true;
	}

	/** Adds a whole number from 1 (a message's number within its producer); false when it was already there. */
	addNumber(n: number): boolean {
		const byte = Math.floor(n / 8);
		if (byte >= this.bits.length) {
			const grown = new Uint8Array(Math.max(byte + 1, this.bits.length * 2));
			grown.set(this.bits);
			this.bits = grown;
		}

		const mask = 1 << (n % 8);
		const bits = this.bits[byte]!; // The bytes grew to hold it above.
		if ((bits & mask) !== 0) {
			return false;
		}

		this.bits[byte] = bits | mask;
		this.count++;
		return true;
	}
}
