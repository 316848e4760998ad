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

	return new ThreadPool(jobs, script);
}

/** Replications on `jobs` threads: this one and up to `jobs` - 1 worker threads running `script`. */
class ThreadPool implements ReplicationRunner {
	private readonly threads: Thread[] = [];
	private readonly queue: Job[] = [];
	/** The replication this thread runs itself, beside the worker threads, and how to stop it. */
	private home: {readonly job: Job; readonly stop: AbortController} | undefined;
	private nextId = 0;
	private closed = false;

	constructor(readonly jobs: number, private readonly script: URL) {
		// Threads start when first needed.
	}

	async run(config: SimulationConfig, signal?: AbortSignal): Promise<Snapshot> {
		if (this.closed || signal?.aborted === true) {
			throw new Stopped();
		}

		return new Promise<Snapshot>((resolve, reject) => {
			const job: Job = {
				id: this.nextId++,
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
			const abort = (): void => {
				this.abort(job);
				reject(new Stopped());
				this.dispatch();
			};

			signal?.addEventListener('abort', abort, {once: true});
			this.queue.push(job);
			this.dispatch();
		});
	}

	async close(): Promise<void> {
		this.closed = true;
		this.home?.stop.abort();
		for (const thread of this.threads) {
			settle(thread)?.reject(new Stopped());
		}

		for (const job of this.queue.splice(0)) {
			job.reject(new Stopped());
		}

		await Promise.all(this.threads.splice(0).map(async thread => thread.worker.terminate()));
	}

	/**
	 * Stopped: a waiting replication leaves the queue; a running one's thread is ended (a
	 * simulation cannot be interrupted from outside its thread), and a new one starts when needed.
	 */
	private abort(job: Job): void {
		const waiting = this.queue.indexOf(job);
		if (this.home?.job === job) {
			this.home.stop.abort();
		} else if (waiting === -1) {
			const running = this.threads.find(thread => thread.job === job);
			if (running) {
				settle(running);
				this.drop(running);
			}
		} else {
			this.queue.splice(waiting, 1);
		}
	}

	private drop(thread: Thread): void {
		this.threads.splice(this.threads.indexOf(thread), 1);
		void thread.worker.terminate();
	}

	private start(): Thread {
		const worker = new Worker(this.script);
		const thread: Thread = {worker};
		worker.on('message', ({id, final, error}: {readonly id: number; readonly final?: Snapshot; readonly error?: string}) => {
			const job = thread.job?.id === id ? settle(thread) : undefined;
			if (error === undefined) {
				job?.resolve(final!);
			} else {
				job?.reject(new Error(error));
			}

			this.dispatch();
		});
		worker.on('error', error => {
			settle(thread)?.reject(error);
			this.drop(thread);
			this.dispatch();
		});
		this.threads.push(thread);
		return thread;
	}

	private runHome(job: Job): void {
		const stop = new AbortController();
		this.home = {job, stop};
		runOnce(job.config, stop.signal).then(job.resolve, job.reject).finally(() => {
			this.home = undefined;
			this.dispatch();
		});
	}

	private dispatch(): void {
		if (this.closed) {
			return;
		}

		// This thread takes a share too (it is otherwise idle, waiting): one worker thread fewer to
		// start, which was a tenth of the time of four replications of a second each on two cores.
		// A run here yields every slice of wall time (runOnce), so signals are still heard.
		const first = this.home === undefined ? this.queue.shift() : undefined;
		if (first !== undefined) {
			this.runHome(first);
		}

		while (this.queue.length > 0) {
			const thread = this.threads.find(candidate => candidate.job === undefined) ?? (this.threads.length < this.jobs - 1 ? this.start() : undefined);
			const job = thread && this.queue.shift();
			if (thread === undefined || job === undefined) {
				return;
			}

			thread.job = job;
			thread.worker.postMessage({id: job.id, config: job.config});
		}
	}
}

/** The thread is free again: its job, if it had one. */
function settle(thread: Thread): Job | undefined {
	const {job} = thread;
	thread.job = undefined;
	return job;
}
