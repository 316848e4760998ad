/**
 * The model's small rules, each at its edges: seeds, sender counts, group names, priority lists
 * and their split, segment counting at its boundaries. (Found by mutation testing: each test here
 * fails on a change to the rule it names that the larger tests did not notice.)
 */
import {describe, expect, it} from 'vitest';
import {firstGroup, resolveConfig, senderCount} from '../source/model/config.js';
import {
	parsePriorities, priorityCounts, priorityDraw, prioritizedAtStart, validPriorities, MAX_PRIORITIES,
} from '../source/model/priorities.js';
import {
	createRandom, MAX_SEED, randomSeed, type Random,
} from '../source/model/random.js';
import {bodyCost, packCost, packedBodyCost} from '../source/model/segments.js';
import {hasRetryPolicy, resolveGroups} from '../source/model/senders.js';
import {generateMessages, type Message} from '../source/model/messages.js';
import {arrivingAtTheirTimes, arrivingMessages, type Warmup} from '../source/model/arrivals.js';
import {
	createSendTimeSampler, defaultSpread, MAX_UNIFORM_SPREAD, spreadLimit,
} from '../source/model/distributions.js';
import {SimulationScheduler} from '../source/engine/scheduler.js';

describe('seeds', () => {
	it('takes whole numbers from 0 to MAX_SEED and refuses anything else', () => {
		expect(() => createRandom(0)).not.toThrow();
		expect(() => createRandom(MAX_SEED)).not.toThrow();
		for (const seed of [-1, 1.5, MAX_SEED + 1, Number.NaN]) {
			expect(() => createRandom(seed)).toThrow(RangeError);
		}
	});

	it('draws open values half a step above the float draw: never 0, never 1', () => {
		const a = createRandom(7);
		const b = createRandom(7);
		for (let draw = 0; draw < 100; draw++) {
			expect(a.open()).toBe(b.float() + (2 ** -33));
		}
	});

	it('makes a random seed a whole number in range', () => {
		for (let draw = 0; draw < 100; draw++) {
			const seed = randomSeed();
			expect(Number.isInteger(seed) && seed >= 0 && seed <= MAX_SEED).toBe(true);
		}
	});
});

describe('sender groups', () => {
	it('counts the senders of every group', () => {
		expect(senderCount([{count: 2}, {count: 3}, {count: 5}])).toBe(10);
		expect(senderCount([])).toBe(0);
	});

	it('refuses two groups of one name', () => {
		expect(() => resolveGroups([{name: 'a', count: 1}, {name: 'a', count: 2}])).toThrow('two sender groups are called "a"; names must be unique');
		expect(resolveGroups([{name: 'a', count: 1}, {name: 'b', count: 2}]).map(group => group.name)).toEqual(['a', 'b']);
	});

	it('names an unnamed group so that it never takes a given name', () => {
		expect(resolveGroups([{count: 1}]).map(group => group.name)).toEqual(['default']);
		expect(resolveGroups([{count: 1}, {name: 'group-1', count: 1}, {name: 'group-1-2', count: 1}]).map(group => group.name)).toEqual(['group-1-3', 'group-1', 'group-1-2']);
	});

	it('needs measured send times for the empirical distribution, and takes its mean from them', () => {
		expect(() => resolveGroups([{count: 1, distribution: 'empirical'}])).toThrow('sender group "default": the empirical distribution needs sendTimes (measured send times, ms)');
		expect(() => resolveGroups([{count: 1, distribution: 'empirical', sendTimes: []}])).toThrow(RangeError);
		const [group] = resolveGroups([{
			count: 1, distribution: 'empirical', sendTimes: [10, 20, 30], meanMs: 999,
		}]);
		expect(group?.meanMs).toBeCloseTo(20, 9);
		expect(group?.sendTimes).toEqual([10, 20, 30]);
	});

	it('takes the first group of a config, and refuses a config without one', () => {
		const config = resolveConfig({groups: [{name: 'a', count: 2}, {name: 'b', count: 3}], seed: 1});
		expect(firstGroup(config).name).toBe('a');
		expect(firstGroup(resolveConfig({seed: 1}))).toMatchObject({name: 'default', count: 10});
		expect(() => firstGroup({groups: []})).toThrow('a config without a sender group');
	});

	it('keeps where real sends go, and adds nothing when there are none', () => {
		const via = {gateway: 'smpp://alerts@127.0.0.1:2775', binds: 2};
		expect(resolveConfig({seed: 1, via}).via).toEqual(via);
		expect('via' in resolveConfig({seed: 1})).toBe(false);
	});

	it('says a group retries when it has more than one attempt or permanent failures', () => {
		const [plain, retrying, permanent] = resolveGroups([{count: 1}, {count: 1, maxAttempts: 2}, {count: 1, permanentFailureRate: 0.1}]);
		expect([plain, retrying, permanent].map(group => hasRetryPolicy(group))).toEqual([false, true, true]);
	});
});

