/**
 * The few SMPP 3.4 PDUs a `--via` run writes and reads, coded by hand from the specification
 * (sections 3.2, 4.1, 4.4, 4.6, 5.3): the `smpp` package builds an object, runs filters and an
 * encoding detector for every PDU, and writes each on its own; in a profile of a `--via` run that
 * was over half the client's CPU (at 75 µs a submit in all, under 10,000 submits a second). The
 * gateway (`smsc.ts`) still reads with the package, so every PDU written here is checked by an
 * independent decoder in the tests; `npm run bench -- smpp` sets a run beside the package's own
 * client.
 */
import {GSM_BASIC, GSM_EXTENSION} from '../model/segments.js';

/** Command ids (3.4 section 5.1.2.1); a response is its request's id with the top bit set. */
export const COMMAND = {
	genericNack: 0x80_00_00_00,
	bindTransceiver: 0x00_00_00_09,
	submitSm: 0x00_00_00_04,
	deliverSm: 0x00_00_00_05,
	unbind: 0x00_00_00_06,
	enquireLink: 0x00_00_00_15,
} as const;

export const RESPONSE = 0x80_00_00_00;
/** ESME_RINVCMDID: the answer to a request this side does not know. */
export const INVALID_COMMAND = 0x00_00_00_03;
const HEADER = 16;
/** The longest PDU either side accepts: a longer length field is a broken stream, not a PDU. */
export const MAX_PDU = 64 * 1024;

/** A PDU read: its header, and its body as bytes (`readDeliverSm`, `readCString` read those). */
export type Pdu = {readonly commandId: number; readonly status: number; readonly sequence: number; readonly body: Buffer};

/** The whole PDU: header (length, id, status, sequence) then `body`. */
export function encodePdu(commandId: number, status: number, sequence: number, body: Buffer = Buffer.alloc(0)): Buffer {
	const pdu = Buffer.allocUnsafe(HEADER + body.length);
	pdu.writeUInt32BE(HEADER + body.length, 0);
	pdu.writeUInt32BE(commandId >>> 0, 4);
	pdu.writeUInt32BE(status >>> 0, 8);
	pdu.writeUInt32BE(sequence >>> 0, 12);
	body.copy(pdu, HEADER);
	return pdu;
}

/**
 * Splits a stream's bytes into PDUs: `push` each chunk read, and every whole PDU in it comes out of
 * `onPdu`; a partial one waits for the next chunk. Throws on a length no PDU can have.
 */
export class PduReader {
	private rest: Buffer | undefined;

	constructor(private readonly onPdu: (pdu: Pdu) => void) {
		// Nothing more: chunks come through `push`.
	}

	push(chunk: Buffer): void {
		let bytes = this.rest === undefined ? chunk : Buffer.concat([this.rest, chunk]);
		this.rest = undefined;
		while (bytes.length >= 4) {
			const length = bytes.readUInt32BE(0);
			if (length < HEADER || length > MAX_PDU) {
				throw new Error(`a PDU of ${length} bytes: the stream is broken (a PDU is 16 to ${MAX_PDU} bytes)`);
			}

			if (bytes.length < length) {
				break;
			}

			this.onPdu({
				commandId: bytes.readUInt32BE(4), status: bytes.readUInt32BE(8), sequence: bytes.readUInt32BE(12), body: bytes.subarray(HEADER, length),
			});
			bytes = bytes.subarray(length);
		}

		if (bytes.length > 0) {
			this.rest = Buffer.from(bytes); // A copy: the chunk it came from can go.
		}
	}
}

/** A C-Octet String: its ASCII, then a NUL. */
export function cString(text: string): Buffer {
	const bytes = Buffer.alloc(Buffer.byteLength(text, 'latin1') + 1);
	bytes.write(text, 'latin1');
	return bytes;
}

/** The C-Octet String at `offset` and where the next field starts. */
export function readCString(body: Buffer, offset: number): {text: string; next: number} {
	const end = body.indexOf(0, offset);
	const stop = end === -1 ? body.length : end;
	return {text: body.toString('latin1', offset, stop), next: stop + 1};
}

/** Bind_transceiver's body (4.1.5): system_id, password, system_type, interface_version 0x34, addr_ton, addr_npi, address_range. */
export const bindTransceiverBody = (systemId: string, password: string): Buffer =>
	Buffer.concat([cString(systemId), cString(password), cString(''), Buffer.from([0x34, 0, 0]), cString('')]);

/** The codes of GSM_EXTENSION's characters, in its order (3GPP TS 23.038 6.2.1.1). */
const GSM_EXTENSION_CODES = [0x0A, 0x14, 0x28, 0x29, 0x2F, 0x3C, 0x3D, 0x3E, 0x40, 0x65];

/** GSM 03.38 code of each character (the basic table: one octet; the extension: escape 0x1B, then its code). */
const GSM_CODES: ReadonlyMap<string, readonly number[]> = new Map([
	// The basic table in order, 0x1B (the escape) left out of GSM_BASIC.
	...[...GSM_BASIC].map((character, index): [string, number[]] => [character, [index < 0x1B ? index : index + 1]]),
	...[...GSM_EXTENSION].map((character, index): [string, number[]] => [character, [0x1B, GSM_EXTENSION_CODES[index] ?? 0x3F]]),
]);
const QUESTION_MARK = [0x3F];

