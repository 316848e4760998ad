import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import type {ConfigFile} from '../../source/cli/config-file.js';
import {CONFIG_KEYS} from '../../source/cli/settings.js';
import {validateOptions, type CliFlags} from '../../source/cli/options.js';
import {resolveConfig} from '../../source/model/config.js';

const errorsOf = (flags: CliFlags, file?: ConfigFile) => validateOptions(flags, file).errors;
/** The options, with the simulation as it runs: what was given, defaults filled in by `resolveConfig`. */
const optionsOf = (flags: CliFlags, file?: ConfigFile) => {
	const {value, errors} = validateOptions(flags, file);
	expect(errors).toEqual([]);
	return {...value!, given: value!.simulation, simulation: resolveConfig(value!.simulation)};
};

const configFile = (data: unknown): ConfigFile => ({path: 'sim.json', text: JSON.stringify(data)});
/** A group's retry settings when none is given: one attempt, a failed send is final. */
const noRetries = {
	maxAttempts: 1, backoffMs: 1000, backoffMaxMs: 30_000, permanentFailureRate: 0,
};

describe('validateOptions: defaults and values', () => {
	it('gives the documented defaults', () => {
		const {simulation, given, json, events, maxFailureRate} = optionsOf({});
		expect(given.seed).toBeUndefined();
		expect({...simulation, seed: 0}).toEqual({
			messages: 1000,
			groups: [{
				name: 'default', count: 10, meanMs: 100, spread: 0.25, distribution: 'gamma', failureRate: 0.1, ...noRetries,
			}],
			intervalMs: 1000,
			seed: 0,
			speed: 1,
			maxBodyLength: 100,
			arrivals: undefined,
			charset: 'ascii',
		});
		expect([json, events, maxFailureRate]).toEqual([false, false, undefined]);
	});

	it('reads durations with units, a bare number as milliseconds', () => {
		expect(optionsOf({mean: '250ms'}).simulation.groups[0].meanMs).toBe(250);
		expect(optionsOf({mean: '1.5s'}).simulation.groups[0].meanMs).toBe(1500);
		expect(optionsOf({mean: '2m'}).simulation.groups[0].meanMs).toBe(120_000);
		expect(optionsOf({mean: '40'}).simulation.groups[0].meanMs).toBe(40);
		expect(optionsOf({mean: '0'}).simulation.groups[0].meanMs).toBe(0);
		expect(optionsOf({interval: '500ms'}).simulation.intervalMs).toBe(500);
	});

	it('takes speed as max or a positive number', () => {
		expect(optionsOf({speed: 'max'}).simulation.speed).toBe('max');
		expect(optionsOf({speed: '2.5'}).simulation.speed).toBe(2.5);
	});

	it('reads one number grammar for counts and durations: 1e3 is both', () => {
		expect(optionsOf({messages: '1e3', mean: '1e3', interval: '2.5e3'}).simulation).toMatchObject({messages: 1000, intervalMs: 2500, groups: [{meanMs: 1000}]});
		expect(optionsOf({mean: '1.5 seconds'}).simulation.groups[0].meanMs).toBe(1500);
		expect(optionsOf({mean: '250us'}).simulation.groups[0].meanMs).toBe(0.25);
	});

	it('takes 0 messages', () => {
		expect(optionsOf({messages: '0'}).simulation.messages).toBe(0);
	});
});