describe('priority lists', () => {
	it('reads name=share pairs with spaces, leading dots and exponents', () => {
		expect(parsePriorities(' high = .25 , low=7.5e-1 ')).toEqual([{name: 'high', share: 0.25}, {name: 'low', share: 0.75}]);
		expect(parsePriorities('a.b-c_d=1')).toEqual([{name: 'a.b-c_d', share: 1}]);
		expect(parsePriorities('a=0.5,b=5E-1')).toEqual([{name: 'a', share: 0.5}, {name: 'b', share: 0.5}]);
	});

	it('refuses a pair with anything before, between or after it', () => {
		for (const text of ['x a=1', 'a=1 x', 'a==1', 'a=1.', 'a=1e', 'a=1ex', 'a =', '=1', `${'n'.repeat(41)}=1`, 'a=-1', 'a=1,']) {
			expect(parsePriorities(text)).toBeUndefined();
		}
	});

	it(`takes at most ${MAX_PRIORITIES} priorities`, () => {
		const list = (count: number) => Array.from({length: count}, (_, index) => `p${index}=${1 / count}`).join(',');
		expect(parsePriorities(list(MAX_PRIORITIES))).toHaveLength(MAX_PRIORITIES);
		expect(parsePriorities(list(MAX_PRIORITIES + 1))).toBeUndefined();
		expect(validPriorities(Array.from({length: MAX_PRIORITIES + 1}, (_, index) => ({name: `p${index}`, share: 1 / (MAX_PRIORITIES + 1)})))).toBe(false);
	});

	it('wants unique names and shares in (0, 1] adding up to 1, to a millionth', () => {
		expect(validPriorities([])).toBe(false);
		expect(validPriorities([{name: 'a', share: 1}])).toBe(true);
		expect(validPriorities([{name: 'a', share: 0.5}, {name: 'a', share: 0.5}])).toBe(false);
		expect(validPriorities([{name: 'a', share: 0}, {name: 'b', share: 1}])).toBe(false);
		expect(validPriorities([{name: 'a', share: 1.5}, {name: 'b', share: -0.5}])).toBe(false);
		expect(validPriorities([{name: 'a', share: 0.5}, {name: 'b', share: 0.500_000_5}])).toBe(true);
		expect(validPriorities([{name: 'a', share: 0.5}, {name: 'b', share: 0.500_002}])).toBe(false);
		expect(validPriorities([{name: 'a', share: 0.5}, {name: 'b', share: 0.499_998}])).toBe(false);
	});

	it('splits a closed run by largest remainders, ties to the higher priority', () => {
		const shares = (...values: number[]) => values.map((share, index) => ({name: `p${index}`, share}));
		expect(priorityCounts(10, shares(0.25, 0.25, 0.5))).toEqual([3, 2, 5]);
		expect(priorityCounts(7, shares(0.1, 0.3, 0.6))).toEqual([1, 2, 4]);
		expect(priorityCounts(10, shares(0.14, 0.16, 0.7))).toEqual([1, 2, 7]);
		expect(priorityCounts(3, shares(0.5, 0.5))).toEqual([2, 1]);
	});

	it('gives a closed run\'s messages their priorities in order, skipping a priority with none', () => {
		const messages = (count: number): Message[] => Array.from({length: count}, (_, index) => ({id: String(index), to: '+1', body: 'x'}));
		const priorities = [{name: 'a', share: 0.1}, {name: 'b', share: 0.2}, {name: 'c', share: 0.7}];
		expect([...prioritizedAtStart(messages(3), 3, priorities)].map(message => message.priority)).toEqual(['b', 'c', 'c']);
		expect([...prioritizedAtStart(messages(3), 3, priorities)].every(message => message.arrivalMs === 0)).toBe(true);
		// More messages than counted (a source that runs on): the rest are of the lowest priority.
		expect([...prioritizedAtStart(messages(5), 3, priorities)].map(message => message.priority)).toEqual(['b', 'c', 'c', 'c', 'c']);
	});

	it('draws a priority by its share: each draw lands in its share of [0, 1)', () => {
		const draws = [0, 0.199_999, 0.2, 0.499_999, 0.5, 0.999_999];
		const fake: Random = {
			float: () => draws.shift()!, open: () => 0.5, uint32: () => 0, int: () => 0,
		};
		const draw = priorityDraw([{name: 'a', share: 0.2}, {name: 'b', share: 0.3}, {name: 'c', share: 0.5}], fake);
		expect(Array.from({length: 6}, () => draw())).toEqual(['a', 'a', 'b', 'b', 'c', 'c']);
	});
});

