/**
 * `npm run validate`: every model against its formula, with replications, written as a table into
 * docs/reports-and-planning.md between its validation markers (`--check`: only say whether its table is
 * today's). Each row: what is configured, the formula's value, the replications' mean with its 95%
 * interval (Student t), and z = (mean - theory) / standard error: within about 2 is what agreement
 * looks like. Seeds are fixed, so the table is the same on every machine.
 */
import {readFileSync, writeFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {meanInterval, type Interval} from '../source/engine/confidence.js';
import type {SimulationConfig} from '../source/model/config.js';
import {createReplicationPool} from '../source/pipeline/replication-pool.js';
import {replicationSeeds} from '../source/pipeline/replications.js';
import type {Snapshot} from '../source/engine/snapshot.js';
import {
	cobhamWaits, deadLetteredShare, erlangC, meanAttempts, mmcMeanWait, pollaczekKhinchineWait,
} from '../source/model/theory.js';

/** Replications of each model: enough that an interval is a few percent of its value. */
const REPLICATIONS = 40;
const DOCUMENT = fileURLToPath(new URL('../../docs/reports-and-planning.md', import.meta.url));
const START = '<!-- validation:start -->';
const END = '<!-- validation:end -->';

type Check = {
	readonly model: string;
	readonly configured: string;
	readonly figure: string;
	readonly theory: number;
	readonly config: SimulationConfig;
	readonly measure: (final: Snapshot) => number;
	/** How the numbers read: ms, a share, or a rate. */
	readonly unit: 'ms' | 'share' | 'rate' | 'count';
};

const exponential = (count: number, meanMs: number) => [{
	count, meanMs, distribution: 'exponential' as const, failureRate: 0,
}];
const poisson = (ratePerSec: number) => ({ratePerSec, process: 'poisson' as const});

function checks(): Check[] {
	const list: Check[] = [];
	// M/M/10, mean send 100 ms (mu = 10/s), at three loads: Erlang C's chance of waiting and mean wait.
	for (const load of [0.5, 0.8, 0.95]) {
		const lambda = load * 100;
		const config = {
			messages: load === 0.95 ? 100_000 : 30_000, groups: exponential(10, 100), arrivals: poisson(lambda), intervalMs: 3_600_000, warmup: {messages: 2000},
		};
		list.push({
			model: 'Erlang C (M/M/10)', configured: `load ${load}`, figure: 'P(wait)', theory: erlangC(10, lambda / 10), config, unit: 'share', measure: final => final.waited! / final.wait!.count,
		}, {
			model: 'Erlang C (M/M/10)', configured: `load ${load}`, figure: 'mean wait', theory: mmcMeanWait(10, lambda, 10) * 1000, config, unit: 'ms', measure: final => final.wait!.avgMs,
		});
	}

	// M/G/1 with gamma send times (cv 0.5) and M/D/1 (fixed), load 0.8: Pollaczek-Khinchine's mean wait.
	for (const [distribution, cv] of [['gamma', 0.5], ['fixed', 0]] as const) {
		list.push({
			model: `Pollaczek-Khinchine (M/${distribution === 'fixed' ? 'D' : 'G'}/1)`,
			configured: `load 0.8, ${distribution}${distribution === 'gamma' ? ' cv 0.5' : ''}`,
			figure: 'mean wait',
			theory: pollaczekKhinchineWait(8, 0.1, cv) * 1000,
			config: {
				messages: 40_000, groups: [{
					count: 1, meanMs: 100, distribution, spread: cv, failureRate: 0,
				}], arrivals: poisson(8), intervalMs: 3_600_000, warmup: {messages: 2000},
			},
			unit: 'ms',
			measure: final => final.wait!.avgMs,
		});
	}

	// D/D/5 below capacity: 5 senders of exactly 100 ms, one arrival every 25 ms. Nobody waits.
	list.push({
		model: 'D/D/5', configured: 'load 0.8', figure: 'mean wait', theory: 0, unit: 'ms', measure: final => final.wait!.avgMs, config: {
			messages: 5000, groups: [{
				count: 5, meanMs: 100, distribution: 'fixed', failureRate: 0,
			}], arrivals: {ratePerSec: 40, process: 'constant'}, intervalMs: 3_600_000,
		},
	});

	// Cobham: non-preemptive priorities on one exponential sender, load 0.8, 30% high.
	const [high = Number.NaN, low = Number.NaN] = cobhamWaits([2.4, 5.6], 0.1, 1);
	const cobham: SimulationConfig = {
		messages: 40_000, groups: exponential(1, 100), arrivals: poisson(8), priorities: [{name: 'high', share: 0.3}, {name: 'low', share: 0.7}], intervalMs: 3_600_000, warmup: {messages: 2000},
	};
	for (const [name, theory] of [['high', high], ['low', low]] as const) {
		list.push({
			model: 'Cobham (M/M/1, 2 classes)', configured: `load 0.8, ${name} (${name === 'high' ? '30' : '70'}%)`, figure: 'mean wait', theory: theory * 1000, config: cobham, unit: 'ms', measure: final => final.priorities!.find(priority => priority.name === name)!.wait.avgMs,
		});
	}

	// Retries: each attempt fails with p = 0.3, at most 4 attempts: p^K dead-lettered, (1 - p^K) / (1 - p) attempts.
	const retrying: SimulationConfig = {
		messages: 20_000, groups: [{
			count: 10, meanMs: 10, failureRate: 0.3, maxAttempts: 4, backoffMs: 0,
		}], intervalMs: 3_600_000,
	};
	list.push({
		model: 'Retries', configured: 'p 0.3, 4 attempts', figure: 'dead-lettered (p^K)', theory: deadLetteredShare(0.3, 4), config: retrying, unit: 'share', measure: final => final.retries!.deadLettered / final.processed,
	}, {
		model: 'Retries', configured: 'p 0.3, 4 attempts', figure: 'mean attempts', theory: meanAttempts(0.3, 4), config: retrying, unit: 'count', measure: final => final.retries!.meanAttempts,
	}, {
		model: 'Rate limit', configured: '5 senders x 10/s, 1 segment', figure: 'throughput', theory: 5000 / (((1000 - 1) * 0.1) + 0.001), unit: 'rate', measure: final => final.throughputPerSec!, config: {
			messages: 5000, charset: 'gsm', maxBodyLength: 80, groups: [{
				count: 5, meanMs: 1, distribution: 'fixed', failureRate: 0, ratePerSec: 10,
			}], intervalMs: 3_600_000,
		},
	});
	return list;
}

const write = (unit: Check['unit'], value: number): string => {
	switch (unit) {
		case 'ms': {
			return `${value.toFixed(value < 10 ? 3 : 1)}ms`;
		}

		case 'share': {
			return `${(value * 100).toFixed(value < 0.1 ? 3 : 2)}%`;
		}

		case 'rate': {
			return `${value.toFixed(2)}/s`;
		}

		case 'count': {
			return value.toFixed(4);
		}
	}
};

/** Z = (mean - theory) / standard error; none when the replications do not vary (a deterministic model). */
function zOf(interval: Interval, theory: number): string {
	// Replications that differ only in the last bits of a float (a rate limit's exact schedule) do not vary.
	if (interval.stddev <= 1e-9 * Math.max(1, Math.abs(interval.mean))) {
		return Math.abs(interval.mean - theory) <= 1e-9 * Math.max(1, Math.abs(theory)) ? 'exact' : 'differs';
	}

	return ((interval.mean - theory) / (interval.stddev / Math.sqrt(interval.n))).toFixed(2);
}

async function table(): Promise<string> {
	const pool = createReplicationPool();
	const seeds = replicationSeeds(1, REPLICATIONS);
	const rows = ['| model | configured | figure | theory | measured: mean and 95% interval | z |', '| --- | --- | --- | --- | --- | --- |'];
	// Each configuration's replications once, shared by the figures read from it.
	const runs = new Map<SimulationConfig, Promise<Snapshot[]>>();
	try {
		for (const check of checks()) {
			let finals = runs.get(check.config);
			if (finals === undefined) {
				finals = Promise.all(seeds.map(async seed => pool.run({...check.config, seed})));
				runs.set(check.config, finals);
			}

			// eslint-disable-next-line no-await-in-loop
			const ran = await finals;
			const interval = meanInterval(ran.map(final => check.measure(final)));
			rows.push(`| ${check.model} | ${check.configured} | ${check.figure} | ${write(check.unit, check.theory)} | ${write(check.unit, interval.mean)} +- ${write(check.unit, interval.halfWidth!)} | ${zOf(interval, check.theory)} |`);
		}
	} finally {
		await pool.close();
	}

	return `${rows.join('\n')}\n\n${REPLICATIONS} replications of each (seeds 1 to ${REPLICATIONS}); queueing models leave their first 2,000 messages out (\`--warmup 2000\`). Written by \`npm run validate\`.`;
}

const started = performance.now();
const text = await table();
const readme = readFileSync(DOCUMENT, 'utf8');
const [before, rest] = readme.split(START);
if (!rest?.includes(END)) {
	throw new Error(`docs/reports-and-planning.md has no ${START} ... ${END} markers for the table`);
}

const updated = `${before}${START}\n${text}\n${END}${rest.slice(rest.indexOf(END) + END.length)}`;
if (process.argv.includes('--check')) {
	if (updated !== readme) {
		console.error('The validation table in docs/reports-and-planning.md is not what npm run validate makes today: run npm run validate');
		process.exitCode = 1;
	}
} else {
	writeFileSync(DOCUMENT, updated);
	console.log(text);
	console.log(`\n(${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
