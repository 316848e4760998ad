import {runToCompletion} from '../source/pipeline/simulation.js';

/** Runs one `speed: max` simulation of argv[2] messages and prints its peak RSS as JSON. */
const messages = Number(process.argv[2]);
const final = await runToCompletion({
	messages, groups: [{count: 1000, meanMs: 100, failureRate: 0.1}], speed: 'max', seed: 1,
});
console.log(JSON.stringify({messages, processed: final.processed, maxRssMb: process.resourceUsage().maxRSS / 1024}));
