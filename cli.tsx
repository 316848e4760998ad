#!/usr/bin/env node
import {readFileSync} from 'node:fs';
import process from 'node:process';
import meow from 'meow';
import {Subject} from 'rxjs';
import {DEFAULTS} from './source/defaults.js';
import {DISTRIBUTIONS} from './source/distributions.js';
import type {ConfigFile} from './source/cli/config-file.js';
import {EXIT} from './source/cli/exit-codes.js';
import {validateOptions} from './source/cli/options.js';
import {run} from './source/cli/run.js';
import {BROKER_COMMANDS, validateBrokerCommand, type BrokerCommandName} from './source/cli/broker-options.js';
import {runBrokerCommand} from './source/cli/broker-commands.js';
import {BrokerError} from './source/broker/connection.js';

const cli = meow(`
	Usage
	  $ sms-sim [options]                        a simulation in this process
	  $ sms-sim produce|send|monitor [options]   the same across machines, through RabbitMQ

	Simulates an SMS alert service: a producer makes messages to random phone numbers, a pool of
	senders sends them (random send time around a mean, random failures), and a monitor shows
	progress. On a terminal: a live dashboard; piped: a plain line per interval; --json: NDJSON.

	Messages
	  -n, --messages <n>          Number of messages, 0 or more              (default: ${DEFAULTS.messages})
	      --max-body-length <n>   Longest message body, in characters        (default: ${DEFAULTS.maxBodyLength})

	Senders (one group)
	  -s, --senders <n>           Number of identical senders                (default: ${DEFAULTS.senders})
	      --mean <duration>       Mean send time: 250ms, 1.5s, 2m; bare = ms (default: ${DEFAULTS.meanMs}ms)
	      --spread <cv>           Coefficient of variation of the send time  (default: ${DEFAULTS.spread}; exponential 1, fixed 0)
	      --distribution <name>   ${DISTRIBUTIONS.join(' | ')}      (default: ${DEFAULTS.distribution})
	      --failure-rate <p>      Probability a send fails, 0 to 1           (default: ${DEFAULTS.failureRate})

	Senders (several groups)
	      --sender <spec>         A group, repeatable: count=5,mean=200ms,failure-rate=0.2,name=slow
	                              (also spread= and distribution=). Replaces --senders; --mean,
	                              --spread, --distribution and --failure-rate become every group's defaults.

	Run
	  -i, --interval <duration>   Monitor interval, simulated time           (default: ${DEFAULTS.intervalMs / 1000}s)
	      --seed <n>              Seed for every random choice, 0 to 4294967295 (default: random, printed)
	      --speed <k|max>         1 real time, k times faster, max as fast as possible (default: ${DEFAULTS.speed})
	      --config <file>         JSON file with the same settings; flags override it
	      --max-failure-rate <p>  Exit 3 if the final failure ratio is above p

	Distributed mode (RabbitMQ)
	  produce                     Publish --messages messages for a run (also --seed, --max-body-length)
	  send                        A sender worker: its own senders (--senders, --sender, --mean, ...)
	  monitor                     Fold every worker's results: dashboard, lines or --json, as above
	      --broker <url>          AMQP URL                     (default: $SMS_SIM_BROKER or amqp://localhost)
	      --run <id>              Name of the run: its queues are sms-sim.<id>.*   (default: default)

	Output
	      --json                  NDJSON on stdout: start, progress, summary (human messages on stderr)
	      --events                With --json, one line per finished message too
	  -h, --help                  Show this help
	  -v, --version               Show the version

	Exit codes
	  0 done (a worker: drained after Ctrl-C), 1 unexpected error, 2 usage error,
	  3 --max-failure-rate exceeded, 4 broker unreachable, 130 interrupted

	Examples
	  $ sms-sim
	  $ sms-sim -n 100000 -s 50 --mean 250ms --failure-rate 0.05 --speed max
	  $ sms-sim --sender count=8,mean=100ms --sender count=2,mean=1s,failure-rate=0.3,name=slow
	  $ sms-sim --json --speed max --seed 42 | jq -c 'select(.type == "summary")'
	  $ sms-sim --config load.json --speed max --max-failure-rate 0.12
	  $ sms-sim produce --run nightly -n 20000 --broker amqp://guest:guest@mq:5672
	  $ sms-sim send --run nightly --senders 50 --mean 200ms      (on each worker machine)
	  $ sms-sim monitor --run nightly
`, {
	importMeta: import.meta,
	description: false,
	allowUnknownFlags: false,
	flags: {
		messages: {type: 'string', shortFlag: 'n'},
		senders: {type: 'string', shortFlag: 's'},
		mean: {type: 'string'},
		spread: {type: 'string'},
		distribution: {type: 'string'},
		failureRate: {type: 'string'},
		sender: {type: 'string', isMultiple: true},
		interval: {type: 'string', shortFlag: 'i'},
		seed: {type: 'string'},
		speed: {type: 'string'},
		maxBodyLength: {type: 'string'},
		json: {type: 'boolean'},
		events: {type: 'boolean'},
		config: {type: 'string'},
		maxFailureRate: {type: 'string'},
		broker: {type: 'string'},
		run: {type: 'string'},
		help: {type: 'boolean', shortFlag: 'h'},
		version: {type: 'boolean', shortFlag: 'v'},
	},
});

