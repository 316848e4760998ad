/**
 * The same seed gives the same NDJSON, byte for byte (less the summary's wall time), as the outputs
 * recorded in test/recorded/ before the source was reorganised (issue 21): whatever moves between
 * files, what a user gets does not. Recorded with `npx vitest run test/recorded-outputs.test.ts -u`
 * on purpose only, when an output is meant to change; with CI set, vitest never writes them.
 */
import {describe, expect, it} from 'vitest';
import {runCli, withoutWallTime} from './cli/spawn.js';

// Relative to the repository (where the tests run): the start line names the path as given.
const input = 'test/recorded/replay-input.csv';

describe('NDJSON as recorded before the renovation', () => {
	it.each([
		['a plain run', 'plain.ndjson', ['-n', '500', '--seed', '7']],
		[
			'an open-model run with priorities and retries',
			'open-priorities-retries.ndjson',
			['-n', '800', '--rate', '180', '--priority', 'critical=0.1,normal=0.9', '--max-attempts', '3', '--failure-rate', '0.3', '--seed', '9', '-s', '20'],
		],
		['a replay', 'replay.ndjson', ['--input', input, '--seed', '4', '-s', '5', '--mean', '50ms']],
	])('%s', async (_, file, args) => {
		const {code, stdout} = await runCli([...args, '--speed', 'max', '--json', '--events']);
		expect(code).toBe(0);
		await expect(withoutWallTime(stdout)).toMatchFileSnapshot(`recorded/${file}`);
	}, 60_000);
});
