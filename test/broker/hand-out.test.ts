/** HandOut: a worker's messages go to its senders half a round at a time, and what is not handed out can go back. */
import {describe, expect, it} from 'vitest';
import type {WireMessage} from '../../source/broker/batches.js';
import {HandOut, type Portion} from '../../source/broker/hand-out.js';

/** A batch's message `n`, as a worker draws it. */
const message = (n: number): WireMessage => ({
	n, id: `p-${n}`, to: '+12025550123', body: 'x', segments: 1, encoding: 'gsm7',
});
/** The `count` messages from offset `part` of a batch numbered from 1: it draws them in order. */
const portion = (count: number, part = 0): Portion => {
	let drawn = part;
	return {
		next: () => message(++drawn), part, kept: count, fed: 0, remaining: count, giving: false,
	};
};

/** A hand-out for `slots` senders whose waiting line is `line`, with its calls recorded. */
function handOutFor(slots: number, publish: 'confirm' | 'fail' = 'confirm') {
	const line: WireMessage[] = [];
	const parts: Array<{offset: number; ns: number[]}> = [];
	const requeued: Portion[] = [];
	const settled: Portion[] = [];
	const handOut = new HandOut<Portion>({
		slots,
		waiting: () => line.length,
		push(message) {
			line.push(message);
		},
		async publishPart(_portion, offset, count) {
			parts.push({offset, ns: Array.from({length: count}, (_, index) => offset + 1 + index)});
			if (publish === 'fail') {
				throw new Error('the broker said no');
			}
		},
		requeue(given) {
			requeued.push(given);
		},
		settled(done) {
			settled.push(done);
		},
	});
	return {
		handOut, line, parts, requeued, settled,
	};
}

describe('HandOut', () => {
	it('hands out half a round of the senders and keeps the rest back, then tops up as they take them', () => {
		const {handOut, line} = handOutFor(10);
		handOut.add(portion(500));
		handOut.feed();
		expect(line.map(message => message.n)).toEqual([1, 2, 3, 4, 5]);
		expect(handOut.unfed).toBe(495);
		line.splice(0, 3); // Three senders took theirs: under a quarter of a round waits.
		expect(handOut.hungry).toBe(true);
		handOut.feed();
		expect(line.map(message => message.n)).toEqual([4, 5, 6, 7, 8]);
		handOut.feed(true); // Draining: everything goes out.
		expect(handOut.unfed).toBe(0);
		expect(line).toHaveLength(497);
	});

	it('gives back a batch under way as the part of it not handed out, and one untouched whole', () => {
		const {handOut, parts, requeued} = handOutFor(4);
		const underWay = portion(10);
		const untouched = portion(10);
		handOut.add(underWay);
		handOut.add(untouched);
		handOut.feed(); // 2 of the first handed out.
		handOut.giveBack(Number.POSITIVE_INFINITY);
		expect(requeued).toEqual([untouched]);
		expect(parts).toEqual([{offset: 2, ns: [3, 4, 5, 6, 7, 8, 9, 10]}]);
		expect(underWay).toMatchObject({kept: 2, remaining: 2, giving: true});
		expect(handOut.unfed).toBe(0);
	});

	it('gives back the youngest batches\' last messages first, no more than wanted', () => {
		const {handOut, parts} = handOutFor(2);
		const older = portion(10);
		const younger = portion(10, 10);
		handOut.add(older);
		handOut.add(younger);
		handOut.feed();
		younger.fed = 1; // Its first message went out too.
		handOut.giveBack(5);
		expect(parts).toEqual([{offset: 15, ns: [16, 17, 18, 19, 20]}]);
		expect(older.kept).toBe(10);
	});

	it('cuts its part only once the part given back is confirmed, and settles a batch whose last outcome came meanwhile', async () => {
		const {handOut, settled} = handOutFor(2);
		const held = portion(10);
		handOut.add(held);
		handOut.feed();
		handOut.giveBack(Number.POSITIVE_INFINITY);
		expect(held.cut).toBeUndefined();
		held.remaining = 0; // Its one kept message finished while the part was on its way.
		await Promise.resolve();
		await Promise.resolve();
		expect(held).toMatchObject({cut: 1, giving: false});
		expect(settled).toEqual([held]);
	});

	it('keeps the messages of a part the broker did not take: they are the worker\'s again', async () => {
		const {handOut, line} = handOutFor(2, 'fail');
		const held = portion(10);
		handOut.add(held);
		handOut.feed();
		handOut.giveBack(Number.POSITIVE_INFINITY);
		await Promise.resolve();
		await Promise.resolve();
		expect(held).toMatchObject({kept: 10, remaining: 10, giving: false});
		expect(held.cut).toBeUndefined();
		expect(handOut.unfed + line.length).toBe(10);
	});
});
