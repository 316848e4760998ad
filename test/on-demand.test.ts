/** Messages given as sends end: never more at once than the room, so mergeMap never holds a backlog. */
import {Subject} from 'rxjs';
import {describe, expect, it} from 'vitest';
import {onDemand} from '../source/engine/on-demand.js';
import {NOT_YET, type PendingSource} from '../source/engine/pending-source.js';
import {createPoolGauge} from '../source/engine/pool.js';
import type {Message} from '../source/model/messages.js';

const message = (n: number): Message => ({id: String(n), to: '+15550100', body: 'hi'});

/** Messages 1, 2, 3... for ever, counting how many were pulled. */
function endless(): Iterable<Message> & {pulled: number} {
	const source = {
		pulled: 0,
		* [Symbol.iterator]() {
			for (let n = 1; ; n++) {
				source.pulled = n;
				yield message(n);
			}
		},
	};
	return source;
}

describe('onDemand', () => {
	it('pulls `room` messages at first, then one a send ended: an endless source is never read ahead', () => {
		const source = endless();
		const ended$ = new Subject<void>();
		const given: string[] = [];
		onDemand(source, 3, ended$, createPoolGauge()).subscribe(next => given.push(next.id));
		expect(given).toEqual(['1', '2', '3']);
		expect(source.pulled).toBe(3);
		ended$.next();
		expect(given).toEqual(['1', '2', '3', '4']);
		ended$.next();
		ended$.next();
		expect(given).toHaveLength(6);
		expect(source.pulled).toBe(6);
	});

	it('completes once the iterable ends, and stops it when unsubscribed', () => {
		const ended$ = new Subject<void>();
		let complete = false;
		onDemand([message(1), message(2)], 5, ended$, createPoolGauge()).subscribe({
			complete() {
				complete = true;
			},
		});
		expect(complete).toBe(true);

		let stopped = false;
		const source: Iterable<Message> = {
			* [Symbol.iterator]() {
				try {
					yield message(1);
					yield message(2);
				} finally {
					stopped = true;
				}
			},
		};
		onDemand(source, 1, ended$, createPoolGauge()).subscribe().unsubscribe();
		expect(stopped).toBe(true);
	});

	it('lines up pushed messages past the room, counted as waiting, and completes when the last is given', () => {
		const pushed$ = new Subject<Message>();
		const ended$ = new Subject<void>();
		const gauge = createPoolGauge();
		const given: string[] = [];
		let complete = false;
		onDemand(pushed$, 2, ended$, gauge).subscribe({
			next: next => given.push(next.id),
			complete() {
				complete = true;
			},
		});
		for (const n of [1, 2, 3, 4]) {
			pushed$.next(message(n));
		}

		expect(given).toEqual(['1', '2']);
		expect(gauge.waiting).toBe(2);
		pushed$.complete();
		expect(complete).toBe(false); // Two still wait for room.
		ended$.next();
		expect(given).toEqual(['1', '2', '3']);
		expect(gauge.waiting).toBe(1);
		ended$.next();
		expect(gauge.waiting).toBe(0);
		expect(complete).toBe(true);
	});

	it('waits for a pending source\'s next message, then goes on with it', () => {
		const ended$ = new Subject<void>();
		let ready: (() => void) | undefined;
		const input = {arrived: false};
		const source: PendingSource = {
			* [Symbol.iterator]() {
				yield message(1);
				while (!input.arrived) {
					yield NOT_YET;
				}

				yield message(2);
			},
			whenReady(callback) {
				ready = callback;
			},
		};
		const given: string[] = [];
		let complete = false;
		onDemand(source, 5, ended$, createPoolGauge()).subscribe({
			next: next => given.push(next.id),
			complete() {
				complete = true;
			},
		});
		expect(given).toEqual(['1']);
		expect(ready).toBeDefined();
		ended$.next(); // Room, but the source is still waited for: nothing is pulled again.
		expect(given).toEqual(['1']);
		input.arrived = true;
		ready!();
		expect(given).toEqual(['1', '2']);
		expect(complete).toBe(true);
	});
});
