import {exceedsFailureRate, type Snapshot} from '../snapshot.js';

/** Exit codes; the README lists them. */
export const EXIT = {
	ok: 0, unexpected: 1, usage: 2, threshold: 3, broker: 4, interrupted: 130,
} as const;

/** How a run that ended with `final` exits: interrupted, over its failure threshold, or fine. */
export function exitCodeFor(final: Snapshot | undefined, maxFailureRate: number | undefined): number {
	if (final?.interrupted) {
		return EXIT.interrupted;
	}

	return final && exceedsFailureRate(final, maxFailureRate) ? EXIT.threshold : EXIT.ok;
}
