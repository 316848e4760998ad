import {stoppable, type Command} from '../command.js';
import type {CompareOptions} from '../compare.js';

/** `sms-sim compare A B`: two saved runs side by side. */
export const compareCommand: Command<CompareOptions> = {
	name: 'compare',
	synopsis: 'sms-sim compare <a> <b> [options]',
	summary: 'Two saved runs side by side: each figure, B - A, B / A, and whether send times differ beyond noise',
	about: 'Reads two runs saved with --json and shows each figure of A and B, B - A and B / A. With --events in both, it also says whether their send times differ beyond noise (95% intervals of the percentiles, and a rank test). Exit 0 whatever the difference.',
	examples: [
		'sms-sim compare before.ndjson after.ndjson',
		'sms-sim compare a.ndjson.gz b.ndjson.gz --json | jq .figures',
	],
	validate({flags, operands}) {
		const [a, b] = operands;
		if (operands.length !== 2 || a === undefined || b === undefined) {
			return {value: undefined, errors: [`compare reads two runs, A and B: got ${operands.length} file${operands.length === 1 ? '' : 's'}`]};
		}

		return {value: {a, b, json: flags.json === true}, errors: []};
	},
	async execute(options, io) {
		const {compare} = await import('../compare.js');
		return stoppable(compare(options, io), io, 'compare: interrupted while reading the runs; nothing printed');
	},
};
