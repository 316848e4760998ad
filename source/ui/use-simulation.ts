import {useEffect, useState} from 'react';
import {
	asyncScheduler, filter, merge, share, throttleTime, type Observable,
} from 'rxjs';
import type {ResolvedConfig} from '../config.js';
import type {SimulationEvent} from '../simulation.js';
import type {Snapshot} from '../snapshot.js';

/** How many throughput readings the chart keeps. */
export const HISTORY_LENGTH = 60;
/** The dashboard redraws at most this often (wall clock), however fast the simulation runs. */
export const REFRESH_MS = 100;

export type SimulationView = {
	readonly config: ResolvedConfig | undefined;
	/** The latest progress snapshot shown, or the final one. */
	readonly snapshot: Snapshot | undefined;
	/** Throughput per interval, oldest first, for the chart. */
	readonly history: readonly number[];
	readonly final: Snapshot | undefined;
};

/**
 * Follows a run for the dashboard: not every result, only the start, progress snapshots
 * throttled to one per `REFRESH_MS` of wall time (the latest always shown), and the final one.
 */
export function useSimulation(events$: Observable<SimulationEvent>, onFinal?: (final: Snapshot) => void): SimulationView {
	const [view, setView] = useState<SimulationView>({
		config: undefined, snapshot: undefined, history: [], final: undefined,
	});
	useEffect(() => {
		const notResults$ = events$.pipe(filter(event => event.type !== 'result'), share());
		const glance = (event: SimulationEvent) => event.type === 'progress' || event.type === 'live';
		const subscription = merge(
			notResults$.pipe(filter(event => !glance(event))),
			notResults$.pipe(filter(event => glance(event)), throttleTime(REFRESH_MS, asyncScheduler, {leading: true, trailing: true})),
		).subscribe(event => {
			setView(previous => {
				if (previous.final) {
					return previous; // A trailing progress snapshot must not replace the summary.
				}

				switch (event.type) {
					case 'start': {
						return {...previous, config: event.config};
					}

					case 'progress': {
						return {...previous, snapshot: event, history: [...previous.history, event.intervalThroughputPerSec].slice(-HISTORY_LENGTH)};
					}

					case 'live': {
						// The counts, bar and rates move; the chart keeps one bar per interval.
						return {...previous, snapshot: event};
					}

					case 'final': {
						return {...previous, snapshot: event, final: event};
					}
				}
			});
			if (event.type === 'final') {
				onFinal?.(event);
			}
		});
		return () => {
			subscription.unsubscribe();
		};
	}, [events$]);
	return view;
}
