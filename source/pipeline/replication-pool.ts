import {existsSync} from 'node:fs';
import {availableParallelism} from 'node:os';
import {fileURLToPath} from 'node:url';
import {Worker} from 'node:worker_threads';
import type {SimulationConfig} from '../model/config.js';
import type {Snapshot} from '../engine/snapshot.js';
import {Stopped, runOnce} from './replications.js';

/** Runs replications (each a whole seeded run at max speed) and gives each one's final snapshot. */
export type ReplicationRunner = {
	/** Threads that run replications at once. */
	readonly jobs: number;
	/** Resolves with the run's final snapshot; rejects with `Stopped` when `signal` aborts first. */
	run(config: SimulationConfig, signal?: AbortSignal): Promise<Snapshot>;
	/** Ends the threads (a run in progress is abandoned). */
	close(): Promise<void>;
};

/** The default number of threads: one per core Node may use. */
export const defaultJobs = (): number => availableParallelism();

/**
 * The compiled thread script beside this module: `dist/source/replication-worker.js` for the
 * library, `dist/replication-worker.js` for the bundled command (this module then lives in
 * `dist/cli.js` or `dist/chunks/`). None when running from TypeScript sources (tests), where
 * replications run in this thread instead.
 */
function threadScript(): URL | undefined {
	for (const candidate of ['./replication-worker.js', '../replication-worker.js']) {
		const url = new URL(candidate, import.meta.url);
		if (url.protocol === 'file:' && existsSync(fileURLToPath(url))) {
			return url;
		}
	}

	return undefined;
}

type Job = {
	readonly id: number;
	readonly config: SimulationConfig;
	readonly signal?: AbortSignal;
	readonly resolve: (final: Snapshot) => void;
	readonly reject: (error: unknown) => void;
};

type Thread = {readonly worker: Worker; job?: Job};

/**
 * A pool that runs `jobs` replications at once, one in this thread and the others on worker
 * threads: a simulation is one thread's work from start to end (no shared state), so R
 * replications on C cores take about R / C runs' time. Threads start
 * when first needed and stay for the next replications (a plan runs many) until `close`. Where no
 * compiled thread script exists (TypeScript sources under test), or `jobs` is 1, replications run
 * one after another in this thread, with the same results: a replication depends on its seed only.
 */
export function createReplicationPool(jobs = defaultJobs()): ReplicationRunner {
	const script = jobs > 1 ? threadScript() : undefined;
	if (script === undefined) {
		return {jobs: 1, run: runOnce, close: async () => undefined};
	}

	const threads: Thread[] = [];
	const queue: Job[] = [];
	/** The replication this thread runs itself, beside the worker threads, and how to stop it. */
	let home: {readonly job: Job; readonly stop: AbortController} | undefined;
	let nextId = 0;
	let closed = false;

	const settle = (thread: Thread): Job | undefined => {
		const {job} = thread;
		thread.job = undefined;
		return job;
	};

	const drop = (thread: Thread): void => {
		threads.splice(threads.indexOf(thread), 1);
		void thread.worker.terminate();
	};

	const start = (): Thread => {
		const worker = new Worker(script);
		const thread: Thread = {worker};
		worker.on('message', ({id, final, error}: {readonly id: number; readonly final?: Snapshot; readonly error?: string}) => {
			const job = thread.job?.id === id ? settle(thread) : undefined;
			if (error === undefined) {
				job?.resolve(final!);
			} else {
				job?.reject(new Error(error));
			}

			dispatch();
		});
		worker.on('error', error => {
			settle(thread)?.reject(error);
			drop(thread);
			dispatch();
		});
		threads.push(thread);
		return thread;
	};

	const runHome = (job: Job): void => {
		const stop = new AbortController();
		home = {job, stop};
		runOnce(job.config, stop.signal).then(job.resolve, job.reject).finally(() => {
			home = undefined;
			dispatch();
		});
	};

	const dispatch = (): void => {
		if (closed) {
			return;
		}

		// This thread takes a share too (it is otherwise idle, waiting): one worker thread fewer to
		// start, which was a tenth of the time of four replications of a second each on two cores.
		// A run here yields every slice of wall time (runOnce), so signals are still heard.
		if (home === undefined && queue.length > 0) {
			runHome(queue.shift()!);
		}

		while (queue.length > 0) {
			const thread = threads.find(candidate => candidate.job === undefined) ?? (threads.length < jobs - 1 ? start() : undefined);
			if (thread === undefined) {
				return;
			}

			const job = queue.shift()!;
			thread.job = job;
			thread.worker.postMessage({id: job.id, config: job.config});
		}
	};

	return {
		jobs,
		async run(config, signal) {
			if (closed || signal?.aborted === true) {
				throw new Stopped();
			}

			return new Promise<Snapshot>((resolve, reject) => {
				const job: Job = {
					id: nextId++,
					config,
					signal,
					resolve(final) {
						signal?.removeEventListener('abort', abort);
						resolve(final);
					},
					reject(error) {
						signal?.removeEventListener('abort', abort);
						reject(error instanceof Error ? error : new Error(String(error)));
					},
				};
				// Stopped: a waiting replication leaves the queue; a running one's thread is ended (a
				// simulation cannot be interrupted from outside its thread), and a new one starts when needed.
				function abort(): void {
					const waiting = queue.indexOf(job);
					if (home?.job === job) {
						home.stop.abort();
					} else if (waiting === -1) {
						const running = threads.find(thread => thread.job === job);
						if (running) {
							settle(running);
							drop(running);
						}
					} else {
						queue.splice(waiting, 1);
					}

					reject(new Stopped());
					dispatch();
				}

				signal?.addEventListener('abort', abort, {once: true});
				queue.push(job);
				dispatch();
			});
		},
		async close() {
			closed = true;
			home?.stop.abort();
			for (const thread of threads) {
				settle(thread)?.reject(new Stopped());
			}

			for (const job of queue.splice(0)) {
				job.reject(new Stopped());
			}

			await Promise.all(threads.splice(0).map(async thread => thread.worker.terminate()));
		},
	};
}
