import type {Connection, Consumer, Publisher} from 'rabbitmq-client';
import type {SimulationScheduler} from '../engine/scheduler.js';
import type {WorkerRecordHeader} from './topology.js';

/**
 * One simulated clock for the workers of a run at `--speed max`: conservative time windows. Each
 * worker says where its clock stands (its *frontier*: the next instant at which it can do anything,
 * in run time) on the run's clock exchange, and runs no further than the slowest live worker's
 * frontier plus a window W. So no worker's clock is ever more than W ahead of another's, and the
 * run's one queue of messages is taken from in simulated-time order, give or take W, as the senders
 * of one process take from theirs. A worker with nothing left to do (no batch on the queue, none
 * to come) moves its clock on to the slowest other's; a worker that joins late starts at the run's
 * current time the same way.
 *
 * Clock records are fleeting (a fanout exchange, a queue of its own for each worker, nothing
 * persistent): only the latest of each worker matters, and each worker says it again every
 * `CLOCK_KEEPALIVE_MS`. One not heard from for `CLOCK_SILENT_MS` is taken for gone (killed) and
 * holds nobody back; one that ends says so.
 */
export type ClockRecord = WorkerRecordHeader & {
	readonly type: 'clock';
	/** Its frontier (run ms); null: it has left. */
	readonly frontier: number | null;
	/**
	 * It is joining: listening for how far the run is before it says where it stands. The others
	 * hold their clocks meanwhile (a moment of wall time), or the first to join ran on alone, at max
	 * speed, before it knew of one that joined 100 ms later, and did 25% more than its share.
	 */
	readonly joining?: boolean;
	/** Its window W (ms): the run's is the smallest of its workers'. */
	readonly windowMs: number;
	/** Its clock is held for want of work: free senders, and a batch it waits for. */
	readonly starved?: boolean;
	/** Starved with the run's queue empty: how many messages its free senders would take now (none to come but what others give back). */
	readonly wants?: number;
	/** Messages in its hands it has not started and would give back (more than its senders' next round). */
	readonly spare?: number;
};

/** How often a worker says where its clock stands when nothing moved (wall ms). */
export const CLOCK_KEEPALIVE_MS = 100;
/** How long a worker that has said where it stands waits for workers that joined with it to hear it (wall ms). */
const JOIN_HANDSHAKE_MS = 50;
/** A worker not heard from for this long holds nobody back (wall ms). */
export const CLOCK_SILENT_MS = 2000;

/** What W is unless `--clock-window` says: this fraction of the shortest mean send time among the groups. */
export const WINDOW_FRACTION = 0.1;
/** W when every group's mean is 0 (ms): time moves only with retries' backoff then. */
export const FALLBACK_WINDOW_MS = 1;

/** The default window for groups with these mean send times (ms). */
export function defaultWindowMs(means: readonly number[]): number {
	const positive = means.filter(mean => mean > 0);
	return positive.length === 0 ? FALLBACK_WINDOW_MS : Math.min(...positive) * WINDOW_FRACTION;
}

/** The other workers' clocks as last heard, and the horizon they allow (pure: the wiring is below). */
export class SharedClock {
	private readonly others = new Map<string, {frontier: number; windowMs: number; heardAt: number; starved?: boolean; wants?: number; spare?: number}>();

	constructor(private readonly options: {readonly worker: string; readonly windowMs: number; readonly now: () => number}) {
		// Nothing else to set up.
	}

	/** Takes another worker's record (its own are ignored). */
	take(record: ClockRecord): void {
		if (record.worker === this.options.worker) {
			return;
		}

		if (record.joining === true) {
			this.others.set(record.worker, {frontier: Number.NEGATIVE_INFINITY, windowMs: record.windowMs, heardAt: this.options.now()});
		} else if (record.frontier === null) {
			this.others.delete(record.worker);
		} else {
			this.others.set(record.worker, {
				frontier: record.frontier, windowMs: record.windowMs, heardAt: this.options.now(), starved: record.starved === true, wants: record.wants ?? 0, spare: record.spare ?? 0,
			});
		}
	}

