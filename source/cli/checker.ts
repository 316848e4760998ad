import {statSync} from 'node:fs';
import {dirname, resolve} from 'node:path';
import {ARRIVAL_PROCESSES, type ArrivalProcess} from '../model/arrivals.js';
import {DISTRIBUTIONS, type Distribution} from '../model/distributions.js';
import {CHARSETS, type Charset} from '../model/messages.js';
import {parsePriorities, PRIORITY_RULE, type Priority} from '../model/priorities.js';
import type {Speed} from '../engine/scheduler.js';
import {LIMITS} from '../model/limits.js';
import {NUMBER_PATTERN, parseDuration} from './duration.js';

/** Where a value came from, as the user wrote it: `--failure-rate`, `sim.json: groups[1].mean`. */
export type Subject = string;
/** A raw value: text from a flag, or anything from JSON. */
export type Raw = unknown;

/** Longest piece of a value an error message quotes: a 100 MB value must not become 100 MB of stderr. */
const SHOWN_LENGTH = 40;

/** A value as an error message quotes it: JSON-quoted text, cut short when long. */
export function show(raw: Raw): string {
	if (typeof raw === 'string') {
		return raw.length > SHOWN_LENGTH ? `${JSON.stringify(raw.slice(0, SHOWN_LENGTH))}... (${raw.length.toLocaleString('en-US')} characters)` : JSON.stringify(raw);
	}

	if (Array.isArray(raw)) {
		return 'a list';
	}

	if (raw === null) {
		return 'null';
	}

	if (typeof raw === 'number' || typeof raw === 'boolean' || typeof raw === 'bigint') {
		return show(String(raw)).replaceAll('"', '');
	}

	return typeof raw === 'object' ? 'an object' : typeof raw;
}

/** Seconds in each unit a rate may be given per. */
const RATE_UNITS: Record<string, number> = {
	ms: 0.001, s: 1, sec: 1, m: 60, min: 60, h: 3600,
};

/** `500/s` -> 500, `30000/m` -> 500, `2/ms` -> 2000, `500` -> 500 (per second); undefined when it is not a rate. */
export function parseRate(text: string): number | undefined {
	const match = /^(.+?)(?:\/(ms|s|sec|m|min|h))?$/.exec(text.trim());
	const [, number = '', unit = 's'] = match ?? [];
	const perUnit = RATE_UNITS[unit];
	if (!match || !NUMBER_PATTERN.test(number.trim()) || perUnit === undefined) {
		return undefined;
	}

	return Number(number.trim()) / perUnit;
}

/** A range for people: `from 1 to 1000000`. */
const range = (min: number, max: number, format: (value: number) => string = String) => `from ${format(min)} to ${format(max)}`;

/** `10us`, `1ms`, `1d`: a limit as a duration people can type back. */
function durationText(milliseconds: number): string {
	if (milliseconds >= 86_400_000 && milliseconds % 86_400_000 === 0) {
		return `${milliseconds / 86_400_000}d`;
	}

	return milliseconds < 1 ? `${Math.round(milliseconds * 1000)}us` : `${milliseconds}ms`;
}

/** Collects every error, so the user sees them all at once. */
export class Checker {
	readonly errors: string[] = [];
	/** Said on stderr before the run: what was given but does not apply, and why (never an error). */
	readonly notes: string[] = [];
	/** While true, values come from JSON: a number must be a JSON number, not text. */
	inFile = false;

	fail(subject: Subject, rule: string, raw: Raw): void {
		this.errors.push(`${subject} ${rule}, got ${show(raw)}`);
	}

	/** A finite number in the shared grammar (`NUMBER_PATTERN`) from text, or a number from JSON. */
	number(subject: Subject, raw: Raw, rule: string, accept: (value: number) => boolean): number | undefined {
		let value: number | undefined;
		if (typeof raw === 'number') {
			value = raw;
		} else if (typeof raw === 'string' && !this.inFile && NUMBER_PATTERN.test(raw.trim())) {
			value = Number(raw.trim());
		}

		if (value !== undefined && Number.isFinite(value) && accept(value)) {
			return value;
		}

		this.fail(subject, rule, raw);
		return undefined;
	}

	/** A count: a whole number in the shared grammar (`1000`, `1e6`). */
	whole(subject: Subject, raw: Raw, {min, max}: {min: number; max: number}): number | undefined {
		const rule = max === Number.MAX_SAFE_INTEGER ? `must be a whole number >= ${min}` : `must be a whole number ${range(min, max)}`;
		return this.number(subject, raw, rule, value => Number.isInteger(value) && value >= min && value <= max);
	}

	/** A probability: `0.1`, or a percentage as thresholds take one (`10%`). */
	fraction(subject: Subject, raw: Raw): number | undefined {
		const percent = typeof raw === 'string' && !this.inFile ? /^\s*(\d+(?:\.\d+)?)%\s*$/.exec(raw) : null;
		if (percent) {
			const value = Number(percent[1]) / 100;
			if (value <= 1) {
				return value;
			}
		}

		return this.number(subject, raw, 'must be between 0 and 1 (or 0% to 100%)', value => value >= 0 && value <= 1);
	}

	/** A duration (`250ms`, `1.5s`, `1e3`; see `parseDuration`) within `min..max` ms, or 0 where `zero` allows it. */
	duration(subject: Subject, raw: Raw, {min, max, zero}: {min: number; max: number; zero: boolean}): number | undefined {
		const value = typeof raw === 'number' ? raw : (typeof raw === 'string' ? parseDuration(raw) : undefined);
		if (value !== undefined && ((zero && value === 0) || (value >= min && value <= max))) {
			return value;
		}

		const span = `${zero ? '0 or ' : ''}${range(min, max, durationText)}`;
		this.fail(subject, `must be a duration, ${span}, such as 250ms, 1.5s or 2m (a bare number is milliseconds)`, raw);
		return undefined;
	}

