import {defineConfig} from 'vitest/config';

const isInCi = (value: string | undefined) => value !== undefined && value !== '0' && value !== 'false';

export default defineConfig({
	test: {
		include: ['test/**/*.test.{ts,tsx}'],
		testTimeout: 30_000,
		globalSetup: ['test/broker/global-setup.ts'],
		env: {
			// Ink draws only the final frame when CI is set; the component tests check what a person
			// at a terminal sees, so they run as outside CI. Whether this really is CI stays known.
			CI: 'false',
			SMS_SIM_TEST_IN_CI: isInCi(process.env.CI) || isInCi(process.env.CONTINUOUS_INTEGRATION) ? '1' : '',
		},
	},
});
