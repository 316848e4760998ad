import {useEffect} from 'react';
import {
	Box, Text, useApp, useInput, useStderr, useStdin,
} from 'ink';
import type {Observable} from 'rxjs';
import type {ResolvedConfig} from '../model/config.js';
import type {SimulationEvent} from '../pipeline/simulation.js';
import type {Snapshot} from '../engine/snapshot.js';
import {fittedConfigLine, formatSpeedUp} from '../reports/lines.js';
import {
	formatCount, formatDuration, formatMs, formatPercent, formatRate,
} from '../reports/format.js';
import {GroupTable} from './GroupTable.js';
import {ProgressBar} from './ProgressBar.js';
import {Sparkline} from './Sparkline.js';
import {Summary} from './Summary.js';
import {useSimulation} from './use-simulation.js';
import {useTerminalSize} from './use-terminal-size.js';

type Props = {
	readonly events$: Observable<SimulationEvent>;
	readonly onFinal?: (final: Snapshot) => void;
	readonly maxFailureRate?: number;
	/** `q` or Ctrl-C pressed: stop the run (read only where the terminal offers raw mode). */
	readonly onStopKey?: () => void;
	/** Warnings to write above the dashboard (on stderr), never over it. */
	readonly warnings$?: Observable<string>;
	/** What runs, in place of the config line (a broker worker or monitor). */
	readonly title?: (config: ResolvedConfig) => string;
	/** Most group rows shown while running (fewer when the terminal is short). */
	readonly groupRows?: number;
	/**
	 * Whether the final summary is drawn here (default true). The CLI prints it itself once the live
	 * area is gone, as plain lines that are never redrawn, so it stays in the scrollback whatever
	 * the terminal's height.
	 */
	readonly hasSummary?: boolean;
	/** The terminal's height in rows, where Ink is told another (see front-ends/terminal-surface.ts); stdout's when left out. */
	readonly rows?: () => number;
	/** The wall clock in ms, for wall elapsed, speed-up and ETA; `performance.now` when left out. */
	readonly now?: () => number;
};

/** The live view of a run; when it ends, the summary replaces it and stays on screen. */
export function Dashboard({events$, onFinal, maxFailureRate, title: titleOf, warnings$, onStopKey, groupRows = 100, hasSummary = true, rows: rowsOf, now}: Props) {
	const {
		config, snapshot, history, final, wallMs,
	} = useSimulation(events$, onFinal, now);
	const {columns, rows} = useTerminalSize(rowsOf);
	const {write: writeAbove} = useStderr();
	const {exit} = useApp();
	const {isRawModeSupported} = useStdin();
	// Keys are read in raw mode, so nothing typed echoes into the dashboard and Enter moves no line;
	// without a terminal on stdin there is no raw mode and no key to read.
	useInput((input, key) => {
		if (input === 'q' || (key.ctrl && input === 'c')) {
			onStopKey?.();
		}
	}, {isActive: isRawModeSupported && onStopKey !== undefined});
	useEffect(() => {
		const subscription = warnings$?.subscribe(text => {
			writeAbove(`sms-sim: ${text}\n`);
		});
		return () => subscription?.unsubscribe();
	}, [warnings$, writeAbove]);
	useEffect(() => {
		if (final) {
			exit(); // After the summary's commit: Ink draws it last, and it stays on screen.
		}
	}, [final, exit]);
	// The live area stays shorter than the terminal: at its full height Ink 6 clears the whole
	// screen, scrollback included, on every frame.
	if (!config) {
		return <Text dimColor>starting…</Text>;
	}

	// The header keeps the seed however narrow the window: the rest is said again in the summary.
	const title = titleOf?.(config) ?? fittedConfigLine(config, columns - 'sms-sim '.length);

	if (final && !hasSummary) {
		return null; // The live area goes; the caller prints the summary.
	}

	if (final) {
		return (
			<Box flexDirection='column'>
				<Text dimColor wrap='truncate'>{title}</Text>
				<Summary final={final} seed={config.seed} maxFailureRate={maxFailureRate}/>
			</Box>
		);
	}

	const processed = snapshot?.processed ?? 0;
	const total = snapshot ? snapshot.total : config.messages;
	const counts = total === null ? formatCount(processed) : `${formatCount(processed)}/${formatCount(total)}`;
	return (
		<Box flexDirection='column'>
			<Text wrap='truncate'><Text bold color='cyan'>sms-sim </Text><Text dimColor>{title}</Text></Text>
			<Text wrap='truncate'>
				<ProgressBar done={processed} total={total} width={Math.min(50, columns - counts.length - 10)}/>
				<Text> {counts}</Text>
			</Text>
			{snapshot ? <Live snapshot={snapshot} history={history} columns={columns} lines={rows - 3} groupRows={groupRows} wallMs={wallMs}/> : <Text dimColor>waiting for the first interval…</Text>}
		</Box>
	);
}