describe('validateOptions: every error, one line each, naming the flag and the rule', () => {
	it.each([
		[{failureRate: '1.5'}, '--failure-rate must be between 0 and 1 (or 0% to 100%), got "1.5"'],
		[{failureRate: '-0.1'}, '--failure-rate must be between 0 and 1 (or 0% to 100%), got "-0.1"'],
		[{messages: 'abc'}, '--messages must be a whole number >= 0, got "abc"'],
		[{messages: '-5'}, '--messages must be a whole number >= 0, got "-5"'],
		[{messages: '2.5'}, '--messages must be a whole number >= 0, got "2.5"'],
		[{messages: 'NaN'}, '--messages must be a whole number >= 0, got "NaN"'],
		[{messages: 'Infinity'}, '--messages must be a whole number >= 0, got "Infinity"'],
		[{senders: '0'}, '--senders must be a whole number from 1 to 1000000, got "0"'],
		[{senders: '0x10'}, '--senders must be a whole number from 1 to 1000000, got "0x10"'],
		[{mean: '-1s'}, '--mean must be a duration, 0 or from 10us to 1d, such as 250ms, 1.5s or 2m (a bare number is milliseconds), got "-1s"'],
		[{mean: 'fast'}, '--mean must be a duration, 0 or from 10us to 1d, such as 250ms, 1.5s or 2m (a bare number is milliseconds), got "fast"'],
		[{interval: '0'}, '--interval must be a duration, from 1ms to 1d, such as 250ms, 1.5s or 2m (a bare number is milliseconds), got "0"'],
		[{spread: '-1'}, '--spread must be a number >= 0, got "-1"'],
		[{distribution: 'normal'}, '--distribution must be one of gamma, exponential, uniform, fixed, empirical, got "normal"'],
		[{seed: '4294967296'}, '--seed must be a whole number from 0 to 4294967295, got "4294967296"'],
		[{speed: '0'}, '--speed must be max or a number from 0.001 to 1000000 (1 is real time), got "0"'],
		[{speed: 'fast'}, '--speed must be max or a number from 0.001 to 1000000 (1 is real time), got "fast"'],
		[{maxFailureRate: '2'}, '--max-failure-rate must be between 0 and 1 (or 0% to 100%), got "2"'],
		[{maxBodyLength: '0'}, '--max-body-length must be a whole number from 1 to 10000, got "0"'],
		[{events: true}, '--events needs --json (it adds one line per message to the NDJSON output)'],
		[{spread: '0.3', distribution: 'fixed'}, '--spread does not apply to the fixed distribution (every send takes exactly the mean), got 0.3'],
		[{spread: '0.3', distribution: 'exponential'}, '--spread does not apply to the exponential distribution (its spread is always 1), got 0.3'],
		[{spread: '0.7', distribution: 'uniform'}, '--spread must be at most 0.577 for the uniform distribution (or its shortest send time would be negative), got 0.7'],
		// Extreme values that are numbers but not what the engine handles: refused, each with its range.
		[{speed: '1e308'}, '--speed must be max or a number from 0.001 to 1000000 (1 is real time), got "1e308"'],
		[{speed: '1e-10'}, '--speed must be max or a number from 0.001 to 1000000 (1 is real time), got "1e-10"'],
		[{spread: '1e-160'}, '--spread must be 0 or from 0.001 to 4 for the gamma distribution (below, its shape overflows; above, nearly every send time rounds to 0), got 1e-160'],
		[{spread: '1e153'}, '--spread must be 0 or from 0.001 to 4 for the gamma distribution (below, its shape overflows; above, nearly every send time rounds to 0), got 1e+153'],
		[{spread: '1000'}, '--spread must be 0 or from 0.001 to 4 for the gamma distribution (below, its shape overflows; above, nearly every send time rounds to 0), got 1000'],
		[{mean: '999999999999999999999y'}, '--mean must be a duration, 0 or from 10us to 1d, such as 250ms, 1.5s or 2m (a bare number is milliseconds), got "999999999999999999999y"'],
		[{mean: '2d'}, '--mean must be a duration, 0 or from 10us to 1d, such as 250ms, 1.5s or 2m (a bare number is milliseconds), got "2d"'],
		[{mean: '1us'}, '--mean must be a duration, 0 or from 10us to 1d, such as 250ms, 1.5s or 2m (a bare number is milliseconds), got "1us"'],
		[{interval: '0.5ms'}, '--interval must be a duration, from 1ms to 1d, such as 250ms, 1.5s or 2m (a bare number is milliseconds), got "0.5ms"'],
		// In range one by one, too much together.
		[{messages: '1e9', interval: '1ms'}, '--interval: a snapshot every 1ms over about 115d17h of simulated time is 10,000,000,000 progress lines; choose an interval of at least 1.0s'],
		[{messages: '1e15', senders: '1', mean: '1s'}, '--messages: 1,000,000,000,000,000 messages at these senders\' pace would take about 31,688,087.8 years of simulated time; at most 50 years are supported (fewer messages, more senders or a shorter --mean)'],
	] as Array<[CliFlags, string]>)('%o', (flags, expected) => {
		expect(errorsOf(flags)).toEqual([expected]);
	});

	it('reports every error at once', () => {
		expect(errorsOf({messages: 'x', failureRate: '3', speed: '-1'})).toHaveLength(3);
	});
});

