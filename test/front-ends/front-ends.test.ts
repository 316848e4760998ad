import {PassThrough, Writable} from 'node:stream';
import {NEVER} from 'rxjs';
import {
	describe, expect, it, vi,
} from 'vitest';
import {createLineWriter} from '../../source/front-ends/line-writer.js';
import {present} from '../../source/front-ends/present.js';
import {simulate} from '../../source/simulation.js';

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

describe('present', () => {
	it('gives a terminal that reports 0 columns plain lines, not a dashboard one character wide', async () => {
		const stdout = Object.assign(new PassThrough(), {isTTY: true, columns: 0});
		let output = '';
		stdout.setEncoding('utf8').on('data', (chunk: string) => {
			output += chunk;
		});
		const events$ = simulate({
			messages: 50, groups: [{count: 5, meanMs: 100}], speed: 'max', seed: 1, intervalMs: 500,
		});
		const {final} = await present(events$, {json: false, events: false, maxFailureRate: undefined}, {stdout, stderr: new PassThrough(), stop$: NEVER});
		expect(final?.processed).toBe(50);
		expect(output).toMatch(/^sms-sim: 50 messages, 5 senders/);
		expect(output).toMatch(/^\[monitor] 500ms sent=/m);
		expect(output).not.toMatch(/\u001B/);
	});
});
