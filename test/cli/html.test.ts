import {
	mkdtempSync, readFileSync, rmSync, writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {Browser} from 'puppeteer-core';
import {
	afterAll, beforeAll, describe, expect, it,
} from 'vitest';
import {formatMs} from '../../source/reports/format.js';
import {browserSkipReason, launchBrowser, openPage} from '../browser.js';
import {runCli} from './spawn.js';

const skipReason = browserSkipReason();
if (skipReason) {
	console.warn(`Skipping the browser tests: ${skipReason}`);
}

/** Every chart drew: marked drawn, with the series the page says, each in its colour on the canvas. */
function expectEveryChartDrew(charts: Awaited<ReturnType<typeof openPage>>['charts'], expected: Record<string, number>): void {
	expect(Object.fromEntries(charts.map(chart => [chart.title, chart.series]))).toEqual(expected);
	for (const chart of charts) {
		expect(chart.drawn, chart.title).toBe(true);
		expect(chart.legendSeries, chart.title).toBe(chart.series);
		// A 1.75-pixel line across a 500-pixel plot is hundreds of pixels; 20 is well clear of antialiasing specks.
		for (const [index, pixels] of chart.pixelsBySeries.entries()) {
			expect(pixels, `${chart.title}, series ${index + 1}`).toBeGreaterThan(20);
		}
	}
}

describe.skipIf(Boolean(skipReason))('the HTML report page, in a real browser', () => {
	let browser: Browser;
	let folder: string;
	beforeAll(async () => {
		browser = await launchBrowser();
		folder = mkdtempSync(join(tmpdir(), 'sms-sim-html-'));
	}, 60_000);

	afterAll(async () => {
		await browser?.close();
		rmSync(folder, {recursive: true, force: true});
	});

	it('draws every chart of a live run with arrivals, asks for nothing over the network, and logs no error', async () => {
		const file = join(folder, 'live.html');
		const run = await runCli(['-n', '5000', '--rate', '600/s', '-s', '6', '--mean', '10ms', '--priority', 'critical=0.2,normal=0.8', '--speed', 'max', '--seed', '5', '--threshold', 'p99<500ms', '--json', '--html', file]);
		expect(run.code).toBe(0);
		expect(run.stderr).toContain(`wrote the report page to ${file}`);
		const page = await openPage(browser, file);
		try {
			expect(page.problems).toEqual([]);
			expect(page.requests).toEqual([]);
			expectEveryChartDrew(page.charts, {
				Throughput: 1, 'Send time percentiles': 3, 'Send time histogram': 1, Failures: 2, Backlog: 1, Waits: 2,
			});
			// The run's own figures, as its summary gave them.
			const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
			expect(page.text).toContain(formatMs(summary.p99Ms));
			expect(page.text).toContain('critical');
			expect(page.text).toContain('seed\t5');
			expect(page.overflowPx).toBe(0); // Reads at 1280x800 without scrolling sideways.
			// Legends show the last values with no cursor on the chart, not dashes.
			expect(page.legendValues.length).toBeGreaterThan(10);
			expect(page.legendValues.filter(value => value === '' || value.includes('–') || value === '--')).toEqual([]);
			// A threshold's value in its unit, as the text summary has it.
			expect(page.text).toContain(`p99<500ms\t${formatMs(summary.p99Ms)}\tpassed`);
			// One format for durations: a tenth of a millisecond below a second, as the tables have them.
			expect(page.legendValues.filter(value => /^\d+ms$/.test(value))).toEqual([]);
		} finally {
			await page.close();
		}

		// A narrow window (a phone, a side panel): every chart fits, nothing scrolls sideways.
		const narrow = await openPage(browser, file, {width: 420, height: 800});
		try {
			expect(narrow.problems).toEqual([]);
			expect(narrow.overflowPx).toBe(0);
			expect(narrow.chartOverflowPx).toBe(0);
			expect(narrow.charts.every(chart => chart.drawn)).toBe(true);
		} finally {
			await narrow.close();
		}
	}, 60_000);

	it('draws a saved run\'s page from report, per-window percentiles only when it has events, and prints on A4', async () => {
		const plain = await runCli(['-n', '3000', '--speed', 'max', '--seed', '9', '--json']);
		const withEvents = await runCli(['-n', '3000', '--speed', 'max', '--seed', '9', '--json', '--events']);
		const saved = join(folder, 'run.ndjson');
		const savedEvents = join(folder, 'events.ndjson');
		writeFileSync(saved, plain.stdout);
		writeFileSync(savedEvents, withEvents.stdout);
		const [fromPlain, fromEvents] = [join(folder, 'plain.html'), join(folder, 'events.html')];
		const reports = await Promise.all([runCli(['report', saved, '--html', fromPlain]), runCli(['report', savedEvents, '--html', fromEvents])]);
		expect(reports.map(report => report.code)).toEqual([0, 0]);
		expect(readFileSync(fromPlain, 'utf8')).toContain('of every send up to each moment');
		expect(readFileSync(fromEvents, 'utf8')).toContain('of the sends that ended in each');

		// A narrow window: the charts fit it.
		const page = await openPage(browser, fromEvents, {width: 800, height: 900});
		try {
			expect(page.problems).toEqual([]);
			expect(page.requests).toEqual([]);
			// No arrivals: no backlog and no waits.
			expectEveryChartDrew(page.charts, {
				Throughput: 1, 'Send time percentiles': 3, 'Send time histogram': 1, Failures: 2,
			});
			expect(page.overflowPx).toBe(0);
			const pdf = Buffer.from(await page.pdf());
			expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
			// The tiles, four charts and the tables: a few A4 pages, not one squeezed or fifty.
			const pages = pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g)?.length ?? 0;
			expect(pages).toBeGreaterThanOrEqual(2);
			expect(pages).toBeLessThanOrEqual(4);
		} finally {
			await page.close();
		}
	}, 60_000);

	it('draws each figure of every replication with its mean and interval across, and the table of every interval', async () => {
		const file = join(folder, 'replications.html');
		const run = await runCli(['-n', '3000', '-s', '4', '--mean', '20ms', '--distribution', 'exponential', '--rate', '180/s', '--replications', '6', '--seed', '3', '--json', '--html', file]);
		expect(run.code).toBe(0);
		const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {replications: {figures: {throughputPerSec: {low: number; high: number}}}};
		const html = readFileSync(file, 'utf8');
		// The interval the page tables is the summary's (rates of 100/s and more to a tenth).
		expect(html).toContain(`>${summary.replications.figures.throughputPerSec.low.toFixed(1)}/s<`);
		expect(html).toContain(`>${summary.replications.figures.throughputPerSec.high.toFixed(1)}/s<`);
		const page = await openPage(browser, file);
		try {
			expect(page.problems).toEqual([]);
			expect(page.requests).toEqual([]);
			expectEveryChartDrew(page.charts, {
				Throughput: 4, Makespan: 4, 'p99 send time': 4, 'Mean wait': 4, 'p99 latency': 4,
			});
		} finally {
			await page.close();
		}
	}, 60_000);

	it('charts a plan sweep: makespan, p99 and throughput against the sender count', async () => {
		const file = join(folder, 'sweep.html');
		const plan = await runCli(['plan', '-n', '2000', '--mean', '50ms', '--sweep', 'senders=5..50:5', '--html', file]);
		expect(plan.code).toBe(0);
		const page = await openPage(browser, file);
		try {
			expect(page.problems).toEqual([]);
			expect(page.requests).toEqual([]);
			expectEveryChartDrew(page.charts, {Makespan: 1, 'p99 send time': 1, Throughput: 1});
		} finally {
			await page.close();
		}
	}, 60_000);
});

