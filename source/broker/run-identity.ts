import {randomUUID} from 'node:crypto';
import type {Connection} from 'rabbitmq-client';
import {
	BrokerError, brokerFailure, isFatalBrokerError, isStreamStarting,
} from './connection.js';
import {RunLedger} from './run-ledger.js';
import {readControlUntil} from './read-stream.js';
import {
	parseEpoch, queueOptions, runNames, type EpochRecord,
} from './topology.js';

/**
 * A run's identity is the first epoch record on its identity stream. A stream is one order that
 * every reader sees, and reading it takes nothing away, so producers, workers and monitors that
 * start at the same moment all agree on it: each producer appends its own candidate and then adopts
 * whichever came first.
 *
 * (It used to be the one message of a queue of length one, read and put back. RabbitMQ does not
 * count a message someone is reading toward a queue's length, so a producer that looked while a
 * monitor held it saw an empty queue and wrote a second identity: 9 rounds in 10 with four readers.)
 */

export type RunIdentityWait = {
	/** Settles once the stream is being read (it exists and is ready to be written). */
	readonly reading: Promise<void>;
	/** The run's identity, once it has one. */
	readonly identity: Promise<EpochRecord>;
	/** Stops waiting (the promise then never settles) and lets go of the stream. */
	readonly close: () => Promise<void>;
};

/**
 * Waits for the run to have an identity: a monitor or worker may start before any producer.
 * `aside` is told of each record on the stream that is not an identity of this run (they are skipped,
 * the same by every reader).
 */
export function awaitRun(connection: Connection, run: string, {aside = () => undefined}: {aside?: (problem: string) => void} = {}): RunIdentityWait {
	const options = queueOptions(run);
	let closed = false;
	let resolve!: (record: EpochRecord) => void;
	let reject!: (error: unknown) => void;
	const identity = new Promise<EpochRecord>((resolveIdentity, rejectIdentity) => {
		resolve = resolveIdentity;
		reject = rejectIdentity;
	});
	let ready!: () => void;
	const reading = new Promise<void>(resolveReading => {
		ready = resolveReading;
	});
	const consumer = connection.createConsumer({
		queue: options.identity.queue, queueOptions: options.identity, qos: {prefetchCount: 10}, arguments: {'x-stream-offset': 'first'},
	}, delivery => {
		if (closed) {
			return;
		}

		const parsed = parseEpoch(delivery.body);
		if ('problem' in parsed || parsed.record.run !== run) {
			aside(`a record on ${options.identity.queue} that is not this run's identity (${'problem' in parsed ? parsed.problem : 'another run'})`);
			return;
		}

		closed = true;
		resolve(parsed.record);
		void consumer.close();
	});
	consumer.once('ready', ready);
	consumer.on('error', (error: unknown) => {
		if (closed || isStreamStarting(error)) {
			return; // Done with it, or a stream a moment old: the consumer retries by itself.
		}

		if (isFatalBrokerError(error)) {
			closed = true;
			reject(brokerFailure(error, `reading the identity of run ${run}`));
			ready();
			void consumer.close();
		}
	});
	return {
		reading,
		identity,
		async close() {
			closed = true;
			await consumer.close();
		},
	};
}

/**
 * The run's identity: the first on its identity stream, after this producer has offered its own.
 * It offers only once it reads the stream: RabbitMQ 3.10 fails a channel (and with it the
 * connection, INTERNAL_ERROR) that publishes to a stream whose writer has not started yet, and a
 * consume that succeeds means the stream is up.
 */
export async function joinRun(connection: Connection, run: string, {events}: {readonly events: boolean}): Promise<EpochRecord> {
	const waiting = awaitRun(connection, run);
	const publisher = connection.createPublisher({confirm: true, maxAttempts: 50});
	try {
		await waiting.reading;
		const candidate: EpochRecord = {
			type: 'epoch', run, epoch: randomUUID(), startedAt: Date.now(), events,
		};
		await Promise.race([
			publisher.send({routingKey: runNames(run).identity, durable: true, contentType: 'application/json'}, JSON.stringify(candidate)),
			waiting.identity, // A failure to read it says more than a failure to write.
		]);
		const identity = await waiting.identity;
		if ((identity.events ?? false) !== events) {
			throw new BrokerError(`run ${run} was started ${identity.events ? 'with' : 'without'} --events: produce into it ${identity.events ? 'with' : 'without'} --events too, or purge it to start afresh`);
		}

		return identity;
	} catch (error) {
		if (error instanceof BrokerError) {
			throw error;
		}

		await waiting.close();
		throw brokerFailure(error, `writing the identity of run ${run}`);
	} finally {
		await publisher.close();
	}
}

/**
 * Whether the run was complete before `producer` started (a run-complete record taken before its
 * producer-start on the control stream): then it is not part of the run, and is told so.
 */
export async function completeBeforeStart(connection: Connection, run: string, epoch: string, producer: string): Promise<{producers: number} | undefined> {
	const ledger = new RunLedger({
		run, epoch, fold: false, aside: () => undefined,
	});
	await readControlUntil(connection, run, record => record.type === 'producer-start' && record.producer === producer && record.epoch === epoch, record => {
		ledger.control(record);
	});
	return ledger.complete === undefined ? undefined : {producers: ledger.complete.length};
}
