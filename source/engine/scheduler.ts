import {Subscription, type SchedulerAction, type SchedulerLike} from 'rxjs';
import {StableMinHeap} from './heap.js';
import {
	MAX_MICROS, toMicros, toMillis, type Micros,
} from './time.js';

/** `max`: discrete-event, as fast as the CPU allows; a number k: k times real time (1 is real time). */
export type Speed = number | 'max';

/** How long the scheduler works before it yields to the event loop, so a UI can render and Ctrl-C is heard. */
const SLICE_MS = 12;
/** Reading the wall clock costs about as much as a small event; look at it every so many events. */
const EVENTS_BETWEEN_CLOCK_READS = 256;
/** The longest `setTimeout` Node takes; a longer wait is cut into pieces of this. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Two lanes share one clock. Actions in the `events` lane run first; at an instant, the `last` lane
 * runs after every `events` action due at that instant, so a monitor tick there sees every
 * completion of its instant, whatever order they were scheduled in.
 */
const EVENTS_LANE = 0;
const LAST_LANE = 1;
type Lane = typeof EVENTS_LANE | typeof LAST_LANE;

/** The heap's key: due time and lane in one exact integer (due < 2^51, so the key < 2^52). */
const keyOf = (due: Micros, lane: Lane): number => (due * 2) + lane;

class HeapAction<T> extends Subscription implements SchedulerAction<T> {
	/** The heap key it is queued under; meaningful while `pending`. */
	key = 0;
	pending = false;

	constructor(
		private readonly scheduler: SimulationScheduler,
		private readonly lane: Lane,
		private readonly work: (this: SchedulerAction<T>, state?: T) => void,
		private state?: T,
	) {
		super();
	}

	schedule(state?: T, delay = 0): Subscription {
		if (!this.closed) {
			this.state = state;
			this.scheduler.enqueue(this, this.lane, delay);
		}

		return this;
	}

	execute(): void {
		this.pending = false;
		this.work(this.state);
	}

	override unsubscribe(): void {
		if (!this.closed) {
			super.unsubscribe();
			this.pending = false;
			this.scheduler.forget();
		}
	}
}

/** What the real-time pacing measured: how late events ran, in wall-clock milliseconds. */
export type PacingLag = {readonly events: number; readonly meanMs: number; readonly maxMs: number};

/**
 * The simulation clock: an RxJS scheduler whose actions sit in one stable min-heap by due time.
 *
 * Time is kept in whole microseconds (see `time.ts`): a delay is rounded to the microsecond once,
 * when it is scheduled, and due times are exact sums, so events at the same instant tie exactly and
 * run in the order they were scheduled, at every speed. `now()` gives milliseconds, as RxJS expects.
 *
 * At `speed: 'max'` time is virtual: the clock jumps from event to event (rxjs's own
 * `VirtualTimeScheduler` re-sorts its whole queue on every schedule, far too slow here). At a
 * number k it is paced against the wall clock, k simulated ms per real ms, with one timer for the
 * earliest event rather than one per action, so a crowd of sends costs a few wake-ups.
 *
 * While an action runs, `now()` is exactly its due time, so simulated durations are what was drawn
 * and a late wake-up does not shift later events (lateness shows up in `pacingLag()`, not in the
 * results). Either way the work runs in slices that yield to the event loop.
 */
