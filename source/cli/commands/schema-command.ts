import type {Command} from '../command.js';
import {EXIT} from '../exit-codes.js';

/** `sms-sim schema`: the JSON Schema of every line `--json` writes. */
export const schemaCommand: Command<Record<string, never>> = {
	name: 'schema',
	synopsis: 'sms-sim schema',
	summary: 'The JSON Schema (draft 2020-12) of every line --json writes',
	about: 'Prints the JSON Schema (draft 2020-12) that every line of sms-sim\'s NDJSON output meets: a run\'s start, progress, message and summary lines, and those of replications, plan, compare, report, produce, send, monitor and purge, each told by its "type". The same file ships in the package as schema/output.schema.json. A field the schema does not name is an error in it, so a validator run against a newer sms-sim\'s output says what changed.',
	examples: [
		'sms-sim schema > schema.json',
		'sms-sim --json | jq -c \'select(.type == "summary")\' > summary.json',
		'npx ajv-cli@5 validate --spec=draft2020 -s schema.json -d summary.json',
	],
	// No flags of its own, and no operands (main refuses any): nothing to check.
	validate: () => ({value: {}, errors: []}),
	async execute(_options, io) {
		const {outputSchemaText} = await import('../../reports/output-schema.js');
		io.stdout.write(outputSchemaText());
		return EXIT.ok;
	},
};
