import smpp from 'smpp';
import {timeFigures, type ViaFigures} from '../engine/snapshot.js';
import {ownedHistogram} from '../engine/stats.js';
import type {Message} from '../model/messages.js';
import {bodyCost, splitSegments} from '../model/segments.js';
import {parseReceipt} from './receipt.js';
import {SmppConnection} from './smpp-connection.js';
import {
	bindTransceiverBody, COMMAND, encodeText, INVALID_COMMAND, readCString, readDeliverSm, shortMessageBody, type Pdu,
} from './smpp-pdu.js';

/** Where `--via` sends: `smpp://system_id:password@host:port`. */
export type SmppAddress = {readonly host: string; readonly port: number; readonly systemId: string; readonly password: string};

/** A submit_sm answer's status, and its name (`ESME_RTHROTTLED`) when it is a failure. */
export type SubmitOutcome = {
	readonly status: number;
	/** The failed part's status name; undefined when every part was accepted. */
	readonly failure?: string;
};

/** Statuses worth another attempt: the gateway was busy or failed for now, not the message. */
const TRANSIENT = new Set(['ESME_RTHROTTLED', 'ESME_RMSGQFUL', 'ESME_RSUBMITFAIL', 'ESME_RSYSERR', 'ESME_RX_T_APPN']);

export const isTransient = (failure: string): boolean => TRANSIENT.has(failure);

const statusNames = new Map(Object.entries(smpp.errors).map(([name, status]) => [status, name]));
/** `ESME_RTHROTTLED` for 0x58; `status 0x1234` for one the specification does not name. */
export const statusName = (status: number): string => statusNames.get(status) ?? `status 0x${status.toString(16).padStart(8, '0')}`;

/** A message as submit_sm PDUs: its destination, its data_coding, and each part with whether it was accepted. */
export type MessageParts = {
	/** Each part's submit_sm body, and whether it was accepted. */
	readonly parts: Array<{readonly body: Buffer; accepted: boolean}>;
};

/** A bound session, and how many of its submits are unanswered. */
type Bind = {readonly connection: SmppConnection; outstanding: number};

/**
 * Real senders: `binds` SMPP sessions bound as transceivers to a gateway, each message a
 * submit_sm per segment (a long one with a concatenation header, exactly as its segment count
 * says), spread over the binds by the fewest unanswered. Delivery receipts are matched to the parts
 * submitted, for the delivery latency.
 */
export class SmppSenders {
	private readonly binds: Bind[] = [];
	private submits = 0;
	private accepted = 0;
	private readonly statuses = new Map<string, number>();
	private readonly receipts = {delivered: 0, undelivered: 0, unmatched: 0};
	/** When each accepted part was submitted (wall ms), by message_id, until its receipt comes. */
	private readonly awaitingReceipt = new Map<string, number>();
	private readonly latencyHistogram = ownedHistogram(this);
	private latencyCount = 0;
	private latencySumMs = 0;
	private latencyMaxMs = 0;
	private reference = 0;
	private onSettled: (() => void) | undefined;

	constructor(private readonly address: SmppAddress, private readonly now: () => number = () => performance.now()) {
		// Nothing more: sessions are opened by `bind`.
	}

	/** Opens and binds `count` sessions; rejects with a one-line reason (unreachable, or the bind's status by name). */
	async bind(count: number): Promise<void> {
		await Promise.all(Array.from({length: count}, async () => {
			this.binds.push({connection: await this.bindOne(), outstanding: 0});
		}));
	}

	/** A message's parts, to submit: each segment's text, and its user data header when there are several. */
	prepare(message: Message): MessageParts {
		const {encoding} = message.encoding === undefined ? bodyCost(message.body) : {encoding: message.encoding};
		const texts = splitSegments(message.body);
		const reference = (this.reference++) & 0xFF;
		const dataCoding = encoding === 'ucs2' ? 8 : 0;
		// An international number goes as E.164 without its + (type of number 1), numbering plan ISDN.
		const destination = {ton: message.to.startsWith('+') ? 1 : 0, npi: 1, address: message.to.replace(/^\+/, '')};
		return {
			parts: texts.map((text, index) => ({
				body: shortMessageBody({
					destination,
					// A concatenated part: its user data header (IEI 0x00, 8-bit reference), the parts and which this is; esm_class says it is there.
					esmClass: texts.length === 1 ? 0 : 0x40,
					shortMessage: texts.length === 1 ? encodeText(text, dataCoding) : Buffer.concat([Buffer.from([0x05, 0x00, 0x03, reference, texts.length, index + 1]), encodeText(text, dataCoding)]),
					registeredDelivery: 1, // A receipt, whatever the outcome.
					dataCoding,
				}),
				accepted: false,
			})),
		};
	}

