import {Checker, show} from './checker.js';

/** A config file as read from disk: its text, or why it could not be read. */
export type ConfigFile = {readonly path: string; readonly text: string} | {readonly path: string; readonly readError: string};

/** The keys a config file may have; any other is an error. */
export const CONFIG_KEYS = ['messages', 'senders', 'mean', 'spread', 'distribution', 'failureRate', 'groups', 'interval', 'seed', 'speed', 'maxFailureRate', 'maxBodyLength'] as const;

/** The file's top-level object, or undefined (with an error if there was a file). */
export function parseConfigFile(check: Checker, configFile: ConfigFile | undefined): Record<string, unknown> | undefined {
	if (configFile === undefined) {
		return undefined;
	}

	if ('readError' in configFile) {
		check.errors.push(`--config: cannot read ${configFile.path}: ${configFile.readError}`);
		return undefined;
	}

	let data: unknown;
	try {
		data = JSON.parse(configFile.text);
	} catch (error) {
		check.errors.push(`--config: ${configFile.path} is not valid JSON: ${describeJsonError(error, configFile.text)}`);
		return undefined;
	}

	if (typeof data !== 'object' || data === null || Array.isArray(data)) {
		check.errors.push(`--config: ${configFile.path} must hold a JSON object, got ${show(data)}`);
		return undefined;
	}

	const record = data as Record<string, unknown>;
	for (const key of Object.keys(record)) {
		if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
			check.errors.push(`${configFile.path}: unknown key ${JSON.stringify(key)} (known: ${CONFIG_KEYS.join(', ')})`);
		}
	}

	return record;
}

/** "line 3, column 5: Expected ..." from V8's "... at position 42" message. */
function describeJsonError(error: unknown, text: string): string {
	const message = error instanceof Error ? error.message : String(error);
	const position = /at position (\d+)/.exec(message);
	const cleaned = message.replace(/\s*in JSON at position \d+.*$/, '').replace(/\s*\(line \d+ column \d+\)$/, '');
	if (position === null) {
		return text.trim() === '' ? 'the file is empty' : cleaned;
	}

	const before = text.slice(0, Number(position[1]));
	const line = before.split('\n').length;
	const column = before.length - before.lastIndexOf('\n');
	return `line ${line}, column ${column}: ${cleaned}`;
}

