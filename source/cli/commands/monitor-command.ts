import {brokerCommand} from './broker-command.js';

/** `sms-sim monitor`: follows a run from its start. */
export const monitorCommand = brokerCommand('monitor', {
	synopsis: 'sms-sim monitor [options]',
	summary: 'Follow a run from its start, any number at once',
	about: 'Follows a run on RabbitMQ from its start, whenever it is started: the same dashboard, plain lines or --json as a local run, for the whole run, across every producer and worker.',
	examples: [
		'sms-sim monitor --run nightly',
		'sms-sim monitor --run nightly --json --threshold p99<500ms > nightly.ndjson',
	],
});
