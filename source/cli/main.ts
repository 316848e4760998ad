import meow from 'meow';
import {Observable} from 'rxjs';
import {DEFAULTS} from '../defaults.js';
import {DISTRIBUTIONS} from '../distributions.js';
import type {RunIo} from '../front-ends/context.js';
import {BROKER_COMMANDS, validateBrokerCommand, type BrokerCommandName} from './broker-options.js';
import type {PlanFlags} from './plan.js';
import {readConfigFile} from './config-file.js';
import {Checker, show} from './checker.js';
import {EXIT} from './exit-codes.js';
import {validateOptions} from './options.js';

/** What the program is given by its entry: its streams, its environment, and the user's requests to stop. */
export type MainIo = Omit<RunIo, 'stop$'> & {
	readonly argv: readonly string[];
	readonly env: NodeJS.ProcessEnv;
	/** Calls `listener` when the user asks to stop (at once if they already did); returns a function that stops listening. */
	readonly onStop: (listener: () => void) => () => void;
	/** Asks to stop, as a signal does (the dashboard's `q`, and Ctrl-C, which raw mode turns into a key). */
	readonly requestStop?: () => void;
};

const HELP = `
	Usage
	  $ sms-sim [options]                    a simulation in this process
	  $ sms-sim produce|send|monitor [opts]  the same, across machines (RabbitMQ)
	  $ sms-sim purge --run <id>             delete a run's queues and streams

	Simulates an SMS alert service: a producer makes messages to random phone
	numbers, a pool of senders sends them (random send time around a mean, random
	failures), and a monitor shows progress. On a terminal: a live dashboard;
	piped: a plain line per interval; --json: NDJSON.

	Messages
	  -n, --messages <n>         Number of messages, 0 or more (default ${DEFAULTS.messages})
	      --max-body-length <n>  Longest message body, characters (default ${DEFAULTS.maxBodyLength})
	      --rate <r>             Messages arrive at r per simulated second (500,
	                             500/s, 30000/m), not all at the start
	      --arrival <process>    poisson or constant (default ${DEFAULTS.arrival})
	      --input <file|->       Replay messages from NDJSON or CSV (to, body,
	                             priority, at) instead of generating them
	      --input-format <f>     ndjson or csv (default: csv for a .csv file)
	      --priority <shares>    critical=0.05,high=0.15,normal=0.8: highest
	                             first; a free sender takes the highest waiting
	      --charset <set>        Bodies from gsm (GSM-7 only), ascii or unicode
	                             (other scripts, emoji) (default ${DEFAULTS.charset})

	Senders (one group)
	  -s, --senders <n>          Number of identical senders (default ${DEFAULTS.senders})
	      --mean <duration>      Mean send time: 250ms, 1.5s, 2m; a bare number
	                             is ms (default ${DEFAULTS.meanMs}ms)
	      --spread <cv>          Coefficient of variation of the send time
	                             (default ${DEFAULTS.spread}; exponential 1, fixed 0)
	      --distribution <name>  ${DISTRIBUTIONS.join(', ')}
	                             (default ${DEFAULTS.distribution})
	      --failure-rate <p>     Probability a send fails, 0 to 1 (default ${DEFAULTS.failureRate})
	      --max-attempts <k>     Attempts a message gets, failures retried
	                             (default ${DEFAULTS.maxAttempts}: a failed send is final)
	      --backoff <duration>   Wait before a retry, doubled each attempt, full
	                             jitter (default ${DEFAULTS.backoffMs / 1000}s; max: --backoff-max, ${DEFAULTS.backoffMaxMs / 1000}s)
	      --permanent-failure-rate <p>
	                             Share of failures never retried (default ${DEFAULTS.permanentFailureRate})

	Senders (several groups)
	      --sender <spec>        A group, repeatable: count=5,mean=200ms,name=slow
	                             (also failure-rate=, spread=, distribution=,
	                             max-attempts=, backoff=, backoff-max=,
	                             permanent-failure-rate=, and rate=1/s: a
	                             carrier limit per sender, in segments).
	                             Replaces --senders; the top-level flags are
	                             every group's defaults.

	Run
	  -i, --interval <duration>  Monitor interval, simulated time (default ${DEFAULTS.intervalMs / 1000}s)
	      --seed <n>             Seed, 0 to 4294967295 (default: random, printed)
	      --speed <k|max>        1 real time, k times faster, max as fast as
	                             possible (default ${DEFAULTS.speed})
	      --config <file>        JSON file of the same settings; flags win
	      --max-failure-rate <p> Exit 3 if the final failure ratio is above p
	      --threshold <rule>     Exit 3 unless the summary meets it, repeatable:
	                             p99<500ms, avg<200ms, failure-rate<0.05,
	                             throughput>1000/s (also p50, p90, p95, max)

	Distributed mode (RabbitMQ)
	  produce                    Add --messages messages to a run (also --seed,
	                             --max-body-length); several may add to one run
	  send                       A sender worker with its own senders (--senders,
	                             --sender, --mean...); ends when the run is done
	  monitor                    Follow a run from its start, any number at once
	  purge                      Delete a run's queues and streams
	      --broker <url>         AMQP URL; no user means guest
	                             (default: $SMS_SIM_BROKER, else amqp://localhost)
	      --run <id>             The run's name (default: default)
	      --batch <n>            Messages (produce) or results (send) per AMQP
	                             message (default 500)
	      --follow               send: keep waiting when the run is complete

	Reports
	  report [file|-]            A run saved with --json (gzip too) printed as
	                             its summary; with --json, one summary object
	  compare <a> <b>            Two saved runs side by side: each figure, B - A,
	                             B / A, and (with --events) whether send times
	                             differ beyond noise

	Planning
	  plan                       The fewest senders that meet a goal, by search
	                             over seeded runs of the other flags' workload:
	      --deadline <duration>  the run ends within it
	      --p99 <duration>       p99 latency (with --rate) or send time at most
	      --replications <n>     Seeded runs at the answer and below (default 3)
	      --sweep <range>        senders=10..1000:10: a table of sender count
	                             against makespan, p99 and throughput

	Output
	      --json                 NDJSON on stdout (human messages on stderr)
	      --events               With --json, one line per finished message too
	      --html <file>          The run as one self-contained HTML page (charts,
	                             tables; no network): on a run, send, monitor,
	                             report, and plan --sweep
	  -h, --help                 Show this help
	  -v, --version              Show the version
	  q, Ctrl-C                  Keys on the dashboard: stop, print the summary

	Exit codes
	  0 done (a worker: drained after Ctrl-C), 1 unexpected error, 2 usage error,
	  3 --max-failure-rate exceeded or a --threshold failed, 4 broker unreachable,
	  130 interrupted

	Examples
	  $ sms-sim
	  $ sms-sim -n 100000 -s 50 --mean 250ms --failure-rate 0.05 --speed max
	  $ sms-sim --sender count=8,mean=100ms --sender count=2,mean=1s,name=slow
	  $ sms-sim --json --speed max --seed 42 | jq -c 'select(.type == "summary")'
	  $ sms-sim --config load.json --speed max --max-failure-rate 0.12
	  $ SMS_SIM_BROKER=amqp://user:pass@mq:5672 sms-sim produce --run nightly
	  $ sms-sim send --run nightly --senders 50 --mean 200ms   (on each worker)
	  $ sms-sim monitor --run nightly
`;