	/** How many messages the free senders of the live other workers whose clocks are held for want of work would take now. */
	get othersWant(): number {
		this.forgetSilent();
		let wants = 0;
		for (const other of this.others.values()) {
			wants += other.starved === true ? other.wants ?? 0 : 0;
		}

		return wants;
	}

	/** Whether a live other worker has messages it would give back: work left for the run, though none is on the queue. */
	get otherSpare(): boolean {
		this.forgetSilent();
		return [...this.others.values()].some(other => (other.spare ?? 0) > 0);
	}

	/** The slowest live other worker's frontier (run ms), or undefined when none has said one (joining ones have not). */
	get slowest(): number | undefined {
		return this.standing().slowest;
	}

	/** The run's window: the smallest of its live workers'. */
	get windowMs(): number {
		let {windowMs} = this.options;
		for (const other of this.others.values()) {
			windowMs = Math.min(windowMs, other.windowMs);
		}

		return windowMs;
	}

	/** How far this worker's clock may run (run ms): the slowest other's frontier plus W; no limit alone. */
	get horizon(): number {
		const {slowest, joining} = this.standing();
		if (joining) {
			return Number.NEGATIVE_INFINITY; // Nobody's clock moves until it has said where it stands.
		}

		return slowest === undefined ? Number.POSITIVE_INFINITY : slowest + this.windowMs;
	}

	/** The live others, in one pass: the slowest frontier said, and whether any is joining. */
	private standing(): {slowest: number | undefined; joining: boolean} {
		this.forgetSilent();
		let slowest: number | undefined;
		let joining = false;
		for (const {frontier} of this.others.values()) {
			if (frontier === Number.NEGATIVE_INFINITY) {
				joining = true;
			} else {
				slowest = slowest === undefined ? frontier : Math.min(slowest, frontier);
			}
		}

		return {slowest, joining};
	}

	private forgetSilent(): void {
		const now = this.options.now();
		for (const [worker, {heardAt}] of this.others) {
			if (now - heardAt > CLOCK_SILENT_MS) {
				this.others.delete(worker);
			}
		}
	}
}

/** The run's clock exchange: fleeting, gone with its last worker. */
export const clockExchange = (run: string) => `sms-sim.${run}.clock`;

export type ClockShare = {
	/** Looks again at where the worker stands (work came): lets its clock go on if it may. */
	readonly update: () => void;
	/** Whether another live worker has messages it would give back (the run's work is not all taken). */
	readonly otherSpare: () => boolean;
	/** Resolves once the worker knows the run's clock and the others know its: it may start work then. */
	readonly ready: Promise<void>;
	/** Says this worker has left, and stops. */
	readonly leave: () => Promise<void>;
};

/**
 * Joins the run's shared clock: holds `scheduler` (at max speed) to the horizon the other workers
 * allow, catches it up when idle, and says where it stands. `offsetMs` turns the scheduler's times
 * into run times (run = scheduler + offset).
 */
export type ClockShareOptions = {
	readonly run: string;
	readonly epoch: string;
	readonly worker: string;
	readonly windowMs: number;
	readonly scheduler: SimulationScheduler;
	readonly offsetMs: number;
	readonly warn: (text: string) => void;
	/**
	 * Whether there is no work left to wait for (no batch on the run's queue, and none to come): only
	 * then does an idle worker move its clock on to the others'. Idle while a batch is on its way, it
	 * holds them back instead: its senders are free at its time, as they would be in one process, and
	 * waiting for the broker costs wall time, not simulated time.
	 */
	readonly drained: () => boolean;
	/**
	 * Whether the worker has free senders, nothing waiting for them, and room for a batch that is on
	 * its way: its clock stops until the batch comes (in one process those senders would take the
	 * next messages now; without this they lost simulated time to the broker's wall-time latency, and
	 * 2 workers of 500 senders took 23% longer than 1 process of 1,000).
	 */
	readonly starved: () => boolean;
	/** Messages in hand the worker would give back (not handed to its senders yet). */
	readonly spare?: () => number;
	/** Starved with the run's queue empty: how many messages its free senders would take now; 0 while the queue has batches for them. */
	readonly wants?: () => number;
	/**
	 * Called when other workers are starved while this one has spare messages, with how many their
	 * free senders would take: it gives back that many, at this simulated instant (the others' clocks
	 * hold meanwhile), as one process's free senders would take them now.
	 */
	readonly giveBack?: (messages: number) => void;
};

