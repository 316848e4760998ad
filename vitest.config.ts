import {defineConfig} from 'vitest/config';

/** Tests that need RabbitMQ (and restart it). */
const BROKER_TESTS = ['test/broker/distributed.test.ts', 'test/broker/faults.test.ts', 'test/broker/chaos.test.ts', 'test/broker/fuzz.test.ts', 'test/broker/hosts.test.ts', 'test/broker/latency.test.ts', 'test/broker/one-clock.test.ts', 'test/broker/schema.test.ts', 'test/broker/metrics.test.ts', 'test/broker/via.test.ts'];

const isInCi = (value: string | undefined) => value !== undefined && value !== '0' && value !== 'false';

export default defineConfig({
	test: {
		testTimeout: 30_000,
		// The build first, when a source is newer than what the tests spawn; then the broker.
		globalSetup: ['test/build-setup.ts', 'test/broker/global-setup.ts'],
		env: {
			// Ink draws only the final frame when CI is set; the component tests check what a person
			// at a terminal sees, so they run as outside CI. Whether this really is CI stays known.
			CI: 'false',
			SMS_SIM_TEST_IN_CI: isInCi(process.env.CI) || isInCi(process.env.CONTINUOUS_INTEGRATION) ? '1' : '',
		},
		projects: [
			{extends: true, test: {name: 'local', include: ['test/**/*.test.{ts,tsx}'], exclude: BROKER_TESTS}},
			// The broker tests kill and restart RabbitMQ and time its recovery: they run after the
			// others, so two cores busy with the local tests do not starve the broker's restart, and
			// one file at a time, so one file's broker restart is not another's fault.
			{
				extends: true, test: {
					name: 'broker', include: BROKER_TESTS, sequence: {groupOrder: 1}, fileParallelism: false,
				},
			},
		],
	},
});
