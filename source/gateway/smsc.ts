import type {AddressInfo} from 'node:net';
import {Subject} from 'rxjs';
import smpp, {type PDU, type Session} from 'smpp';
import type {Random} from '../model/random.js';
import {type SendResult, type ResolvedSenderGroup} from '../model/senders.js';
import {createSendTimeSampler, type SendTimeSampler} from '../model/distributions.js';
import type {GatewayFigures} from '../engine/snapshot.js';
import {batchWrites} from './batched-writes.js';
import {receiptText} from './receipt.js';
import {
	COMMAND, cString, encodePdu, encodeText, RESPONSE, shortMessageBody, TAG, tlv,
} from './smpp-pdu.js';

export type SmscOptions = {
	/** The send time, failure rates and rate limit (`rate=`: per bind, in submits a second). */
	readonly group: ResolvedSenderGroup;
	readonly random: Random;
	/** System_id to password; empty: any system_id and password bind. */
	readonly credentials: ReadonlyMap<string, string>;
	readonly maxConnections: number;
	/** Submit_sm PDUs a bind may have unanswered at once. */
	readonly window: number;
	/** From the submit_sm_resp to the delivery receipt. */
	readonly receiptDelayMs: number;
	/** Of the accepted messages, the share whose receipt says UNDELIV. */
	readonly undeliveredRate: number;
	/** Wall ms since the gateway started. */
	readonly now: () => number;
};

const {errors} = smpp;
/** A failed send: a transient error (retry), or a permanent one (the number is invalid). */
const TRANSIENT_FAILURE = errors.ESME_RSUBMITFAIL;
const PERMANENT_FAILURE = errors.ESME_RINVDSTADR;
const BIND_COMMANDS = ['bind_transmitter', 'bind_receiver', 'bind_transceiver'] as const;

/** One bound session's state. */
type Bind = {
	readonly session: Session;
	readonly number: number;
	readonly systemId: string;
	readonly transmits: boolean;
	readonly receives: boolean;
	outstanding: number;
	/** The token bucket of its rate limit. */
	tokens: number;
	refilledAt: number;
};

/**
 * An SMSC that SMPP 3.4 clients bind to (the `smpp` package reads and writes the PDUs): binds with
 * system_id and password, enquire_link, unbind, and submit_sm answered after a send time drawn from
 * a sender group's settings, failing as the group fails (ESME_RSUBMITFAIL, or ESME_RINVDSTADR for
 * the permanent share), throttled past its rate (ESME_RTHROTTLED) or window (ESME_RMSGQFUL), and
 * followed by a delivery receipt (deliver_sm) when the client asked for one. Each answered
 * submit_sm is a result on `results$`, as a sender's send is in a run.
 */
export class Smsc {
	readonly results$ = new Subject<SendResult>();
	private readonly server: ReturnType<typeof smpp.createServer>;
	private readonly binds = new Map<Session, Bind>();
	private readonly sampleSendTime: SendTimeSampler;
	private readonly burst: number;
	private bindsTotal = 0;
	private submits = 0;
	private throttled = 0;
	private windowFull = 0;
	private receipts = 0;
	private receiptsUnrouted = 0;
	private nextMessageId = 1;
	private parts = 0;
	private assembled = 0;
	/** The parts of each concatenated message come so far, by sender, destination, reference and count. */
	private readonly partsSeen = new Map<string, Set<number>>();
	private readonly timers = new Set<NodeJS.Timeout>();

	constructor(private readonly options: SmscOptions) {
		this.sampleSendTime = createSendTimeSampler(options.group, options.random);
		// A bind may go a tenth of a second ahead of its rate (at least one submit): network jitter is not a burst.
		this.burst = Math.max(1, (options.group.ratePerSec ?? 0) / 10);
		this.server = smpp.createServer({}, session => {
			this.accept(session);
		});
		this.server.maxConnections = options.maxConnections;
	}

