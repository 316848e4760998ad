import {LIMITS} from '../model/limits.js';
import {DEFAULTS} from '../model/defaults.js';
import {sampleShape, spreadLimit, type Distribution} from '../model/distributions.js';
import {senderCount} from '../model/config.js';
import type {SenderGroup} from '../model/senders.js';
import {
	type Checker, show, type Raw, type Subject,
} from './checker.js';
import type {CliFlags} from './flags.js';
import {readSendTimes} from './send-times.js';

/** Most senders one process may run. */
export const MAX_SENDERS = LIMITS.senders.max;

const GROUP_KEYS = ['name', 'count', 'mean', 'spread', 'distribution', 'sendTimes', 'failureRate', 'maxAttempts', 'backoff', 'backoffMax', 'permanentFailureRate', 'rate'] as const;
const SENDER_SPEC_KEYS = ['count', 'mean', 'spread', 'distribution', 'send-times', 'failure-rate', 'name', 'max-attempts', 'backoff', 'backoff-max', 'permanent-failure-rate', 'rate'] as const;

/** Settings at one level (top level or one group), before defaults. Undefined: not given. */
export type SendTimeSettings = {
	meanMs?: number;
	spread?: number;
	distribution?: Distribution;
	failureRate?: number;
	maxAttempts?: number;
	backoffMs?: number;
	backoffMaxMs?: number;
	permanentFailureRate?: number;
	/** A group's carrier limit, segments per second per sender (a group setting only: `--rate` is the arrival rate). */
	ratePerSec?: number;
	/** Where `spread` was given, for errors. */
	spreadSubject?: Subject;
	/** `distribution=empirical`: the file of measured send times, and where it was given. */
	sendTimes?: string;
	sendTimesSubject?: Subject;
	/** Where `mean` was given, for the note that an empirical group ignores it. */
	meanSubject?: Subject;
};

/** The retry settings, checked the same way wherever they are given. */
export function retrySettings(check: Checker, get: (key: 'maxAttempts' | 'backoff' | 'backoffMax' | 'permanentFailureRate') => [Subject, Raw, boolean?] | undefined): Pick<SendTimeSettings, 'maxAttempts' | 'backoffMs' | 'backoffMaxMs' | 'permanentFailureRate'> {
	const parse = <T>(key: 'maxAttempts' | 'backoff' | 'backoffMax' | 'permanentFailureRate', how: (subject: Subject, raw: Raw) => T | undefined): T | undefined => {
		const given = get(key);
		if (given === undefined) {
			return undefined;
		}

		const [subject, raw, inFile] = given;
		const outer = check.inFile;
		check.inFile = inFile ?? outer; // A value from JSON must be a JSON number where a number is asked for.
		const value = how(subject, raw);
		check.inFile = outer;
		return value;
	};

	return {
		maxAttempts: parse('maxAttempts', (s, raw) => check.whole(s, raw, LIMITS.maxAttempts)),
		backoffMs: parse('backoff', (s, raw) => check.duration(s, raw, {...LIMITS.backoffMs, zero: true})),
		backoffMaxMs: parse('backoffMax', (s, raw) => check.duration(s, raw, {...LIMITS.backoffMs, zero: true})),
		permanentFailureRate: parse('permanentFailureRate', (s, raw) => check.fraction(s, raw)),
	};
}

/**
 * The sender groups: `--sender` specs, else `--senders`, else the file's `groups`, else its
 * `senders`, else one default group. Top-level mean, spread, distribution and failure rate are
 * the defaults of every group, so nothing given is dropped.
 */
