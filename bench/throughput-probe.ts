import {runToCompletion} from '../source/simulation.js';
import {runBaseline} from './baseline.js';

/**
 * One throughput measurement in a fresh process (as the CLI runs: one simulation per process), so
 * one run's garbage and compiled code do not weigh on the next. Prints JSON.
 * Usage: throughput-probe engine|baseline <messages> <senders> <seed>
 */
const [kind, messagesText, sendersText, seedText] = process.argv.slice(2);
const messages = Number(messagesText);
const senders = Number(sendersText);
const seed = Number(seedText);
const started = performance.now();
let outcome: {sent: number; failed: number; avgMs: number};
if (kind === 'engine') {
	outcome = await runToCompletion({messages, groups: [{count: senders, meanMs: 100, failureRate: 0.1}], speed: 'max', seed, intervalMs: 1000});
} else {
	outcome = runBaseline(messages, senders, 100, 0.1, seed);
}

const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({kind, sendsPerSecond: (outcome.sent + outcome.failed) / seconds, sent: outcome.sent, avgMs: outcome.avgMs}));
