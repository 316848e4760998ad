import type {Socket} from 'node:net';

const corked = new WeakSet<Socket>();

/**
 * Holds `socket`'s writes until the event loop's next turn (`setImmediate`: after every timer and
 * read of this one), so the PDUs written in one turn leave in one write. A write a PDU, as the
 * `smpp` package makes, was a sixth of both processes' CPU at 10,000 submits/s.
 */
export function batchWrites(socket: Socket): void {
	if (corked.has(socket)) {
		return;
	}

	corked.add(socket);
	socket.cork();
	setImmediate(() => {
		corked.delete(socket);
		socket.uncork();
	});
}
