import {type SchedulerLike, type Observable} from 'rxjs';
import type {MessageSource, PoolGauge} from '../engine/pool.js';
import type {ViaFigures} from '../engine/snapshot.js';
import {firstGroup, type ResolvedConfig} from '../model/config.js';
import type {SendResult} from '../model/senders.js';
import type {ViaOptions} from './options.js';

/** How long a `--via` run waits at its end for the delivery receipts of what it sent. */
const RECEIPT_TIMEOUT_MS = 30_000;

/** `--via`'s bound sessions: the pipeline's `send` and `via` in place of the simulated pool, and how to close them. */
export type RealSenders = {
	readonly deps: (scheduler: SchedulerLike) => {
		readonly send: (messages: MessageSource, gauge: PoolGauge, origin: number) => Observable<SendResult>;
		readonly via: () => ViaFigures;
	};
	readonly close: () => Promise<void>;
};

/**
 * Binds `--via`'s sessions to the gateway, for a local run or a `send` worker; undefined without
 * `--via`, false when the gateway cannot be reached or refuses the bind (said with `say`).
 */
export async function bindRealSenders(via: ViaOptions | undefined, config: ResolvedConfig, say: (text: string) => void): Promise<RealSenders | false | undefined> {
	if (via === undefined) {
		return undefined;
	}

	const [{SmppSenders}, {realSends}, {createRandom}] = await Promise.all([import('../gateway/smpp-senders.js'), import('../gateway/real-sends.js'), import('../model/random.js')]);
	const senders = new SmppSenders(via);
	try {
		await senders.bind(via.binds);
	} catch (error) {
		say((error as Error).message);
		await senders.close();
		return false;
	}

	const group = firstGroup(config);
	return {
		deps: scheduler => ({
			send: (messages, gauge, origin) => realSends(messages, {
				// Its own stream of random numbers (backoffs), apart from the messages'.
				senders,
				concurrency: group.count,
				group,
				random: createRandom((config.seed ^ 0x5A_5A_5A_5A) >>> 0),
				scheduler,
				origin,
				gauge,
				receiptTimeoutMs: RECEIPT_TIMEOUT_MS,
				say,
			}),
			via: () => senders.figures(),
		}),
		close: async () => senders.close(),
	};
}
