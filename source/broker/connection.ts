import {connect as connectTcp} from 'node:net';
import {Connection} from 'rabbitmq-client';
import {redactUrl} from './redact-url.js';

export {DEFAULT_BROKER} from './topology.js';

/**
 * The URL as it connects: a URL without user info logs in as guest/guest, as RabbitMQ's URI
 * convention and amqplib do (a stock local RabbitMQ accepts guest from localhost only).
 */
export function withDefaultUser(url: string): string {
	try {
		const parsed = new URL(url);
		if (parsed.username === '' && parsed.password === '') {
			parsed.username = 'guest';
			parsed.password = 'guest';
		}

		return parsed.toString().replace(/\/$/, '');
	} catch {
		return url;
	}
}

/** `host:port`, the port filled in (5672, or 5671 for amqps), for messages. */
export function hostAndPort(url: string): string {
	try {
		const parsed = new URL(url);
		return `${parsed.hostname}:${parsed.port || (parsed.protocol === 'amqps:' ? '5671' : '5672')}`;
	} catch {
		return url;
	}
}

/** The broker could not be reached or refused us: the CLI exits with its own code and this message. */
export class BrokerError extends Error {
	override readonly name = 'BrokerError';
}

/**
 * Connects to RabbitMQ with rabbitmq-client, which reconnects by itself after a lost connection
 * (a broker restart) and re-declares queues and consumers. The first connection must succeed
 * within `timeoutMs`, or this rejects with a `BrokerError` that says which URL and what failed.
 */
export async function connect(url: string, {timeoutMs = 10_000, name = 'sms-sim'} = {}): Promise<Connection> {
	const target = withDefaultUser(url);
	const where = `${redactUrl(target)} (${hostAndPort(target)})`;
	if (target.startsWith('amqp:')) {
		// Ask first whether AMQP answers there at all: the client cannot tell an HTTP server's reply
		// from a broken frame and fails deep inside its parser.
		await probeAmqp(target, timeoutMs).catch((error: unknown) => {
			throw new BrokerError(`cannot connect to ${where}: ${describe(error)}`);
		});
	}

	let connection: Connection;
	try {
		connection = new Connection({
			url: target,
			connectionName: name,
			retryLow: 200,
			retryHigh: 2000,
			connectionTimeout: Math.min(timeoutMs, 10_000),
			// The client leaves Nagle's algorithm on: a lone publish then waits for the broker's delayed
			// TCP acknowledgement, and its confirm comes 40 ms late (1-2 ms with this), which stalled
			// workers at the start of a run, when a batch's acknowledgement waits on its results' confirm.
			noDelay: true,
			// A batch of 500 results is ~60 KB: in one frame, not eight of the client's default 8 KB.
			frameMax: 131_072,
		});
	} catch (error) {
		throw new BrokerError(`cannot use broker URL ${redactUrl(url)}: ${describe(error)}`);
	}

	// The first connection fails fast: a refused connection, an unknown host or a bad password will
	// not mend by waiting. Later losses are retried by the client.
	let onFirstError: (error: unknown) => void = () => undefined;
	const firstError = new Promise<never>((_, reject) => {
		onFirstError = reject;
		connection.once('error', onFirstError);
	});
	try {
		await Promise.race([connection.onConnect(timeoutMs), firstError]);
		connection.off('error', onFirstError);
	} catch (error) {
		connection.unsafeDestroy();
		const reason = error instanceof Error && /timeout|timed out/i.test(error.message) ? `no answer in ${timeoutMs / 1000}s` : describe(error);
		throw new BrokerError(`cannot connect to ${where}: ${reason}`);
	}

	return connection;
}

/** AMQP 0-9-1's protocol header: a broker answers it with a Connection.Start frame (type 1) or its own header. */
const PROTOCOL_HEADER = Buffer.from([0x41, 0x4D, 0x51, 0x50, 0, 0, 9, 1]);

/** Resolves when the server at `url` answers the AMQP protocol header as an AMQP server would. */
async function probeAmqp(url: string, timeoutMs: number): Promise<void> {
	const {hostname, port} = new URL(url);
	return new Promise((resolve, reject) => {
		const socket = connectTcp({host: hostname.replaceAll(/^\[|]$/g, ''), port: Number(port || 5672)});
		socket.setTimeout(timeoutMs, () => {
			socket.destroy(new Error(`timed out after ${timeoutMs / 1000}s`));
		});
		socket.once('error', reject);
		socket.once('connect', () => {
			socket.write(PROTOCOL_HEADER);
		});
		socket.once('data', (chunk: Buffer) => {
			socket.destroy();
			const text = chunk.toString('latin1', 0, 8);
			if (chunk[0] === 1 || text.startsWith('AMQP')) {
				resolve();
			} else {
				reject(new Error(text.startsWith('HTTP/') ? 'it answered as an HTTP server, not an AMQP broker (is that the management port? AMQP is usually 5672)' : 'it answered, but not as an AMQP broker'));
			}
		});
		socket.once('end', () => {
			reject(new Error('it closed the connection without answering as an AMQP broker'));
		});
	});
}