describe('segments at their edges', () => {
	it('packs an encoding and a count in one number', () => {
		expect(packCost('gsm7', 3)).toBe(6);
		expect(packCost('ucs2', 3)).toBe(7);
	});

	it('writes U+0100, the first character past Latin-1, in UCS-2', () => {
		expect(bodyCost('Ā')).toEqual({encoding: 'ucs2', segments: 1});
		expect(bodyCost('ÿ')).toEqual({encoding: 'ucs2', segments: 1});
		expect(bodyCost('é')).toEqual({encoding: 'gsm7', segments: 1});
	});

	it('keeps an escape pair whole across parts, with Latin letters around it', () => {
		// 152 letters, the euro (an escape pair: 2 septets) and 10 letters: 152 | 2 + 10.
		expect(bodyCost(`${'a'.repeat(152)}€${'a'.repeat(10)}`)).toEqual({encoding: 'gsm7', segments: 2});
		// 152 | the pair and 151 letters | 2 letters: three parts, where 307 septets would fit two without the pair kept whole... as three of 153.
		expect(bodyCost(`${'a'.repeat(152)}€${'a'.repeat(153)}`)).toEqual({encoding: 'gsm7', segments: 3});
		expect(packedBodyCost(`${'€'.repeat(80)}`)).toBe(2); // 160 septets: one part.
		expect(packedBodyCost(`${'€'.repeat(80)}a`)).toBe(4);
	});

	it('keeps a surrogate pair whole across UCS-2 parts, and counts a lone one at the end as one unit', () => {
		// 66 + a pair would be 68 > 67: the pair starts part 2, and 66 more make part 3.
		expect(bodyCost(`${'Ж'.repeat(66)}😀${'Ж'.repeat(66)}`)).toEqual({encoding: 'ucs2', segments: 3});
		// 133 units and a lone high surrogate: 67 + 67 exactly, two parts.
		expect(bodyCost(`${'Ж'.repeat(133)}\uD83D`)).toEqual({encoding: 'ucs2', segments: 2});
		// A surrogate pair at the very end of a part: 65 + pair = 67.
		expect(bodyCost(`${'Ж'.repeat(65)}😀${'Ж'.repeat(5)}`)).toEqual({encoding: 'ucs2', segments: 2});
	});
});

