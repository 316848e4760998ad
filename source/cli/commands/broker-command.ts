import type {Command} from '../command.js';
import {
	validateBrokerCommand, type BrokerCommand, type BrokerCommandName, type BrokerFlags,
} from '../broker-options.js';
import {readConfigFile} from '../config-file.js';
import {EXIT} from '../exit-codes.js';

type Described = Pick<Command, 'synopsis' | 'summary' | 'about' | 'examples'>;

/** A distributed-mode command: its flags validated as a local run's, then run against the broker. */
export function brokerCommand(name: BrokerCommandName, described: Described): Command<BrokerCommand> {
	return {
		name,
		...described,
		validate({flags, env}) {
			const brokerFlags = flags as BrokerFlags & {readonly config?: string};
			return validateBrokerCommand(name, brokerFlags, brokerFlags.config === undefined ? undefined : readConfigFile(brokerFlags.config), env);
		},
		async execute(command, io) {
			const [{runBrokerCommand}, {BrokerError}] = await Promise.all([import('../broker-commands.js'), import('../../broker/connection.js')]);
			try {
				return await runBrokerCommand(command, {...io, warn: text => io.stderr.write(`sms-sim: ${text}\n`)});
			} catch (error) {
				if (error instanceof BrokerError) {
					io.stderr.write(`sms-sim: ${error.message}\n`);
					return EXIT.broker;
				}

				throw error;
			}
		},
	};
}
