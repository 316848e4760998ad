/**
 * `sms-sim gateway`'s rules, each through an SMPP client (the `smpp` package's): what it answers
 * past a rate or a window, when a send fails, before a bind, and where receipts go; and its
 * errors for bad flags.
 */
import {createServer} from 'node:net';
import smpp, {type PDU, type Session} from 'smpp';
import {describe, expect, it} from 'vitest';
import {runCli, type Finished} from '../cli/spawn.js';
import {startGateway as startSharedGateway} from './start-gateway.js';

/** Starts `sms-sim gateway` on a free port, NDJSON out, seed 1; `stop` interrupts it and gives its output. */
const startGateway = async (...args: string[]) => startSharedGateway(['--json', '--seed', '1', ...args]);

/** A session of the `smpp` package's client, its calls as promises. */
async function session(port: number): Promise<{
	readonly raw: Session;
	call: (command: string, fields?: Record<string, unknown>) => Promise<PDU>;
	status: (command: string, fields?: Record<string, unknown>) => Promise<number>;
	close: () => void;
}> {
	const raw = smpp.connect({url: `smpp://127.0.0.1:${port}`});
	raw.on('error', () => undefined);
	await new Promise<void>(resolve => {
		raw.on('connect', resolve);
	});
	const call = async (command: string, fields: Record<string, unknown> = {}) => new Promise<PDU>(resolve => {
		(raw[command] as (fields: Record<string, unknown>, callback: (pdu: PDU) => void) => void).call(raw, fields, resolve);
	});
	return {
		raw,
		call,
		async status(command, fields) {
			const pdu = await call(command, fields);
			return pdu.command_status;
		},
		close() {
			raw.destroy();
		},
	};
}

const {errors} = smpp;
const submit = {destination_addr: '15551234567', dest_addr_ton: 1, short_message: 'alert'};
const summaryOf = (output: Finished) => JSON.parse(output.stdout.trim().split('\n').at(-1)!) as Record<string, any>;

