/** The parts of the `smpp` package (farhadi/node-smpp, CommonJS, no types of its own) that sms-sim uses. */
declare module 'smpp' {
	import type {EventEmitter} from 'node:events';
	import type {Server as NetServer, Socket} from 'node:net';

	/** A PDU: its header, and its parameters (decoded: short_message as {message, udh}) as properties. */
	export class PDU {
		constructor(command: string, options?: Record<string, unknown>);
		command: string;
		command_id: number;
		command_status: number;
		sequence_number: number;
		[parameter: string]: unknown;
		isResponse(): boolean;
		response(options?: Record<string, unknown>): PDU;
		toBuffer(): Buffer;
	}

	// eslint-disable-next-line unicorn/prefer-event-target -- the package's sessions are Node event emitters
	export class Session extends EventEmitter {
		socket: Socket;
		/** The sequence_number its last request took. */
		sequence: number;
		send(pdu: PDU, responseCallback?: (pdu: PDU) => void, sendCallback?: (pdu: PDU) => void): boolean;
		close(callback?: () => void): void;
		destroy(callback?: () => void): void;
		pause(): void;
		resume(): void;
		[command: string]: unknown;
	}

	export class Server extends NetServer {
		sessions: Session[];
	}

	export function createServer(options: Record<string, unknown>, listener?: (session: Session) => void): Server;
	export function connect(options: Record<string, unknown> | string, listener?: () => void): Session;
	/** The statuses sms-sim names, and any other the package knows. */
	type NamedStatus = 'ESME_RALYBND' | 'ESME_RINVBNDSTS' | 'ESME_RINVDSTADR' | 'ESME_RINVPASWD' | 'ESME_RINVSYSID' | 'ESME_RMSGQFUL' | 'ESME_RSUBMITFAIL' | 'ESME_RTHROTTLED';
	export const errors: Readonly<Record<NamedStatus, number> & Record<string, number>>;
	export const consts: Readonly<{
		ESM_CLASS: Readonly<{MC_DELIVERY_RECEIPT: number}>;
		MESSAGE_STATE: Readonly<{DELIVERED: number; UNDELIVERABLE: number}>;
	} & Record<string, Readonly<Record<string, number>>>>;

	const smpp: {
		PDU: typeof PDU;
		Session: typeof Session;
		createServer: typeof createServer;
		connect: typeof connect;
		errors: typeof errors;
		consts: typeof consts;
	};
	export default smpp;
}