	/**
	 * Submits the parts of a message not accepted yet (all, at first; on a retry, those that failed,
	 * so a handset never gets a part twice), on the bind with the fewest unanswered. Resolves once
	 * each is answered: with the first failure's status, if any. Every part asks for a receipt.
	 */
	async submit(message: MessageParts): Promise<SubmitOutcome> {
		// The open bind with the fewest unanswered; when the gateway has hung up on every one, any (its submits fail at once).
		let [bind] = this.binds;
		if (bind === undefined) {
			throw new Error('submit before bind');
		}

		for (const each of this.binds) {
			if (each.connection.open && (!bind.connection.open || each.outstanding < bind.outstanding)) {
				bind = each;
			}
		}

		const pending = message.parts.filter(part => !part.accepted);
		const answers = await Promise.all(pending.map(async part => {
			const status = await this.submitPart(bind, part.body);
			part.accepted = status === 0;
			return status;
		}));
		const failed = answers.find(status => status !== 0);
		return failed === undefined ? {status: 0} : {status: failed, failure: statusName(failed)};
	}

	/**
	 * Resolves once every accepted part's receipt has come, or after `timeoutMs`, or once the gateway
	 * has hung up on every bind (no receipt can come); says so on `say` when it has to wait.
	 */
	async settle(timeoutMs: number, say: (text: string) => void): Promise<void> {
		if (this.awaitingReceipt.size === 0 || !this.binds.some(({connection}) => connection.open)) {
			return;
		}

		const saying = setTimeout(() => {
			say(`waiting up to ${Math.round(timeoutMs / 1000)}s for ${this.awaitingReceipt.size.toLocaleString('en-US')} delivery receipts`);
		}, 1000);
		await new Promise<void>(resolve => {
			const timer = setTimeout(done, timeoutMs);
			const settled = (): void => {
				done();
			};

			this.onSettled = settled;
			function done(): void {
				clearTimeout(timer);
				resolve();
			}
		});
		clearTimeout(saying);
		this.onSettled = undefined;
	}

	figures(): ViaFigures {
		return {
			binds: this.binds.length,
			submits: this.submits,
			accepted: this.accepted,
			statuses: Object.fromEntries(this.statuses),
			receipts: {...this.receipts},
			deliveryLatency: timeFigures(this.latencyHistogram, this.latencyCount, this.latencySumMs, this.latencyMaxMs),
		};
	}

	/** Unbinds every session (waiting at most a second for each answer) and closes it. */
	async close(): Promise<void> {
		await Promise.all(this.binds.map(async ({connection}) => connection.close()));
	}

	private async bindOne(): Promise<SmppConnection> {
		const {host, port, systemId, password} = this.address;
		const connection = await SmppConnection.open(host, port);
		const answer = await connection.ask(COMMAND.bindTransceiver, bindTransceiverBody(systemId, password));
		if (answer.status !== 0) {
			await connection.close();
			throw new Error(`the gateway at ${host}:${port} refused the bind as ${JSON.stringify(systemId)}: ${statusName(answer.status)}`);
		}

		connection.onClose = () => {
			if (!this.binds.some(bind => bind.connection.open)) {
				this.onSettled?.();
			}
		};

		connection.onRequest = pdu => {
			if (pdu.commandId === COMMAND.deliverSm) {
				connection.respond(pdu, 0, Buffer.from([0])); // Deliver_sm_resp: message_id, unused (NULL).
				this.receipt(pdu);
			} else {
				connection.respond(pdu, INVALID_COMMAND); // Nothing else is asked of an ESME here.
			}
		};

		return connection;
	}

	private async submitPart(bind: Bind, body: Buffer): Promise<number> {
		this.submits++;
		bind.outstanding++;
		const submittedAt = this.now();
		return new Promise<number>(resolve => {
			bind.connection.request(COMMAND.submitSm, body, answer => {
				// At once, in the callback: a receipt read from the same chunk as this answer comes next.
				bind.outstanding--;
				const {status} = answer;
				if (status === 0) {
					this.accepted++;
					this.awaitingReceipt.set(readCString(answer.body, 0).text, submittedAt);
				} else {
					const name = statusName(status);
					this.statuses.set(name, (this.statuses.get(name) ?? 0) + 1);
				}

				resolve(status);
			});
		});
	}

	/** A deliver_sm: a receipt (esm_class 0x04) matched to its part by message_id, for the delivery latency. */
	private receipt(pdu: Pdu): void {
		const {esmClass, text, receiptedMessageId} = readDeliverSm(pdu.body);
		if ((esmClass & 0x3C) !== 0x04) {
			return; // A mobile-originated message, not a receipt.
		}

		const parsed = parseReceipt(text);
		const id = receiptedMessageId ?? parsed?.id;
		const submittedAt = id === undefined ? undefined : this.awaitingReceipt.get(id);
		if (id === undefined || submittedAt === undefined) {
			this.receipts.unmatched++;
			return;
		}

		this.awaitingReceipt.delete(id);
		if (this.awaitingReceipt.size === 0) {
			this.onSettled?.();
		}

		if (parsed?.stat === 'DELIVRD') {
			this.receipts.delivered++;
		} else {
			this.receipts.undelivered++;
		}

		const latencyMs = this.now() - submittedAt;
		this.latencyHistogram.recordValue(Math.round(latencyMs * 1000));
		this.latencyCount++;
		this.latencySumMs += latencyMs;
		this.latencyMaxMs = Math.max(this.latencyMaxMs, latencyMs);
	}
}
