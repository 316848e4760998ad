import {generateMessages} from '../source/model/messages.js';
import {senderPool} from '../source/engine/pool.js';
import {createRandom} from '../source/model/random.js';
import {SimulationScheduler} from '../source/engine/scheduler.js';
import {createSenders, resolveGroups} from '../source/model/senders.js';
import {runToCompletion} from '../source/pipeline/simulation.js';
import {emptyStats} from '../source/engine/stats.js';
import {runBaseline} from './baseline.js';
import {cardPool} from './card.js';

/**
 * One throughput measurement in a fresh process (as the CLI runs: one simulation per process), so
 * one run's garbage and compiled code do not weigh on the next. Prints JSON.
 *
 * Usage: throughput-probe <kind> <messages> <senders> <seed>, kind one of
 *   engine    the whole pipeline (`runToCompletion`: pool, stats, monitor), as the CLI runs it
 *   baseline  the plain heap loop, no RxJS (bench/baseline.ts)
 *   pool      the sender pool alone, results dropped
 *   card      the card's literal `mergeMap(send, C)` over a demand-driven source, results dropped
 *   messages  only the message generator (the part every kind shares)
 *   realistic the engine with Poisson arrivals, three attempts and two priorities
 */
const [kind = '', messagesText, sendersText, seedText] = process.argv.slice(2);
const messages = Number(messagesText);
const senders = Number(sendersText);
const seed = Number(seedText);
const groups = [{count: senders, meanMs: 100, failureRate: 0.1}];

/** The pool or the card's pool on a fresh clock, run to the end; counts what came out. */
function runPool(build: typeof senderPool | 'card'): {sent: number; failed: number; avgMs: number} {
	const random = createRandom(seed);
	const scheduler = new SimulationScheduler('max');
	const poolSenders = createSenders(resolveGroups(groups), random);
	const source = generateMessages(random, {count: messages});
	const results$ = build === 'card' ? cardPool(source, poolSenders, random, scheduler) : build(source, {senders: poolSenders, scheduler, random});
	let sent = 0;
	let failed = 0;
	let sumMs = 0;
	results$.subscribe(result => {
		if (result.status === 'sent') {
			sent++;
		} else {
			failed++;
		}

		sumMs += result.durationMs;
	});
	scheduler.flush();
	return {sent, failed, avgMs: sumMs / (sent + failed)};
}

// The histogram's WebAssembly is compiled on first use (a producer never needs it); compile it
// before the clock starts, as main before this change did at import, so both are timed alike.
emptyStats();
const started = performance.now();
let outcome: {sent: number; failed: number; avgMs: number};
switch (kind) {
	case 'engine': {
		outcome = await runToCompletion({
			messages, groups, speed: 'max', seed, intervalMs: 1000,
		});
		break;
	}

	case 'realistic': {
		// The SMS service of issue 11: Poisson arrivals at 90% of the senders' capacity, three attempts
		// with backoff, two priorities.
		outcome = await runToCompletion({
			messages,
			groups: groups.map(group => ({...group, maxAttempts: 3, backoffMs: 200})),
			speed: 'max',
			seed,
			intervalMs: 1000,
			arrivals: {ratePerSec: 0.9 * senders * 10, process: 'poisson'},
			priorities: [{name: 'critical', share: 0.2}, {name: 'normal', share: 0.8}],
		});
		break;
	}

	case 'baseline': {
		outcome = runBaseline(messages, senders, 100, 0.1, seed);
		break;
	}

	case 'pool': {
		outcome = runPool(senderPool);
		break;
	}

	case 'card': {
		outcome = runPool('card');
		break;
	}

	case 'messages': {
		let count = 0;
		for (const _ of generateMessages(createRandom(seed), {count: messages})) {
			count++;
		}

		outcome = {sent: count, failed: 0, avgMs: 0};
		break;
	}

	default: {
		throw new Error(`unknown kind ${kind}`);
	}
}

const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({
	kind, sendsPerSecond: (outcome.sent + outcome.failed) / seconds, sent: outcome.sent, avgMs: outcome.avgMs,
}));