export function validateGroups(
	check: Checker,
	flags: CliFlags,
	file: Record<string, unknown> | undefined,
	top: SendTimeSettings,
	senders: number | undefined,
	fileSubject: (key: string) => string,
	{counted = true}: {readonly counted?: boolean} = {},
): SenderGroup[] | undefined {
	const groups = givenGroups(check, flags, file, senders, fileSubject, counted);
	if (groups === undefined) {
		return undefined;
	}

	// A top-level spread serves every group whose distribution takes one; if none does, it would be
	// dropped, which is an error. A group's own spread must fit its own distribution.
	const takesSpread = (group: SendTimeSettings) => spreadLimit(group.distribution ?? top.distribution ?? DEFAULTS.distribution).takesSpread;
	if (top.spread !== undefined && !groups.some(group => group.spread === undefined && takesSpread(group))) {
		const distribution = groups[0]?.distribution ?? top.distribution ?? DEFAULTS.distribution;
		check.errors.push(`${top.spreadSubject} does not apply to the ${groups.length > 1 || (flags.sender ?? []).length > 0 ? 'groups\' distributions' : `${distribution} distribution`} (${spreadRule(distribution)}), got ${top.spread}`);
	}

	const names = new Set<string>();
	const sendTimes = new SendTimesFiles();
	const resolved: SenderGroup[] = [];
	for (const group of groups) {
		if (group.name !== undefined) {
			if (names.has(group.name)) {
				check.errors.push(`${group.subject}: name ${show(group.name)} is used by another group; names must be unique`);
			}

			names.add(group.name);
		}

		const one = resolveGroup(check, group, top, sendTimes);
		if (one !== undefined) {
			resolved.push(one);
		}
	}

	if (top.sendTimes !== undefined && !groups.some(group => group.sendTimes === undefined && (group.distribution === undefined || group.distribution === 'empirical'))) {
		check.errors.push(`${top.sendTimesSubject} applies to no group: each sets its own distribution (give send-times=FILE with the group instead)`);
	}

	const totalSenders = senderCount(resolved);
	if (totalSenders > LIMITS.senders.max) {
		check.errors.push(`the sender groups have ${totalSenders.toLocaleString('en-US')} senders in all; at most ${LIMITS.senders.max.toLocaleString('en-US')} are allowed`);
	}

	return check.errors.length > 0 ? undefined : resolved;
}

/** A group as given, before the top-level settings fill it in. */
type GivenGroup = SendTimeSettings & {count?: number; name?: string; subject: Subject};

/** The groups as given: `--sender` specs, else the file's `groups` (unless `--senders`), else one of `--senders`. */
function givenGroups(check: Checker, flags: CliFlags, file: Record<string, unknown> | undefined, senders: number | undefined, fileSubject: (key: string) => string, counted: boolean): GivenGroup[] | undefined {
	const specs = flags.sender ?? [];
	if (specs.length > 0) {
		if (flags.senders !== undefined) {
			check.errors.push('--senders cannot be combined with --sender (each --sender sets its own count)');
			return undefined;
		}

		return specs.map(spec => parseSenderSpec(check, spec, counted));
	}

	if (flags.senders === undefined && file?.groups !== undefined) {
		if (file.senders !== undefined) {
			check.errors.push(`${fileSubject('senders')} cannot be combined with groups (each group sets its own count)`);
			return undefined;
		}

		check.inFile = true;
		const groups = parseConfigGroups(check, file.groups, fileSubject('groups'));
		check.inFile = false;
		return groups;
	}

	return [{count: senders ?? DEFAULTS.senders, subject: '--senders'}];
}

/** Files of measured send times, each read once however many groups draw from it. */
class SendTimesFiles {
	private readonly files = new Map<string, ReturnType<typeof readSendTimes>>();

	read(spec: string): ReturnType<typeof readSendTimes> {
		let read = this.files.get(spec);
		if (read === undefined) {
			read = readSendTimes(spec);
			this.files.set(spec, read);
		}

		return read;
	}
}

/** One group with the top-level settings as its defaults, its rules checked; undefined for a group without a count (an error said why). */
function resolveGroup(check: Checker, group: GivenGroup, top: SendTimeSettings, files: SendTimesFiles): SenderGroup | undefined {
	// Measured send times: given with the group or at the top (where no group sets another distribution).
	const timesSpec = group.sendTimes ?? (group.distribution === undefined || group.distribution === 'empirical' ? top.sendTimes : undefined);
	const distribution = group.distribution ?? top.distribution ?? (timesSpec === undefined ? undefined : 'empirical');
	const limit = spreadLimit(distribution ?? DEFAULTS.distribution);
	const sendTimes = groupSendTimes(check, group, top, {distribution, timesSpec, files});
	const spread = groupSpread(check, group, top, distribution);
	const backoffMs = group.backoffMs ?? top.backoffMs ?? DEFAULTS.backoffMs;
	const backoffMaxMs = group.backoffMaxMs ?? top.backoffMaxMs ?? DEFAULTS.backoffMaxMs;
	if (backoffMaxMs < backoffMs) {
		const where = group.subject === '--senders' ? '' : `${group.subject}: `;
		check.errors.push(`${where}the longest backoff (--backoff-max, ${backoffMaxMs}ms) is shorter than the first (--backoff, ${backoffMs}ms); it must be at least the first`);
	}

	if (group.count === undefined) {
		return undefined;
	}

	return {
		name: group.name,
		count: group.count,
		meanMs: group.meanMs ?? top.meanMs,
		spread: limit.takesSpread ? spread : undefined,
		distribution,
		failureRate: group.failureRate ?? top.failureRate,
		maxAttempts: group.maxAttempts ?? top.maxAttempts,
		backoffMs: group.backoffMs ?? top.backoffMs,
		backoffMaxMs: group.backoffMaxMs ?? top.backoffMaxMs,
		permanentFailureRate: group.permanentFailureRate ?? top.permanentFailureRate,
		ratePerSec: group.ratePerSec,
		...(sendTimes === undefined ? {} : {sendTimes, sendTimesFrom: timesSpec}),
	};
}