/**
 * A text as short_message octets: GSM-7 one septet an octet (data_coding 0, as SMPP carries the
 * default alphabet unpacked), or UCS-2 big-endian (data_coding 8). A character GSM-7 lacks throws,
 * or, `lossy` (a receipt's copy of a text), becomes `?`.
 */
export function encodeText(text: string, dataCoding: 0 | 8, lossy = false): Buffer {
	if (dataCoding === 8) {
		return Buffer.from(text, 'utf16le').swap16();
	}

	const octets: number[] = [];
	for (const character of text) {
		const codes = GSM_CODES.get(character) ?? (lossy ? QUESTION_MARK : undefined);
		if (codes === undefined) {
			throw new Error(`${JSON.stringify(character)} is not in the GSM 03.38 alphabet: send it as UCS-2`);
		}

		octets.push(...codes);
	}

	return Buffer.from(octets);
}

/** An SME address: type of number (1 international: E.164 without its +), numbering plan (1 ISDN), digits. */
export type Address = {readonly ton: number; readonly npi: number; readonly address: string};

/** The fields of submit_sm and deliver_sm (4.4.1, 4.6.1: one layout) that are not left empty or 0 here. */
export type ShortMessage = {
	readonly source?: Address;
	readonly destination: Address;
	/** 0x40 (UDHI) when a user data header leads `shortMessage`; 0x04 for a delivery receipt. */
	readonly esmClass: number;
	readonly registeredDelivery: number;
	readonly dataCoding: number;
	readonly shortMessage: Buffer;
	/** Optional parameters (`tlv`), after the mandatory ones. */
	readonly tlvs?: readonly Buffer[];
};

const NO_ADDRESS: Address = {ton: 0, npi: 0, address: ''};

/**
 * The body of a submit_sm or deliver_sm: service_type empty, protocol_id, priority_flag,
 * replace_if_present_flag and sm_default_msg_id 0, schedule_delivery_time and validity_period empty
 * (at once, the SMSC's default).
 */
export function shortMessageBody({source = NO_ADDRESS, destination, esmClass, registeredDelivery, dataCoding, shortMessage, tlvs = []}: ShortMessage): Buffer {
	if (shortMessage.length > 254) {
		throw new Error(`a short_message of ${shortMessage.length} octets: at most 254 go in one PDU`);
	}

	return Buffer.concat([
		Buffer.from([0, source.ton, source.npi]), // Service_type (empty), source_addr_ton, source_addr_npi.
		cString(source.address),
		Buffer.from([destination.ton, destination.npi]),
		cString(destination.address),
		// Esm_class, protocol_id, priority_flag, schedule_delivery_time, validity_period, registered_delivery,
		// replace_if_present_flag, data_coding, sm_default_msg_id, sm_length.
		Buffer.from([esmClass, 0, 0, 0, 0, registeredDelivery, 0, dataCoding, 0, shortMessage.length]),
		shortMessage,
		...tlvs,
	]);
}

/** An optional parameter (3.4 section 5.3): tag, length, value. */
export function tlv(tag: number, value: Buffer): Buffer {
	const head = Buffer.alloc(4);
	head.writeUInt16BE(tag, 0);
	head.writeUInt16BE(value.length, 2);
	return Buffer.concat([head, value]);
}

/** TLV tags (5.3.2): receipted_message_id (a C-Octet String) and message_state (one octet) of a receipt. */
export const TAG = {receiptedMessageId: 0x00_1E, messageState: 0x04_27} as const;

/** What this side reads of a deliver_sm (4.6.1): its esm_class, short message text and receipted_message_id TLV. */
export type DeliverSm = {readonly esmClass: number; readonly text: string; readonly receiptedMessageId?: string};

/** A deliver_sm's body, read: a receipt's text is ASCII, whatever its data_coding says. */
export function readDeliverSm(body: Buffer): DeliverSm {
	let offset = readCString(body, 0).next; // Service_type.
	offset += 2;
	offset = readCString(body, offset).next; // Source_addr.
	offset += 2;
	offset = readCString(body, offset).next; // Destination_addr.
	const esmClass = body[offset] ?? 0;
	offset += 3; // Esm_class, protocol_id, priority_flag.
	offset = readCString(body, offset).next; // Schedule_delivery_time.
	offset = readCString(body, offset).next; // Validity_period.
	offset += 4; // Registered_delivery, replace_if_present_flag, data_coding, sm_default_msg_id.
	const length = body[offset] ?? 0;
	const text = body.toString('latin1', offset + 1, offset + 1 + length);
	offset += 1 + length;
	let receiptedMessageId: string | undefined;
	while (offset + 4 <= body.length) {
		const tag = body.readUInt16BE(offset);
		const size = body.readUInt16BE(offset + 2);
		if (tag === TAG.receiptedMessageId) {
			receiptedMessageId = readCString(body.subarray(0, offset + 4 + size), offset + 4).text;
		}

		offset += 4 + size;
	}

	return {esmClass, text, ...(receiptedMessageId === undefined ? {} : {receiptedMessageId})};
}
