import {useEffect, useRef, useState} from 'react';
import {
	asyncScheduler, filter, map, merge, share, throttleTime, type Observable,
} from 'rxjs';
import type {ResolvedConfig} from '../model/config.js';
import type {SimulationEvent} from '../pipeline/simulation.js';
import type {Snapshot} from '../engine/snapshot.js';

/** How many throughput readings the chart keeps. */
export const HISTORY_LENGTH = 60;
/** The dashboard redraws at most this often (wall clock), however fast the simulation runs. */
export const REFRESH_MS = 100;

const performanceNow = () => performance.now();

export type SimulationView = {
	readonly config: ResolvedConfig | undefined;
	/** The latest progress snapshot shown, or the final one. */
	readonly snapshot: Snapshot | undefined;
	/** Throughput per interval, oldest first, for the chart. */
	readonly history: readonly number[];
	readonly final: Snapshot | undefined;
	/** Wall-clock ms from the run's start to the snapshot shown. */
	readonly wallMs: number;
};

/**
 * Follows a run for the dashboard: not every result, only the start, progress snapshots
 * throttled to one per `REFRESH_MS` of wall time (the latest always shown), and the final one.
 */
export function useSimulation(events$: Observable<SimulationEvent>, onFinal?: (final: Snapshot) => void, now: () => number = performanceNow): SimulationView {
	const [view, setView] = useState<SimulationView>({
		config: undefined, snapshot: undefined, history: [], final: undefined, wallMs: 0,
	});
	// The latest callback, read when the final snapshot comes: a new one does not resubscribe (and rerun) the simulation.
	const finalCallback = useRef(onFinal);
	useEffect(() => {
		finalCallback.current = onFinal;
	}, [onFinal]);
	useEffect(() => {
		let startedAt: number | undefined;
		// Each snapshot is stamped with the wall time it was taken at, not the time it is drawn at.
		const notResults$ = events$.pipe(filter(event => event.type !== 'result'), map(event => {
			startedAt ??= now();
			return {event, wallMs: now() - startedAt};
		}), share());
		const glance = ({event}: {event: SimulationEvent}) => event.type === 'progress' || event.type === 'live';
		const subscription = merge(
			notResults$.pipe(filter(stamped => !glance(stamped))),
			notResults$.pipe(filter(stamped => glance(stamped)), throttleTime(REFRESH_MS, asyncScheduler, {leading: true, trailing: true})),
		).subscribe(({event, wallMs}) => {
			setView(previous => {
				if (previous.final) {
					return previous; // A trailing progress snapshot must not replace the summary.
				}

				switch (event.type) {
					case 'start': {
						return {...previous, config: event.config, wallMs};
					}

					case 'progress': {
						return {
							...previous, snapshot: event, history: [...previous.history, event.intervalThroughputPerSec ?? 0].slice(-HISTORY_LENGTH), wallMs,
						};
					}

					case 'live': {
						// The counts, bar and rates move; the chart keeps one bar per interval.
						return {...previous, snapshot: event, wallMs};
					}

					case 'final': {
						return {
							...previous, snapshot: event, final: event, wallMs,
						};
					}
				}
			});
			if (event.type === 'final') {
				finalCallback.current?.(event);
			}
		});
		return () => {
			subscription.unsubscribe();
		};
	}, [events$, now]);
	return view;
}
