import {brokerCommand} from './broker-command.js';

/** `sms-sim produce`: adds messages to a run on the broker. */
export const produceCommand = brokerCommand('produce', {
	synopsis: 'sms-sim produce [options]',
	summary: 'Add --messages messages to a run on RabbitMQ; several may add to one run',
	about: 'Publishes --messages generated messages (seeded) to the run\'s durable queue on RabbitMQ, in batches, each confirmed by the broker. Several producers may add to one run; workers (sms-sim send) take the messages, monitors (sms-sim monitor) show the run.',
	examples: [
		'sms-sim produce --run nightly -n 1000000 --seed 7',
		'SMS_SIM_BROKER=amqp://user:pass@mq:5672 sms-sim produce --run nightly',
	],
});
