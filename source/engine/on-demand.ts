import {isObservable, Observable} from 'rxjs';
import type {Message} from '../model/messages.js';
import {Fifo} from './fifo.js';
import {isPending, NOT_YET} from './pending-source.js';
import type {MessageSource, PoolGauge} from './pool.js';

/**
 * `source`'s messages, `room` at first and then one each time `ended$` says a send has ended:
 * pulled from an iterable (waiting, on a pending one, until its next is read), or, when pushed,
 * lined up until there is room (the gauge's waiting).
 */
export function onDemand(source: MessageSource, room: number, ended$: Observable<void>, gauge: PoolGauge): Observable<Message> {
	return new Observable<Message>(subscriber => {
		const lined = new Fifo<Message>();
		let pushedAll = false;
		let waitingForInput = false;
		const iterator = isObservable(source) ? undefined : source[Symbol.iterator]();
		const give = (): void => {
			while (room > 0 && !subscriber.closed) {
				const next = iterator ? pull() : lined.shift();
				if (next === NOT_YET) {
					return;
				}

				if (next === undefined) {
					if (iterator !== undefined) {
						subscriber.complete();
					}

					break;
				}

				if (!iterator) {
					gauge.waiting--;
				}

				room--;
				subscriber.next(next);
			}

			// Pushed: the end is known once the last message is given, without waiting for room.
			if (!iterator && pushedAll && lined.size === 0) {
				subscriber.complete();
			}
		};

		/** The iterable's next message; undefined at its end, NOT_YET (and `give` again once it is read) when it is still on its way. */
		const pull = (): Message | typeof NOT_YET | undefined => {
			const step: IteratorResult<Message | typeof NOT_YET, unknown> = waitingForInput ? {done: false, value: NOT_YET} : iterator!.next();
			if (!waitingForInput && step.value === NOT_YET && isPending(source)) {
				waitingForInput = true;
				source.whenReady(() => {
					waitingForInput = false;
					give();
				});
			}

			return step.done === true ? undefined : step.value;
		};

		const endedSubscription = ended$.subscribe(() => {
			room++;
			give();
		});
		const pushedSubscription = isObservable(source)
			? source.subscribe({
				next(message) {
					lined.push(message);
					gauge.waiting++;
					give();
				},
				error(error: unknown) {
					subscriber.error(error);
				},
				complete() {
					pushedAll = true;
					give();
				},
			})
			: undefined;
		give();
		return () => {
			endedSubscription.unsubscribe();
			pushedSubscription?.unsubscribe();
			iterator?.return?.();
		};
	});
}