describe('--html, as a flag', () => {
	it('needs a folder that exists, on every command that takes it, before anything runs', async () => {
		for (const args of [['-n', '10'], ['report', '-'], ['monitor'], ['plan', '--sweep', 'senders=1..2']]) {
			const result = await runCli([...args, '--html', '/no/such/folder/page.html']);
			expect(result.code, args.join(' ')).toBe(2);
			expect(result.stderr, args.join(' ')).toContain('--html must be in a folder that exists (/no/such/folder does not)');
			expect(result.stderr).not.toMatch(/\n\s+at /);
		}
	});

	it('goes with --sweep on plan, and is refused where it does not apply', async () => {
		const plan = await runCli(['plan', '-n', '10', '--deadline', '1s', '--html', join(tmpdir(), 'plan.html')]);
		expect(plan.code).toBe(2);
		expect(plan.stderr).toContain('--html goes with --sweep in sms-sim plan');
		const produce = await runCli(['produce', '--html', join(tmpdir(), 'produce.html')]);
		expect(produce.code).toBe(2);
		expect(produce.stderr).toContain('--html does not apply to sms-sim produce');
		const compare = await runCli(['compare', 'a', 'b', '--html', join(tmpdir(), 'compare.html')]);
		expect(compare.code).toBe(2);
		expect(compare.stderr).toContain('--html does not apply to sms-sim compare');
	});
});