export function shareClock(connection: Connection, options: ClockShareOptions): ClockShare {
	return new ClockMember(connection, options);
}

/** A worker's part in the run's shared clock. */
class ClockMember implements ClockShare {
	readonly ready: Promise<void>;
	private readonly exchange: string;
	private readonly clock: SharedClock;
	private readonly publisher: Publisher;
	private readonly consumer: Consumer;
	private readonly keepalive: NodeJS.Timeout;
	private lastSaid: number | undefined;
	private lastStarved = false;
	private lastSpare = 0;
	private left = false;
	/**
	 * Until it has heard how far the run is, a worker that just joined says only that it is joining
	 * (its 0 would hold the others back for good) and does nothing (it would run ahead of workers it
	 * has not heard of yet).
	 */
	private joined = false;
	/** A `follow` is due on the next turn of the event loop. */
	private followPending = false;

	constructor(connection: Connection, private readonly options: ClockShareOptions) {
		const {scheduler} = options;
		const exchange = clockExchange(options.run);
		this.exchange = exchange;
		this.clock = new SharedClock({worker: options.worker, windowMs: options.windowMs, now: () => Date.now()});
		this.publisher = connection.createPublisher({exchanges: [{exchange, type: 'fanout', autoDelete: true}]});
		scheduler.holdWhile(options.starved);
		scheduler.whenSliceEnds(() => {
			// Once per turn of the event loop at most: a slice ends many times a second.
			if (!this.followPending) {
				this.followPending = true;
				setImmediate(() => {
					this.followPending = false;
					this.update();
				});
			}
		});
		this.consumer = connection.createConsumer({
			queue: '',
			queueOptions: {exclusive: true, autoDelete: true},
			exchanges: [{exchange, type: 'fanout', autoDelete: true}],
			queueBindings: [{exchange, queue: ''}],
			noAck: true,
		}, message => {
			const record = parseClock(message.body, options.run, options.epoch);
			if (record !== undefined && record.worker !== options.worker) {
				this.clock.take(record);
				this.update();
			}
		});
		this.consumer.on('error', (error: unknown) => {
			if (!this.left) {
				options.warn(`the run's shared clock: ${error instanceof Error ? error.message : String(error)}`);
			}
		});
		this.keepalive = setInterval(() => {
			this.update();
			if (!this.left) {
				this.say(this.joined ? this.frontier() : null); // Joining: says so again, so it is not taken for gone.
			}
		}, CLOCK_KEEPALIVE_MS);
		this.keepalive.unref();
		this.say(null); // Joining: the others hold their clocks until it says where it stands.
		this.ready = this.awaitJoined();
	}

	otherSpare(): boolean {
		return this.clock.otherSpare;
	}

	/** Follows the others: catches up when idle, moves the horizon, and says where it stands if that moved. */
	update(): void {
		if (this.left) {
			return;
		}

		const {options, clock} = this;
		// Idle with nothing to come, it moves on with the others; not while another has messages to give back.
		if (options.drained() && !clock.otherSpare) {
			this.catchUp();
		}

		// Everything it has not handed its senders: a starved worker's wants are a guess (its free
		// senders now), and giving back only that many made pieces that went back and forth (a run of
		// a fast and a slow worker took 22% longer than one process, against 1 to 6% giving all).
		if (options.giveBack && clock.othersWant > 0 && (options.spare?.() ?? 0) > 0) {
			options.giveBack(Number.POSITIVE_INFINITY);
		}

		options.scheduler.holdAfter(clock.horizon - options.offsetMs);
		options.scheduler.release();
		if (this.joined && (this.frontier() !== this.lastSaid || options.starved() !== this.lastStarved || (options.spare?.() ?? 0) !== this.lastSpare)) {
			this.say(this.frontier());
		}
	}

