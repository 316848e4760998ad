import type {MonitorOptions} from '../engine/monitor.js';
import type {RunIo} from './context.js';
import type {FrontEnd} from './front-end.js';
import type {MetricsAddress} from './metrics-endpoint.js';

/** Wait for a last scrape, by default: Prometheus's default scrape interval. */
const DEFAULT_LINGER_MS = 60_000;

/** What a command needs of `--metrics`: the run's `onSample`, and the front end to present beside the others. */
export type Metrics = {
	readonly onSample: NonNullable<MonitorOptions['onSample']>;
	readonly frontEnds: readonly FrontEnd[];
	readonly close: () => Promise<void>;
};

/**
 * Starts serving a run's figures where `--metrics` says (nothing when it is not given), loading
 * prom-client only then. Rejects with a one-line reason when it cannot listen.
 */
export async function startMetrics(options: {readonly metrics?: MetricsAddress; readonly metricsLingerMs?: number}, io: RunIo): Promise<Metrics | undefined> {
	if (options.metrics === undefined) {
		return undefined;
	}

	const {MetricsEndpoint} = await import('./metrics-endpoint.js');
	const endpoint = new MetricsEndpoint(io, options.metricsLingerMs ?? DEFAULT_LINGER_MS);
	await endpoint.listen(options.metrics);
	return {onSample: endpoint.sample, frontEnds: [endpoint.frontEnd()], close: async () => endpoint.close()};
}

/** The `--metrics` endpoint, listening; undefined without the flag, false when it cannot listen (said on stderr in one line). */
export async function listening(options: {readonly metrics?: MetricsAddress; readonly metricsLingerMs?: number}, io: RunIo): Promise<Metrics | undefined | false> {
	try {
		return await startMetrics(options, io);
	} catch (error) {
		io.stderr.write(`sms-sim: ${(error as Error).message}\n`);
		return false;
	}
}
