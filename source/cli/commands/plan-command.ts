import type {Command} from '../command.js';
import type {PlanFlags, PlanRequest} from '../plan.js';

/** `sms-sim plan`: the fewest senders that meet a goal. */
export const planCommand: Command<PlanRequest> = {
	name: 'plan',
	synopsis: 'sms-sim plan --deadline <d> | --p99 <d> | --sweep <range> [options]',
	summary: 'The fewest senders that meet a goal, by search over seeded runs',
	about: 'Finds the fewest senders that meet a goal (--deadline, --p99, and --max-failure-rate beside either) for the workload the other flags describe, by bisection over seeded runs at max speed; --replications runs at the answer and the count below say how sure it is. --sweep prints a table of sender counts instead.\n\nOn a terminal a progress line on stderr shows how far it is; Ctrl-C prints what is known so far (exit 130).',
	examples: [
		'sms-sim plan -n 1000000 --mean 250ms --deadline 5m',
		'sms-sim plan -n 50000 --rate 200/s --p99 2s --sweep senders=10..100:10',
	],
	async validate({flags, operands}) {
		if (operands.length > 0) {
			return {value: undefined, errors: [`unexpected argument ${JSON.stringify(operands[0])}: plan takes only flags`]};
		}

		const {validatePlan} = await import('../plan.js');
		return validatePlan(flags);
	},
	async execute(request, io) {
		const {executePlan} = await import('../plan.js');
		return executePlan(request, io);
	},
};