	/** Says this worker has left, and stops. */
	async leave(): Promise<void> {
		if (this.left) {
			return;
		}

		this.left = true;
		clearInterval(this.keepalive);
		const {scheduler} = this.options;
		scheduler.holdWhile(undefined);
		scheduler.whenSliceEnds(undefined);
		scheduler.holdAfter(Number.POSITIVE_INFINITY);
		this.say(null);
		await this.consumer.close();
		await this.publisher.close();
	}

	/**
	 * Listens for a keepalive's time (every live worker says where it stands in it), catches up,
	 * says where it stands, and gives workers that joined at the same moment a moment to hear it too.
	 * (A consumer that never gets ready has said why, on error: the worker goes on without hearing.)
	 */
	private async awaitJoined(): Promise<void> {
		return new Promise<void>(resolve => {
			let listening = false;
			const listen = (): void => {
				if (listening) {
					return;
				}

				listening = true;
				setTimeout(() => {
					this.joined = true;
					this.catchUp(); // It joins the run at its current time, not at 0.
					this.update();
					this.say(this.frontier());
					setTimeout(resolve, JOIN_HANDSHAKE_MS);
				}, CLOCK_KEEPALIVE_MS + JOIN_HANDSHAKE_MS);
			};

			this.consumer.once('ready', listen);
			setTimeout(listen, CLOCK_SILENT_MS).unref();
		});
	}

	private say(frontier: number | null): void {
		const {options} = this;
		this.lastSaid = frontier ?? undefined;
		this.lastStarved = options.starved();
		this.lastSpare = options.spare?.() ?? 0;
		const record: ClockRecord = {
			type: 'clock', run: options.run, epoch: options.epoch, worker: options.worker, frontier, windowMs: options.windowMs, ...(this.joined || this.left ? {} : {joining: true}), ...(this.lastStarved ? {starved: true, wants: options.wants?.() ?? 0} : {}), ...(this.lastSpare > 0 ? {spare: this.lastSpare} : {}),
		};
		this.publisher.send({exchange: this.exchange, contentType: 'application/json'}, JSON.stringify(record)).catch(() => undefined);
	}

	/** Starved, its senders start new work now: what it stands at is its clock, not its next event. */
	private frontier(): number {
		const {scheduler, offsetMs} = this.options;
		return (this.options.starved() ? scheduler.now() : scheduler.frontier) + offsetMs;
	}

	private catchUp(): void {
		const {slowest} = this.clock;
		if (slowest !== undefined) {
			this.options.scheduler.catchUp(slowest - this.options.offsetMs);
		}
	}
}

/** A clock record of this run and epoch, or undefined for anything else (ignored: clocks are advisory). */
function parseClock(body: unknown, run: string, epoch: string): ClockRecord | undefined {
	try {
		// A Buffer, a string, or (the client decodes JSON bodies it can) an object already.
		const record = (Buffer.isBuffer(body) || typeof body === 'string' ? JSON.parse(String(body)) : body) as Partial<ClockRecord> | undefined;
		if (record === null || typeof record !== 'object') {
			return undefined;
		}

		if (record.type === 'clock' && record.run === run && record.epoch === epoch && typeof record.worker === 'string'
			&& (record.frontier === null || Number.isFinite(record.frontier)) && typeof record.windowMs === 'number' && record.windowMs > 0) {
			return record as ClockRecord;
		}
	} catch {
		// Not JSON: not a clock record.
	}

	return undefined;
}
