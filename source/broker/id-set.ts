/**
 * The ids the monitor has counted, so a message redelivered after a worker died is not counted
 * twice. A run's ids are 1..N (one producer): a growing bitmap holds them in N/8 bytes, 1.25 MB
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
		const n = /^[1-9]\d{0,14}$/.test(id) ? Number(id) : Number.NaN;
		if (Number.isNaN(n)) {
			if (this.others.has(id)) {
				return false;
			}

			this.others.add(id);
		} else {
			const byte = Math.floor(n / 8);
			if (byte >= this.bits.length) {
				const grown = new Uint8Array(Math.max(byte + 1, this.bits.length * 2));
				grown.set(this.bits);
				this.bits = grown;
			}

			const mask = 1 << (n % 8);
			if ((this.bits[byte] & mask) !== 0) {
				return false;
			}

			this.bits[byte] |= mask;
		}

		this.count++;
		return true;
	}
}
