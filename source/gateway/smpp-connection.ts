import {connect, type Socket} from 'node:net';
import {batchWrites} from './batched-writes.js';
import {
	COMMAND, encodePdu, INVALID_COMMAND, PduReader, RESPONSE, type Pdu,
} from './smpp-pdu.js';

/** The answer to a request whose session closed before it was answered: ESME_RSYSERR, a system error. */
const SESSION_GONE: Pdu = {
	commandId: RESPONSE, status: 0x08, sequence: 0, body: Buffer.alloc(0),
};

/**
 * An ESME's side of one SMPP session over TCP: requests numbered and matched to their responses,
 * the other side's requests handed to `onRequest` (enquire_link is answered here), writes of one
 * event-loop turn sent together. It is what `--via` submits on; binding is the caller's.
 */
export class SmppConnection {
	/** The other side's requests (deliver_sm, ...); each must be answered with `respond`. */
	onRequest: (pdu: Pdu) => void = pdu => {
		this.respond(pdu, INVALID_COMMAND);
	};

	/** Told once the connection has closed (the gateway hung up, or `close`). */
	onClose: () => void = () => undefined;

	private sequence = 0;
	private readonly awaiting = new Map<number, (pdu: Pdu) => void>();
	private readonly reader = new PduReader(pdu => {
		this.read(pdu);
	});

	private constructor(private readonly socket: Socket) {
		socket.on('data', (chunk: Buffer) => {
			try {
				this.reader.push(chunk);
			} catch {
				socket.destroy(); // A stream that is not SMPP: nothing more can be read from it.
			}
		});
		socket.on('close', () => {
			// Requests never answered: the session is gone, they fail as the specification's system error.
			for (const answer of this.awaiting.values()) {
				answer(SESSION_GONE);
			}

			this.awaiting.clear();
			this.onClose();
		});
		socket.on('error', () => undefined); // The close that follows says it.
	}

	/** Opens a TCP connection; rejects with a one-line reason. */
	static async open(host: string, port: number): Promise<SmppConnection> {
		const socket = connect({host, port, noDelay: true});
		await new Promise<void>((resolve, reject) => {
			socket.once('error', (error: NodeJS.ErrnoException) => {
				reject(new Error(`cannot reach ${host}:${port}: ${error.code === 'ECONNREFUSED' ? 'nothing listens there' : error.message}`));
			});
			socket.once('connect', () => {
				resolve();
			});
		});
		return new SmppConnection(socket);
	}

	/** Whether requests can still be sent: the connection has not closed. */
	get open(): boolean {
		return !this.socket.destroyed && this.socket.writable;
	}

	/** Sends a request; calls back with its response (generic_nack included), or a system error (ESME_RSYSERR) if the session is closed or closes first. */
	request(commandId: number, body: Buffer | undefined, answer: (pdu: Pdu) => void): void {
		if (!this.open) {
			queueMicrotask(() => {
				answer(SESSION_GONE);
			});
			return;
		}

		this.sequence = this.sequence === 0x7F_FF_FF_FF ? 1 : this.sequence + 1;
		this.awaiting.set(this.sequence, answer);
		this.write(encodePdu(commandId, 0, this.sequence, body));
	}

	/** Like `request`, as a promise. */
	async ask(commandId: number, body?: Buffer): Promise<Pdu> {
		return new Promise(resolve => {
			this.request(commandId, body, resolve);
		});
	}

	/** Answers `pdu` (generic_nack for a command this side does not know). */
	respond(pdu: Pdu, status = 0, body?: Buffer): void {
		this.write(encodePdu(status === INVALID_COMMAND ? COMMAND.genericNack : pdu.commandId | RESPONSE, status, pdu.sequence, body));
	}

	/** Unbinds (waiting at most `timeoutMs` for the answer) and closes. */
	async close(timeoutMs = 1000): Promise<void> {
		if (!this.socket.destroyed) {
			await Promise.race([this.ask(COMMAND.unbind), new Promise(resolve => {
				setTimeout(resolve, timeoutMs).unref();
			})]);
		}

		this.socket.destroy();
	}

	private write(pdu: Buffer): void {
		if (!this.open) {
			return; // Closed: an awaited answer comes from the close.
		}

		batchWrites(this.socket);
		this.socket.write(pdu);
	}

	private read(pdu: Pdu): void {
		if ((pdu.commandId & RESPONSE) !== 0) {
			const answer = this.awaiting.get(pdu.sequence);
			// A response to nothing asked (a generic_nack of sequence 0: the gateway could not read which request) is dropped.
			if (answer !== undefined) {
				this.awaiting.delete(pdu.sequence);
				answer(pdu);
			}

			return;
		}

		if (pdu.commandId === COMMAND.enquireLink) {
			this.respond(pdu);
		} else if (pdu.commandId === COMMAND.unbind) {
			this.respond(pdu);
			this.socket.end();
		} else {
			this.onRequest(pdu);
		}
	}
}
