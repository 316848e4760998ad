import {resolveConfig} from '../model/config.js';
import type {RunIo} from '../front-ends/context.js';
import {startRecord, summaryRecord, SCHEMA_VERSION} from '../reports/json.js';
import {configLine} from '../reports/lines.js';
import {replicationLines, replicationsField, seedsText} from '../reports/replication-summary.js';
import {createReplicationPool, defaultJobs} from '../pipeline/replication-pool.js';
import {Stopped, replicationSeeds, summarizeReplications} from '../pipeline/replications.js';
import type {Snapshot} from '../engine/snapshot.js';
import {EXIT} from './exit-codes.js';
import type {RunOptions} from './options.js';
import {startLongJob} from './progress-line.js';

/**
 * `--replications R`: R independent runs of the configuration at max speed (seeds --seed,
 * --seed + 1, ...), on `--jobs` threads, summarized as each key figure's mean and 95% interval.
 * JSON: the start line, one `replication` line per run (its summary, in seed order), then a
 * summary line with a `replications` object. On a terminal a progress line on stderr counts the
 * runs done; Ctrl-C stops and summarizes the runs done (exit 130).
 */
export async function replicate(options: RunOptions, io: RunIo): Promise<number> {
	const config = resolveConfig({...options.simulation, speed: 'max'});
	const seeds = replicationSeeds(config.seed, options.replications);
	const pool = createReplicationPool(options.jobs ?? defaultJobs());
	const now = io.now ?? (() => performance.now());
	const startedAt = now();
	const write = (line: string): void => {
		io.stdout.write(`${line}\n`);
	};

	if (options.json) {
		write(JSON.stringify({...startRecord(config), replications: {count: seeds.length, seeds}}));
	} else {
		write(`sms-sim: ${seeds.length.toLocaleString('en-US')} replications (${seedsText(seeds)}) of ${configLine(config).replace(/, seed \d+$/, '')}`);
	}

	const job = startLongJob(io, !options.json);
	const {progress} = job;
	const finals: Array<Snapshot | undefined> = seeds.map(() => undefined);
	let done = 0;
	// JSON lines go out in seed order, each as soon as every earlier one is out: the same bytes for any --jobs.
	let written = 0;
	try {
		const runs = seeds.map(async (seed, index) => {
			const final = await pool.run({...options.simulation, speed: 'max', seed}, job.signal);
			finals[index] = final;
			done++;
			progress.set(`replications ${((now() - startedAt) / 1000).toFixed(1)}s: ${done} of ${seeds.length} done on ${pool.jobs} thread${pool.jobs === 1 ? '' : 's'}`);
			while (options.json && written < seeds.length && finals[written] !== undefined) {
				const {type: _type, schemaVersion: _version, ...figures} = summaryRecord(finals[written]!, {seed: seeds[written]!, groups: config.groups});
				write(JSON.stringify({type: 'replication', replication: written + 1, ...figures}));
				written++;
			}
		});
		const outcomes = await Promise.allSettled(runs);
		const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected' && !(outcome.reason instanceof Stopped));
		if (failure) {
			throw failure.reason as Error;
		}
	} finally {
		job.end();
		await pool.close();
	}

	const interrupted = job.signal.aborted && done < seeds.length;
	const doneSeeds = seeds.filter((_, index) => finals[index] !== undefined);
	const summary = summarizeReplications(finals.filter((final): final is Snapshot => final !== undefined), doneSeeds);
	const wallMs = now() - startedAt;
	if (options.json) {
		write(JSON.stringify({
			type: 'summary', schemaVersion: SCHEMA_VERSION, seed: config.seed, seeds: doneSeeds, interrupted, wallMs: Math.round(wallMs * 1000) / 1000, replications: replicationsField(summary),
		}));
	} else {
		for (const line of replicationLines(summary, {
			wallMs, jobs: pool.jobs, interrupted, planned: seeds.length,
		})) {
			write(line);
		}
	}

	if (options.html !== undefined) {
		const [{writePage}, {replicationPage}] = await Promise.all([import('../reports/html-page.js'), import('../reports/replication-page.js')]);
		const problem = await writePage(options.html, replicationPage(summary, finals.filter((final): final is Snapshot => final !== undefined), config, {interrupted}));
		if (problem) {
			io.stderr.write(`sms-sim: ${problem}\n`);
			return EXIT.unexpected;
		}

		io.stderr.write(`sms-sim: wrote the replications page to ${options.html}\n`);
	}

	return interrupted ? EXIT.interrupted : EXIT.ok;
}