describe('validateOptions: --rate and --arrival', () => {
	it('reads a rate per second, per minute, per hour or per millisecond, a bare number per second', () => {
		const rate = (text: string) => optionsOf({rate: text}).simulation.arrivals;
		expect(rate('500')).toEqual({ratePerSec: 500, process: 'poisson'});
		expect(rate('500/s')?.ratePerSec).toBe(500);
		expect(rate('30000/m')?.ratePerSec).toBe(500);
		expect(rate('3600/h')?.ratePerSec).toBe(1);
		expect(rate('2/ms')?.ratePerSec).toBe(2000);
		expect(optionsOf({rate: '10', arrival: 'constant'}).simulation.arrivals).toEqual({ratePerSec: 10, process: 'constant'});
		expect(optionsOf({}, configFile({rate: '30000/m', arrival: 'constant'})).simulation.arrivals).toEqual({ratePerSec: 500, process: 'constant'});
		expect(optionsOf({}, configFile({rate: 20})).simulation.arrivals).toEqual({ratePerSec: 20, process: 'poisson'});
	});

	it('refuses a bad rate, an unknown process, and a process without a rate, with the other errors', () => {
		expect(errorsOf({rate: '0'})).toEqual(['--rate must be a rate from 0.0001 to 1000000000 per second, such as 500/s, 30000/m or 2/ms (a bare number is per second), got "0"']);
		expect(errorsOf({rate: '5/d'})[0]).toMatch(/^--rate must be a rate .*, got "5\/d"$/);
		expect(errorsOf({rate: '-1'})[0]).toMatch(/^--rate must be a rate/);
		expect(errorsOf({arrival: 'bursty', rate: '5'})).toEqual(['--arrival must be one of poisson, constant, got "bursty"']);
		expect(errorsOf({arrival: 'constant', messages: 'x'})).toEqual([
			'--messages must be a whole number >= 0, got "x"',
			'--arrival needs a rate (--rate, or rate in the config file): without one every message is there at the start',
		]);
		expect(errorsOf({}, configFile({arrival: 'constant'}))).toEqual(['sim.json: arrival needs a rate (--rate, or rate in the config file): without one every message is there at the start']);
	});

	it('counts the time arrivals take in the run\'s length', () => {
		// A million messages at one a minute: 1.9 years of arrivals, about 2 million progress lines a second apart... too many.
		expect(errorsOf({messages: '1000000', rate: '1/m', interval: '1ms'})[0]).toMatch(/^--interval: a snapshot every 1ms over about .* is [\d,]+ progress lines/);
	});
});

describe('validateOptions: retries', () => {
	it('reads --max-attempts, --backoff, --backoff-max and --permanent-failure-rate as every group\'s defaults, and per group', () => {
		const {groups} = optionsOf({
			maxAttempts: '3', backoff: '200ms', permanentFailureRate: '0.1', sender: ['count=2,name=a', 'count=1,name=b,max-attempts=5,backoff=1s,backoff-max=4s,permanent-failure-rate=0'],
		}).simulation;
		expect(groups.map(group => [group.name, group.maxAttempts, group.backoffMs, group.backoffMaxMs, group.permanentFailureRate])).toEqual([['a', 3, 200, 30_000, 0.1], ['b', 5, 1000, 4000, 0]]);
		const file = configFile({
			maxAttempts: 2, groups: [{
				count: 1, backoff: '50ms', backoffMax: '1s', permanentFailureRate: 0.5,
			}],
		});
		expect(optionsOf({}, file).simulation.groups[0]).toMatchObject({
			maxAttempts: 2, backoffMs: 50, backoffMaxMs: 1000, permanentFailureRate: 0.5,
		});
	});

	it('refuses attempts out of range, a bad backoff, and a backoff max below the backoff', () => {
		expect(errorsOf({maxAttempts: '0'})).toEqual(['--max-attempts must be a whole number from 1 to 100, got "0"']);
		expect(errorsOf({backoff: 'soon'})[0]).toMatch(/^--backoff must be a duration, 0 or from .*, got "soon"$/);
		expect(errorsOf({permanentFailureRate: '2'})).toEqual(['--permanent-failure-rate must be between 0 and 1 (or 0% to 100%), got "2"']);
		expect(errorsOf({backoff: '10s', backoffMax: '1s'})).toEqual(['the longest backoff (--backoff-max, 1000ms) is shorter than the first (--backoff, 10000ms); it must be at least the first']);
		expect(errorsOf({sender: ['count=1,backoff=2s']})).toEqual([]); // The default maximum, 30 s, is above it.
		expect(errorsOf({sender: ['count=1,backoff=2s,backoff-max=1s']})).toEqual(['--sender "count=1,backoff=2s,backoff-max=1s": the longest backoff (--backoff-max, 1000ms) is shorter than the first (--backoff, 2000ms); it must be at least the first']);
		expect(errorsOf({}, configFile({maxAttempts: '3'}))).toEqual(['sim.json: maxAttempts must be a whole number from 1 to 100, got "3"']);
	});
});

