import {
	closeSync, constants, fstatSync, openSync, readSync,
} from 'node:fs';
import {parse, evaluate, type AnyNode} from '@humanwhocodes/momoa';
import {type Checker, show} from './checker.js';
import {CONFIG_KEYS} from './settings.js';

/** A config file as read from disk: its text, or why it could not be read. */
export type ConfigFile = {readonly path: string; readonly text: string} | {readonly path: string; readonly readError: string};

/** The keys a config file may have (the settings table's); any other is an error. */
export {CONFIG_KEYS} from './settings.js';

/** The largest config file read: settings fit in a few hundred bytes; `/dev/zero` must not fill memory. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * Reads a config file: a regular file of at most `MAX_CONFIG_BYTES`, as UTF-8. Anything else (a
 * folder, a device, a pipe, a file too large) is refused with the reason, never read whole.
 */
export function readConfigFile(path: string): ConfigFile {
	let fd: number | undefined;
	try {
		// Non-blocking, so a named pipe with no writer is refused rather than waited on.
		fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
		const stats = fstatSync(fd);
		if (stats.isDirectory()) {
			return {path, readError: 'it is a folder'};
		}

		if (!stats.isFile()) {
			return {path, readError: 'it is not a regular file'};
		}

		const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
		let length = 0;
		for (let read = 1; read > 0 && length < buffer.length;) {
			read = readSync(fd, buffer, length, buffer.length - length, null);
			length += read;
		}

		if (length > MAX_CONFIG_BYTES) {
			return {path, readError: `it is larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MiB, the most a config file may be`};
		}

		return {path, text: buffer.toString('utf8', 0, length)};
	} catch (error) {
		const {code} = (error as NodeJS.ErrnoException);
		const reasons: Record<string, string> = {
			ENOENT: 'no such file', EISDIR: 'it is a folder', EACCES: 'permission denied', ENOTDIR: 'a part of the path is not a folder',
		};
		return {path, readError: (code && reasons[code]) ?? (error instanceof Error ? error.message : String(error))};
	} finally {
		if (fd !== undefined) {
			closeSync(fd);
		}
	}
}

/**
 * The file's top-level object, or undefined (with an error if there was a file). A UTF-8 byte
 * order mark is skipped; a key given twice in one object is an error (JSON.parse would keep the
 * last one silently), as is any key the settings do not have.
 */
export function parseConfigFile(check: Checker, configFile: ConfigFile | undefined): Record<string, unknown> | undefined {
	if (configFile === undefined) {
		return undefined;
	}

	if ('readError' in configFile) {
		check.errors.push(`--config: cannot read ${configFile.path}: ${configFile.readError}`);
		return undefined;
	}

	const text = configFile.text.startsWith('\uFEFF') ? configFile.text.slice(1) : configFile.text;
	if (text.trim() === '') {
		check.errors.push(`--config: ${configFile.path} is not valid JSON: the file is empty`);
		return undefined;
	}

	let document;
	try {
		document = parse(text);
	} catch (error) {
		check.errors.push(`--config: ${configFile.path} is not valid JSON: ${describeJsonError(error)}`);
		return undefined;
	}

	const duplicates = duplicateKeys(document.body, '');
	for (const {path, line} of duplicates) {
		check.errors.push(`${configFile.path}: ${path} is given twice (again on line ${line}); give each setting once`);
	}

	const data: unknown = evaluate(document);
	if (typeof data !== 'object' || data === null || Array.isArray(data)) {
		check.errors.push(`--config: ${configFile.path} must hold a JSON object, got ${show(data)}`);
		return undefined;
	}

	const record = data as Record<string, unknown>;
	for (const key of Object.keys(record)) {
		if (!CONFIG_KEYS.includes(key)) {
			check.errors.push(`${configFile.path}: unknown key ${show(key)} (known: ${CONFIG_KEYS.join(', ')})`);
		}
	}

	return duplicates.length > 0 ? undefined : record;
}

/** Every key given twice in one object, anywhere in the document, as `groups[1].mean`. */
function duplicateKeys(node: AnyNode, path: string): Array<{path: string; line: number}> {
	if (node.type === 'Array') {
		return node.elements.flatMap((element, index) => duplicateKeys(element.value, `${path}[${index}]`));
	}

	if (node.type !== 'Object') {
		return [];
	}

	const seen = new Set<string>();
	return node.members.flatMap(member => {
		const key = member.name.type === 'String' ? member.name.value : member.name.name;
		const at = path === '' ? key : `${path}.${key}`;
		const found = seen.has(key) ? [{path: at, line: member.name.loc.start.line}] : [];
		seen.add(key);
		return [...found, ...duplicateKeys(member.value, at)];
	});
}

/** `line 3, column 1: unexpected token RBrace` from momoa's `Unexpected token RBrace found. (3:1)`. */
function describeJsonError(error: unknown): string {
	const message = error instanceof Error ? error.message : String(error);
	const {line, column} = error as {line?: number; column?: number};
	const cleaned = message.replace(/\s*\(\d+:\d+\)$/, '').replace(/ found\.$/, '').replace(/^./, first => first.toLowerCase());
	return line === undefined ? cleaned : `line ${line}, column ${column}: ${cleaned}`;
}
