import {useEffect} from 'react';
import {
	Box, Text, useApp, useStderr, useStdout,
} from 'ink';
import type {Observable} from 'rxjs';
import type {ResolvedConfig} from '../config.js';
import type {SimulationEvent} from '../simulation.js';
import type {Snapshot} from '../snapshot.js';
import {configLine} from '../output/lines.js';
import {
	formatCount, formatDuration, formatMs, formatPercent, formatRate,
} from '../output/format.js';
import {GroupTable} from './GroupTable.js';
import {ProgressBar} from './ProgressBar.js';
import {Sparkline} from './Sparkline.js';
import {Summary} from './Summary.js';
import {useSimulation} from './use-simulation.js';

type Props = {
	readonly events$: Observable<SimulationEvent>;
	readonly onFinal?: (final: Snapshot) => void;
	readonly maxFailureRate?: number;
	/** Warnings to write above the dashboard (on stderr), never over it. */
	readonly warnings$?: Observable<string>;
	/** What runs, in place of the config line (a broker worker or monitor). */
	readonly title?: (config: ResolvedConfig) => string;
	/** Group rows shown while running. */
	readonly groupRows?: number;
};

/** The live view of a run; when it ends, the summary replaces it and stays on screen. */
export function Dashboard({events$, onFinal, maxFailureRate, title: titleOf, warnings$, groupRows = 5}: Props) {
	const {config, snapshot, history, final} = useSimulation(events$, onFinal);
	const {stdout} = useStdout();
	const {write: writeAbove} = useStderr();
	const {exit} = useApp();
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
	const columns = stdout.columns > 0 ? stdout.columns : 80;
	if (!config) {
		return <Text dimColor>starting…</Text>;
	}

	const title = titleOf?.(config) ?? configLine(config, {short: true});

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
			{snapshot ? <Live snapshot={snapshot} history={history} columns={columns} groupRows={groupRows}/> : <Text dimColor>waiting for the first interval…</Text>}
		</Box>
	);
}

function Live({snapshot, history, columns, groupRows}: {readonly snapshot: Snapshot; readonly history: readonly number[]; readonly columns: number; readonly groupRows: number}) {
	const rates = `throughput ${formatRate(snapshot.intervalThroughputPerSec)} now, ${formatRate(snapshot.throughputPerSec)} overall  `;
	return (
		<Box flexDirection='column'>
			<Text wrap='truncate'>
				<Text color='green'>sent {formatCount(snapshot.sent)}</Text>
				<Text>  </Text>
				<Text color='red'>failed {formatCount(snapshot.failed)} ({formatPercent(snapshot.failed, snapshot.processed)})</Text>
				<Text>  in flight {formatCount(snapshot.inFlight)}  pending {snapshot.pending === null ? '?' : formatCount(snapshot.pending)}</Text>
				{snapshot.workers ? <Text>  workers {formatCount(snapshot.workers.live)} ({formatCount(snapshot.workers.senders)} senders)</Text> : null}
			</Text>
			<Text wrap='truncate'>send time avg {formatMs(snapshot.avgMs)}  p50 {formatMs(snapshot.p50Ms)}  p95 {formatMs(snapshot.p95Ms)}  p99 {formatMs(snapshot.p99Ms)}  max {formatMs(snapshot.maxMs)}</Text>
			<Text wrap='truncate'>{rates}<Sparkline values={history} width={Math.max(0, Math.min(40, columns - rates.length - 1))}/></Text>
			<Text wrap='truncate'>elapsed {formatDuration(snapshot.elapsedMs)}  eta {snapshot.etaMs === null ? '?' : formatDuration(snapshot.etaMs)}</Text>
			<GroupTable snapshot={snapshot} limit={groupRows}/>
		</Box>
	);
}