export class SimulationScheduler implements SchedulerLike {
	readonly speed: Speed;
	/**
	 * The same clock, for actions that must come after everything else due at their instant (a
	 * monitor's ticks): see `lastAtInstant()`.
	 */
	readonly lastLane: SchedulerLike;
	private readonly heap = new StableMinHeap<HeapAction<any>>();
	private readonly wallOrigin = performance.now();
	/** The due time of the action running, or of the last one that ran. */
	private clock: Micros = 0;
	private flushing = false;
	/** When the running slice must yield (wall clock, `performance.now()`). */
	private deadline = Number.POSITIVE_INFINITY;
	private advances = 0;
	private timer: NodeJS.Timeout | undefined;
	private timerDue: Micros = Number.POSITIVE_INFINITY;
	private immediate: NodeJS.Immediate | undefined;
	private paused = false;
	/** At `max` speed, the latest instant the clock may reach (see `holdAfter()`). */
	private horizon: Micros = Number.POSITIVE_INFINITY;
	/** At `max` speed, while this says so the clock stays where it is (see `holdWhile()`). */
	private held: (() => boolean) | undefined;
	/** Told when a slice at `max` speed ends: the frontier may have moved. */
	private onSliceEnd: (() => void) | undefined;
	/** `now()` outside actions, held for one synchronous turn. */
	private turnNow: Micros | undefined;
	private readonly endTurn = (): void => {
		this.turnNow = undefined;
	};

	private lagEvents = 0;
	private lagSumMs = 0;
	private lagMaxMs = 0;

