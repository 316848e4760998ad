import {Subscription, type SchedulerAction, type SchedulerLike} from 'rxjs';
import {StableMinHeap} from './heap.js';

/** `max`: discrete-event, as fast as the CPU allows; a number k: k times real time (1 is real time). */
export type Speed = number | 'max';

/** How long the scheduler works before it yields to the event loop, so a UI can render and Ctrl-C is heard. */
const SLICE_MS = 12;
/** Reading the wall clock costs about as much as a small event; look at it every so many events. */
const EVENTS_BETWEEN_CLOCK_READS = 256;

class HeapAction<T> extends Subscription implements SchedulerAction<T> {
	/** The simulation time it is due at; meaningful while `pending`. */
	due = 0;
	pending = false;

	constructor(
		private readonly scheduler: SimulationScheduler,
		private readonly work: (this: SchedulerAction<T>, state?: T) => void,
		private state?: T,
	) {
		super();
	}

	schedule(state?: T, delay = 0): Subscription {
		if (!this.closed) {
			this.state = state;
			this.scheduler.enqueue(this, delay);
		}

		return this;
	}

	execute(): void {
		this.pending = false;
		this.work.call(this, this.state);
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
	private readonly heap = new StableMinHeap<HeapAction<any>>();
	private readonly origin = performance.now();
	/** The due time of the action running, or of the last one that ran. */
	private clock = 0;
	private flushing = false;
	private timer: NodeJS.Timeout | undefined;
	private timerDue = Number.POSITIVE_INFINITY;
	private immediate: NodeJS.Immediate | undefined;
	private paused = false;
	/** `now()` outside actions, held for one synchronous turn. */
	private turnNow: number | undefined;
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
	}

	/**
	 * Simulated milliseconds since the scheduler was made. Paced, between actions, it follows the
	 * wall clock but holds still for the rest of the current synchronous turn: times taken together
	 * (a pool starting all its senders, then scheduling its wake-up) agree exactly, so a run's
	 * outcome does not depend on how long its setup took.
	 */
	now(): number {
		if (this.flushing || this.speed === 'max') {
			return this.clock;
		}

		if (this.turnNow === undefined) {
			this.turnNow = Math.max(this.clock, this.wallTime());
			queueMicrotask(this.endTurn);
		}

		return this.turnNow;
	}

	schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
		return new HeapAction(this, work, state).schedule(state, delay);
	}

	/** @internal Puts an action in the queue `delay` simulated ms from now. */
	enqueue(action: HeapAction<any>, delay: number): void {
		const due = this.now() + Math.max(0, delay);
		if (action.pending && action.due === due) {
			return;
		}

		// An earlier entry for this action, if any, is now stale and skipped when it comes out.
		action.due = due;
		action.pending = true;
		this.heap.push(due, action);
		this.wake(due);
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
				this.wake(this.heap.peekKey());
			}
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

	private wallTime(): number {
		return (performance.now() - this.origin) * (this.speed as number);
	}

	/** Makes sure the loop will come round by `due`. */
	private wake(due: number): void {
		if (this.flushing || this.paused) {
			return; // The running loop picks it up.
		}

		if (this.speed === 'max') {
			this.immediate ??= setImmediate(this.runSlice);
			return;
		}

		if (due < this.timerDue) {
			clearTimeout(this.timer);
			this.timerDue = due;
			const waitMs = Math.max(0, Math.ceil((due - this.wallTime()) / this.speed));
			this.timer = setTimeout(this.runSlice, waitMs);
		}
	}

	private readonly runSlice = (): void => {
		this.immediate = undefined;
		this.timer = undefined;
		this.timerDue = Number.POSITIVE_INFINITY;
		const until = this.speed === 'max' ? Number.POSITIVE_INFINITY : this.wallTime();
		this.run(until, performance.now() + SLICE_MS);
		this.dropStale();
		if (this.heap.size > 0 && !this.paused) {
			const next = this.heap.peekKey();
			if (this.speed !== 'max' && next <= this.wallTime()) {
				this.immediate ??= setImmediate(this.runSlice); // Out of slice time, not out of work.
			} else {
				this.wake(next);
			}
		}
	};

	/** Runs due actions in order until none is due by `until` or the wall clock passes `deadline`. */
	private run(until: number, deadline: number): void {
		const {heap} = this;
		const paced = this.speed !== 'max';
		this.flushing = true;
		try {
			let count = 0;
			while (heap.size > 0 && heap.peekKey() <= until && !this.paused) {
				const due = heap.peekKey();
				const action = heap.pop()!;
				if (action.closed || !action.pending || action.due !== due) {
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

	private recordLag(due: number): void {
		const lagMs = Math.max(0, this.wallTime() - due) / (this.speed as number);
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
			if (!action.closed && action.pending && action.due === heap.peekKey()) {
				return;
			}

			heap.pop();
		}
	}
}
