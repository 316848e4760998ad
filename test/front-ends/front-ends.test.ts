import {PassThrough, Writable} from 'node:stream';
import {NEVER} from 'rxjs';
import {
	describe, expect, it, vi,
} from 'vitest';
import {createLineWriter} from '../../source/front-ends/line-writer.js';
import {present} from '../../source/front-ends/present.js';
import {simulate} from '../../source/pipeline/simulation.js';

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

	it('gives the wall time beside the simulated one: a summary line, and wallMs in JSON', async () => {
		// A wall clock that moves 250 ms per reading: the start reads it once, the summary once more.
		let wallClock = 0;
		const now = () => {
			wallClock += 250;
			return wallClock;
		};

		const config = {
			messages: 50, groups: [{count: 5, meanMs: 100}], speed: 'max' as const, seed: 1, intervalMs: 500,
		};
		const collect = (stream: PassThrough) => {
			let text = '';
			stream.setEncoding('utf8').on('data', (chunk: string) => {
				text += chunk;
			});
			return () => text;
		};

		const lines = new PassThrough();
		const linesText = collect(lines);
		await present(simulate(config), {json: false, events: false, maxFailureRate: undefined}, {
			stdout: lines, stderr: new PassThrough(), stop$: NEVER, now,
		});
		// 50 sends on 5 senders of mean 100 ms: about 1 s simulated in 250 ms of wall time.
		expect(linesText()).toMatch(/^ {2}wall time {2}250ms \(speed-up [\d.]+x\)$/m);
		const json = new PassThrough();
		const jsonText = collect(json);
		wallClock = 0;
		await present(simulate(config), {json: true, events: false, maxFailureRate: undefined}, {
			stdout: json, stderr: new PassThrough(), stop$: NEVER, now,
		});
		const summary = JSON.parse(jsonText().trim().split('\n').at(-1)!) as {type: string; wallMs: number; elapsedMs: number};
		expect(summary.type).toBe('summary');
		expect(summary.wallMs).toBe(250);
	});
});