	figures(): GatewayFigures {
		return {
			binds: this.binds.size, bindsTotal: this.bindsTotal, submits: this.submits, throttled: this.throttled, windowFull: this.windowFull, receipts: this.receipts, receiptsUnrouted: this.receiptsUnrouted, parts: this.parts, assembled: this.assembled,
		};
	}

	/** Sends still unanswered, across binds. */
	inFlight(): number {
		let outstanding = 0;
		for (const bind of this.binds.values()) {
			outstanding += bind.outstanding;
		}

		return outstanding;
	}

	async listen(host: string, port: number): Promise<AddressInfo> {
		await new Promise<void>((resolve, reject) => {
			this.server.once('error', reject);
			this.server.listen(port, host, () => {
				this.server.off('error', reject);
				resolve();
			});
		});
		return this.server.address() as AddressInfo;
	}

	/** Stops taking connections, drops the ones open (their sends unanswered), and ends `results$`. */
	async close(): Promise<void> {
		for (const timer of this.timers) {
			clearTimeout(timer);
		}

		this.timers.clear();
		for (const session of [...this.server.sessions]) {
			session.socket.destroy();
		}

		await new Promise<void>(resolve => {
			this.server.close(() => {
				resolve();
			});
		});
		this.results$.complete();
	}

	private accept(session: Session): void {
		// A PDU the package cannot read leaves the session stuck: say so to the client and hang up.
		session.on('error', () => {
			session.socket.destroy();
		});
		session.on('close', () => {
			this.binds.delete(session);
		});
		for (const command of BIND_COMMANDS) {
			session.on(command, (pdu: PDU) => {
				this.bind(session, pdu);
			});
		}

		session.on('enquire_link', (pdu: PDU) => {
			session.send(pdu.response());
		});
		session.on('unbind', (pdu: PDU) => {
			this.binds.delete(session);
			session.send(pdu.response(), () => {
				session.close();
			});
		});
		session.on('submit_sm', (pdu: PDU) => {
			this.submit(session, pdu);
		});
		session.on('unknown', (pdu: PDU) => {
			session.send(pdu.response());
		});
	}

	private bind(session: Session, pdu: PDU): void {
		const systemId = textOf(pdu.system_id);
		const refuse = (status: number): void => {
			session.send(pdu.response({command_status: status}));
		};

		if (this.binds.has(session)) {
			refuse(errors.ESME_RALYBND);
			return;
		}

		const {credentials} = this.options;
		if (credentials.size > 0 && !credentials.has(systemId)) {
			refuse(errors.ESME_RINVSYSID);
			return;
		}

		if (credentials.size > 0 && credentials.get(systemId) !== textOf(pdu.password)) {
			refuse(errors.ESME_RINVPASWD);
			return;
		}

		this.bindsTotal++;
		this.binds.set(session, {
			session,
			number: this.bindsTotal,
			systemId,
			transmits: pdu.command !== 'bind_receiver',
			receives: pdu.command !== 'bind_transmitter',
			outstanding: 0,
			tokens: this.burst,
			refilledAt: this.options.now(),
		});
		session.send(pdu.response({system_id: 'sms-sim'}));
	}

	private submit(session: Session, pdu: PDU): void {
		this.submits++;
		const bind = this.binds.get(session);
		if (!bind?.transmits) {
			session.send(pdu.response({command_status: errors.ESME_RINVBNDSTS}));
			return;
		}

		if (bind.outstanding >= this.options.window) {
			this.windowFull++;
			session.send(pdu.response({command_status: errors.ESME_RMSGQFUL}));
			return;
		}

		if (!this.takeToken(bind)) {
			this.throttled++;
			session.send(pdu.response({command_status: errors.ESME_RTHROTTLED}));
			return;
		}

		bind.outstanding++;
		const startMs = this.options.now();
		const sendTimeMs = this.sampleSendTime();
		const {random, group} = this.options;
		const failed = random.float() < group.failureRate;
		const permanent = failed && random.float() < group.permanentFailureRate;
		const timer = setTimeout(() => {
			this.timers.delete(timer);
			bind.outstanding--;
			this.answer(bind, pdu, {startMs, failed, permanent});
		}, sendTimeMs);
		this.timers.add(timer);
	}

