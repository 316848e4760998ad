import {Writable} from 'node:stream';
import {
	describe, expect, it, vi,
} from 'vitest';
import {createLineWriter} from '../../source/front-ends/line-writer.js';

/** A stream whose buffer is always full until the test lets it drain. */
function slowStream() {
	const pending: Array<() => void> = [];
	const stream = new Writable({
		highWaterMark: 1,
		write(_chunk, _encoding, callback) {
			pending.push(callback);
		},
	});
	const drainOne = () => pending.shift()?.();
	return {
		stream, drainAll() {
			while (pending.length > 0) {
				drainOne();
			}
		},
	};
}

describe('createLineWriter', () => {
	it('holds the clock while the stream is full, with one drain listener however many writes', () => {
		const {stream, drainAll} = slowStream();
		const clock = {pause: vi.fn(), resume: vi.fn()};
		const writeLine = createLineWriter(stream, clock);
		for (let i = 0; i < 100; i++) {
			writeLine(`line ${i}`);
		}

		expect(clock.pause).toHaveBeenCalledTimes(1);
		expect(stream.listenerCount('drain')).toBe(1);
		drainAll();
		expect(clock.resume).toHaveBeenCalledTimes(1);
		expect(stream.listenerCount('drain')).toBe(0);
		writeLine('again'); // Full again: held again.
		expect(clock.pause).toHaveBeenCalledTimes(2);
	});
});
