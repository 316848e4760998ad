import {existsSync, readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

/**
 * The package's `schema/output.schema.json`, found from this module wherever it lives: `dist/cli.js`
 * or `dist/chunks/` (the bundled command), `dist/source/reports/` (the library), or
 * `source/reports/` (tests, from TypeScript sources).
 */
export function outputSchemaPath(): string {
	for (const candidate of ['../schema/', '../../schema/', '../../../schema/']) {
		const path = fileURLToPath(new URL(`${candidate}output.schema.json`, import.meta.url));
		if (existsSync(path)) {
			return path;
		}
	}

	throw new Error('schema/output.schema.json is missing from this installation of sms-sim');
}

/** The JSON Schema of every NDJSON line, as the file holds it. */
export const outputSchemaText = (): string => readFileSync(outputSchemaPath(), 'utf8');
