import {once} from 'node:events';
import {readFileSync} from 'node:fs';
import {createServer, type AddressInfo} from 'node:net';
import {
	afterAll, beforeAll, describe, expect, it,
} from 'vitest';
import {COMMAND_NAMES, SETTINGS, type CommandName} from '../../source/cli/settings.js';
import {runCli} from './spawn.js';

/** The words that reach a command's help: `run` is a local run, with no word. */
const words = (command: CommandName): string[] => (command === 'run' ? [] : [command]);

describe('help for every command', () => {
	// A broker that is not one: any connection to it means a command ran instead of its help.
	const connections: string[] = [];
	const server = createServer(socket => {
		connections.push(`${socket.remoteAddress}:${socket.remotePort}`);
		socket.destroy();
	});
	let broker = '';
	beforeAll(async () => {
		server.listen(0, '127.0.0.1');
		await once(server, 'listening');
		broker = `amqp://127.0.0.1:${(server.address() as AddressInfo).port}`;
	});
	afterAll(() => {
		server.close();
	});

	it.each(COMMAND_NAMES)('%s: --help, -h and help print its own help, exit 0, before any connection or file', async command => {
		// Flags that would make the command act, or fail, if it ran: a broker, a run that does not exist, a file that is not there.
		const acting = ['--broker', broker, '--run', 'no-such-run', '--config', '/nonexistent/load.json'];
		const asked = await Promise.all([
			runCli([...words(command), '--help', ...acting]),
			runCli([...words(command), ...acting, '-h']),
			runCli(['help', ...words(command)]),
		]);
		for (const {code, stdout, stderr} of asked) {
			expect(code).toBe(0);
			expect(stderr).toBe('');
			expect(stdout).toBe(asked[2].stdout);
		}

		const help = asked[0].stdout;
		expect(help).toMatch(new RegExp(String.raw`^Usage\n {2}\$ sms-sim ${command === 'run' ? String.raw`\[options\]` : command}`));
		// Every flag that applies, with its default where it has one; none that does not.
		for (const setting of SETTINGS) {
			const line = new RegExp(String.raw`^ {2}(?:-${setting.short}, | {4})--${setting.name}\b`, 'm');
			if (setting.commands.includes(command)) {
				expect(help, `--${setting.name}`).toMatch(line);
				// A setting that means something else to this command says so, in its words.
				const words = (setting.helpIn?.[command] ?? setting.help).split(' ').slice(0, 4).join(' ');
				expect(help.replaceAll(/\s+/g, ' '), `--${setting.name}`).toContain(words);
				if (setting.default !== undefined) {
					expect(help.replaceAll(/\s+/g, ' '), `--${setting.name}`).toContain(`(default ${setting.default})`);
				}
			} else {
				expect(help, `--${setting.name}`).not.toMatch(line);
			}
		}

		const examples = help.slice(help.indexOf('\nExamples\n')).split('\n').filter(line => /^ {2}\$ .*sms-sim /.test(line));
		expect(examples.length).toBeGreaterThanOrEqual(2);
		expect(Math.max(...help.split('\n').map(line => line.length))).toBeLessThanOrEqual(80);
		expect(connections).toEqual([]);
	});

	it('names the nearest command for a typo, and lists them all', async () => {
		const {code, stderr} = await runCli(['reprot']);
		expect(code).toBe(2);
		expect(stderr).toMatch(/^sms-sim: unknown command "reprot" \(did you mean report\?\): the commands are produce, send, monitor, purge, report, compare, plan, gateway, schema, help/m);
		const help = await runCli(['help', 'plna']);
		expect(help.code).toBe(2);
		expect(help.stderr).toMatch(/did you mean plan\?/);
	});
});

describe('flags as people type them', () => {
	it('suggests -n for --n, and takes -n5 and --failure-rate 10%', async () => {
		const long = await runCli(['--n', '5']);
		expect(long.code).toBe(2);
		expect(long.stderr).toMatch(/^sms-sim: unknown flag "--n" \(did you mean -n\?\)$/m);
		const [joined, apart] = await Promise.all([
			runCli(['-n5', '--failure-rate', '10%', '--speed', 'max', '--seed', '3', '--json']),
			runCli(['-n', '5', '--failure-rate', '0.1', '--speed', 'max', '--seed', '3', '--json']),
		]);
		expect(joined.code).toBe(0);
		const last = (stdout: string) => {
			const {wallMs: _, ...summary} = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
			return summary;
		};

		expect(last(joined.stdout)).toEqual(last(apart.stdout));
		expect(last(joined.stdout).processed).toBe(5);
	});
});

describe('purge', () => {
	it('never acts on an implicit run: --run is required', async () => {
		const {code, stdout, stderr} = await runCli(['purge', '--broker', 'amqp://127.0.0.1:1']);
		expect(code).toBe(2);
		expect(stdout).toBe('');
		expect(stderr).toMatch(/^sms-sim: purge needs --run <id>/m);
	});
});

describe('the options table (docs/options.md)', () => {
	it('lists every setting, with the commands it applies to, and nothing else', () => {
		const doc = readFileSync(new URL('../../docs/options.md', import.meta.url), 'utf8');
		const table = doc.slice(doc.indexOf('# Options'), doc.indexOf('## Ranges')).split('\n').filter(line => line.startsWith('| `'));
		const listed = new Map<string, string[]>();
		for (const row of table) {
			const cells = row.slice(1, -1).split(/(?<!\\)\|/).map(cell => cell.trim());
			const [flags, commands] = [cells[0], cells[3]];
			for (const [, name] of flags.matchAll(/`(?:-\w, )?--([a-z][\w-]*)/g)) {
				listed.set(name, commands.split(', '));
			}
		}

		expect([...listed.keys()].toSorted()).toEqual(SETTINGS.map(setting => setting.name).toSorted());
		for (const setting of SETTINGS) {
			expect(listed.get(setting.name), `--${setting.name}`).toEqual(setting.commands);
		}
	});
});