/** The measured send times an empirical group draws from (a note says what it ignores); undefined for another distribution. */
function groupSendTimes(check: Checker, group: GivenGroup, top: SendTimeSettings, {distribution, timesSpec, files}: {readonly distribution: Distribution | undefined; readonly timesSpec: string | undefined; readonly files: SendTimesFiles}): number[] | undefined {
	if (distribution !== 'empirical') {
		if (group.sendTimes !== undefined) {
			check.errors.push(`${group.sendTimesSubject} goes with distribution empirical, not ${distribution}: leave out distribution (or give empirical) to draw from the file`);
		}

		return undefined;
	}

	if (timesSpec === undefined) {
		check.errors.push(`${group.subject === '--senders' ? '--distribution empirical' : `${group.subject}: distribution empirical`} needs measured send times: --send-times FILE (or send-times=FILE in --sender)`);
		return undefined;
	}

	const read = files.read(timesSpec);
	if ('problem' in read) {
		const timesSubject = group.sendTimes === undefined ? top.sendTimesSubject : group.sendTimesSubject;
		check.errors.push(`${timesSubject}: ${read.problem}`);
		return undefined;
	}

	const mean = group.meanMs ?? top.meanMs;
	if (mean !== undefined || group.spread !== undefined || top.spread !== undefined) {
		const {meanMs} = sampleShape(read.times);
		check.notes.push(`${mean === undefined ? 'the spread' : 'the mean'} given is ignored for ${group.name === undefined ? 'the senders' : `group ${show(group.name)}`}: distribution empirical draws from ${read.times.length.toLocaleString('en-US')} measured send times (${timesSpec}; mean ${meanMs.toFixed(3)}ms)`);
	}

	return read.times;
}

/** The group's spread (its own, else the top-level one where its distribution takes one), checked against its distribution. */
function groupSpread(check: Checker, group: GivenGroup, top: SendTimeSettings, distribution: Distribution | undefined): number | undefined {
	const limit = spreadLimit(distribution ?? DEFAULTS.distribution);
	let {spread} = group;
	if (spread !== undefined && !limit.takesSpread && distribution !== 'empirical') {
		check.errors.push(`${group.spreadSubject} does not apply to the ${distribution} distribution (${spreadRule(distribution!)}), got ${spread}`);
	}

	spread ??= limit.takesSpread ? top.spread : undefined;
	if (spread !== undefined && limit.takesSpread && spread !== 0 && !(spread >= limit.min && spread <= limit.max)) {
		const subject = group.spread === undefined ? top.spreadSubject : group.spreadSubject;
		check.errors.push(`${subject} ${limit.rule}, got ${spread}`);
	}

	return spread;
}

function spreadRule(distribution: Distribution): string {
	return distribution === 'fixed' ? 'every send takes exactly the mean' : 'its spread is always 1';
}

/**
 * `count=5,mean=200ms,failure-rate=0.2,name=slow` (also spread= and distribution=). Not `counted`
 * (a gateway's group, which is how it answers, not a pool of senders): no count, and it is one.
 */
