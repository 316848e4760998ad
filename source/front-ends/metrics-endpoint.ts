import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import type {Snapshot} from '../engine/snapshot.js';
import type {Stats} from '../engine/stats.js';
import {cannotListen} from '../reports/format.js';
import {runRegistry, type RunView} from '../reports/prometheus.js';
import type {RunIo} from './context.js';
import type {FrontEnd} from './front-end.js';

/** Where `--metrics` listens. */
export type MetricsAddress = {readonly host: string; readonly port: number};

/**
 * `--metrics`: a run's figures served at `/metrics` for Prometheus while it runs, as a front end
 * beside the one on stdout. It reads the stats the monitor samples (`sample`, given to the run as
 * its `onSample`), so it costs the run nothing per message. When the run is over it stays up until
 * Prometheus has scraped the final figures once, for at most `lingerMs` (Ctrl-C cuts it short).
 */
export class MetricsEndpoint {
	/** `http://host:port/metrics`, once listening. */
	url = '';
	private stats: Stats | undefined;
	private snapshot: Snapshot | undefined;
	private groups: readonly string[] = [];
	private done = false;
	private scrapedAfterDone: (() => void) | undefined;
	private readonly server: Server;

	constructor(private readonly io: RunIo, private readonly lingerMs: number) {
		const registry = runRegistry(() => this.view());
		this.server = createServer((request, response) => {
			const path = (request.url ?? '/').split('?')[0];
			if (request.method !== 'GET' && request.method !== 'HEAD') {
				response.writeHead(405, {allow: 'GET, HEAD'}).end();
				return;
			}

			if (path !== '/metrics') {
				response.writeHead(path === '/' ? 200 : 404, {'content-type': 'text/plain; charset=utf-8'}).end(path === '/' ? 'sms-sim: the run\'s figures are at /metrics\n' : 'not found: the figures are at /metrics\n');
				return;
			}

			const wasDone = this.done;
			void registry.metrics().then(text => {
				response.writeHead(200, {'content-type': registry.contentType}).end(request.method === 'HEAD' ? undefined : text);
				if (wasDone) {
					this.scrapedAfterDone?.();
				}
			});
		});
		// A scraper keeps its connection open between scrapes: it must not hold the process once the run is over.
		this.server.keepAliveTimeout = 1000;
	}

	/** Starts listening; rejects with a one-line reason (the port taken, the host not this machine's). */
	async listen({host, port}: MetricsAddress): Promise<void> {
		await new Promise<void>((resolve, reject) => {
			this.server.once('error', (error: NodeJS.ErrnoException) => {
				reject(new Error(`--metrics: ${cannotListen(host, port, error)}`));
			});
			this.server.listen(port, host, resolve);
		});
		const address = this.server.address() as AddressInfo;
		const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
		this.url = `http://${shownHost}:${address.port}/metrics`;
		this.io.stderr.write(`sms-sim: metrics for Prometheus at ${this.url}\n`);
	}

	/** The run's `onSample`: the stats each snapshot is taken from. */
	readonly sample = (stats: Stats, snapshot: Snapshot): void => {
		this.stats = stats;
		this.snapshot = snapshot;
		if (snapshot.type === 'final') {
			this.done = true;
		}
	};

	/** The front end: it learns the configured groups from the start, and lingers for a last scrape at the end. */
	frontEnd(): FrontEnd {
		return {
			observe: (event, config) => {
				if (event.type === 'start' && config) {
					this.groups = config.groups.map(group => group.name);
				}
			},
			finish: async () => {
				await this.lastScrape();
				await this.close();
				return undefined;
			},
		};
	}

	async close(): Promise<void> {
		this.server.closeAllConnections();
		await new Promise<void>(resolve => {
			this.server.close(() => {
				resolve();
			});
		});
	}

	private view(): RunView {
		return {
			stats: this.stats, snapshot: this.snapshot, groups: this.groups, done: this.done,
		};
	}

	/** Waits for Prometheus to scrape the final figures once, for at most `lingerMs`, unless the user stops it. */
	private async lastScrape(): Promise<void> {
		if (!this.done || this.lingerMs === 0) {
			return;
		}

		this.io.stderr.write(`sms-sim: metrics: waiting up to ${Math.round(this.lingerMs / 1000)}s for a last scrape of ${this.url} (Ctrl-C: exit now)\n`);
		await new Promise<void>(resolve => {
			const timer = setTimeout(end, this.lingerMs);
			const stopping = this.io.stop$.subscribe(end);
			this.scrapedAfterDone = end;
			function end(): void {
				clearTimeout(timer);
				stopping.unsubscribe();
				resolve();
			}
		});
	}
}
