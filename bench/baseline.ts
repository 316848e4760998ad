import {createSendTimeSampler, DEFAULT_SPREAD} from '../source/distributions.js';
import {StableMinHeap} from '../source/heap.js';
import {generateMessages, type Message} from '../source/messages.js';
import {createRandom} from '../source/random.js';

/**
 * The limit the engine is measured against: the same workload as a plain discrete-event loop with
 * no RxJS, no scheduler and no stats beyond counts. It makes the same messages from the same
 * generator and draws send times and outcomes the same way, so only the pipeline's cost differs.
 */
export function runBaseline(messages: number, senders: number, meanMs: number, failureRate: number, seed: number) {
	const random = createRandom(seed);
	const sample = createSendTimeSampler({distribution: 'gamma', meanMs, spread: DEFAULT_SPREAD}, random);
	const source = generateMessages(random, {count: messages});
	type Send = {message: Message; durationMs: number; failed: boolean};
	const inFlight = new StableMinHeap<Send>();
	const start = (nowMs: number): void => {
		const next = source.next();
		if (!next.done) {
			const durationMs = sample();
			inFlight.push(nowMs + durationMs, {message: next.value, durationMs, failed: random.float() < failureRate});
		}
	};

	for (let i = 0; i < senders; i++) {
		start(0);
	}

	let sent = 0;
	let failed = 0;
	let durationSumMs = 0;
	let nowMs = 0;
	while (inFlight.size > 0) {
		nowMs = inFlight.peekKey();
		const send = inFlight.pop()!;
		if (send.failed) {
			failed++;
		} else {
			sent++;
		}

		durationSumMs += send.durationMs;
		start(nowMs);
	}

	return {sent, failed, avgMs: durationSumMs / (sent + failed), makespanMs: nowMs};
}
