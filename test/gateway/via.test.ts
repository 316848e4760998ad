/**
 * A local run with real senders (`--via smpp://...`) against `sms-sim gateway`: the two count the
 * same submits, throttling and failures from either side, every accepted part's receipt comes back,
 * and long messages arrive as the segments the run counted, each part with a header that puts them
 * together again.
 */
import {describe, expect, it} from 'vitest';
import {
	finished, outputMatches, runCli, runCliWithInput, start,
} from '../cli/spawn.js';
import {invalidLines} from '../output-schema.js';
import {startGateway} from './start-gateway.js';

type Line = Record<string, any>;
const linesOf = (text: string): Line[] => text.trim().split('\n').map(line => JSON.parse(line) as Line);

describe('a run --via smpp:// against sms-sim gateway', () => {
	it('sends 10,000 messages with 100 senders: the same counts on both sides, throttled submits retried, receipts matched, long messages whole', async () => {
		// 3,000 submits a second a bind and 5 ms a send: 100 at once go past the rate, so some are throttled.
		const gateway = await startGateway(['--sender', 'mean=5ms,rate=3000/s', '--failure-rate', '0.01', '--receipt-delay', '50ms', '--json', '--events', '--seed', '2']);
		// Bodies up to 300 characters of printable ASCII: GSM-7 (2 segments past 160) or, with a backtick, UCS-2.
		const run = await runCli(['-n', '10000', '-s', '100', '--via', `smpp://alerts:secret@127.0.0.1:${gateway.port}`, '--binds', '2', '--max-attempts', '8', '--backoff', '5ms', '--max-body-length', '300', '--seed', '7', '--json', '--events']);
		const served = await gateway.stop();
		expect(run.code, run.stderr).toBe(0);
		expect(invalidLines(run.stdout)).toEqual([]);
		expect(invalidLines(served.stdout)).toEqual([]);

		const runLines = linesOf(run.stdout);
		const summary = runLines.at(-1)!;
		const gatewayLines = linesOf(served.stdout);
		const gatewaySummary = gatewayLines.at(-1)!;
		expect(summary).toMatchObject({processed: 10_000, via: {binds: 2}});
		// The start line says where the sends went, without the password.
		expect(runLines[0].config.via).toEqual({gateway: `smpp://alerts@127.0.0.1:${gateway.port}`, binds: 2});
		expect(run.stdout).not.toContain('secret');

		// The same submits, accepted, throttled and failed, counted by each side.
		const {via} = summary;
		expect(via.submits).toBe(gatewaySummary.gateway.submits);
		expect(via.accepted).toBe(gatewaySummary.sent);
		expect(via.statuses.ESME_RTHROTTLED).toBe(gatewaySummary.gateway.throttled);
		expect(via.statuses.ESME_RTHROTTLED).toBeGreaterThan(100);
		expect(via.statuses.ESME_RSUBMITFAIL ?? 0).toBe(gatewaySummary.failed);

		// Every accepted part's receipt, matched to it.
		expect(via.receipts).toEqual({delivered: via.accepted, undelivered: 0, unmatched: 0});
		expect(gatewaySummary.gateway.receipts).toBe(via.accepted);
		expect(via.deliveryLatency.count).toBe(via.accepted);
		expect(via.deliveryLatency.p50Ms).toBeGreaterThanOrEqual(50);

		// A throttled attempt is tried again after its backoff, and the message is sent in the end.
		const messages = runLines.filter(line => line.type === 'message');
		const throttled = messages.find(line => line.error === 'ESME_RTHROTTLED' && line.retry === true)!;
		expect(throttled).toBeDefined();
		expect(messages.some(line => line.id === throttled.id && line.attempt > throttled.attempt)).toBe(true);
		expect(summary.retries.retried).toBeGreaterThan(0);

		// Long messages: each sent one arrives as its segments, put together again by their headers.
		const sentLast = messages.filter(line => line.status === 'sent');
		const long = sentLast.filter(line => line.segments > 1);
		expect(gatewaySummary.gateway.assembled).toBe(long.length);
		const partsTo = (to: string) => gatewayLines.filter(line => line.type === 'message' && line.to === to && line.status === 'sent');
		/** The parts' texts in the order they make up `body` (they are answered in any order). */
		const joined = (parts: Line[], body: string) => parts.map(part => part.body as string).toSorted((a, b) => body.indexOf(a) - body.indexOf(b)).join('');
		const gsm = long.find(line => line.encoding === 'gsm7' && line.segments === 2 && line.body.length > 250)!;
		expect(gsm).toBeDefined();
		const gsmParts = partsTo(gsm.to);
		expect(gsmParts.map(part => part.encoding)).toEqual(['gsm7', 'gsm7']);
		expect(joined(gsmParts, gsm.body)).toBe(gsm.body);
		const ucs2 = long.find(line => line.encoding === 'ucs2')!;
		const ucs2Parts = partsTo(ucs2.to);
		expect(ucs2Parts).toHaveLength(ucs2.segments);
		expect(ucs2Parts.every(part => part.encoding === 'ucs2')).toBe(true);
		expect(joined(ucs2Parts, ucs2.body)).toBe(ucs2.body);
	}, 120_000);

	it('sends replayed messages (--input) as they are read: each body arrives whole, the euro sign as GSM-7, others as UCS-2', async () => {
		const gateway = await startGateway(['--mean', '5ms', '--failure-rate', '0', '--receipt-delay', '10ms', '--json', '--events']);
		const bodies = ['hello one', 'price 5€ {ok}', 'ünïcode ✓'];
		const csv = ['to,body', ...bodies.map((body, index) => `+1202555012${index},"${body}"`)].join('\n');
		const run = await runCliWithInput(['--input', '-', '--input-format', 'csv', '--via', `smpp://a:b@127.0.0.1:${gateway.port}`, '--json'], csv);
		// For people: what the run is, and its time on the wall clock.
		const lines = await runCliWithInput(['--input', '-', '--input-format', 'csv', '--via', `smpp://a:b@127.0.0.1:${gateway.port}`, '--seed', '5'], csv);
		const served = await gateway.stop();
		expect(run.code, run.stderr).toBe(0);
		expect(linesOf(run.stdout).at(-1)).toMatchObject({sent: 3, via: {submits: 3, accepted: 3, receipts: {delivered: 3}}});
		expect(lines.stdout).toContain(`sms-sim: the messages of standard input (csv), up to 10 at once via smpp://a@127.0.0.1:${gateway.port} over 1 bind, seed 5`);
		expect(lines.stdout).toMatch(/^Done in [\d.]+m?s \(wall clock\): 3 messages processed$/m);
		const arrived = linesOf(served.stdout).filter(line => line.type === 'message').slice(0, 3); // The first run's.
		expect(arrived.map(line => [line.to, line.body, line.encoding]).toSorted((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
			['+12025550120', 'hello one', 'gsm7'],
			['+12025550121', 'price 5€ {ok}', 'gsm7'],
			['+12025550122', 'ünïcode ✓', 'ucs2'],
		]);
	});

	it('ends when the gateway hangs up mid-run: the sends left fail as ESME_RSYSERR, and no receipt is waited for', async () => {
		// Receipts a minute after each submit: none comes before the hang-up.
		const gateway = await startGateway(['--mean', '20ms', '--failure-rate', '0', '--receipt-delay', '60s']);
		const run = start(['-n', '3000', '-s', '20', '--via', `smpp://a:b@127.0.0.1:${gateway.port}`, '--binds', '2', '--json', '--interval', '100ms']);
		const output = finished(run);
		await outputMatches(run, /"type":"progress".*"sent":[1-9]/);
		await gateway.stop();
		const {code, stdout, stderr} = await output;
		expect(code, stderr).toBe(0);
		const summary = linesOf(stdout).at(-1)!;
		expect(summary).toMatchObject({type: 'summary', processed: 3000, interrupted: false});
		expect(summary.sent).toBeGreaterThan(0);
		expect(summary.failed).toBeGreaterThan(0);
		expect(summary.via.statuses.ESME_RSYSERR).toBeGreaterThan(0);
		expect(summary.via.receipts).toEqual({delivered: 0, undelivered: 0, unmatched: 0});
		expect(stderr).not.toContain('waiting up to');
	});

	it('refuses what real sends cannot do, in one line each', async () => {
		for (const [args, message] of [
			[['--speed', 'max'], '--speed cannot be combined with --via: real sends take the time they take, on the wall clock (speed 1)'],
			[['--replications', '3'], '--replications cannot be combined with --via'],
		] as const) {
			const {code, stderr} = await runCli(['--via', 'smpp://a:b@127.0.0.1:1', ...args]);
			expect(code).toBe(2);
			expect(stderr).toContain(message);
		}

		const bad = await runCli(['--via', 'http://a:b@host']);
		expect(bad.stderr).toContain('--via must be smpp://system_id:password@host[:port]');
		const binds = await runCli(['--binds', '2']);
		expect(binds.stderr).toContain('--binds needs --via');
	});

	it('says in one line that nothing listens at the gateway\'s address, exit 4', async () => {
		const {code, stderr} = await runCli(['--via', 'smpp://a:b@127.0.0.1:1', '-n', '10']);
		expect(code).toBe(4);
		expect(stderr.trim()).toBe('sms-sim: --via: cannot reach 127.0.0.1:1: nothing listens there');
	});
});
