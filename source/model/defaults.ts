/**
 * Every default of a run, in one table: the library's `resolveConfig` fills what a config leaves
 * out from here, and the CLI's help text prints from here. Nothing else writes a default down.
 */
export const DEFAULTS = {
	/** Messages in a run. */
	messages: 1000,
	/** Senders in the one group a run has when no group is given. */
	senders: 10,
	/** Mean send time of a group, ms. */
	meanMs: 100,
	/** Send-time distribution of a group. */
	distribution: 'gamma',
	/** Coefficient of variation for the distributions that take one (gamma, uniform): standard deviation = mean / 4. */
	spread: 0.25,
	/** Probability that a send fails. */
	failureRate: 0.1,
	/** Attempts a message gets: 1, a failed send is final. */
	maxAttempts: 1,
	/** Backoff before a second attempt, ms (doubling each attempt, with full jitter). */
	backoffMs: 1000,
	/** Longest backoff, ms. */
	backoffMaxMs: 30_000,
	/** Share of failures that are permanent: none. */
	permanentFailureRate: 0,
	/** Simulated ms between progress snapshots. */
	intervalMs: 1000,
	/** 1 is real time. */
	speed: 1,
	/** Longest message body, in characters. */
	maxBodyLength: 100,
	/** What message bodies are drawn from: printable ASCII (a backtick in a body makes it UCS-2). */
	charset: 'ascii',
	/** How arrivals are spaced when a rate is given. */
	arrival: 'poisson',
} as const;
