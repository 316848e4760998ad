import {readFileSync} from 'node:fs';
import {writeFile} from 'node:fs/promises';
import {createRequire} from 'node:module';

/** A chart of one page: x values and one or more series over them (`null` where a series has no value). */
export type PageChart = {
	readonly title: string;
	/** A line under the title: what is drawn, where it comes from. */
	readonly note?: string;
	readonly kind: 'lines' | 'bars';
	/** The y axis fits the values, not from 0 up (default from 0): for values that differ little, such as an interval. */
	readonly fitted?: boolean;
	readonly x: {readonly label: string; readonly unit: Unit; readonly values: readonly number[]};
	readonly series: ReadonlyArray<{
		readonly label: string;
		readonly unit: Unit;
		readonly values: ReadonlyArray<number | undefined>;
		/** A second y axis on the right, for a series of another unit. */
		readonly right?: boolean;
	}>;
};

/** How a value reads: `ms` as a duration, `s` as seconds of run time, `rate` per second, `count` as is. */
export type Unit = 'ms' | 's' | 'rate' | 'count' | 'percent';

export type PageTable = {
	readonly title: string;
	readonly head: readonly string[];
	readonly rows: ReadonlyArray<readonly string[]>;
	/** Columns, by index, that hold numbers (aligned right). */
	readonly numeric?: readonly number[];
};

export type Page = {
	readonly title: string;
	readonly subtitle: string;
	/** Key figures at the top. `tone` marks one that failed its goal, or passed it. */
	readonly tiles: ReadonlyArray<{readonly label: string; readonly value: string; readonly tone?: 'bad' | 'good'}>;
	readonly charts: readonly PageChart[];
	readonly tables: readonly PageTable[];
	/** Small print at the end: the command, the version. */
	readonly footer: readonly string[];
};

const require = createRequire(import.meta.url);

/**
 * UPlot, inlined so the page needs no network: 50 KB minified, canvas-drawn (fast with thousands
 * of points), MIT, and maintained; Chart.js is four times the size, and an SVG library slows
 * with many points.
 */
function uplotAssets(): {script: string; style: string} {
	const dist = (file: string) => readFileSync(require.resolve(`uplot/dist/${file}`), 'utf8');
	return {script: dist('uPlot.iife.min.js'), style: dist('uPlot.min.css')};
}

