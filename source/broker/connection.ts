import {Connection} from 'rabbitmq-client';

export const DEFAULT_BROKER = 'amqp://localhost';

/** The broker could not be reached or refused us: the CLI exits with its own code and this message. */
export class BrokerError extends Error {
	override readonly name = 'BrokerError';
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
	try {
		const parsed = new URL(url);
		parsed.password &&= '***';

		return parsed.toString().replace(/\/$/, '');
	} catch {
		return url;
	}
}

/**
 * Connects to RabbitMQ with rabbitmq-client, which reconnects by itself after a lost connection
 * (a broker restart) and re-declares queues and consumers. The first connection must succeed
 * within `timeoutMs`, or this rejects with a `BrokerError` that says which URL and what failed.
 */
export async function connect(url: string, {timeoutMs = 10_000, name = 'sms-sim'} = {}): Promise<Connection> {
	let connection: Connection;
	try {
		connection = new Connection({
			url, connectionName: name, retryLow: 200, retryHigh: 2000, connectionTimeout: Math.min(timeoutMs, 10_000),
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
		throw new BrokerError(`cannot connect to ${redactUrl(url)}: ${reason}`);
	}

	return connection;
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

		return error.message.split('\n')[0];
	}

	return String(error);
}
