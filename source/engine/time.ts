/**
 * Simulated time, exactly. Every event time of a run (a send's start and end, a monitor tick, a
 * wake-up) is a whole number of microseconds from one origin, so two events at the same instant
 * compare equal at every speed: sums of whole numbers below 2^53 are exact, sums of float
 * milliseconds are not (0.1 + 0.2 !== 0.3). Milliseconds, as RxJS schedulers and people read
 * them, are derived from microseconds by one formula, `toMillis`, and never added up.
 */

/** A whole number of microseconds. */
export type Micros = number;

/**
 * The latest simulated time a run may reach: 2^51 us, about 71 years. Keys of the scheduler's heap
 * are twice this plus one, still exact integers; past it a run stops with an error rather than
 * lose its ordering to rounding.
 */
export const MAX_MICROS: Micros = 2 ** 51;

/** Milliseconds (any float) to the nearest whole microsecond. */
export const toMicros = (milliseconds: number): Micros => Math.round(milliseconds * 1000);

/** Whole microseconds to milliseconds: the one way a time is turned back into ms. */
export const toMillis = (micros: Micros): number => micros / 1000;
