import {defineConfig} from 'vitest/config';

/**
 * The tests Stryker runs against each mutant of the engine and the model (`npm run mutate`): those
 * that run them in this process. Tests that spawn the built program cannot see a mutant (it lives
 * in Stryker's sandbox, not in dist/), and the broker's need RabbitMQ: neither is here. Nor is
 * replications.test.ts: its coverage test runs 400 simulations, over 30 s instrumented, and would
 * run again for nearly every mutant.
 */
export default defineConfig({
	test: {
		// Instrumented for coverage per test, the statistical tests take several times longer than plain.
		testTimeout: 180_000,
		env: {CI: 'false'},
		include: [
			'test/{arrivals,distributions,equivalence,fifo,messages,model-rules,monitor,pool,priorities,random,rate-limits,replay,retries,scheduler,segments,simulation,stats,theory,thresholds,hdr-histogram,library,marble-testing,confidence,warmup,pending-source,retries-line,snapshot,monitor-options,metrics,scheduler-controls,pool-pending,on-demand}.test.ts',
			'test/broker/{batches,prefetch,run-ledger,stats-records}.test.ts',
			'test/cli/options.test.ts',
			'test/output/lines.test.ts',
		],
	},
});