describe('arrivals at their edges', () => {
	const arrive = (count: number, warmup?: Warmup) => {
		const scheduler = new SimulationScheduler('max');
		const seen: Array<{at: number | undefined; warmup: boolean | undefined; now: number}> = [];
		arrivingMessages(generateMessages(createRandom(1), {count}), {ratePerSec: 1000, process: 'constant'}, {scheduler, random: createRandom(2), ...(warmup ? {warmup} : {})}).subscribe(message => {
			seen.push({at: message.arrivalMs, warmup: message.warmup, now: scheduler.now()});
		});
		scheduler.flush();
		return seen;
	};

	it('marks the warm-up by time: arrived before its end, not at it', () => {
		expect(arrive(5, {ms: 3}).map(message => message.warmup)).toEqual([true, true, true, false, false]);
	});

	it('marks the warm-up by count: its first messages, counted from 1', () => {
		expect(arrive(4, {messages: 2}).map(message => message.warmup)).toEqual([true, true, false, false]);
		expect(arrive(3).map(message => message.warmup)).toEqual([false, false, false]);
	});

	it('pushes each message at its arrival time on the clock', () => {
		expect(arrive(4).map(message => [message.at, message.now])).toEqual([[0, 0], [1, 1], [2, 2], [3, 3]]);
	});

	it('pushes nothing and completes at once for no messages; stops reading when unsubscribed', () => {
		const scheduler = new SimulationScheduler('max');
		let completed = false;
		arrivingAtTheirTimes([], scheduler).subscribe({
			complete() {
				completed = true;
			},
		});
		expect(completed).toBe(true);
		let returned = false;
		const source = {
			* [Symbol.iterator]() {
				try {
					for (let index = 0; ; index++) {
						yield {
							id: String(index), to: '+1', body: 'x', arrivalMs: index,
						};
					}
				} finally {
					returned = true;
				}
			},
		};
		const got: string[] = [];
		const subscription = arrivingAtTheirTimes(source, scheduler).subscribe(message => {
			got.push(message.id);
			if (got.length === 3) {
				subscription.unsubscribe();
			}
		});
		scheduler.flush();
		expect(got).toEqual(['0', '1', '2']);
		expect(returned).toBe(true);
	});
});

describe('send-time laws at their edges', () => {
	it('says which laws take a spread, and why the others do not', () => {
		for (const distribution of ['exponential', 'fixed', 'empirical'] as const) {
			expect(spreadLimit(distribution)).toEqual({
				takesSpread: false, min: 0, max: 0, rule: 'takes no spread',
			});
		}

		expect(defaultSpread('empirical')).toBe(0);
		expect(defaultSpread('fixed')).toBe(0);
		expect(defaultSpread('exponential')).toBe(1);
	});

	it('refuses a mean that is negative, not a number or infinite, and gives exactly 0 for a mean of 0', () => {
		const random = createRandom(1);
		for (const meanMs of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
			expect(() => createSendTimeSampler({distribution: 'fixed', meanMs, spread: 0}, random)).toThrow(RangeError);
		}

		for (const distribution of ['exponential', 'empirical', 'uniform', 'gamma', 'fixed'] as const) {
			expect(Object.is(createSendTimeSampler({distribution, meanMs: 0, spread: 0.5}, random)(), 0)).toBe(true);
		}
	});

	it('draws an empirical time from the measured ones only', () => {
		const sample = createSendTimeSampler({
			distribution: 'empirical', meanMs: 20, spread: 0, sendTimes: [10, 30],
		}, createRandom(3));
		const drawn = new Set(Array.from({length: 200}, () => sample()));
		expect(drawn).toEqual(new Set([10, 30]));
	});

	it('takes a uniform spread from 0 to its limit, both ends included', () => {
		const random = createRandom(1);
		const uniform = (spread: number) => () => createSendTimeSampler({distribution: 'uniform', meanMs: 10, spread}, random);
		expect(uniform(0)).not.toThrow();
		expect(uniform(0)()()).toBe(10);
		expect(uniform(MAX_UNIFORM_SPREAD)).not.toThrow();
		expect(uniform(MAX_UNIFORM_SPREAD + 1e-9)).toThrow(RangeError);
		expect(uniform(-0.1)).toThrow(RangeError);
	});
});
