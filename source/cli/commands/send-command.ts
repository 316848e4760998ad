import {brokerCommand} from './broker-command.js';

/** `sms-sim send`: a sender worker on a run. */
export const sendCommand = brokerCommand('send', {
	synopsis: 'sms-sim send [options]',
	summary: 'A sender worker with its own senders; ends when the run is done',
	about: 'A sender worker: takes batches of a run\'s messages from RabbitMQ, sends them with its own senders (--senders or --sender groups, --mean...), and publishes what happened for every monitor. It ends by itself when the run is complete (--follow keeps it waiting); Ctrl-C drains it.',
	examples: [
		'sms-sim send --run nightly --senders 50 --mean 200ms',
		'sms-sim send --run nightly --sender count=8,mean=100ms --speed max',
	],
});