describe('validateOptions: --sender groups', () => {
	it('parses specs, with top-level flags as every group\'s defaults', () => {
		const {groups} = optionsOf({
			sender: ['count=5,mean=200ms,failure-rate=0.2,name=slow', 'count=2,distribution=uniform,spread=0.5'],
			failureRate: '0.05',
			mean: '50ms',
		}).simulation;
		expect(groups).toEqual([
			{
				name: 'slow', count: 5, meanMs: 200, spread: 0.25, distribution: 'gamma', failureRate: 0.2, ...noRetries,
			},
			{
				name: 'group-2', count: 2, meanMs: 50, spread: 0.5, distribution: 'uniform', failureRate: 0.05, ...noRetries,
			},
		]);
	});

	it.each([
		[['mean=1s'], '--sender "mean=1s": count is required (how many senders in this group)'],
		[['count=two'], '--sender "count=two": count must be a whole number from 1 to 1000000, got "two"'],
		[['count=1,colour=red'], '--sender "count=1,colour=red": unknown key "colour" (keys: count, mean, spread, distribution, send-times, failure-rate, name, max-attempts, backoff, backoff-max, permanent-failure-rate, rate)'],
		[['count=1,oops'], '--sender "count=1,oops": each part must be key=value (keys: count, mean, spread, distribution, send-times, failure-rate, name, max-attempts, backoff, backoff-max, permanent-failure-rate, rate), got "oops"'],
		[['count=1,count=2'], '--sender "count=1,count=2": count is given twice'],
		[['count=1,failure-rate=9'], '--sender "count=1,failure-rate=9": failure-rate must be between 0 and 1 (or 0% to 100%), got "9"'],
		[['count=1,distribution=fixed,spread=0.2'], '--sender "count=1,distribution=fixed,spread=0.2": spread does not apply to the fixed distribution (every send takes exactly the mean), got 0.2'],
		[['count=1,name=a', 'count=1,name=a'], '--sender "count=1,name=a": name "a" is used by another group; names must be unique'],
		[['count=1,name=a b'], '--sender "count=1,name=a b": name must be 1 to 40 letters, digits, dots, dashes or underscores, got "a b"'],
	])('%o', (sender, expected) => {
		expect(errorsOf({sender})).toEqual([expected]);
	});

	it('refuses --senders with --sender rather than drop one', () => {
		expect(errorsOf({senders: '3', sender: ['count=1']})).toEqual(['--senders cannot be combined with --sender (each --sender sets its own count)']);
	});

	it('refuses a top-level spread that no group can use', () => {
		expect(errorsOf({spread: '0.3', sender: ['count=1,distribution=fixed']})).toHaveLength(1);
		expect(errorsOf({spread: '0.3', sender: ['count=1,distribution=fixed', 'count=1']})).toEqual([]);
	});
});

