import type {RunLedger} from './run-ledger.js';
import {PRODUCER_HEARTBEAT_MS, type ProducerLostRecord} from './topology.js';

/**
 * Every heartbeat interval, writes a producer-lost record for each producer of the run whose
 * heartbeats stopped before its producer-done (it was killed): every reader of the control stream
 * (this one too) then takes it as that producer's done, so the run completes with what the
 * producer had confirmed, and every monitor, however late, agrees. Any reader may write one; the
 * first on the stream stands. Returns a function that stops watching.
 */
export function reportLostProducers(ledger: RunLedger, run: {readonly run: string; readonly epoch: string}, send: (record: ProducerLostRecord) => Promise<unknown>): () => void {
	const reported = new Set<string>();
	const timer = setInterval(() => {
		for (const silent of ledger.silentProducers()) {
			if (!reported.has(silent.producer)) {
				reported.add(silent.producer);
				send({
					type: 'producer-lost', run: run.run, epoch: run.epoch, ...silent,
				}).catch(() => {
					reported.delete(silent.producer); // Said again at the next interval.
				});
			}
		}
	}, PRODUCER_HEARTBEAT_MS);
	timer.unref();
	return () => {
		clearInterval(timer);
	};
}