function parseSenderSpec(check: Checker, spec: string, counted: boolean): SendTimeSettings & {count?: number; name?: string; subject: Subject} {
	const subject = `--sender ${show(spec)}:`;
	const fields = new Map<string, string>();
	for (const part of spec.split(',')) {
		const match = /^\s*([\w-]+)\s*=\s*(.*?)\s*$/.exec(part);
		if (match === null) {
			check.errors.push(`${subject} each part must be key=value (keys: ${SENDER_SPEC_KEYS.join(', ')}), got ${show(part)}`);
			continue;
		}

		const [, key = '', value = ''] = match;
		if (!(SENDER_SPEC_KEYS as readonly string[]).includes(key)) {
			check.errors.push(`${subject} unknown key ${show(key)} (keys: ${SENDER_SPEC_KEYS.join(', ')})`);
		} else if (fields.has(key)) {
			check.errors.push(`${subject} ${key} is given twice`);
		} else {
			fields.set(key, value);
		}
	}

	if (counted && !fields.has('count')) {
		check.errors.push(`${subject} count is required (how many senders in this group)`);
	} else if (!counted && fields.has('count')) {
		check.errors.push(`${subject} count means nothing here: the group is how the gateway answers, not a number of senders`);
	}

	const field = (key: string) => fields.get(key);
	const optional = <T>(key: string, parse: (subject: Subject, raw: Raw) => T | undefined): T | undefined =>
		fields.has(key) ? parse(`${subject} ${key}`, field(key)) : undefined;
	return {
		subject: `--sender ${show(spec)}`,
		count: counted ? optional('count', (s, raw) => check.whole(s, raw, LIMITS.senders)) : 1,
		name: optional('name', (s, raw) => check.name(s, raw)),
		meanMs: optional('mean', (s, raw) => check.duration(s, raw, {...LIMITS.meanMs, zero: true})),
		spread: optional('spread', (s, raw) => check.number(s, raw, 'must be a number >= 0', value => value >= 0)),
		spreadSubject: `${subject} spread`,
		distribution: optional('distribution', (s, raw) => check.distribution(s, raw)),
		sendTimes: optional('send-times', (s, raw) => check.text(s, raw)),
		sendTimesSubject: `${subject} send-times`,
		failureRate: optional('failure-rate', (s, raw) => check.fraction(s, raw)),
		ratePerSec: optional('rate', (s, raw) => check.rate(s, raw, LIMITS.senderRatePerSec)),
		...retrySettings(check, key => {
			const specKey = {
				maxAttempts: 'max-attempts', backoff: 'backoff', backoffMax: 'backoff-max', permanentFailureRate: 'permanent-failure-rate',
			}[key];
			return fields.has(specKey) ? [`${subject} ${specKey}`, field(specKey)] : undefined;
		}),
	};
}

function parseConfigGroups(check: Checker, raw: unknown, subject: Subject): Array<SendTimeSettings & {count?: number; name?: string; subject: Subject}> | undefined {
	if (!Array.isArray(raw) || raw.length === 0) {
		check.fail(subject, 'must be a non-empty list of groups', raw);
		return undefined;
	}

	return raw.map((item: unknown, index) => {
		const at = `${subject}[${index}]`;
		if (typeof item !== 'object' || item === null || Array.isArray(item)) {
			check.fail(at, 'must be an object such as {"count": 5, "mean": "200ms"}', item);
			return {subject: at};
		}

		const group = item as Record<string, unknown>;
		for (const key of Object.keys(group)) {
			if (!(GROUP_KEYS as readonly string[]).includes(key)) {
				check.errors.push(`${at}: unknown key ${show(key)} (known: ${GROUP_KEYS.join(', ')})`);
			}
		}

		if (group.count === undefined) {
			check.errors.push(`${at}.count is required (how many senders in this group)`);
		}

		const optional = <T>(key: string, parse: (subject: Subject, raw: Raw) => T | undefined): T | undefined =>
			group[key] === undefined ? undefined : parse(`${at}.${key}`, group[key]);
		return {
			subject: at,
			count: optional('count', (s, value) => check.whole(s, value, LIMITS.senders)),
			name: optional('name', (s, value) => check.name(s, value)),
			meanMs: optional('mean', (s, value) => check.duration(s, value, {...LIMITS.meanMs, zero: true})),
			spread: optional('spread', (s, value) => check.number(s, value, 'must be a number >= 0', v => v >= 0)),
			spreadSubject: `${at}.spread`,
			distribution: optional('distribution', (s, value) => check.distribution(s, value)),
			sendTimes: optional('sendTimes', (s, value) => check.text(s, value)),
			sendTimesSubject: `${at}.sendTimes`,
			failureRate: optional('failureRate', (s, value) => check.fraction(s, value)),
			ratePerSec: optional('rate', (s, value) => check.rate(s, value, LIMITS.senderRatePerSec)),
			...retrySettings(check, key => (group[key] === undefined ? undefined : [`${at}.${key}`, group[key]])),
		};
	});
}