const escapeHtml = (text: string): string => text.replaceAll(/[&<>"']/g, character => `&#${character.codePointAt(0)!};`);
/** JSON inside a script element: nothing in it may close the element. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replaceAll('<', String.raw`\u003c`);

/**
 * One self-contained HTML page: the styles, the chart library and the data inlined, a Content
 * Security Policy that forbids every request, and print styles for A4. Each chart is a `figure`
 * with `data-series` (how many series it draws) and, once drawn, `data-drawn`.
 */
export function renderPage(page: Page): string {
	const {script, style} = uplotAssets();
	const tiles = page.tiles.map(tile => `<div class="tile${tile.tone ? ` ${tile.tone}` : ''}"><div class="label">${escapeHtml(tile.label)}</div><div class="value">${escapeHtml(tile.value)}</div></div>`).join('');
	const charts = page.charts.map((chart, index) => `<figure class="chart" id="chart-${index}" data-series="${chart.series.length}"><figcaption><strong>${escapeHtml(chart.title)}</strong>${chart.note ? `<span>${escapeHtml(chart.note)}</span>` : ''}</figcaption><div class="plot"></div></figure>`).join('');
	const tables = page.tables.map(table => {
		const numeric = new Set(table.numeric);
		const cell = (tag: string, text: string, index: number) => `<${tag}${numeric.has(index) ? ' class="number"' : ''}>${escapeHtml(text)}</${tag}>`;
		const head = table.head.some(text => text !== '') ? `<thead><tr>${table.head.map((text, index) => cell('th', text, index)).join('')}</tr></thead>` : '';
		return `<section class="table"><h2>${escapeHtml(table.title)}</h2><table>${head}<tbody>${table.rows.map(row => `<tr>${row.map((text, index) => cell('td', text, index)).join('')}</tr>`).join('')}</tbody></table></section>`;
	}).join('');
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(page.title)}</title>
<style>${style}</style>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(page.title)}</h1><p>${escapeHtml(page.subtitle)}</p></header>
<section class="tiles">${tiles}</section>
<section class="charts">${charts}</section>
${tables}
<footer>${page.footer.map(line => `<p>${escapeHtml(line)}</p>`).join('')}</footer>
<script type="application/json" id="sms-sim-charts">${scriptJson(page.charts)}</script>
<script>${script}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

/** Writes a page to `path`; what went wrong, in one line, if it could not. */
export async function writePage(path: string, page: Page): Promise<string | undefined> {
	try {
		await writeFile(path, renderPage(page));
		return undefined;
	} catch (error) {
		return `--html ${path}: cannot write it: ${(error as Error).message}`;
	}
}

const PAGE_STYLE = `
:root { --ink: #1d2430; --muted: #5b6575; --line: #d9dee6; --bad: #b42318; --good: #067647; }
* { box-sizing: border-box; }
body { margin: 0 auto; padding: 20px 28px 28px; max-width: 1320px; color: var(--ink); background: #fff;
	font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header h1 { margin: 0; font-size: 20px; }
header p { margin: 2px 0 12px; color: var(--muted); }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(138px, 1fr)); gap: 8px; margin-bottom: 14px; }
.tile { border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; }
.tile .label { color: var(--muted); font-size: 12px; }
.tile .value { font-size: 17px; font-weight: 600; font-variant-numeric: tabular-nums; }
.tile.bad .value { color: var(--bad); }
.tile.good .value { color: var(--good); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(560px, 100%), 1fr)); gap: 14px; }
figure.chart { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px 4px; break-inside: avoid; }
figcaption { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; margin-bottom: 2px; }
figcaption span { color: var(--muted); font-size: 12px; }
section.table { margin-top: 16px; break-inside: avoid; }
section.table h2 { font-size: 15px; margin: 0 0 6px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 3px 10px 3px 0; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
th { color: var(--muted); font-weight: 500; font-size: 12px; }
.number { text-align: right; }
footer { margin-top: 18px; color: var(--muted); font-size: 12px; }
footer p { margin: 2px 0; overflow-wrap: anywhere; }
.u-legend { font-size: 12px; }
@media (max-width: 600px) {
	body { padding: 12px 10px; }
}
@page { size: A4; margin: 12mm; }
@media print {
	body { padding: 0 2px; max-width: none; font-size: 11px; }
	.u-legend .u-value, .u-legend .u-series:first-child { display: none; }
	.charts { display: block; }
	figure.chart { margin-bottom: 8px; }
	.tiles { grid-template-columns: repeat(4, 1fr); }
}
`;

/**
 * Draws each chart of the page's data with uPlot at its figure's width, and again at print width
 * before printing. Written as plain browser JavaScript: it runs in the page as it is.
 */
const PAGE_SCRIPT = String.raw`
(function () {
	'use strict';
	var charts = JSON.parse(document.getElementById('sms-sim-charts').textContent);
	var palette = ['#2563eb', '#d97706', '#dc2626', '#059669', '#7c3aed', '#0891b2'];
	function duration(ms) {
		if (ms == null) return '';
		if (ms === 0) return '0';
		var abs = Math.abs(ms);
		// One format with the tables' (formatMs): a tenth of a millisecond below a second.
		if (abs < 1000) return ms.toFixed(1) + 'ms';
		if (abs < 60000) return (ms / 1000).toFixed(abs < 10000 ? 2 : 1).replace(/\.?0+$/, '') + 's';
		var minutes = Math.floor(ms / 60000);
		var seconds = Math.round((ms - minutes * 60000) / 1000);
		return minutes + 'm' + (seconds ? seconds + 's' : '');
	}
	function count(value) {
		if (value == null) return '';
		return Math.abs(value) >= 1000 ? Math.round(value).toLocaleString('en-US') : String(Math.round(value * 100) / 100);
	}
	function format(unit, value) {
		if (value == null) return '–';
		if (unit === 'ms') return duration(value);
		if (unit === 's') return duration(value * 1000);
		if (unit === 'rate') return count(value) + '/s';
		if (unit === 'percent') return (Math.round(value * 10) / 10) + '%';
		return count(value);
	}
	var plots = [];
	charts.forEach(function (chart, index) {
		var figure = document.getElementById('chart-' + index);
		var holder = figure.querySelector('.plot');
		var leftUnit = chart.series[0].unit;
		var rightSeries = chart.series.filter(function (series) { return series.right; });
		var rightUnit = rightSeries.length > 0 ? rightSeries[0].unit : null;
		var bars = chart.kind === 'bars';
		// With no cursor on the chart, the legend shows the last values, not dashes.
		function lastOf(values) {
			for (var i = values.length - 1; i >= 0; i--) {
				if (values[i] != null) return values[i];
			}
			return null;
		}
		var lastX = lastOf(chart.x.values);
		var series = [{
			label: chart.x.label,
			value: function (u, value) { return format(chart.x.unit, value == null ? lastX : value); }
		}].concat(chart.series.map(function (series, n) {
			var last = lastOf(series.values);
			var colour = palette[n % palette.length];
			return {
				label: series.label,
				scale: series.right ? 'right' : 'y',
				stroke: colour,
				width: bars ? 1 : 1.75,
				fill: bars ? colour + '99' : undefined,
				paths: bars ? uPlot.paths.bars({size: [0.9, Infinity]}) : undefined,
				points: {show: !bars && chart.x.values.length < 40},
				spanGaps: false,
				value: function (u, value, seriesIndex, index) { return format(series.unit, index == null ? last : value); }
			};
		}));
		var axes = [
			{values: function (u, splits) { return splits.map(function (value) { return format(chart.x.unit, value); }); }},
			{label: '', values: function (u, splits) { return splits.map(function (value) { return format(leftUnit, value); }); }, size: 64}
		];
		if (rightUnit) {
			axes.push({scale: 'right', side: 1, grid: {show: false}, values: function (u, splits) { return splits.map(function (value) { return format(rightUnit, value); }); }, size: 64});
		}
		var data = [chart.x.values].concat(chart.series.map(function (series) {
			return series.values.map(function (value) { return value == null ? null : value; });
		}));
		var options = {
			width: Math.max(280, holder.clientWidth),
			height: 240,
			scales: {x: {time: false}, y: {range: function (u, min, max) {
				if (chart.fitted) { var pad = (max - min) * 0.15 || Math.abs(max) * 0.01 || 1; return [min - pad, max + pad]; }
				return [Math.min(0, min), max > 0 ? max * 1.08 : 1];
			}}, right: {range: function (u, min, max) { return [Math.min(0, min), max > 0 ? max * 1.08 : 1]; }}},
			series: series,
			axes: axes,
			legend: {live: true},
			cursor: {drag: {x: true, y: false}},
			hooks: {draw: [function () { figure.dataset.drawn = 'true'; }]}
		};
		plots.push({plot: new uPlot(options, data, holder), holder: holder});
	});
	function fit() {
		plots.forEach(function (entry) {
			entry.plot.setSize({width: Math.max(280, entry.holder.clientWidth), height: 240});
		});
	}
	var pending = null;
	window.addEventListener('resize', function () {
		if (pending) cancelAnimationFrame(pending);
		pending = requestAnimationFrame(fit);
	});
	window.addEventListener('beforeprint', function () {
		plots.forEach(function (entry) { entry.plot.setSize({width: 640, height: 200}); });
	});
	window.addEventListener('afterprint', fit);
})();
`;
