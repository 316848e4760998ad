/**
 * `sms-sim gateway` against a client that shares no code with it: PDUs written here byte for byte
 * from the SMPP 3.4 specification (section 4: bind_transceiver, enquire_link, submit_sm,
 * deliver_sm, unbind and their responses; section 5.1.2: command ids), over a plain socket.
 */
import {connect, type Socket} from 'node:net';
import {describe, expect, it} from 'vitest';
import {finished, start} from '../cli/spawn.js';
import {invalidLines} from '../output-schema.js';

/** A C-Octet String: the text and its NULL terminator. */
const cString = (text: string): Buffer => Buffer.concat([Buffer.from(text, 'latin1'), Buffer.from([0])]);

/** A PDU: the 16-octet header (command_length, command_id, command_status, sequence_number), then the body. */
function pdu(commandId: number, sequence: number, body: Buffer = Buffer.alloc(0), status = 0): Buffer {
	const header = Buffer.alloc(16);
	header.writeUInt32BE(16 + body.length, 0);
	header.writeUInt32BE(commandId, 4);
	header.writeUInt32BE(status, 8);
	header.writeUInt32BE(sequence, 12);
	return Buffer.concat([header, body]);
}

const BIND_TRANSCEIVER = 0x00_00_00_09;
const ENQUIRE_LINK = 0x00_00_00_15;
const SUBMIT_SM = 0x00_00_00_04;
const DELIVER_SM = 0x00_00_00_05;
const UNBIND = 0x00_00_00_06;
const RESPONSE = 0x80_00_00_00;

/** Bind_transceiver's body (4.1.5): system_id, password, system_type, interface_version 0x34, addr_ton, addr_npi, address_range. */
const bindBody = (systemId: string, password: string): Buffer => Buffer.concat([cString(systemId), cString(password), cString(''), Buffer.from([0x34, 0, 0]), cString('')]);

/** Submit_sm's body (4.4.1), international numbers (TON 1, NPI 1), a receipt asked for (registered_delivery 1). */
function submitBody(to: string, message: Buffer, dataCoding: number): Buffer {
	return Buffer.concat([
		cString(''), // Service_type
		Buffer.from([1, 1]),
		cString('12025550100'), // Source_addr_ton, source_addr_npi, source_addr
		Buffer.from([1, 1]),
		cString(to), // Dest_addr_ton, dest_addr_npi, destination_addr
		Buffer.from([0, 0, 0]), // Esm_class, protocol_id, priority_flag
		cString(''),
		cString(''), // Schedule_delivery_time, validity_period
		Buffer.from([1, 0, dataCoding, 0, message.length]), // Registered_delivery, replace_if_present_flag, data_coding, sm_default_msg_id, sm_length
		message,
	]);
}

type Received = {commandId: number; status: number; sequence: number; body: Buffer};

/** A socket's PDUs, as they arrive. */
function reader(socket: Socket) {
	const received: Received[] = [];
	const waiting: Array<() => void> = [];
	let buffer = Buffer.alloc(0);
	socket.on('data', (chunk: Buffer) => {
		buffer = Buffer.concat([buffer, chunk]);
		while (buffer.length >= 16 && buffer.length >= buffer.readUInt32BE(0)) {
			const length = buffer.readUInt32BE(0);
			received.push({
				commandId: buffer.readUInt32BE(4), status: buffer.readUInt32BE(8), sequence: buffer.readUInt32BE(12), body: buffer.subarray(16, length),
			});
			buffer = buffer.subarray(length);
			for (const wake of waiting.splice(0)) {
				wake();
			}
		}
	});
	return {
		/** The first PDU (taken off the list) with this command id. */
		async next(commandId: number): Promise<Received> {
			for (;;) {
				const index = received.findIndex(each => each.commandId === commandId);
				if (index !== -1) {
					return received.splice(index, 1)[0];
				}

				await new Promise<void>(resolve => {
					waiting.push(resolve);
				});
			}
		},
	};
}

async function connected(port: number): Promise<Socket> {
	return new Promise((resolve, reject) => {
		const socket = connect(port, '127.0.0.1', () => {
			resolve(socket);
		});
		socket.once('error', reject);
	});
}

const byText = (a: unknown, b: unknown): number => String(a).localeCompare(String(b));

/** Reads a PDU body field by field, in order. */
function fields(body: Buffer) {
	let offset = 0;
	const reader = {
		/** The last C-Octet String read. */
		last: '',
		cString(): string {
			const end = body.indexOf(0, offset);
			reader.last = body.subarray(offset, end).toString('latin1');
			offset = end + 1;
			return reader.last;
		},
		octets(count: number): number[] {
			const read = [...body.subarray(offset, offset + count)];
			offset += count;
			return read;
		},
	};
	return reader;
}

/** The C-Octet String at the start of `body`. */
const leadingText = (body: Buffer): string => body.subarray(0, body.indexOf(0)).toString('latin1');

