import type {RunLedger} from './run-ledger.js';
import {PRODUCER_HEARTBEAT_MS, type ProducerLostRecord, type RunCompleteRecord} from './topology.js';

/** What a reader of a run writes to its control stream to keep it moving. */
export type RunKeeper = {
	/** Asks whether the run is now complete (after a record was taken), and says so if it is. */
	readonly check: () => void;
	readonly stop: () => void;
};

/**
 * The records any reader of a run (a monitor, a worker) writes for every reader, itself too, to
 * take in the control stream's one order, so every reader, however late, decides alike:
 *
 * - `producer-lost`, every heartbeat interval, for each producer whose heartbeats stopped before its
 *   producer-done (it was killed), with what its last heartbeat said it had confirmed: the run
 *   completes with those messages. Only silence while this reader was connected counts
 *   (`listeningSince`: when it last connected);
 * - `run-complete`, as soon as every producer is done and every batch finished, naming the
 *   producers: the run is done for every reader once one is read back, and a producer that starts
 *   after it is not part of the run.
 *
 * Any reader may write one; the first that holds on the stream stands.
 */
export function keepRun(ledger: RunLedger, run: {readonly run: string; readonly epoch: string}, send: (record: ProducerLostRecord | RunCompleteRecord) => Promise<unknown>, listeningSince: () => number = () => Number.NEGATIVE_INFINITY): RunKeeper {
	const reported = new Set<string>();
	let completeFor = -1;
	const timer = setInterval(() => {
		for (const silent of ledger.silentProducers(listeningSince())) {
			if (!reported.has(silent.producer)) {
				reported.add(silent.producer);
				send({
					type: 'producer-lost', run: run.run, epoch: run.epoch, ...silent,
				}).catch(() => {
					reported.delete(silent.producer); // Said again at the next interval.
				});
			}
		}

		check();
	}, PRODUCER_HEARTBEAT_MS);
	timer.unref();
	function check(): void {
		const producers = ledger.producerNames;
		// Once for each set of producers: a record written as another producer started is not taken, and is written again.
		if (ledger.complete === undefined && ledger.allFinished && completeFor !== producers.length) {
			completeFor = producers.length;
			send({
				type: 'run-complete', run: run.run, epoch: run.epoch, producers,
			}).catch(() => {
				completeFor = -1;
			});
		}
	}

	return {
		check,
		stop() {
			clearInterval(timer);
		},
	};
}