	/** The bind's token bucket: refilled at its rate, at most `burst` ahead. */
	private takeToken(bind: Bind): boolean {
		const rate = this.options.group.ratePerSec;
		if (rate === undefined) {
			return true;
		}

		const now = this.options.now();
		bind.tokens = Math.min(this.burst, bind.tokens + (((now - bind.refilledAt) / 1000) * rate));
		bind.refilledAt = now;
		if (bind.tokens < 1) {
			return false;
		}

		bind.tokens--;
		return true;
	}

	private answer(bind: Bind, pdu: PDU, {startMs, failed, permanent}: {startMs: number; failed: boolean; permanent: boolean}): void {
		const endMs = this.options.now();
		const messageId = failed ? '' : String(this.nextMessageId++);
		// Coded here, not by the package: its PDU objects cost more CPU than the rest of a submit.
		write(bind.session, failed
			? encodePdu(COMMAND.submitSm | RESPONSE, permanent ? PERMANENT_FAILURE : TRANSIENT_FAILURE, pdu.sequence_number)
			: encodePdu(COMMAND.submitSm | RESPONSE, 0, pdu.sequence_number, cString(messageId)));

		const {body, ucs2} = bodyOf(pdu);
		// An international number (type of number 1) is E.164 without its +, as SMPP carries it.
		const address = textOf(pdu.destination_addr);
		const to = pdu.dest_addr_ton === 1 && /^\d{2,15}$/.test(address) ? `+${address}` : address;
		this.results$.next({
			type: 'result',
			id: messageId || `rejected-${pdu.sequence_number}`,
			message: {
				id: messageId, to, body, encoding: ucs2 ? 'ucs2' : 'gsm7', segments: 1,
			},
			senderId: `${bind.systemId}#${bind.number}`,
			group: this.options.group.name,
			status: failed ? 'failed' : 'sent',
			startMs,
			endMs,
			durationMs: endMs - startMs,
			...(permanent ? {attempt: 1, permanent: true} : {}),
		});
		if (!failed) {
			this.assemble(bind, pdu, to);
		}

		// Registered_delivery's low two bits: 1, a receipt whatever the outcome; 2, only on failure.
		const wanted = Number(pdu.registered_delivery ?? 0) & 0x03;
		if (!failed && wanted !== 0) {
			const undelivered = this.options.random.float() < this.options.undeliveredRate;
			if (wanted === 1 || undelivered) {
				this.scheduleReceipt(bind, pdu, {
					messageId, submitted: new Date(Date.now() - (endMs - startMs)), undelivered, text: body,
				});
			}
		}
	}

	/** Counts an accepted part of a concatenated message, and the message once its every part has come. */
	private assemble(bind: Bind, pdu: PDU, to: string): void {
		const concatenation = concatenationOf(pdu);
		if (concatenation === undefined) {
			return;
		}

		this.parts++;
		const key = `${bind.systemId}|${textOf(pdu.source_addr)}|${to}|${concatenation.reference}|${concatenation.total}`;
		const seen = this.partsSeen.get(key) ?? new Set<number>();
		seen.add(concatenation.sequence);
		if (seen.size === concatenation.total) {
			this.assembled++;
			this.partsSeen.delete(key);
		} else {
			this.partsSeen.set(key, seen);
		}
	}

