/** What `WarmupDetector` finds: where the start-up transient ends. */
export type WarmupEstimate = {
	/** Waits (messages, in the order their first attempts ended) before the truncation point. */
	readonly messages: number;
	/** The arrival time of the first message after it (simulated ms): a `--warmup` to give. */
	readonly atMs: number;
	/** Waits it looked at. */
	readonly of: number;
	/**
	 * The truncation point is inside the half of the run searched: the waits settled. False when it is
	 * at the half's end: they never settle in this run (a load at or above capacity, or a run too
	 * short for its load), and no warm-up would make them steady.
	 */
	readonly settled: boolean;
};

/** Batch means kept at most; past it, neighbours merge and batches double (memory bounded at any run length). */
const MAX_BATCHES = 2048;

/**
 * MSER-5 (White 1997; Franklin and White 2008): the truncation point of a run's waits that
 * minimizes the standard error of the mean of what is left, computed over batch means of 5 (of
 * 10, 20... once a run is long: batches merge two by two to keep at most 2,048). A run that starts
 * empty has short waits at first; the point where they stop biasing the mean is where MSER's
 * statistic is smallest. As the method advises, only the first half of the run is searched (a
 * minimum in the second half says the run is too short to tell).
 */
export class WarmupDetector {
	private batchSize = 5;
	private readonly means: number[] = [];
	/** The arrival time of each batch's first wait. */
	private readonly arrivals: number[] = [];
	private sum = 0;
	private inBatch = 0;
	private firstArrivalMs = 0;
	private count = 0;

	add(waitMs: number, arrivalMs: number): void {
		if (this.inBatch === 0) {
			this.firstArrivalMs = arrivalMs;
		}

		this.sum += waitMs;
		this.count++;
		if (++this.inBatch === this.batchSize) {
			this.means.push(this.sum / this.batchSize);
			this.arrivals.push(this.firstArrivalMs);
			this.sum = 0;
			this.inBatch = 0;
			if (this.means.length === MAX_BATCHES) {
				this.halve();
			}
		}
	}

	/** Where the transient ends, or undefined for fewer than 10 batches (too short to tell). */
	estimate(): WarmupEstimate | undefined {
		const {means} = this;
		const batches = means.length;
		if (batches < 10) {
			return undefined;
		}

		// MSER(d) = sum over j > d of (Z_j - mean_d)^2 / (n - d)^2, from suffix sums, for d in the first half.
		let suffixSum = 0;
		let suffixSquares = 0;
		let best = Number.POSITIVE_INFINITY;
		let bestD = 0;
		for (let d = batches - 1; d >= 0; d--) {
			const mean = means[d]!; // D < batches: a batch's mean.
			suffixSum += mean;
			suffixSquares += mean * mean;
			const left = batches - d;
			if (d <= batches / 2) {
				const statistic = (suffixSquares - ((suffixSum * suffixSum) / left)) / (left * left);
				if (statistic <= best) {
					best = statistic;
					bestD = d;
				}
			}
		}

		return {
			messages: bestD * this.batchSize, atMs: this.arrivals[bestD]!, of: this.count, settled: bestD < Math.floor(batches / 2),
		};
	}

	/** Merges neighbouring batches: half as many, twice as long. */
	private halve(): void {
		const {means, arrivals} = this;
		for (let index = 0; index < means.length / 2; index++) {
			// The batches come in pairs: halving happens when their number is even.
			means[index] = (means[2 * index]! + means[(2 * index) + 1]!) / 2;
			arrivals[index] = arrivals[2 * index]!;
		}

		means.length /= 2;
		arrivals.length /= 2;
		this.batchSize *= 2;
	}
}