	/**
	 * A warm-up: a duration with its unit (`30s`: the messages arriving before it), or a bare whole
	 * number (`2000`: the first 2,000 messages to arrive). Unlike other durations, a bare number is
	 * not milliseconds here: it counts messages.
	 */
	warmup(subject: Subject, raw: Raw): {ms: number} | {messages: number} | undefined {
		const text = typeof raw === 'number' ? String(raw) : raw;
		if (typeof text === 'string' && /^\s*\d+\s*$/.test(text)) {
			const messages = Number(text);
			if (messages >= 1 && messages <= LIMITS.messages.max) {
				return {messages};
			}
		} else if (typeof text === 'string') {
			const ms = parseDuration(text);
			if (ms !== undefined && ms > 0 && ms <= LIMITS.simulatedMs) {
				return {ms};
			}
		}

		this.fail(subject, 'must be a duration with its unit (30s: the messages arriving before it) or a whole number of messages (2000: the first to arrive), more than 0', raw);
		return undefined;
	}

	/** Non-empty text (a file's name). */
	text(subject: Subject, raw: Raw): string | undefined {
		if (typeof raw === 'string' && raw.trim() !== '') {
			return raw.trim();
		}

		this.fail(subject, 'must be a file name', raw);
		return undefined;
	}

	/** One of `values`, as text. */
	oneOf<T extends string>(subject: Subject, raw: Raw, values: readonly T[]): T | undefined {
		if (typeof raw === 'string' && (values as readonly string[]).includes(raw)) {
			return raw as T;
		}

		this.fail(subject, `must be one of ${values.join(', ')}`, raw);
		return undefined;
	}

	distribution(subject: Subject, raw: Raw): Distribution | undefined {
		return this.oneOf(subject, raw, DISTRIBUTIONS);
	}

	speed(subject: Subject, raw: Raw, {min, max}: {min: number; max: number}): Speed | undefined {
		if (raw === 'max') {
			return 'max';
		}

		return this.number(subject, raw, `must be max or a number ${range(min, max)} (1 is real time)`, value => value >= min && value <= max);
	}

	/** A rate per second: `500`, `500/s`, `30000/m`, `2/ms`, `100/h` (JSON: a number per second, or the same text). */
	rate(subject: Subject, raw: Raw, {min, max}: {min: number; max: number}): number | undefined {
		const perSecond = typeof raw === 'number' ? raw : (typeof raw === 'string' ? parseRate(raw) : undefined);
		if (perSecond !== undefined && Number.isFinite(perSecond) && perSecond >= min && perSecond <= max) {
			return perSecond;
		}

		this.fail(subject, `must be a rate ${range(min, max)} per second, such as 500/s, 30000/m or 2/ms (a bare number is per second)`, raw);
		return undefined;
	}

	arrival(subject: Subject, raw: Raw): ArrivalProcess | undefined {
		return this.oneOf(subject, raw, ARRIVAL_PROCESSES);
	}

	priorities(subject: Subject, raw: Raw): Priority[] | undefined {
		const priorities = typeof raw === 'string' ? parsePriorities(raw) : undefined;
		if (priorities === undefined) {
			this.fail(subject, PRIORITY_RULE, raw);
		}

		return priorities;
	}

	charset(subject: Subject, raw: Raw): Charset | undefined {
		return this.oneOf(subject, raw, CHARSETS);
	}

	/** A file to write: a path whose folder exists, and not a folder itself. */
	outputFile(subject: Subject, raw: Raw): string | undefined {
		if (typeof raw !== 'string' || raw.trim() === '') {
			this.fail(subject, 'must be the path of a file to write', raw);
			return undefined;
		}

		const folder = dirname(resolve(raw));
		if (!statSync(folder, {throwIfNoEntry: false})?.isDirectory()) {
			this.fail(subject, `must be in a folder that exists (${folder} does not)`, raw);
			return undefined;
		}

		if (statSync(raw, {throwIfNoEntry: false})?.isDirectory()) {
			this.fail(subject, 'must be a file, not a folder', raw);
			return undefined;
		}

		return raw;
	}

	/**
	 * Where to listen: `port`, `host:port` or `[ipv6]:port`; port 0 takes any free one. The host is
	 * 127.0.0.1 when left out: nothing is served beyond this machine unless asked (0.0.0.0:9464).
	 */
	listenAddress(subject: Subject, raw: Raw, {defaultPort}: {defaultPort?: number} = {}): {host: string; port: number} | undefined {
		const text = typeof raw === 'number' ? String(raw) : raw;
		const parts = typeof text === 'string' ? /^(?:(\[[\da-f:.]+]|[\w.-]+):)?(\d{1,5})$/i.exec(text.trim()) : null;
		const port = parts ? Number(parts[2]) : Number.NaN;
		if (!parts || port > 65_535) {
			const example = defaultPort ?? 9464;
			this.fail(subject, `must be [host:]port, port 0 to 65535 (0: any free port), such as ${example} or 0.0.0.0:${example}`, raw);
			return undefined;
		}

		return {host: parts[1]?.replace(/^\[(.*)]$/, '$1') ?? '127.0.0.1', port};
	}

	name(subject: Subject, raw: Raw): string | undefined {
		if (typeof raw === 'string' && /^[\w.-]{1,40}$/.test(raw)) {
			return raw;
		}

		this.fail(subject, 'must be 1 to 40 letters, digits, dots, dashes or underscores', raw);
		return undefined;
	}
}