function describe(error: unknown): string {
	if (error instanceof Error) {
		const {code} = (error as NodeJS.ErrnoException);
		if (code === 'ECONNREFUSED') {
			return 'connection refused (is RabbitMQ running there?)';
		}

		if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
			return 'host not found';
		}

		if (code === 'ACCESS_REFUSED' || /access_refused|authentication/i.test(error.message)) {
			return 'access refused (check the user and password)';
		}

		if (/access to vhost .* refused/i.test(error.message)) {
			return 'access refused: the user may not use this virtual host';
		}

		return error.message.split('\n', 1)[0] ?? '';
	}

	return String(error);
}

/** AMQP replies that no retry mends: the user may not, or a queue was declared otherwise before. */
const FATAL_CODES = new Set(['ACCESS_REFUSED', 'PRECONDITION_FAILED', 'NOT_ALLOWED', 'RESOURCE_LOCKED']);

/**
 * Whether a broker error is one that no retry mends. A stream another process declared a moment
 * ago can still have no replica (RabbitMQ answers a consume with PRECONDITION_FAILED "does not have
 * a replica on the local node"): that one passes, and the consumer's own retry mends it.
 */
export function isFatalBrokerError(error: unknown): boolean {
	return FATAL_CODES.has(String((error as {code?: unknown} | undefined)?.code)) && !isStreamStarting(error);
}

/** A consume that raced a stream's creation (see `isFatalBrokerError`): not worth a word, the consumer retries in 200 ms. */
export function isStreamStarting(error: unknown): boolean {
	return error instanceof Error && /does not have a replica on the local node/i.test(error.message);
}

/**
 * A `BrokerError` (exit 4, one line) for an error no retry mends, saying what was being done;
 * any other error as it is.
 */
export function brokerFailure(error: unknown, doing: string): unknown {
	if (!isFatalBrokerError(error)) {
		return error;
	}

	const code = String((error as {code: string}).code);
	const reasons: Record<string, string> = {
		ACCESS_REFUSED: 'access refused (the user lacks permission on this virtual host)',
		PRECONDITION_FAILED: 'the queue exists with other settings (made by another version? sms-sim purge --run ID deletes it)',
	};
	return new BrokerError(`${doing}: ${reasons[code] ?? (error instanceof Error ? error.message.split('\n')[0] : code)}`);
}

/**
 * Since when (wall ms) `connection` has been connected: now, then each time it connects again. A
 * reader judges a producer's silence from there only (see `RunLedger.silentProducers`).
 */
export function connectedSince(connection: Connection): {readonly since: () => number; readonly stop: () => void} {
	let since = Date.now();
	const connected = (): void => {
		since = Date.now();
	};

	connection.on('connection', connected);
	return {
		since: () => since,
		stop() {
			connection.off('connection', connected);
		},
	};
}

/** Errors of a connection lost while a call was on its way: the client reconnects, and the call can go again. */
const LOST_CONNECTION_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'READ_END', 'CONN_CLOSE', 'SOCKET_TIMEOUT', 'CONNECTION_TIMEOUT', 'CH_CLOSE']);

/** How long a call lost with its connection is tried again (wall ms): as long as readers wait out an outage. */
const RECONNECT_PATIENCE_MS = 60_000;

/**
 * Runs `call`, and again (a quarter of a second apart) while it fails because the connection was
 * lost under it, for up to a minute or until `givenUp()`: a broker restarted while a worker was
 * joining the run cut its join short, and the worker exited with "unexpected error: read ECONNRESET".
 * Any other error, or the last, goes on. `call` must be safe to repeat.
 */
export async function acrossReconnects<T>(call: () => Promise<T>, givenUp: () => boolean): Promise<T> {
	const startedAt = Date.now();
	for (;;) {
		try {
			// eslint-disable-next-line no-await-in-loop
			return await call();
		} catch (error: unknown) {
			const code = String((error as {code?: unknown} | undefined)?.code);
			if (!LOST_CONNECTION_CODES.has(code) || givenUp() || Date.now() - startedAt > RECONNECT_PATIENCE_MS) {
				throw error;
			}
		}

		// eslint-disable-next-line no-await-in-loop
		await new Promise(resolve => {
			setTimeout(resolve, 250);
		});
	}
}
