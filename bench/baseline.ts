import {DEFAULTS} from '../source/model/defaults.js';
import {createSendTimeSampler} from '../source/model/distributions.js';
import {StableMinHeap} from '../source/engine/heap.js';
import {generateMessages, type Message} from '../source/model/messages.js';
import {createRandom} from '../source/model/random.js';
import {toMicros, toMillis} from '../source/engine/time.js';

/**
 * The limit the engine is measured against: the same workload as a plain discrete-event loop with
 * no RxJS, no scheduler and no stats beyond counts. It makes the same messages from the same
 * generator and draws send times and outcomes the same way (times in whole microseconds, as the
 * engine keeps them), so only the pipeline's cost differs.
 */
export function runBaseline(messages: number, senders: number, meanMs: number, failureRate: number, seed: number) {
	const random = createRandom(seed);
	const sample = createSendTimeSampler({distribution: 'gamma', meanMs, spread: DEFAULTS.spread}, random);
	const source = generateMessages(random, {count: messages});
	type Send = {message: Message; durationUs: number; failed: boolean};
	const inFlight = new StableMinHeap<Send>();
	const start = (nowUs: number): void => {
		const next = source.next();
		if (!next.done) {
			const durationUs = toMicros(sample());
			inFlight.push(nowUs + durationUs, {message: next.value, durationUs, failed: random.float() < failureRate});
		}
	};

	for (let i = 0; i < senders; i++) {
		start(0);
	}

	let sent = 0;
	let failed = 0;
	let durationSumUs = 0;
	let nowUs = 0;
	while (inFlight.size > 0) {
		nowUs = inFlight.peekKey();
		const send = inFlight.pop()!;
		if (send.failed) {
			failed++;
		} else {
			sent++;
		}

		durationSumUs += send.durationUs;
		start(nowUs);
	}

	return {
		sent, failed, avgMs: toMillis(durationSumUs) / (sent + failed), makespanMs: toMillis(nowUs),
	};
}
