import {render} from 'ink-testing-library';
import {Subject} from 'rxjs';
import {describe, expect, it} from 'vitest';
import {resolveConfig} from '../../source/model/config.js';
import type {SimulationEvent} from '../../source/pipeline/simulation.js';
import {takeSnapshot, type Snapshot} from '../../source/engine/snapshot.js';
import {addResult, emptyStats} from '../../source/engine/stats.js';
import {Dashboard} from '../../source/ui/Dashboard.js';
import {GroupTable} from '../../source/ui/GroupTable.js';
import {ProgressBar} from '../../source/ui/ProgressBar.js';
import {Sparkline} from '../../source/ui/Sparkline.js';

/** Lets React commit and Ink draw: a few turns of the event loop, not a timed wait. */
const settle = async () => {
	for (let turn = 0; turn < 5; turn++) {
		await new Promise(resolve => {
			setImmediate(resolve);
		});
	}
};

const config = resolveConfig({
	messages: 100, groups: [{
		name: 'fast', count: 3, meanMs: 50, failureRate: 0.1,
	}, {
		name: 'slow', count: 2, meanMs: 200, failureRate: 0.2,
	}], seed: 42, speed: 1,
});

function snapshotAfter(count: number, type: Snapshot['type'], previous?: Snapshot): Snapshot {
	const stats = emptyStats();
	for (let i = 0; i < count; i++) {
		const group = i % 3 === 0 ? 'slow' : 'fast';
		addResult(stats, {
			type: 'result', id: String(i), message: {id: String(i), to: '+12025550123', body: 'x'}, senderId: `${group}-1`, group,
			status: i % 10 === 0 ? 'failed' : 'sent', startMs: 0, endMs: 50 + i, durationMs: 50 + i,
		});
	}

	return takeSnapshot(stats, {
		type, elapsedMs: count * 20, total: 100, inFlight: type === 'final' ? 0 : 5, groups: config.groups, previous,
	});
}

describe('ProgressBar', () => {
	it('fills in proportion and shows the percentage', () => {
		const {lastFrame} = render(<ProgressBar done={25} total={100} width={20}/>);
		expect(lastFrame()).toBe(`${'█'.repeat(5)}${'░'.repeat(15)}  25.0%`);
	});

	it('shows a full bar for an empty run and ? for an unknown total', () => {
		expect(render(<ProgressBar done={0} total={0} width={10}/>).lastFrame()).toBe(`${'█'.repeat(10)} 100.0%`);
		expect(render(<ProgressBar done={3} total={null} width={10}/>).lastFrame()).toBe(`${'░'.repeat(10)}     ?`);
	});
});

describe('Sparkline', () => {
	it('scales the last values to the tallest', () => {
		expect(render(<Sparkline values={[0, 50, 100, 25]} width={10}/>).lastFrame()).toBe('▁▅█▃');
		expect(render(<Sparkline values={[1, 2, 3, 4, 8]} width={2}/>).lastFrame()).toBe('▅█');
	});
});

describe('GroupTable', () => {
	it('lists groups with senders, sent, failed, average and p99, aligned', () => {
		const lines = render(<GroupTable snapshot={snapshotAfter(30, 'progress')} limit={5}/>).lastFrame()!.split('\n');
		expect(lines[0]).toMatch(/^group +senders +sent +failed +fail % +avg +p99$/);
		expect(lines.slice(1).map(line => line.split(/\s+/)[0])).toEqual(['fast', 'slow']);
	});

	it('shows only the busiest groups when there are more than the limit', () => {
		const lines = render(<GroupTable snapshot={snapshotAfter(30, 'progress')} limit={1}/>).lastFrame()!.split('\n');
		expect(lines).toHaveLength(3);
		expect(lines[1]).toMatch(/^fast /);
		expect(lines[2]).toBe('(1 more groups)');
	});
});