function fail(lines: readonly string[], code: number): never {
	for (const line of lines) {
		process.stderr.write(`sms-sim: ${line}\n`);
	}

	process.exit(code);
}

const [commandName, ...stray] = cli.input;
const isBrokerCommand = (BROKER_COMMANDS as readonly string[]).includes(commandName);
if (commandName !== undefined && !isBrokerCommand) {
	fail([`unknown command ${JSON.stringify(commandName)}: the commands are ${BROKER_COMMANDS.join(', ')} (or none, for a local run; see sms-sim --help)`], EXIT.usage);
}

if (stray.length > 0) {
	fail([`unexpected argument ${JSON.stringify(stray[0])} (see sms-sim --help)`], EXIT.usage);
}

function readConfig(path: string): ConfigFile {
	try {
		return {path, text: readFileSync(path, 'utf8')};
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		return {path, readError: code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : String((error as Error).message)};
	}
}

const flags = cli.flags;
// meow gives booleans as false when absent; only `true` means the flag was given.
const given = {...flags, json: flags.json === true, events: flags.events === true, sender: flags.sender && flags.sender.length > 0 ? flags.sender : undefined};
const configFile = flags.config === undefined ? undefined : readConfig(flags.config);
if (!isBrokerCommand && (flags.broker !== undefined || flags.run !== undefined)) {
	fail([`${flags.broker === undefined ? '--run' : '--broker'} goes with a command: produce, send or monitor`, 'see sms-sim --help'], EXIT.usage);
}

const validation = isBrokerCommand
	? validateBrokerCommand(commandName as BrokerCommandName, given, configFile, process.env)
	: validateOptions(given, configFile);
if (validation.errors.length > 0) {
	fail([...validation.errors, 'see sms-sim --help'], EXIT.usage);
}

// A closed stdout (`sms-sim --json | head -1`) is a normal way to stop reading: leave quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
	if (error.code === 'EPIPE') {
		process.exit(EXIT.ok);
	}

	throw error;
});

// The first Ctrl-C (or SIGTERM) stops the run and shows the summary; a second one exits at once.
const stop$ = new Subject<void>();
let stopping = false;
const onSignal = () => {
	if (stopping) {
		process.exit(EXIT.interrupted);
	}

	stopping = true;
	stop$.next();
};

process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

try {
	const io = {stdout: process.stdout, stderr: process.stderr, stop$};
	const options = validation.value!;
	process.exitCode = 'name' in options
		? await runBrokerCommand(options, {...io, warn: text => process.stderr.write(`sms-sim: ${text}\n`)})
		: await run(options, io);
	process.off('SIGINT', onSignal);
	process.off('SIGTERM', onSignal);
} catch (error) {
	if (error instanceof BrokerError) {
		fail([error.message], EXIT.broker);
	}

	fail([`unexpected error: ${error instanceof Error ? error.message : String(error)}`, 'please report it with the command line that caused it'], EXIT.unexpected);
}