/** The flags meow reads: every value is text (see options.ts for why). */
const FLAGS = {
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
	threshold: {type: 'string', isMultiple: true},
	rate: {type: 'string'},
	arrival: {type: 'string'},
	charset: {type: 'string'},
	priority: {type: 'string'},
	input: {type: 'string'},
	inputFormat: {type: 'string'},
	maxAttempts: {type: 'string'},
	backoff: {type: 'string'},
	backoffMax: {type: 'string'},
	permanentFailureRate: {type: 'string'},
	broker: {type: 'string'},
	run: {type: 'string'},
	batch: {type: 'string'},
	follow: {type: 'boolean'},
	deadline: {type: 'string'},
	p99: {type: 'string'},
	replications: {type: 'string'},
	sweep: {type: 'string'},
	html: {type: 'string'},
	help: {type: 'boolean', shortFlag: 'h'},
	version: {type: 'boolean', shortFlag: 'v'},
} as const;

/** Edit distance, for suggestions. */
function distance(a: string, b: string): number {
	let previous = Array.from({length: b.length + 1}, (_, index) => index);
	for (let i = 1; i <= a.length; i++) {
		const current = [i];
		for (let j = 1; j <= b.length; j++) {
			current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
		}

		previous = current;
	}

	return previous[b.length];
}

/**
 * Checks the flags as typed, before meow reads them, so every problem is told at once, each with
 * its flag: an unknown flag (with the nearest known one), a flag given twice, a flag that takes a
 * value given none. Returns the problems and the arguments for meow, without the offending ones; a
 * value that starts with a dash is joined to its flag (`--mean=-1s`), so it meets the flag's own
 * rule rather than "unknown flag".
 */