	constructor(speed: Speed = 'max') {
		if (speed !== 'max' && !(speed > 0 && Number.isFinite(speed))) {
			throw new RangeError(`speed must be a positive number or 'max', got ${speed}`);
		}

		this.speed = speed;
		this.lastLane = {
			now: () => this.now(),
			schedule: <T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T) =>
				new HeapAction(this, LAST_LANE, work, state).schedule(state, delay),
		};
	}

	/**
	 * Simulated milliseconds since the scheduler was made. Paced, between actions, it follows the
	 * wall clock but holds still for the rest of the current synchronous turn: times taken together
	 * (a pool starting all its senders, then scheduling its wake-up) agree exactly, so a run's
	 * outcome does not depend on how long its setup took.
	 */
	now(): number {
		return toMillis(this.nowMicros());
	}

	schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
		return new HeapAction(this, EVENTS_LANE, work, state).schedule(state, delay);
	}

	/** @internal Puts an action in the queue `delay` simulated ms from now. */
	enqueue(action: HeapAction<any>, lane: Lane, delay: number): void {
		const due = this.nowMicros() + Math.max(0, toMicros(delay));
		if (!(due <= MAX_MICROS)) {
			throw new RangeError(`the simulation clock cannot go past ${toMillis(MAX_MICROS) / 3.6e6 / 24 / 365.25 | 0} years of simulated time`);
		}

		const key = keyOf(due, lane);
		if (action.pending && action.key === key) {
			return;
		}

		// An earlier entry for this action, if any, is now stale and skipped when it comes out.
		action.key = key;
		action.pending = true;
		this.heap.push(key, action);
		this.wake(due);
	}

	/**
	 * Moves the clock `delay` ms ahead at once, for the action running now, in place of scheduling
	 * itself that far ahead, when that is exactly what would happen: at `max` speed, not held, within
	 * the slice's time, and with no other action due before that instant (or at it, in the events
	 * lane). True when it moved; false means schedule as usual. A discrete-event loop that owns the
	 * next event (the sender pool) then skips the queue, without changing what runs when.
	 */
	advanceBy(delay: number): boolean {
		if (this.speed !== 'max' || !this.flushing || this.paused) {
			return false;
		}

		const due = this.clock + Math.max(0, toMicros(delay));
		this.dropStale();
		if (this.heap.size > 0 && this.heap.peekKey() <= keyOf(due, EVENTS_LANE)) {
			return false;
		}

		if (++this.advances % EVENTS_BETWEEN_CLOCK_READS === 0 && performance.now() > this.deadline) {
			return false;
		}

		if (!(due <= MAX_MICROS) || due > this.horizon || (this.held !== undefined && due > this.clock && this.held())) {
			return false; // Scheduling says why.
		}

		this.clock = due;
		return true;
	}

	/** Runs every queued action now, without waiting for the wall clock or yielding. For tests. */
	flush(): void {
		this.run(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
	}

	/**
	 * Holds the clock: nothing runs until `resume()`. For backpressure, e.g. while stdout drains, so
	 * output never piles up in memory. At a real-time speed the held time shows as pacing lag.
	 */
	pause(): void {
		this.paused = true;
	}

	resume(): void {
		if (this.paused) {
			this.paused = false;
			this.dropStale();
			if (this.heap.size > 0) {
				this.wake(dueOf(this.heap.peekKey()));
			}
		}
	}

	/**
	 * At `max` speed, lets the clock run up to `ms` and no further: actions due later wait until the
	 * horizon moves past them. Conservative time windows between simulations that share one clock
	 * (the workers of a distributed run): none runs ahead of the slowest by more than a window.
	 * `Infinity` lifts it.
	 */
	holdAfter(ms: number): void {
		if (this.speed !== 'max') {
			return;
		}

		const horizon = ms === Number.POSITIVE_INFINITY ? ms : Math.floor(ms * 1000);
		const raised = horizon > this.horizon;
		this.horizon = horizon;
		if (raised && !this.flushing && !this.paused) {
			this.dropStale();
			if (this.heap.size > 0 && dueOf(this.heap.peekKey()) <= horizon) {
				this.wake(dueOf(this.heap.peekKey()));
			}
		}
	}

	/** Tells `onSliceEnd` each time a run of actions at `max` speed ends: `frontier` may have moved. `undefined` stops it. */
	whenSliceEnds(onSliceEnd: (() => void) | undefined): void {
		this.onSliceEnd = onSliceEnd;
	}

	/**
	 * At `max` speed, keeps the clock where it is while `held()` says so, checked each time it would
	 * move on: a simulation waiting for work from outside (a worker whose next batch is on its way)
	 * stops its time rather than let its free senders lose it. Call `release()` when it may go on.
	 */
	holdWhile(held: (() => boolean) | undefined): void {
		if (this.speed === 'max') {
			this.held = held;
		}
	}

	/** Goes on after `holdWhile()` held the clock, if there is anything it may run. */
	release(): void {
		if (this.speed === 'max' && !this.flushing && !this.paused) {
			this.dropStale();
			if (this.heap.size > 0) {
				this.wake(dueOf(this.heap.peekKey()));
			}
		}
	}

	/**
	 * The earliest instant at which this clock can still do anything (ms): the next action's due time,
	 * or now when none is waiting (new work would start now). What other simulations sharing the clock
	 * wait for.
	 */
	get frontier(): number {
		if (this.flushing) {
			return toMillis(this.clock);
		}

		this.dropStale();
		return toMillis(this.heap.size === 0 ? this.nowMicros() : dueOf(this.heap.peekKey()));
	}

	/**
	 * At `max` speed, moves an idle clock on to `ms` (never back, never past an action waiting): a
	 * simulation that had nothing to do joins the others at their time rather than start its new work
	 * in their past.
	 */
	catchUp(ms: number): void {
		if (this.speed !== 'max' || this.flushing || !Number.isFinite(ms)) {
			return;
		}

		const to = Math.min(Math.floor(ms * 1000), MAX_MICROS);
		this.dropStale();
		if (to > this.clock && (this.heap.size === 0 || dueOf(this.heap.peekKey()) >= to)) {
			this.clock = to;
		}
	}

	/** Whether any live action is waiting. */
	get idle(): boolean {
		this.dropStale();
		return this.heap.size === 0;
	}

	/** @internal An action was cancelled: when nothing live is left, no timer may hold the process open. */
	forget(): void {
		if (!this.flushing && this.idle) {
			clearTimeout(this.timer);
			clearImmediate(this.immediate);
			this.timer = undefined;
			this.immediate = undefined;
			this.timerDue = Number.POSITIVE_INFINITY;
		}
	}

	pacingLag(): PacingLag {
		return {
			events: this.lagEvents,
			meanMs: this.lagEvents === 0 ? 0 : this.lagSumMs / this.lagEvents,
			maxMs: this.lagMaxMs,
		};
	}

	private nowMicros(): Micros {
		if (this.flushing || this.speed === 'max') {
			return this.clock;
		}

		if (this.turnNow === undefined) {
			this.turnNow = Math.max(this.clock, this.wallMicros());
			queueMicrotask(this.endTurn);
		}

		return this.turnNow;
	}

	/** Simulated microseconds the wall clock has reached (paced speeds only). */
	private wallMicros(): Micros {
		return Math.floor((performance.now() - this.wallOrigin) * 1000 * (this.speed as number));
	}

	/** Makes sure the loop will come round by `due`. */
	private wake(due: Micros): void {
		if (this.flushing || this.paused) {
			return; // The running loop picks it up.
		}

		if (this.speed === 'max') {
			if (due > this.horizon) {
				return; // Raising the horizon wakes it.
			}

			this.immediate ??= setImmediate(this.runSlice);
			return;
		}

		if (due < this.timerDue) {
			clearTimeout(this.timer);
			this.timerDue = due;
			const waitMs = Math.ceil((due - this.wallMicros()) / 1000 / this.speed);
			this.timer = setTimeout(this.runSlice, Math.min(MAX_TIMER_MS, Math.max(0, waitMs)));
		}
	}

	private readonly runSlice = (): void => {
		this.immediate = undefined;
		this.timer = undefined;
		this.timerDue = Number.POSITIVE_INFINITY;
		const until = this.speed === 'max' ? this.horizonKey() : keyOf(this.wallMicros(), LAST_LANE);
		this.run(until, performance.now() + SLICE_MS);
		this.dropStale();
		if (this.heap.size > 0 && !this.paused) {
			const nextKey = this.heap.peekKey();
			if (this.speed !== 'max' && nextKey <= keyOf(this.wallMicros(), LAST_LANE)) {
				this.immediate ??= setImmediate(this.runSlice); // Out of slice time, not out of work.
			} else if (nextKey <= this.horizonKey()) {
				this.wake(dueOf(nextKey));
			}
		}

		this.onSliceEnd?.();
	};

	/** The last heap key the clock may run at `max` speed. */
	private horizonKey(): number {
		return this.horizon === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : keyOf(this.horizon, LAST_LANE);
	}

	/** Runs due actions in order until none has a key up to `untilKey` or the wall clock passes `deadline`. */
	private run(untilKey: number, deadline: number): void {
		const {heap} = this;
		const paced = this.speed !== 'max';
		this.flushing = true;
		this.deadline = deadline;
		try {
			let count = 0;
			while (heap.size > 0 && heap.peekKey() <= untilKey && !this.paused) {
				const key = heap.peekKey();
				const due = dueOf(key);
				if (this.held !== undefined && due > this.clock && this.held()) {
					break; // `release()` goes on.
				}

				const action = heap.pop()!;
				if (action.closed || !action.pending || action.key !== key) {
					continue;
				}

				if (due > this.clock) {
					this.clock = due;
				}

				if (paced) {
					this.recordLag(due);
				}

				action.execute();
				if (++count % EVENTS_BETWEEN_CLOCK_READS === 0 && performance.now() > deadline) {
					break;
				}
			}
		} finally {
			this.flushing = false;
		}
	}

	private recordLag(due: Micros): void {
		const lagMs = Math.max(0, this.wallMicros() - due) / 1000 / (this.speed as number);
		this.lagEvents++;
		this.lagSumMs += lagMs;
		if (lagMs > this.lagMaxMs) {
			this.lagMaxMs = lagMs;
		}
	}

	private dropStale(): void {
		const {heap} = this;
		while (heap.size > 0) {
			const action = heap.peek()!;
			if (!action.closed && action.pending && action.key === heap.peekKey()) {
				return;
			}

			heap.pop();
		}
	}
}

/** The due time in a heap key. */
function dueOf(key: number): Micros {
	return Math.floor(key / 2);
}

/**
 * A scheduler on the same clock whose actions run after every other action due at the same
 * instant, where the clock offers one (a `SimulationScheduler`); any other scheduler as it is
 * (there, ties run in the order they were scheduled).
 */
export function lastAtInstant(scheduler: SchedulerLike): SchedulerLike {
	return scheduler instanceof SimulationScheduler ? scheduler.lastLane : scheduler;
}