describe('sms-sim gateway', () => {
	it('throttles a bind past its rate with ESME_RTHROTTLED, and counts it', async () => {
		// 5 a second, a burst of at most one: of 20 submits at once, 1 goes through.
		const gateway = await startGateway('--sender', 'mean=1ms,rate=5/s', '--failure-rate', '0');
		const client = await session(gateway.port);
		expect(await client.status('bind_transmitter', {system_id: 'a', password: 'b'})).toBe(0);
		const statuses = await Promise.all(Array.from({length: 20}, async () => client.status('submit_sm', submit)));
		client.close();
		const summary = summaryOf(await gateway.stop());
		expect(statuses.filter(status => status === 0)).toHaveLength(1);
		expect(statuses.filter(status => status === errors.ESME_RTHROTTLED)).toHaveLength(19);
		expect(summary).toMatchObject({sent: 1, gateway: {submits: 20, throttled: 19, windowFull: 0}});
	});

	it('answers ESME_RMSGQFUL past the window of unanswered submits', async () => {
		const gateway = await startGateway('--mean', '300ms', '--distribution', 'fixed', '--failure-rate', '0', '--window', '2');
		const client = await session(gateway.port);
		await client.call('bind_transceiver', {system_id: 'a', password: 'b'});
		const statuses = await Promise.all(Array.from({length: 5}, async () => client.status('submit_sm', submit)));
		client.close();
		const summary = summaryOf(await gateway.stop());
		expect(statuses.toSorted((a, b) => a - b)).toEqual([0, 0, errors.ESME_RMSGQFUL, errors.ESME_RMSGQFUL, errors.ESME_RMSGQFUL]);
		expect(summary.gateway).toMatchObject({submits: 5, windowFull: 3});
	});

	it('fails a send as the group fails: ESME_RSUBMITFAIL, or ESME_RINVDSTADR for a permanent failure', async () => {
		for (const [permanent, status] of [['0', errors.ESME_RSUBMITFAIL], ['1', errors.ESME_RINVDSTADR]] as const) {
			const gateway = await startGateway('--mean', '1ms', '--failure-rate', '1', '--permanent-failure-rate', permanent);

			const client = await session(gateway.port);

			await client.call('bind_transmitter', {system_id: 'a', password: 'b'});

			expect(await client.status('submit_sm', submit)).toBe(status);
			client.close();

			expect(summaryOf(await gateway.stop())).toMatchObject({sent: 0, failed: 1});
		}
	});

	it('refuses a submit before a bind, or on a receiver\'s bind, with ESME_RINVBNDSTS; a second bind with ESME_RALYBND', async () => {
		const gateway = await startGateway();
		const client = await session(gateway.port);
		expect(await client.status('submit_sm', submit)).toBe(errors.ESME_RINVBNDSTS);
		expect(await client.status('bind_receiver', {system_id: 'a', password: 'b'})).toBe(0);
		expect(await client.status('submit_sm', submit)).toBe(errors.ESME_RINVBNDSTS);
		expect(await client.status('bind_transmitter', {system_id: 'a', password: 'b'})).toBe(errors.ESME_RALYBND);
		expect(await client.status('enquire_link')).toBe(0);
		client.close();
		await gateway.stop();
	});

	it('refuses an unknown system_id with ESME_RINVSYSID when accounts are given', async () => {
		const gateway = await startGateway('--account', 'alerts:secret');
		const client = await session(gateway.port);
		expect(await client.status('bind_transmitter', {system_id: 'other', password: 'secret'})).toBe(errors.ESME_RINVSYSID);
		expect(await client.status('bind_transmitter', {system_id: 'alerts', password: 'secret'})).toBe(0);
		client.close();
		await gateway.stop();
	});

	it('sends a transmitter\'s receipts to a receiver bound with its system_id, and counts those nobody can take', async () => {
		const gateway = await startGateway('--mean', '1ms', '--failure-rate', '0', '--receipt-delay', '20ms');
		const receiver = await session(gateway.port);
		await receiver.call('bind_receiver', {system_id: 'alerts', password: 'x'});
		const receipt = new Promise<PDU>(resolve => {
			receiver.raw.on('deliver_sm', (pdu: PDU) => {
				receiver.raw.send(pdu.response());
				resolve(pdu);
			});
		});
		const sender = await session(gateway.port);
		await sender.call('bind_transmitter', {system_id: 'alerts', password: 'x'});
		const accepted = await sender.call('submit_sm', {...submit, registered_delivery: 1});
		const delivered = await receipt;
		expect(delivered.esm_class).toBe(4);
		expect((delivered.short_message as {message: string}).message).toMatch(new RegExp(`^id:${String(accepted.message_id)} .* stat:DELIVRD err:000 text:alert$`));
		expect(delivered.receipted_message_id).toBe(accepted.message_id);
		// Another system_id with no receiver: its receipt has nowhere to go.
		const lonely = await session(gateway.port);
		await lonely.call('bind_transmitter', {system_id: 'other', password: 'x'});
		await lonely.call('submit_sm', {...submit, registered_delivery: 1});
		await new Promise(resolve => {
			setTimeout(resolve, 100);
		});
		for (const client of [receiver, sender, lonely]) {
			client.close();
		}

		expect(summaryOf(await gateway.stop()).gateway).toMatchObject({receipts: 1, receiptsUnrouted: 1, bindsTotal: 3});
	});

	it('closes a connection past --max-connections', async () => {
		const gateway = await startGateway('--max-connections', '1');
		const first = await session(gateway.port);
		expect(await first.status('bind_transmitter', {system_id: 'a', password: 'b'})).toBe(0);
		const second = smpp.connect({url: `smpp://127.0.0.1:${gateway.port}`});
		second.on('error', () => undefined);
		await new Promise<void>(resolve => {
			second.on('close', () => {
				resolve();
			});
		});
		first.close();
		expect(summaryOf(await gateway.stop()).gateway).toMatchObject({bindsTotal: 1});
	});

	it.each([
		[['--listen', 'nowhere'], '--listen must be [host:]port, port 0 to 65535 (0: any free port), such as 2775 or 0.0.0.0:2775, got "nowhere"'],
		[['--account', 'nopassword'], '--account must be system_id:password'],
		[['--sender', 'mean=1ms', '--sender', 'mean=2ms'], 'gateway answers as one sender group: got 2 --sender groups'],
		[['--senders', '5'], '--senders does not apply to sms-sim gateway'],
		[['--sender', 'count=5,mean=1ms'], '--sender "count=5,mean=1ms": count means nothing here: the group is how the gateway answers, not a number of senders'],
	])('refuses %j in one line, exit 2', async (args, message) => {
		const {code, stderr} = await runCli(['gateway', ...args]);
		expect(code).toBe(2);
		expect(stderr).toContain(message);
	});

	it('says in one line that its port is taken, exit 2', async () => {
		const taken = createServer();
		await new Promise<void>(resolve => {
			taken.listen(0, '127.0.0.1', resolve);
		});
		const {port} = taken.address() as {port: number};
		try {
			const {code, stderr} = await runCli(['gateway', '--listen', `127.0.0.1:${port}`]);
			expect(code).toBe(2);
			expect(stderr.trim()).toBe(`sms-sim: --listen: cannot listen on 127.0.0.1:${port}: the port is in use`);
		} finally {
			taken.close();
		}
	});
});