describe('validateOptions: --config', () => {
	it('reads the file, and flags override it', () => {
		const file = configFile({
			messages: 500, senders: 4, mean: '20ms', failureRate: 0.3, interval: 250, seed: 7, speed: 'max', maxFailureRate: 0.5,
		});
		const {simulation, maxFailureRate} = optionsOf({messages: '50', failureRate: '0'}, file);
		expect(simulation).toMatchObject({
			messages: 50, intervalMs: 250, seed: 7, speed: 'max', groups: [{count: 4, meanMs: 20, failureRate: 0}],
		});
		expect(maxFailureRate).toBe(0.5);
	});

	it('reads groups, with top-level settings as their defaults', () => {
		const file = configFile({failureRate: 0.2, groups: [{count: 2, mean: '1s', name: 'slow'}, {count: 8, mean: 10, distribution: 'fixed'}]});
		expect(optionsOf({}, file).simulation.groups).toEqual([
			{
				name: 'slow', count: 2, meanMs: 1000, spread: 0.25, distribution: 'gamma', failureRate: 0.2, ...noRetries,
			},
			{
				name: 'group-2', count: 8, meanMs: 10, spread: 0, distribution: 'fixed', failureRate: 0.2, ...noRetries,
			},
		]);
	});

	it.each([
		[{path: 'nope.json', readError: 'no such file'}, '--config: cannot read nope.json: no such file'],
		[{path: 'bad.json', text: '{\n  "messages": 5,\n}'}, /^--config: bad\.json is not valid JSON: line 3, column 1: /],
		[{path: 'empty.json', text: ''}, '--config: empty.json is not valid JSON: the file is empty'],
		[configFile([1, 2]), '--config: sim.json must hold a JSON object, got a list'],
		[configFile({mesages: 5}), `sim.json: unknown key "mesages" (known: ${CONFIG_KEYS.join(', ')})`],
		[configFile({messages: '5'}), 'sim.json: messages must be a whole number >= 0, got "5"'],
		[configFile({failureRate: 1.5}), 'sim.json: failureRate must be between 0 and 1 (or 0% to 100%), got 1.5'],
		[configFile({groups: []}), 'sim.json: groups must be a non-empty list of groups, got a list'],
		[configFile({groups: [{count: 1, failureRate: 2}]}), 'sim.json: groups[0].failureRate must be between 0 and 1 (or 0% to 100%), got 2'],
		[configFile({groups: [{mean: 5}]}), 'sim.json: groups[0].count is required (how many senders in this group)'],
		[configFile({groups: [{count: 1, colour: 'red'}]}), 'sim.json: groups[0]: unknown key "colour" (known: name, count, mean, spread, distribution, sendTimes, failureRate, maxAttempts, backoff, backoffMax, permanentFailureRate, rate)'],
		[configFile({senders: 3, groups: [{count: 1}]}), 'sim.json: senders cannot be combined with groups (each group sets its own count)'],
	] as Array<[ConfigFile, string | RegExp]>)('%o', (file, expected) => {
		const errors = errorsOf({}, file);
		expect(errors).toHaveLength(1);
		expect(errors[0]).toMatch(expected);
	});
});

describe('validateOptions: no invalid number is ever accepted', () => {
	const notNumeric = fc.oneof(
		fc.string().filter(text => !/^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?\s*$/i.test(text) && text.trim() !== 'max'),
		fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e999', '0x1A', '1,000', '1_000', '', ' ', '5 5', '--1'),
	);
	const toText = (value: number) => fc.constantFrom(String(value), value.toExponential(), ` ${value} `);

	it('rejects text that is not a plain finite number, for every numeric flag', () => {
		fc.assert(fc.property(notNumeric, fc.constantFrom('messages', 'senders', 'spread', 'failureRate', 'seed', 'maxFailureRate', 'maxBodyLength', 'speed'), (text, flag) => {
			expect(validateOptions({[flag]: text}).errors).toHaveLength(1);
		}));
	});

	it('rejects any failure rate outside 0..1', () => {
		const outside = fc.oneof(fc.double({
			min: 1, max: 1e300, minExcluded: true, noNaN: true,
		}), fc.double({
			min: -1e300, max: 0, maxExcluded: true, noNaN: true,
		}).filter(value => !Object.is(value, -0)));
		fc.assert(fc.property(outside.chain(toText), text => {
			expect(validateOptions({failureRate: text}).errors).toHaveLength(1);
		}));
	});

	it('rejects any negative or fractional count', () => {
		const bad = fc.oneof(fc.integer({max: -1}).map(Number), fc.double({min: 0, max: 1e6, noNaN: true}).filter(value => !Number.isInteger(value)));
		fc.assert(fc.property(bad.chain(toText), text => {
			expect(validateOptions({messages: text}).errors).toHaveLength(1);
			expect(validateOptions({senders: text}).errors).toHaveLength(1);
		}));
	});

	it('accepts every whole count in range and every rate in 0..1', () => {
		fc.assert(fc.property(fc.integer({min: 0, max: 1e9}), fc.double({min: 0, max: 1, noNaN: true}), (messages, rate) => {
			const {value} = validateOptions({messages: String(messages), failureRate: String(rate)});
			expect(value?.simulation.messages).toBe(messages);
			expect(value?.simulation.groups?.[0].failureRate).toBe(rate);
		}));
	});
});
