/**
 * The PDUs `--via` and the gateway code by hand (smpp-pdu.ts), read back by the `smpp` package, an
 * independent implementation of the specification, and the package's PDUs read by ours.
 */
import smpp, {type PDU} from 'smpp';
import {describe, expect, it} from 'vitest';
import {
	bindTransceiverBody, cString, encodePdu, encodeText, PduReader, readDeliverSm, shortMessageBody, TAG, tlv, type Pdu,
} from '../../source/gateway/smpp-pdu.js';

/** A PDU as the package reads it off the wire. */
const decoded = (bytes: Buffer) => new (smpp.PDU as unknown as new (buffer: Buffer) => PDU)(bytes);

describe('PDUs coded by hand, read by the smpp package', () => {
	it('a bind_transceiver: system_id, password and interface version 3.4', () => {
		const pdu = decoded(encodePdu(0x09, 0, 7, bindTransceiverBody('alerts', 'secret')));
		expect(pdu).toMatchObject({
			command: 'bind_transceiver', sequence_number: 7, system_id: 'alerts', password: 'secret', system_type: '', interface_version: 0x34,
		});
	});

	it('a submit_sm of a concatenated GSM-7 part: international number, UDHI, header and text, the extension table escaped', () => {
		const udh = Buffer.from([0x05, 0x00, 0x03, 0x2A, 2, 1]);
		const text = '@Price: 5€ {ok} £ [x]';
		const bytes = encodePdu(0x04, 0, 3, shortMessageBody({
			destination: {ton: 1, npi: 1, address: '447700900123'}, esmClass: 0x40, registeredDelivery: 1, dataCoding: 0, shortMessage: Buffer.concat([udh, encodeText(text, 0)]),
		}));
		const pdu = decoded(bytes);
		expect(pdu).toMatchObject({
			command: 'submit_sm', destination_addr: '447700900123', dest_addr_ton: 1, dest_addr_npi: 1, esm_class: 0x40, registered_delivery: 1, data_coding: 0, source_addr: '',
		});
		const message = pdu.short_message as {udh: Buffer[]; message: string};
		expect(message.message).toBe(text);
		expect(message.udh).toEqual([Buffer.from([0x00, 0x03, 0x2A, 2, 1])]);
		// The euro sign is the escape and 0x65; the at sign is 0x00.
		expect([...encodeText('€@', 0)]).toEqual([0x1B, 0x65, 0x00]);
	});

	it('a submit_sm of UCS-2 text: data_coding 8, big-endian, a character outside the BMP as its surrogate pair', () => {
		const text = 'Ünïcode ✓ 😀';
		const pdu = decoded(encodePdu(0x04, 0, 4, shortMessageBody({
			destination: {ton: 0, npi: 1, address: '5550100'}, esmClass: 0, registeredDelivery: 0, dataCoding: 8, shortMessage: encodeText(text, 8),
		})));
		expect(pdu).toMatchObject({data_coding: 8, destination_addr: '5550100', dest_addr_ton: 0});
		expect((pdu.short_message as {message: string}).message).toBe(text);
	});

	it('a delivery receipt: esm_class 0x04, its text, receipted_message_id and message_state', () => {
		const text = 'id:42 sub:001 dlvrd:001 submit date:2612052100 done date:2612052100 stat:DELIVRD err:000 text:hello';
		const pdu = decoded(encodePdu(0x05, 0, 9, shortMessageBody({
			source: {ton: 1, npi: 1, address: '447700900123'},
			destination: {ton: 0, npi: 0, address: ''},
			esmClass: 0x04,
			registeredDelivery: 0,
			dataCoding: 0,
			shortMessage: encodeText(text, 0),
			tlvs: [tlv(TAG.receiptedMessageId, cString('42')), tlv(TAG.messageState, Buffer.from([2]))],
		})));
		expect(pdu).toMatchObject({
			command: 'deliver_sm', source_addr: '447700900123', esm_class: 0x04, receipted_message_id: '42', message_state: 2,
		});
		expect((pdu.short_message as {message: string}).message).toBe(text);
	});
});

describe('PDUs the smpp package codes, read by hand', () => {
	it('a delivery receipt: its esm_class, text and receipted_message_id', () => {
		const bytes = new smpp.PDU('deliver_sm', {
			sequence_number: 5, source_addr: '15550100', esm_class: 0x04, short_message: 'id:7 stat:UNDELIV err:001', receipted_message_id: '7',
		}).toBuffer();
		const reader = new PduReader(pdu => {
			expect(pdu).toMatchObject({commandId: 0x05, status: 0, sequence: 5});
			expect(readDeliverSm(pdu.body)).toEqual({esmClass: 0x04, text: 'id:7 stat:UNDELIV err:001', receiptedMessageId: '7'});
		});
		reader.push(bytes);
		expect.assertions(2);
	});

	it('a deliver_sm without the TLV: no receipted_message_id', () => {
		const bytes = new smpp.PDU('deliver_sm', {short_message: 'hi'}).toBuffer();
		expect(readDeliverSm(bytes.subarray(16))).toEqual({esmClass: 0, text: 'hi'});
	});
});

describe('PduReader', () => {
	const twoPdus = Buffer.concat([
		encodePdu(0x80_00_00_04, 0, 1, cString('abc')),
		encodePdu(0x80_00_00_04, 0x58, 2),
	]);
	const read = (chunks: Buffer[]): Pdu[] => {
		const pdus: Pdu[] = [];
		const reader = new PduReader(pdu => {
			pdus.push({...pdu, body: Buffer.from(pdu.body)});
		});
		for (const chunk of chunks) {
			reader.push(chunk);
		}

		return pdus;
	};

	it('gives each whole PDU once, however the stream is cut', () => {
		const whole = read([twoPdus]);
		expect(whole.map(({commandId, status, sequence, body}) => ({
			commandId, status, sequence, body: body.toString('latin1'),
		}))).toEqual([
			{
				commandId: 0x80_00_00_04, status: 0, sequence: 1, body: 'abc\0',
			},
			{
				commandId: 0x80_00_00_04, status: 0x58, sequence: 2, body: '',
			},
		]);
		for (let cut = 1; cut < twoPdus.length; cut++) {
			expect(read([twoPdus.subarray(0, cut), twoPdus.subarray(cut)])).toEqual(whole);
		}

		expect(read([...twoPdus].map(byte => Buffer.from([byte])))).toEqual(whole);
	});

	it('refuses a length no PDU can have', () => {
		const reader = new PduReader(() => undefined);
		expect(() => {
			reader.push(Buffer.from([0, 0, 0, 8, 0, 0, 0, 0]));
		}).toThrow('a PDU of 8 bytes: the stream is broken');
	});
});

describe('encodeText', () => {
	it('refuses a character GSM-7 lacks, or writes ? for it when lossy', () => {
		expect(() => encodeText('Ω ok ✓', 0)).toThrow('"✓" is not in the GSM 03.38 alphabet');
		expect(encodeText('ok ✓', 0, true).toString('latin1')).toBe('ok ?');
	});
});
