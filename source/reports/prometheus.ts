import {Registry, type Metric} from 'prom-client';
import {countAtMost, type Snapshot} from '../engine/snapshot.js';
import {
	groupHistogram, groupTotals, type QueueingStats, type Stats,
} from '../engine/stats.js';

/**
 * A run's figures in the Prometheus text format (prom-client's registry writes it). Every figure is
 * read at the scrape from the stats the monitor last sampled and its last snapshot, so a run pays
 * nothing per message for being watched, and a broker monitor serves the whole run's figures,
 * folded from its workers' stats records, as a local run serves its own.
 */
export type RunView = {
	/** The stats the last snapshot was taken from (they go on changing in place). */
	readonly stats: Stats | undefined;
	readonly snapshot: Snapshot | undefined;
	/** The groups the run was configured with: listed, at zero, before their first send. */
	readonly groups: readonly string[];
	/** The run is over: its final snapshot was taken. */
	readonly done: boolean;
};

/** Bucket bounds of the time histograms, seconds: Prometheus's defaults, and 30 s and 1 min for waits and latencies. */
export const TIME_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;

type Labels = Record<string, string>;
type Sample = {readonly labels?: Labels; readonly value: number; readonly metricName?: string};
type Kind = 'counter' | 'gauge' | 'histogram';

/** One metric family, whose samples are worked out from the view when scraped. */
type Family = {readonly name: string; readonly help: string; readonly type: Kind; readonly samples: (view: RunView) => Sample[]};

/** A histogram's series: its HDR histogram (microseconds), how many values it holds, and their exact sum in ms. */
type TimeSeries = {readonly labels: Labels; readonly histogram: Stats['histogram'] | undefined; readonly count: number; readonly sumMs: number};

function histogramSamples(name: string, series: readonly TimeSeries[]): Sample[] {
	return series.flatMap(({labels, histogram, count, sumMs}) => [
		...TIME_BUCKETS.map(bound => ({
			metricName: `${name}_bucket`, labels: {...labels, le: String(bound)}, value: histogram && count > 0 ? countAtMost(histogram, count, bound * 1000) : 0,
		})),
		{metricName: `${name}_bucket`, labels: {...labels, le: '+Inf'}, value: count},
		{metricName: `${name}_sum`, labels, value: sumMs / 1000},
		{metricName: `${name}_count`, labels, value: count},
	]);
}

/** Each group's figures, as the counters and histograms give them: messages sent and failed, attempts, and their summed send time. */
function groupFigures(view: RunView): Map<string, {sent: number; failed: number; attempts: number; durationSumMs: number}> {
	const totals = view.stats
		? groupTotals(view.stats, view.groups)
		: new Map(view.groups.map(name => [name, {
			sent: 0, failed: 0, failedMessages: 0, durationSumMs: 0,
		}]));
	return new Map([...totals].map(([name, group]) => [name, {
		sent: group.sent, failed: group.failedMessages, attempts: group.sent + group.failed, durationSumMs: group.durationSumMs,
	}]));
}

const byGroup = (view: RunView, figure: (group: {sent: number; failed: number; attempts: number}) => number): Sample[] => [...groupFigures(view)].map(([group, figures]) => ({labels: {group}, value: figure(figures)}));

/** Waits or latencies: by priority where the run has priorities, else one series for the run. */
function queueingSeries(stats: Stats | undefined, of: (figures: QueueingStats) => Omit<TimeSeries, 'labels'>): TimeSeries[] {
	if (stats === undefined) {
		return [];
	}

	if (stats.byPriority.size > 0) {
		return [...stats.byPriority].map(([priority, figures]) => ({labels: {priority}, ...of(figures)}));
	}

	return stats.queueing ? [{labels: {}, ...of(stats.queueing)}] : [];
}

/** A gauge of the last snapshot's, left out while it has no value (before the run, or not this kind of run). */
const fromSnapshot = (figure: (snapshot: Snapshot) => number | null | undefined) => (view: RunView): Sample[] => {
	const value = view.snapshot === undefined ? undefined : figure(view.snapshot);
	return value === undefined || value === null ? [] : [{value}];
};

