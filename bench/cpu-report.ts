import {writeFileSync} from 'node:fs';

/**
 * Preloaded (`node --import`) into each process the broker bench starts: on exit, it writes the
 * process's CPU time (user + system, seconds) to `$SMS_SIM_BENCH_CPU_FILE`, so the bench can
 * report what each role cost without any code of the product knowing.
 */
const file = process.env.SMS_SIM_BENCH_CPU_FILE;
if (file) {
	process.on('exit', () => {
		const {user, system} = process.cpuUsage();
		writeFileSync(file, String((user + system) / 1e6));
	});
}