	private scheduleReceipt(bind: Bind, pdu: PDU, receipt: {messageId: string; submitted: Date; undelivered: boolean; text: string}): void {
		const timer = setTimeout(() => {
			this.timers.delete(timer);
			// To the bind that sent it if it receives, else to any bind of its system_id that does.
			const receiver = bind.receives && this.binds.has(bind.session) ? bind : [...this.binds.values()].find(other => other.systemId === bind.systemId && other.receives);
			if (receiver === undefined) {
				this.receiptsUnrouted++;
				return;
			}

			const stat = receipt.undelivered ? 'UNDELIV' : 'DELIVRD';
			this.receipts++;
			const {session} = receiver;
			// The package numbers its requests from session.sequence: a deliver_sm takes the next one, as its own would.
			session.sequence = session.sequence === 0x7F_FF_FF_FF ? 1 : session.sequence + 1;
			write(session, encodePdu(COMMAND.deliverSm, 0, session.sequence, shortMessageBody({
				source: {ton: Number(pdu.dest_addr_ton ?? 0), npi: Number(pdu.dest_addr_npi ?? 0), address: textOf(pdu.destination_addr)},
				destination: {ton: Number(pdu.source_addr_ton ?? 0), npi: Number(pdu.source_addr_npi ?? 0), address: textOf(pdu.source_addr)},
				esmClass: smpp.consts.ESM_CLASS.MC_DELIVERY_RECEIPT,
				registeredDelivery: 0,
				dataCoding: 0,
				shortMessage: encodeText(receiptText({
					id: receipt.messageId, submitted: receipt.submitted, done: new Date(), stat, err: receipt.undelivered ? '001' : '000', text: receipt.text,
				}), 0, true),
				tlvs: [
					tlv(TAG.receiptedMessageId, cString(receipt.messageId)),
					tlv(TAG.messageState, Buffer.from([receipt.undelivered ? smpp.consts.MESSAGE_STATE.UNDELIVERABLE : smpp.consts.MESSAGE_STATE.DELIVERED])),
				],
			})));
		}, this.options.receiptDelayMs);
		this.timers.add(timer);
	}
}

/** The text of a submit_sm (short_message, or message_payload for a long one) and whether it is UCS-2 (data_coding 8). */
function bodyOf(pdu: PDU): {body: string; ucs2: boolean} {
	const content = (pdu.short_message as {message?: unknown} | undefined)?.message === undefined || (pdu.short_message as {message: unknown}).message === '' ? pdu.message_payload : pdu.short_message;
	const message = (content as {message?: unknown} | undefined)?.message ?? content;
	return {body: typeof message === 'string' ? message : '', ucs2: (Number(pdu.data_coding ?? 0) & 0x0F) === 0x08};
}

/** Writes a PDU coded here on a session's socket, with the others of this turn. */
function write(session: Session, pdu: Buffer): void {
	if (session.socket.writable) {
		batchWrites(session.socket);
		session.socket.write(pdu);
	}
}

/** A C-Octet String parameter, as the package gives it. */
const textOf = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * The concatenation information element of a submit_sm's user data header (3GPP TS 23.040
 * 9.2.3.24.1): IEI 0x00 (an 8-bit reference) or 0x08 (16-bit), then the parts and this part's
 * number, 1 to parts. Undefined without one, or with one that breaks those rules.
 */
function concatenationOf(pdu: PDU): {reference: number; total: number; sequence: number} | undefined {
	const udh = (pdu.short_message as {udh?: unknown} | undefined)?.udh;
	for (const element of Array.isArray(udh) ? udh as Buffer[] : []) {
		const data = element.subarray(2);
		const [iei, length] = element.length >= 2 ? [element.readUInt8(0), element.readUInt8(1)] : [];
		if (iei === 0x00 && length === 3 && data.length === 3) {
			const [reference, total, sequence] = [data.readUInt8(0), data.readUInt8(1), data.readUInt8(2)];
			return total >= 2 && sequence >= 1 && sequence <= total ? {reference, total, sequence} : undefined;
		}

		if (iei === 0x08 && length === 4 && data.length === 4) {
			const [total, sequence] = [data.readUInt8(2), data.readUInt8(3)];
			return total >= 2 && sequence >= 1 && sequence <= total ? {reference: data.readUInt16BE(0), total, sequence} : undefined;
		}
	}

	return undefined;
}