describe('Dashboard', () => {
	it('shows configuration, progress, counts, send times, throughput, timing and groups, then the summary', async () => {
		const events$ = new Subject<SimulationEvent>();
		const finals: Snapshot[] = [];
		let wallClock = 1000;
		const now = () => wallClock;
		const {lastFrame} = render(<Dashboard events$={events$} now={now} onFinal={final => finals.push(final)}/>);
		await settle();
		events$.next({type: 'start', config});
		wallClock += 100; // 400 ms simulated in 100 ms of wall time: 4x, and 80 messages left at 200 a second.
		const first = snapshotAfter(20, 'progress');
		events$.next(first);
		await settle();
		const live = lastFrame()!;
		expect(live).toContain('100 messages, 5 senders in 2 groups, speed 1x, seed 42');
		expect(live).toMatch(/ 20\.0% 20\/100/);
		expect(live).toMatch(/sent 18 +failed 2 \(10\.0%\) +in flight 5 +pending 75/);
		expect(live).toMatch(/send time avg [\d.]+ms +p50 [\d.]+ms +p95 [\d.]+ms +p99 [\d.]+ms +max 69\.0ms/);
		expect(live).toMatch(/throughput [\d,.]+\/s now, [\d,.]+\/s overall/);
		expect(live).toContain('elapsed 400ms simulated, 100ms wall (4.00x)  eta 400ms');
		expect(live).toMatch(/^fast +3 /m);
		expect(live).toMatch(/^slow +2 /m);

		const final = snapshotAfter(100, 'final', first);
		events$.next(final);
		events$.complete();
		await settle();
		const summary = lastFrame()!;
		expect(summary).toMatch(/Done in 2\.0s \(simulated\): 100 messages processed/);
		expect(summary).toMatch(/seed +42/);
		expect(summary).not.toMatch(/░/);
		expect(finals).toEqual([final]);
	});

	it('uses the height there is for groups: all twelve in 30 rows, as many as fit in 12', async () => {
		const groups = Array.from({length: 12}, (_, index) => ({name: `g${index + 1}`, count: 1, meanMs: 50}));
		const manyGroups = resolveConfig({
			messages: 120, groups, seed: 1, speed: 1,
		});
		const stats = emptyStats();
		for (let i = 0; i < 120; i++) {
			const group = `g${(i % 12) + 1}`;
			addResult(stats, {
				type: 'result', id: String(i), message: {id: String(i), to: '+12025550123', body: 'x'}, senderId: `${group}-1`, group, status: 'sent', startMs: 0, endMs: 50, durationMs: 50,
			});
		}

		const snapshot = takeSnapshot(stats, {
			type: 'progress', elapsedMs: 1000, total: 240, inFlight: 12, groups: manyGroups.groups,
		});
		const frame = async (rows: number) => {
			const events$ = new Subject<SimulationEvent>();
			const {lastFrame} = render(<Dashboard events$={events$} rows={() => rows}/>);
			await settle();
			events$.next({type: 'start', config: manyGroups});
			events$.next(snapshot);
			await settle();
			return lastFrame()!.split('\n');
		};

		const tall = await frame(30);
		expect(tall.filter(line => /^g\d+ /.test(line))).toHaveLength(12);
		expect(tall.length).toBeLessThan(30);
		// 12 rows: 6 lines of figures, the table's header, 3 groups and "(9 more groups)": 11 lines.
		const short = await frame(12);
		expect(short.filter(line => /^g\d+ /.test(line))).toHaveLength(3);
		expect(short.at(-1)).toBe('(9 more groups)');
		expect(short.length).toBe(11);
	});

	it('marks an interrupted run in its summary', async () => {
		const events$ = new Subject<SimulationEvent>();
		const {lastFrame} = render(<Dashboard events$={events$}/>);
		await settle();
		events$.next({type: 'start', config});
		events$.next({...snapshotAfter(40, 'final'), interrupted: true});
		await settle();
		expect(lastFrame()).toMatch(/Interrupted after 800ms \(simulated\): 40 of 100 messages processed/);
	});
});
