/**
 * Queueing formulas the simulator is checked against (tests, and `npm run validate`). Rates are per
 * millisecond-free units: give arrival and service rates in the same unit, and times come out in
 * its inverse.
 */

/** Erlang C: the probability an arrival waits in M/M/c with `servers` and offered load a = lambda / mu (a < servers). */
export function erlangC(servers: number, load: number): number {
	let term = 1;
	let sum = 1; // K = 0
	for (let k = 1; k < servers; k++) {
		term *= load / k;
		sum += term;
	}

	const last = (term * load / servers) / (1 - (load / servers)); // A^c / c! / (1 - rho)
	return last / (sum + last);
}

/** M/M/c: the mean wait in the queue, C(c, a) / (c mu - lambda). */
export function mmcMeanWait(servers: number, arrivalRate: number, serviceRate: number): number {
	return erlangC(servers, arrivalRate / serviceRate) / ((servers * serviceRate) - arrivalRate);
}

/** Pollaczek-Khinchine, M/G/1: the mean wait, lambda E[S^2] / (2 (1 - rho)), from the service time's mean and coefficient of variation. */
export function pollaczekKhinchineWait(arrivalRate: number, meanService: number, cv: number): number {
	const rho = arrivalRate * meanService;
	const secondMoment = meanService * meanService * (1 + (cv * cv));
	return (arrivalRate * secondMoment) / (2 * (1 - rho));
}

/**
 * Cobham, non-preemptive priorities on one M/G/1 server: the mean wait of each class, highest
 * first, W_k = W0 / ((1 - s_{k-1}) (1 - s_k)) with W0 = sum lambda_i E[S^2] / 2 and s_k the load
 * of classes 1..k.
 */
export function cobhamWaits(arrivalRates: readonly number[], meanService: number, cv: number): number[] {
	const secondMoment = meanService * meanService * (1 + (cv * cv));
	const w0 = arrivalRates.reduce((sum, rate) => sum + (rate * secondMoment / 2), 0);
	let above = 0;
	return arrivalRates.map(rate => {
		const before = above;
		above += rate * meanService;
		return w0 / ((1 - before) * (1 - above));
	});
}

/** Retries: with each attempt failing with probability p and at most K attempts, the share dead-lettered, p^K. */
export const deadLetteredShare = (p: number, attempts: number): number => p ** attempts;

/** Retries: the mean attempts a message takes, (1 - p^K) / (1 - p). */
export const meanAttempts = (p: number, attempts: number): number => (p === 1 ? attempts : (1 - (p ** attempts)) / (1 - p));
