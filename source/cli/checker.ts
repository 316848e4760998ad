import type {Distribution} from '../distributions.js';
import {DISTRIBUTIONS} from '../distributions.js';
import type {Speed} from '../scheduler.js';
import {parseDuration} from './duration.js';

/** Where a value came from, as the user wrote it: `--failure-rate`, `sim.json: groups[1].mean`. */
export type Subject = string;
/** A raw value: text from a flag, or anything from JSON. */
export type Raw = unknown;

const NUMBER_PATTERN = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

export const show = (raw: Raw): string => (typeof raw === 'string' ? JSON.stringify(raw) : Array.isArray(raw) ? 'a list' : raw === null ? 'null' : typeof raw === 'object' ? 'an object' : String(raw));

/** Collects every error, so the user sees them all at once. */
export class Checker {
	readonly errors: string[] = [];
	/** While true, values come from JSON: a number must be a JSON number, not text. */
	inFile = false;

	fail(subject: Subject, rule: string, raw: Raw): undefined {
		this.errors.push(`${subject} ${rule}, got ${show(raw)}`);
		return undefined;
	}

	/** A finite number from text (strictly: no `NaN`, `Infinity`, hex or trailing junk) or from JSON. */
	number(subject: Subject, raw: Raw, rule: string, accept: (value: number) => boolean): number | undefined {
		let value: number | undefined;
		if (typeof raw === 'number') {
			value = raw;
		} else if (typeof raw === 'string' && !this.inFile && NUMBER_PATTERN.test(raw.trim())) {
			value = Number(raw.trim());
		}

		return value !== undefined && Number.isFinite(value) && accept(value) ? value : this.fail(subject, rule, raw);
	}

	whole(subject: Subject, raw: Raw, min: number, max: number): number | undefined {
		const rule = max === Number.MAX_SAFE_INTEGER ? `must be a whole number >= ${min}` : `must be a whole number from ${min} to ${max}`;
		return this.number(subject, raw, rule, value => Number.isInteger(value) && value >= min && value <= max);
	}

	fraction(subject: Subject, raw: Raw): number | undefined {
		return this.number(subject, raw, 'must be between 0 and 1', value => value >= 0 && value <= 1);
	}

	duration(subject: Subject, raw: Raw, {positive}: {positive: boolean}): number | undefined {
		const rule = `must be a duration ${positive ? '> 0' : '>= 0'} such as 250ms, 1.5s or 2m (a bare number is milliseconds)`;
		const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? parseDuration(raw) : undefined;
		return value !== undefined && Number.isFinite(value) && (positive ? value > 0 : value >= 0) ? value : this.fail(subject, rule, raw);
	}

	distribution(subject: Subject, raw: Raw): Distribution | undefined {
		return typeof raw === 'string' && (DISTRIBUTIONS as readonly string[]).includes(raw)
			? (raw as Distribution)
			: this.fail(subject, `must be one of ${DISTRIBUTIONS.join(', ')}`, raw);
	}

	speed(subject: Subject, raw: Raw): Speed | undefined {
		if (raw === 'max') {
			return 'max';
		}

		return this.number(subject, raw, 'must be a number > 0 (1 is real time) or max', value => value > 0);
	}

	name(subject: Subject, raw: Raw): string | undefined {
		return typeof raw === 'string' && /^[\w.-]{1,40}$/.test(raw) ? raw : this.fail(subject, 'must be 1 to 40 letters, digits, dots, dashes or underscores', raw);
	}
}