type LiveProps = {
	readonly snapshot: Snapshot;
	readonly history: readonly number[];
	readonly columns: number;
	/** Lines it may take; sections drop, last first, to fit. */
	readonly lines: number;
	readonly groupRows: number;
	/** Wall-clock ms since the run started. */
	readonly wallMs: number;
};

function Live({snapshot, history, columns, lines, groupRows, wallMs}: LiveProps) {
	const rates = `throughput ${formatRate(snapshot.intervalThroughputPerSec, '–')} now, ${formatRate(snapshot.throughputPerSec, '–')} overall  `;
	// Four lines of figures (five with arrivals), then the group table (a header, its rows, and a
	// line for any left out).
	const queueing = snapshot.backlog !== undefined;
	const {retries} = snapshot;
	const extra = (queueing ? 1 : 0) + (retries ? 1 : 0);
	const figures = Math.max(0, Math.min(4 + extra, lines));
	const groupSpace = lines - figures - 1;
	const groupLimit = groupSpace >= 1 ? Math.min(groupRows, snapshot.groups.length <= groupSpace ? groupSpace : groupSpace - 1) : 0;
	return (
		<Box flexDirection='column'>
			<Text wrap='truncate'>
				<Text color='green'>sent {formatCount(snapshot.sent)}</Text>
				<Text>  </Text>
				<Text color='red'>failed {formatCount(snapshot.failed)} ({formatPercent(snapshot.failed, snapshot.processed)})</Text>
				<Text>  in flight {formatCount(snapshot.inFlight)}{snapshot.gateway ? '' : `  pending ${snapshot.pending === null ? '?' : formatCount(snapshot.pending)}`}</Text>
				{snapshot.workers ? <Text>  workers {formatCount(snapshot.workers.live)} ({formatCount(snapshot.workers.senders)} senders)</Text> : null}
				{snapshot.gateway ? <Text>  binds {formatCount(snapshot.gateway.binds)}  throttled {formatCount(snapshot.gateway.throttled)}  receipts {formatCount(snapshot.gateway.receipts)}</Text> : null}
				{snapshot.via ? <Text>  receipts {formatCount(snapshot.via.receipts.delivered + snapshot.via.receipts.undelivered)}</Text> : null}
			</Text>
			{figures >= 2 ? <Text wrap='truncate'>send time avg {formatMs(snapshot.avgMs)}  p50 {formatMs(snapshot.p50Ms)}  p95 {formatMs(snapshot.p95Ms)}  p99 {formatMs(snapshot.p99Ms)}  max {formatMs(snapshot.maxMs)}</Text> : null}
			{figures >= 3 ? <Text wrap='truncate'>{rates}<Sparkline values={history} width={Math.max(0, Math.min(40, columns - rates.length - 1))}/></Text> : null}
			{figures >= 4 ? <Text wrap='truncate'>{timingLine(snapshot, wallMs)}</Text> : null}
			{retries && figures >= 5 ? <Text wrap='truncate'>retrying {formatCount(retries.waitingToRetry)}  retried {formatCount(retries.retried)}  dead-lettered {formatCount(retries.deadLettered)}  attempts {retries.meanAttempts.toFixed(2)} a message</Text> : null}
			{queueing && figures >= 4 + extra ? <Text wrap='truncate'>backlog {formatCount(snapshot.backlog ?? 0)}  wait avg {formatMs(snapshot.wait?.avgMs ?? 0)}  p99 {formatMs(snapshot.wait?.p99Ms ?? 0)}  latency p99 {formatMs(snapshot.latency?.p99Ms ?? 0)}</Text> : null}
			{groupLimit > 0 ? <GroupTable snapshot={snapshot} limit={groupLimit}/> : null}
		</Box>
	);
}

/**
 * `elapsed 1m40s simulated, 10.2s wall (9.80x)  eta 2.1s`: both clocks, the speed-up, and the time
 * left in wall time (what the person watching waits), at the pace achieved so far.
 */
export function timingLine(snapshot: Snapshot, wallMs: number): string {
	const remaining = snapshot.total === null ? null : Math.max(0, snapshot.total - snapshot.processed);
	const eta = remaining === 0 ? 0 : (remaining === null || snapshot.processed === 0 || wallMs <= 0 ? null : (remaining * wallMs) / snapshot.processed);
	const speedUp = wallMs > 0 && snapshot.elapsedMs > 0 ? ` (${formatSpeedUp(snapshot.elapsedMs / wallMs)})` : '';
	const noLiveWorkers = snapshot.workers?.live === 0 && remaining !== 0;
	return `elapsed ${formatDuration(snapshot.elapsedMs)} simulated, ${formatDuration(wallMs)} wall${speedUp}  eta ${noLiveWorkers ? 'no live workers' : (eta === null ? '?' : formatDuration(eta))}`;
}