describe('sms-sim gateway and a client written from the SMPP 3.4 specification', () => {
	it('binds, answers enquire_link and submit_sm, sends a delivery receipt, and unbinds', async () => {
		const gateway = start(['gateway', '--listen', '127.0.0.1:0', '--account', 'alerts:secret', '--mean', '5ms', '--distribution', 'fixed', '--failure-rate', '0', '--receipt-delay', '20ms', '--json', '--events', '--seed', '1']);
		const output = finished(gateway);
		const port = await new Promise<number>(resolve => {
			let text = '';
			gateway.stderr.on('data', (chunk: Buffer) => {
				text += chunk.toString();
				const match = /gateway listening on smpp:\/\/127\.0\.0\.1:(\d+)/.exec(text);
				if (match) {
					resolve(Number(match[1]));
				}
			});
		});

		// A wrong password: ESME_RINVPASWD (0x0000000E).
		const intruder = await connected(port);
		const intruderPdus = reader(intruder);
		intruder.write(pdu(BIND_TRANSCEIVER, 1, bindBody('alerts', 'guess')));
		expect(await intruderPdus.next(BIND_TRANSCEIVER + RESPONSE)).toMatchObject({status: 0x0E, sequence: 1});
		intruder.destroy();

		const socket = await connected(port);
		const pdus = reader(socket);
		socket.write(pdu(BIND_TRANSCEIVER, 1, bindBody('alerts', 'secret')));
		const bound = await pdus.next(BIND_TRANSCEIVER + RESPONSE);
		expect(bound).toMatchObject({status: 0, sequence: 1});
		expect(leadingText(bound.body)).toBe('sms-sim');

		socket.write(pdu(ENQUIRE_LINK, 2));
		expect(await pdus.next(ENQUIRE_LINK + RESPONSE)).toMatchObject({status: 0, sequence: 2, body: Buffer.alloc(0)});

		// GSM-7 (data_coding 0, one septet an octet) and UCS-2 (data_coding 8, big-endian).
		socket.write(pdu(SUBMIT_SM, 3, submitBody('15551234567', Buffer.from('Hello, world', 'latin1'), 0)));
		socket.write(pdu(SUBMIT_SM, 4, submitBody('15551234568', Buffer.from('Привет', 'utf16le').swap16(), 8)));
		const first = await pdus.next(SUBMIT_SM + RESPONSE);
		const second = await pdus.next(SUBMIT_SM + RESPONSE);
		expect([first.status, second.status]).toEqual([0, 0]);
		const ids = new Map([[first.sequence, leadingText(first.body)], [second.sequence, leadingText(second.body)]]);
		expect(ids.get(3)).toMatch(/^\S{1,64}$/);

		// Delivery receipts (4.6.1, appendix B): esm_class 0x04, the receipt text in short_message.
		const receipts: string[] = [];
		for (let index = 0; index < 2; index++) {
			const deliver = await pdus.next(DELIVER_SM);
			const body = fields(deliver.body);
			body.cString(); // Service_type
			body.octets(2); // Source_addr_ton, source_addr_npi
			expect(['15551234567', '15551234568']).toContain(body.cString()); // Source_addr: the number the message went to
			body.octets(2); // Dest_addr_ton, dest_addr_npi
			expect(body.cString()).toBe('12025550100'); // Destination_addr: the sender
			const [esmClass] = body.octets(3); // Esm_class, protocol_id, priority_flag
			expect(esmClass).toBe(0x04);
			body.cString(); // Schedule_delivery_time
			body.cString(); // Validity_period
			const octets = body.octets(5); // Registered_delivery, replace_if_present_flag, data_coding, sm_default_msg_id, sm_length
			expect(octets[2]).toBe(0);
			receipts.push(Buffer.from(body.octets(octets[4] ?? 0)).toString('latin1'));
			socket.write(pdu(DELIVER_SM + RESPONSE, deliver.sequence, cString('')));
		}

		expect(receipts.map(text => /^id:(\S+) sub:001 dlvrd:001 submit date:\d{10} done date:\d{10} stat:DELIVRD err:000 text:/.exec(text)?.[1]).toSorted(byText)).toEqual([...ids.values()].toSorted(byText));

		socket.write(pdu(UNBIND, 5));
		expect(await pdus.next(UNBIND + RESPONSE)).toMatchObject({status: 0, sequence: 5});
		socket.destroy();

		gateway.kill('SIGINT');
		const {code, stdout} = await output;
		expect(code).toBe(130);
		expect(invalidLines(stdout)).toEqual([]);
		const lines = stdout.trim().split('\n').map(line => JSON.parse(line) as Record<string, any>);
		expect(lines[0]).toMatchObject({type: 'start', role: 'gateway', listen: `smpp://127.0.0.1:${port}`});
		const messages = lines.filter(line => line.type === 'message');
		expect(messages.map(message => [message.to, message.body, message.encoding, message.status]).toSorted((a, b) => byText(a[0], b[0]))).toEqual([
			['+15551234567', 'Hello, world', 'gsm7', 'sent'],
			['+15551234568', 'Привет', 'ucs2', 'sent'],
		]);
		expect(lines.at(-1)).toMatchObject({
			type: 'summary', sent: 2, failed: 0, gateway: {
				bindsTotal: 1, submits: 2, receipts: 2, throttled: 0,
			},
		});
	}, 30_000);
});