export function checkArguments(argv: readonly string[]): {errors: string[]; argv: string[]} {
	type Spec = {long: string; takesValue: boolean; multiple: boolean};
	const specs = new Map<string, Spec>();
	for (const [name, spec] of Object.entries(FLAGS) as Array<[string, {type: string; shortFlag?: string; isMultiple?: boolean}]>) {
		const entry = {long: `--${name.replaceAll(/[A-Z]/g, letter => `-${letter.toLowerCase()}`)}`, takesValue: spec.type === 'string', multiple: spec.isMultiple === true};
		specs.set(entry.long, entry);
		if (spec.shortFlag) {
			specs.set(`-${spec.shortFlag}`, entry);
		}
	}

	const longNames = [...new Set([...specs.values()].map(spec => spec.long))];
	const errors: string[] = [];
	const kept: string[] = [];
	const seen = new Set<string>();
	for (let index = 0; index < argv.length; index++) {
		const argument = argv[index];
		if (argument === '--') {
			kept.push(...argv.slice(index));
			break;
		}

		if (!argument.startsWith('-') || argument === '-') {
			kept.push(argument);
			continue;
		}

		const [typed, ...inline] = argument.split('=');
		const spec = specs.get(typed) ?? (typed.startsWith('--no-') ? specs.get(`--${typed.slice(5)}`) : undefined);
		const next = argv[index + 1];
		if (spec === undefined) {
			const nearest = longNames.map(name => ({name, score: distance(typed, name)})).toSorted((a, b) => a.score - b.score)[0];
			const hint = nearest && nearest.score <= Math.max(2, Math.floor(typed.length / 4)) ? ` (did you mean ${nearest.name}?)` : '';
			errors.push(`unknown flag ${show(typed)}${hint}`);
			if (inline.length === 0 && next !== undefined && !next.startsWith('-')) {
				index++; // Its value, most likely: not a stray argument of its own.
			}

			continue;
		}

		let value: string | undefined = inline.length > 0 ? inline.join('=') : undefined;
		if (spec.takesValue && value === undefined) {
			if (next === undefined || (next.startsWith('-') && specs.has(next.split('=')[0]))) {
				errors.push(`${spec.long} needs a value`);
				continue;
			}

			value = next;
			index++;
		}

		if (!spec.multiple && seen.has(spec.long)) {
			errors.push(`${spec.long} is given more than once; give it once`);
			continue;
		}

		seen.add(spec.long);
		if (value === undefined || inline.length > 0) {
			kept.push(argument);
		} else if (value.startsWith('-')) {
			kept.push(`${spec.long}=${value}`); // Joined, or meow would read it as a flag.
		} else {
			kept.push(argument, value); // Apart: meow drops an empty value written `--sender=`.
		}
	}

	return {errors, argv: kept};
}

/**
 * The program: flags to options to a run, through the front end the environment calls for.
 * Resolves with the exit code; it never exits itself (cli.tsx does), and writes errors as one
 * line each, prefixed `sms-sim:`.
 */
