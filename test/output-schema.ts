import {readFileSync} from 'node:fs';
import {Ajv2020, type ErrorObject} from 'ajv/dist/2020.js';

/** The shipped schema, as a validator of one line: ajv in draft 2020-12 mode, strict about the schema itself. */
export const outputSchema = JSON.parse(readFileSync(new URL('../schema/output.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const validate = new Ajv2020({allErrors: true}).compile(outputSchema);

/** What is wrong with `line` by the schema, one string per problem; empty when it is valid. */
export function schemaProblems(line: unknown): string[] {
	return validate(line) ? [] : (validate.errors ?? []).map((error: ErrorObject) => `${error.instancePath || '/'} ${error.message ?? ''}${'unevaluatedProperty' in error.params ? ` (${String(error.params.unevaluatedProperty)})` : ''}${'additionalProperty' in error.params ? ` (${String(error.params.additionalProperty)})` : ''}`);
}

/** The lines of NDJSON `text` that the schema refuses, each with its problems. */
export function invalidLines(text: string): Array<{line: number; type: unknown; problems: string[]}> {
	return text.trim().split('\n').filter(Boolean).flatMap((line, index) => {
		const record = JSON.parse(line) as {type?: unknown};
		const problems = schemaProblems(record);
		return problems.length > 0 ? [{line: index + 1, type: record.type, problems}] : [];
	});
}
