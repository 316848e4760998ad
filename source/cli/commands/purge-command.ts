import {brokerCommand} from './broker-command.js';

/** `sms-sim purge --run ID`: deletes a run's queues and streams. */
export const purgeCommand = brokerCommand('purge', {
	synopsis: 'sms-sim purge --run <id> [options]',
	summary: 'Delete a run\'s queues and streams (--run is required)',
	about: 'Deletes what produce, send and monitor made for the run named by --run: its queues and streams, and every message in them. It says what it deleted. --run is required: purge never acts on an implicit run.',
	examples: [
		'sms-sim purge --run nightly',
		'sms-sim purge --run nightly --broker amqp://mq:5672 --json',
	],
});