const FAMILIES: readonly Family[] = [
	{
		name: 'sms_sim_messages_sent_total', type: 'counter', help: 'Messages sent (at their last attempt), by sender group.', samples: view => byGroup(view, group => group.sent),
	},
	{
		name: 'sms_sim_messages_failed_total', type: 'counter', help: 'Messages failed for good (their last attempt failed, or failed permanently), by sender group.', samples: view => byGroup(view, group => group.failed),
	},
	{
		name: 'sms_sim_attempts_total', type: 'counter', help: 'Sends, a retried message\'s failed attempts too, by sender group.', samples: view => byGroup(view, group => group.attempts),
	},
	{
		name: 'sms_sim_messages_retried_total', type: 'counter', help: 'Finished messages that took more than one attempt.', samples: view => [{value: view.stats?.retries?.retried ?? 0}],
	},
	{
		name: 'sms_sim_messages_dead_lettered_total', type: 'counter', help: 'Messages of a group with a retry policy that never succeeded: every attempt failed, or one failed permanently.', samples: view => [{value: view.stats?.retries ? view.stats.failed : 0}],
	},
	{
		name: 'sms_sim_segments_total', type: 'counter', help: 'SMS segments of the finished messages\' bodies, each message once.', samples: view => [{value: view.stats?.segments ?? 0}],
	},
	{
		name: 'sms_sim_segments_submitted_total', type: 'counter', help: 'SMS segments of every attempt: what a carrier bills.', samples: view => [{value: view.stats?.segmentsSubmitted ?? 0}],
	},
	{
		name: 'sms_sim_segments_delivered_total', type: 'counter', help: 'SMS segments of the messages sent.', samples: view => [{value: view.stats?.segmentsDelivered ?? 0}],
	},
	{
		name: 'sms_sim_in_flight', type: 'gauge', help: 'Sends in progress.', samples: fromSnapshot(snapshot => snapshot.inFlight),
	},
	{
		name: 'sms_sim_backlog', type: 'gauge', help: 'Messages arrived and not started (a run with arrivals).', samples: fromSnapshot(snapshot => snapshot.backlog),
	},
	{
		name: 'sms_sim_pending', type: 'gauge', help: 'Messages not yet started, of a run whose size is known.', samples: fromSnapshot(snapshot => snapshot.pending),
	},
	{
		name: 'sms_sim_waiting_to_retry', type: 'gauge', help: 'Messages waiting out a backoff to be tried again.', samples: fromSnapshot(snapshot => snapshot.retries?.waitingToRetry),
	},
	{
		name: 'sms_sim_live_workers', type: 'gauge', help: 'Send workers heard from within the last three intervals (a broker monitor).', samples: fromSnapshot(snapshot => snapshot.workers?.live),
	},
	{
		name: 'sms_sim_worker_senders', type: 'gauge', help: 'Senders of the live workers (a broker monitor).', samples: fromSnapshot(snapshot => snapshot.workers?.senders),
	},
	{
		name: 'sms_sim_messages', type: 'gauge', help: 'Messages in the run, once known.', samples: fromSnapshot(snapshot => snapshot.total),
	},
	{
		name: 'sms_sim_elapsed_seconds', type: 'gauge', help: 'Time since the run started, simulated seconds (wall seconds at speed 1).', samples: fromSnapshot(snapshot => snapshot.elapsedMs / 1000),
	},
	{
		name: 'sms_sim_run_done', type: 'gauge', help: '1 once the run is over and these are its final figures, else 0.', samples: view => [{value: view.done ? 1 : 0}],
	},
	{
		name: 'sms_sim_send_time_seconds', type: 'histogram', help: 'Send times, by sender group; buckets from an HDR histogram, to 3 significant digits (a time within 0.1% of a bound may count in the bucket above).', samples(view) {
			const {stats} = view;
			return histogramSamples('sms_sim_send_time_seconds', [...groupFigures(view)].map(([group, figures]) => ({
				labels: {group}, histogram: stats && groupHistogram(stats, group), count: figures.attempts, sumMs: figures.durationSumMs,
			})));
		},
	},
	{
		name: 'sms_sim_wait_seconds', type: 'histogram', help: 'Arrival to the start of the send (a run with arrivals), by priority where there are priorities.', samples: view => histogramSamples('sms_sim_wait_seconds', queueingSeries(view.stats, figures => ({histogram: figures.waitHistogram, count: figures.waitCount, sumMs: figures.waitSumMs}))),
	},
	{
		name: 'sms_sim_latency_seconds', type: 'histogram', help: 'Arrival to the end of the send (a run with arrivals), by priority where there are priorities.', samples: view => histogramSamples('sms_sim_latency_seconds', queueingSeries(view.stats, figures => ({histogram: figures.latencyHistogram, count: figures.count, sumMs: figures.latencySumMs}))),
	},
];

/** The registry of a run's metrics, each read from `view()` at every scrape. */
export function runRegistry(view: () => RunView): Registry {
	const registry = new Registry();
	for (const family of FAMILIES) {
		// A metric of prom-client's shape whose values are worked out at the scrape (`get`), as its own collectors do.
		const metric = {
			name: family.name,
			help: family.help,
			type: family.type,
			aggregator: 'sum',
			get: async () => ({
				name: family.name, help: family.help, type: family.type, aggregator: 'sum', values: family.samples(view()),
			}),
		};
		registry.registerMetric(metric as unknown as Metric);
	}

	return registry;
}
