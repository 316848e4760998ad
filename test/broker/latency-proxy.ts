import {
	createServer, connect, type Server, type Socket,
} from 'node:net';

/**
 * A TCP proxy that holds every chunk `delayMs` before passing it on, each way, in order: a WAN link
 * between two hosts, for a kernel without netem. Throughput is not limited, only delayed.
 */
export type LatencyProxy = {
	/** The URL to give programs instead of `target`'s. */
	readonly url: string;
	readonly close: () => Promise<void>;
};

export async function startLatencyProxy(target: string, delayMs: number): Promise<LatencyProxy> {
	const upstream = new URL(target);
	const sockets = new Set<Socket>();
	const delayed = (from: Socket, to: Socket): void => {
		// Timers of one duration fire in the order they were set: the stream keeps its order.
		from.on('data', chunk => {
			if (delayMs === 0) {
				to.write(chunk);
				return;
			}

			setTimeout(() => {
				if (!to.destroyed) {
					to.write(chunk);
				}
			}, delayMs);
		});
		from.on('end', () => {
			setTimeout(() => to.end(), delayMs);
		});
		from.on('error', () => to.destroy());
		from.on('close', () => {
			setTimeout(() => to.destroy(), delayMs);
		});
	};

	const server: Server = createServer(client => {
		const server = connect(Number(upstream.port), upstream.hostname);
		sockets.add(client).add(server);
		client.on('close', () => sockets.delete(client));
		server.on('close', () => sockets.delete(server));
		delayed(client, server);
		delayed(server, client);
	});
	await new Promise<void>(resolve => {
		server.listen(0, '127.0.0.1', resolve);
	});
	const {port} = server.address() as {port: number};
	const url = new URL(target);
	url.hostname = '127.0.0.1';
	url.port = String(port);
	return {
		url: url.toString(),
		async close() {
			for (const socket of sockets) {
				socket.destroy();
			}

			await new Promise(resolve => {
				server.close(resolve);
			});
		},
	};
}
