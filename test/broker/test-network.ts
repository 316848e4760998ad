import {execFileSync, spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {existsSync} from 'node:fs';
import {CLI} from '../cli/spawn.js';

/**
 * Hosts for a test, each a network namespace with one address on a switch (a bridge in a namespace
 * of its own), as separate machines on one LAN would be. The addresses are in 10.213.0.0/24 and
 * exist only inside these namespaces. A host's link can be cut at the switch, as a pulled cable or a
 * partition would: its packets are dropped silently, its connections stay open, and come back when
 * the link does. Needs root and iproute2.
 */
export type TestNetwork = {
	/** Each host's address, by name. */
	readonly addresses: Readonly<Record<string, string>>;
	/** Runs a command on a host (as `ip netns exec` does: the child is the command itself). */
	readonly exec: (host: string, command: string, args: readonly string[], env?: NodeJS.ProcessEnv) => ChildProcessWithoutNullStreams;
	/** Runs the built program on a host, as `start` does on this machine. */
	readonly cli: (host: string, args: readonly string[]) => ChildProcessWithoutNullStreams;
	/** Cuts the host's link at the switch: nothing in or out, nothing told. */
	readonly cut: (host: string) => void;
	/** Connects the host again. */
	readonly mend: (host: string) => void;
	/** Stops every process left on the hosts and removes the namespaces. */
	readonly remove: () => void;
};

/** Why a test network cannot be made here, if it cannot. */
export function testNetworkProblem(): string | undefined {
	if (process.getuid?.() !== 0) {
		return 'network namespaces need root';
	}

	if (!existsSync('/usr/sbin/ip') && !existsSync('/sbin/ip') && !existsSync('/usr/bin/ip')) {
		return 'no `ip` (Debian\'s iproute2)';
	}

	return undefined;
}

/** `run()`, or undefined if it throws: for clearing up what may already be gone. */
function attempt<T>(run: () => T): T | undefined {
	try {
		return run();
	} catch {
		return undefined;
	}
}

const ip = (...args: string[]): void => {
	execFileSync('ip', args, {stdio: ['ignore', 'ignore', 'pipe']});
};

/** Makes a network of `hosts` (names of at most 8 characters), numbered .1, .2... in their order. */
export function createTestNetwork(hosts: readonly string[]): TestNetwork {
	// Unique names: two test runs on one machine must not share namespaces.
	const prefix = `sms${process.pid}`;
	const switchNs = `${prefix}-sw`;
	const ns = (host: string) => `${prefix}-${host}`;
	const addresses: Record<string, string> = {};
	const made: string[] = [];
	const remove = (): void => {
		for (const name of made) {
			// Whatever still runs there (an Erlang port mapper outlives its broker) keeps a namespace alive.
			const pids = attempt(() => execFileSync('ip', ['netns', 'pids', name], {encoding: 'utf8'})) ?? '';
			for (const pid of pids.split('\n').filter(Boolean)) {
				attempt(() => {
					process.kill(Number(pid), 'SIGKILL');
				});
			}

			attempt(() => {
				ip('netns', 'delete', name);
			});
		}
	};

	try {
		ip('netns', 'add', switchNs);
		made.push(switchNs);
		ip('-n', switchNs, 'link', 'add', 'br0', 'type', 'bridge');
		ip('-n', switchNs, 'link', 'set', 'br0', 'up');
		for (const [index, host] of hosts.entries()) {
			ip('netns', 'add', ns(host));
			made.push(ns(host));
			ip('link', 'add', `${prefix}-${index}`, 'netns', ns(host), 'type', 'veth', 'peer', 'name', `port-${host}`, 'netns', switchNs);
			ip('-n', ns(host), 'link', 'set', `${prefix}-${index}`, 'name', 'eth0');
			ip('-n', ns(host), 'link', 'set', 'lo', 'up');
			ip('-n', ns(host), 'link', 'set', 'eth0', 'up');
			addresses[host] = `10.213.0.${index + 1}`;
			ip('-n', ns(host), 'addr', 'add', `${addresses[host]}/24`, 'dev', 'eth0');
			ip('-n', switchNs, 'link', 'set', `port-${host}`, 'master', 'br0');
			ip('-n', switchNs, 'link', 'set', `port-${host}`, 'up');
		}
	} catch (error) {
		remove();
		throw new Error(`could not make the test network: ${String((error as {stderr?: Buffer}).stderr ?? error).trim()}`, {cause: error});
	}

	const exec = (host: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}) => spawn('ip', ['netns', 'exec', ns(host), command, ...args], {env: {...process.env, FORCE_COLOR: '0', ...env}, stdio: 'pipe'});
	return {
		addresses,
		exec,
		cli: (host, args) => exec(host, process.execPath, [CLI, ...args]),
		cut(host) {
			ip('-n', switchNs, 'link', 'set', `port-${host}`, 'down');
		},
		mend(host) {
			ip('-n', switchNs, 'link', 'set', `port-${host}`, 'up');
		},
		remove,
	};
}
