import {statSync} from 'node:fs';
import {DEFAULTS} from '../../model/defaults.js';
import type {Command} from '../command.js';
import {readConfigFile} from '../config-file.js';
import {EXIT} from '../exit-codes.js';
import {validateOptions, type CliFlags, type RunOptions} from '../options.js';

/** `sms-sim [options]`: a simulation in this process, through the front end the environment calls for. */
export const runCommand: Command<RunOptions> = {
	name: 'run',
	synopsis: 'sms-sim [options]',
	summary: 'A simulation in this process (no command word)',
	about: 'Simulates an SMS alert service: a producer makes messages to random phone numbers, a pool of senders sends them (random send time around a mean, random failures), and a monitor shows progress. On a terminal: a live dashboard; piped: a plain line per interval; --json: NDJSON.',
	examples: [
		'sms-sim -n 100000 -s 50 --mean 250ms --failure-rate 0.05 --speed max',
		'sms-sim --sender count=8,mean=100ms --sender count=2,mean=1s,name=slow',
		'sms-sim --json --speed max --seed 42 | jq -c \'select(.type == "summary")\'',
	],
	validate({flags}) {
		const cliFlags = flags as CliFlags & {readonly config?: string};
		return validateOptions(cliFlags, cliFlags.config === undefined ? undefined : readConfigFile(cliFlags.config));
	},
	async execute(options, io) {
		if (options.replications > 1) {
			const {replicate} = await import('../replicate.js');
			return replicate(options, io);
		}

		const {run} = await import('../run.js');
		if (options.input && options.input.path !== '-' && isRegularFile(options.input.path)) {
			// A file is checked whole before the run starts: every bad line (up to ten) at once. A
			// pipe or a device (a FIFO, /dev/urandom) cannot be read twice: read as standard input is.
			// The check never blocks, and a stop ends it at once.
			const [{checkInput}, {latestArrival, SHOWN_BAD_LINES}, {DEFAULT_REPLAY_PRIORITIES}] = await Promise.all([import('../input-reader.js'), import('../input.js'), import('../../model/replay.js')]);
			let stopped = false;
			const stopping = io.stop$.subscribe(() => {
				stopped = true;
			});
			const slow = setTimeout(() => {
				io.stderr.write(`sms-sim: checking every line of --input ${options.input!.path} before the run (Ctrl-C stops)\n`);
			}, 1000);
			const checked = await checkInput(options.input.path, {
				format: options.input.format,
				priorities: options.simulation.priorities?.map(priority => priority.name) ?? [...DEFAULT_REPLAY_PRIORITIES],
				maxAt: latestArrival(options.simulation.intervalMs ?? DEFAULTS.intervalMs),
			}, {shown: SHOWN_BAD_LINES, stopped: () => stopped});
			stopping.unsubscribe();
			clearTimeout(slow);
			if (checked.interrupted) {
				io.stderr.write(`sms-sim: interrupted while checking --input ${options.input.path} (${checked.lines.toLocaleString('en-US')} lines read): the run did not start\n`);
				return EXIT.interrupted;
			}

			if (checked.errors.length > 0) {
				for (const line of checked.errors) {
					io.stderr.write(`sms-sim: ${line}\n`);
				}

				return EXIT.usage;
			}

			return run(options, io, {messages: checked.messages});
		}

		return run(options, io);
	},
};

/** Whether `path` is a regular file (a missing one counts: reading it says so). */
function isRegularFile(path: string): boolean {
	try {
		return statSync(path).isFile();
	} catch {
		return true;
	}
}
