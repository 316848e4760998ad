import type {Command} from '../command.js';
import {Checker} from '../checker.js';
import type {GatewayOptions} from '../gateway.js';
import {validateOptions, type CliFlags} from '../options.js';

/** `sms-sim gateway`: an SMSC that real SMPP clients bind to, answering as a sender group would. */
export const gatewayCommand: Command<GatewayOptions> = {
	name: 'gateway',
	synopsis: 'sms-sim gateway [options]',
	summary: 'A simulated SMSC that real SMPP 3.4 clients bind to and submit to',
	about: 'Listens for SMPP 3.4 clients (--listen, default 127.0.0.1:2775): binds as transmitter, receiver or transceiver with a system_id and password (--account; any, when none is given), enquire_link and unbind. Each submit_sm is answered after a send time drawn as a sender group\'s is (--mean, --distribution, --spread, --send-times), failing at --failure-rate (ESME_RSUBMITFAIL, or ESME_RINVDSTADR for the --permanent-failure-rate share), throttled past the group\'s rate= per bind (ESME_RTHROTTLED) or past --window unanswered PDUs (ESME_RMSGQFUL). A message sent with registered_delivery gets a delivery receipt (deliver_sm, stat DELIVRD or UNDELIV) after --receipt-delay. It shows the dashboard, lines or NDJSON a run does, with its binds, submits and receipts, until Ctrl-C or SIGTERM, then its summary (exit 130).',
	examples: [
		'sms-sim gateway --mean 50ms --failure-rate 2%',
		'sms-sim gateway --listen 0.0.0.0:2775 --account alerts:secret',
		'sms-sim gateway --sender mean=20ms,rate=500/s --window 100',
		'sms-sim gateway --json --events > gateway.ndjson',
	],
	validate({flags}) {
		const cliFlags = flags as CliFlags & Record<string, unknown>;
		const check = new Checker();
		// A gateway's group is how it answers, not a pool: it has no count.
		const validation = validateOptions({...cliFlags, ...(cliFlags.sender ? {} : {senders: '1'})}, undefined, {counted: false});
		const errors = [...validation.errors];
		const listen = cliFlags.listen === undefined ? {host: '127.0.0.1', port: 2775} : check.listenAddress('--listen', cliFlags.listen, {defaultPort: 2775});
		const accounts = new Map<string, string>();
		for (const account of (cliFlags.account as readonly string[] | undefined) ?? []) {
			const colon = account.indexOf(':');
			const [id, password] = colon === -1 ? [account, ''] : [account.slice(0, colon), account.slice(colon + 1)];
			// SMPP 3.4: system_id is a C-string of at most 16 octets, password of at most 9.
			if (colon === -1 || id === '' || Buffer.byteLength(id) > 15 || Buffer.byteLength(password) > 8) {
				check.fail('--account', 'must be system_id:password, system_id 1 to 15 characters and password at most 8 (SMPP 3.4 limits)', account);
			} else {
				accounts.set(id, password);
			}
		}

		const whole = (name: string, raw: unknown, fallback: number, max: number) => raw === undefined ? fallback : check.whole(name, raw, {min: 1, max});
		const maxConnections = whole('--max-connections', cliFlags.maxConnections, 100, 100_000);
		const window = whole('--window', cliFlags.window, 1000, 1_000_000);
		const receiptDelayMs = cliFlags.receiptDelay === undefined ? 1000 : check.duration('--receipt-delay', cliFlags.receiptDelay, {min: 0.001, max: 3_600_000, zero: true});
		const undeliveredRate = cliFlags.undeliveredRate === undefined ? 0 : check.fraction('--undelivered-rate', cliFlags.undeliveredRate);
		const groups = validation.value?.simulation.groups ?? [];
		if (groups.length > 1) {
			check.errors.push(`gateway answers as one sender group: got ${groups.length} --sender groups`);
		}

		errors.push(...check.errors);
		if (errors.length > 0 || validation.value === undefined || listen === undefined || maxConnections === undefined || window === undefined || receiptDelayMs === undefined || undeliveredRate === undefined) {
			return {value: undefined, errors};
		}

		return {
			value: {
				...validation.value, listen, accounts, maxConnections, window, receiptDelayMs, undeliveredRate,
			},
			errors: [],
		};
	},
	async execute(options, io) {
		const {gateway} = await import('../gateway.js');
		return gateway(options, io);
	},
};
