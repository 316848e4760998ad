import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import type {TestProject} from 'vitest/node';

const script = fileURLToPath(new URL('../../scripts/rabbitmq-node.sh', import.meta.url));
const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
const PORT = '5698';

/**
 * Finds a RabbitMQ node for the broker tests. CI starts one and says where (SMS_SIM_TEST_BROKER,
 * SMS_SIM_TEST_RABBITMQ_DIR). Elsewhere, where Debian's rabbitmq-server is installed, a throwaway
 * node is started for the run and stopped after it; where it is not, the broker tests are skipped
 * and say why.
 */
export default function setup(project: TestProject) {
	if (process.env.SMS_SIM_TEST_BROKER) {
		project.provide('broker', {url: process.env.SMS_SIM_TEST_BROKER, dir: process.env.SMS_SIM_TEST_RABBITMQ_DIR ?? '', skipReason: ''});
		return undefined;
	}

	if (!existsSync(SERVER)) {
		project.provide('broker', {url: '', dir: '', skipReason: `no RabbitMQ: set SMS_SIM_TEST_BROKER, or install Debian's rabbitmq-server (${SERVER} is missing)`});
		return undefined;
	}

	const dir = mkdtempSync(join(tmpdir(), 'sms-sim-rabbitmq-'));
	try {
		const output = execFileSync('bash', [script, 'start', dir, PORT], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
		const url = /SMS_SIM_TEST_BROKER=(\S+)/.exec(output)![1];
		project.provide('broker', {url, dir, skipReason: ''});
	} catch (error) {
		project.provide('broker', {url: '', dir: '', skipReason: `could not start a RabbitMQ node: ${String((error as {stderr?: string}).stderr ?? error).trim().split('\n').slice(-3).join(' ')}`});
		return undefined;
	}

	return () => {
		execFileSync('bash', [script, 'stop', dir], {stdio: 'ignore'});
		rmSync(dir, {recursive: true, force: true});
	};
}

declare module 'vitest' {
	// An interface, not a type: vitest's ProvidedContext is extended by declaration merging.
	// eslint-disable-next-line @typescript-eslint/consistent-type-definitions
	export interface ProvidedContext {
		broker: {url: string; dir: string; skipReason: string};
	}
}