export async function main(io: MainIo): Promise<number> {
	const fail = (lines: readonly string[], code: number): number => {
		for (const line of lines) {
			io.stderr.write(`sms-sim: ${line}\n`);
		}

		return code;
	};

	const checked = checkArguments(io.argv);
	const cli = meow(HELP, {
		importMeta: import.meta,
		argv: checked.argv,
		description: false,
		allowUnknownFlags: false,
		autoHelp: true,
		autoVersion: true,
		flags: FLAGS,
	});

	const [commandName, ...stray] = cli.input;
	if (commandName === 'plan') {
		if (stray.length > 0) {
			return fail([`unexpected argument ${show(stray[0])}`, 'see sms-sim --help'], EXIT.usage);
		}

		const {plan} = await import('./plan.js');
		const {flags} = cli;
		return plan({
			...flags, json: flags.json === true, events: undefined, follow: undefined, sender: flags.sender && flags.sender.length > 0 ? flags.sender : undefined, threshold: flags.threshold && flags.threshold.length > 0 ? flags.threshold : undefined,
		} as PlanFlags, io);
	}

	if (commandName === 'report' || commandName === 'compare') {
		// Saved runs read back: their files (or -), and --json; nothing else applies.
		const wanted = commandName === 'report' ? 1 : 2;
		const others = Object.entries(cli.flags).filter(([name, value]) => ![commandName === 'report' ? 'html' : 'json', 'json', 'help', 'version'].includes(name) && value !== undefined && value !== false && !(Array.isArray(value) && value.length === 0));
		const htmlCheck = new Checker();
		const html = commandName === 'report' && cli.flags.html !== undefined ? htmlCheck.outputFile('--html', cli.flags.html) : undefined;
		const errors = [
			...checked.errors,
			...htmlCheck.errors,
			...others.map(([name]) => `--${name.replaceAll(/[A-Z]/g, letter => `-${letter.toLowerCase()}`)} does not apply to sms-sim ${commandName}`),
			...(stray.length > wanted || (commandName === 'compare' && stray.length < wanted) ? [`${commandName} reads ${wanted === 1 ? 'one run' : 'two runs, A and B'}: got ${stray.length} file${stray.length === 1 ? '' : 's'}`] : []),
		];
		if (errors.length > 0) {
			return fail([...errors, 'see sms-sim --help'], EXIT.usage);
		}

		if (commandName === 'compare') {
			const {compare} = await import('./compare.js');
			return compare({a: stray[0], b: stray[1], json: cli.flags.json === true}, io);
		}

		const {report} = await import('./report.js');
		return report({path: stray[0] ?? '-', json: cli.flags.json === true, html}, io);
	}

	const isBrokerCommand = (BROKER_COMMANDS as readonly string[]).includes(commandName);
	if (commandName !== undefined && !isBrokerCommand) {
		return fail([`unknown command ${show(commandName)}: the commands are ${BROKER_COMMANDS.join(', ')} (or none, for a local run)`, 'see sms-sim --help'], EXIT.usage);
	}

	if (stray.length > 0) {
		return fail([`unexpected argument ${show(stray[0])}`, 'see sms-sim --help'], EXIT.usage);
	}

	const {flags} = cli;
	const planOnly = [['--deadline', flags.deadline], ['--p99', flags.p99], ['--replications', flags.replications], ['--sweep', flags.sweep]].filter(([, value]) => value !== undefined).map(([name]) => name);
	if (planOnly.length > 0) {
		return fail([...planOnly.map(name => `${name} goes with sms-sim plan`), 'see sms-sim --help'], EXIT.usage);
	}

	// Meow gives booleans as false when absent; only `true` means the flag was given.
	const given = {
		...flags,
		json: flags.json === true,
		events: flags.events === true,
		follow: flags.follow === true ? true : undefined,
		sender: flags.sender && flags.sender.length > 0 ? flags.sender : undefined,
		threshold: flags.threshold && flags.threshold.length > 0 ? flags.threshold : undefined,
	};
	if (!isBrokerCommand) {
		const brokerOnly = [['--broker', flags.broker], ['--run', flags.run], ['--batch', flags.batch], ['--follow', given.follow]].filter(([, value]) => value !== undefined).map(([name]) => name);
		if (brokerOnly.length > 0) {
			return fail([...brokerOnly.map(name => `${name} goes with a command: produce, send, monitor or purge`), 'see sms-sim --help'], EXIT.usage);
		}
	}

	const configFile = flags.config === undefined ? undefined : readConfigFile(flags.config);
	const validation = isBrokerCommand
		? validateBrokerCommand(commandName as BrokerCommandName, given, configFile, io.env)
		: validateOptions(given, configFile);
	if (validation.value === undefined || checked.errors.length > 0) {
		return fail([...checked.errors, ...validation.errors, 'see sms-sim --help'], EXIT.usage);
	}

	const stop$ = new Observable<void>(subscriber => io.onStop(() => {
		subscriber.next();
	}));
	const runIo: RunIo = {
		stdout: io.stdout, stderr: io.stderr, stop$, env: io.env, requestStop: io.requestStop,
	};
	const command = validation.value;
	// Each command loads what it needs only: a local run no AMQP client, a producer no dashboard.
	if (!('name' in command)) {
		const {run} = await import('./run.js');
		if (command.input && command.input.path !== '-') {
			// A file is checked whole before the run starts: every bad line (up to ten) at once.
			const {checkInputFile} = await import('./input.js');
			const {DEFAULT_REPLAY_PRIORITIES} = await import('../replay.js');
			let checkedInput: {messages: number; errors: string[]};
			try {
				checkedInput = checkInputFile(command.input, command.simulation.priorities?.map(priority => priority.name) ?? [...DEFAULT_REPLAY_PRIORITIES]);
			} catch (error) {
				return fail([`--input ${command.input.path}: cannot read it: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`], EXIT.usage);
			}

			if (checkedInput.errors.length > 0) {
				return fail(checkedInput.errors, EXIT.usage);
			}

			return run(command, runIo, {messages: checkedInput.messages});
		}

		return run(command, runIo);
	}

	const [{runBrokerCommand}, {BrokerError}] = await Promise.all([import('./broker-commands.js'), import('../broker/connection.js')]);
	try {
		return await runBrokerCommand(command, {...runIo, warn: text => io.stderr.write(`sms-sim: ${text}\n`)});
	} catch (error) {
		if (error instanceof BrokerError) {
			return fail([error.message], EXIT.broker);
		}

		throw error;
	}
}
