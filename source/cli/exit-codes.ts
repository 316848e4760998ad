import type {Snapshot} from '../engine/snapshot.js';
import {failsCriteria, type Threshold} from '../engine/thresholds.js';

/** Exit codes; the README lists them. */
export const EXIT = {
	ok: 0, unexpected: 1, usage: 2, threshold: 3, broker: 4, interrupted: 130,
} as const;

/** How a run that ended with `final` exits: interrupted, over its failure threshold, or fine. */
export function exitCodeFor(final: Snapshot | undefined, maxFailureRate: number | undefined, thresholds: readonly Threshold[] = []): number {
	if (final?.interrupted) {
		return EXIT.interrupted;
	}

	return final && failsCriteria(final, maxFailureRate, thresholds) ? EXIT.threshold : EXIT.ok;
}
