// The code passed to page.evaluate runs in the page: only this file needs the DOM's types.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference lib="dom" />
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference lib="dom.iterable" />
import {existsSync} from 'node:fs';
import {pathToFileURL} from 'node:url';
import puppeteer, {type Browser} from 'puppeteer-core';

/** Debian's Chromium (`apt-get install chromium`): no browser is downloaded. */
export const CHROMIUM = process.env.SMS_SIM_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined when they can. CI installs Chromium, so they must run there. */
export function browserSkipReason(): string | undefined {
	if (existsSync(CHROMIUM)) {
		return undefined;
	}

	const reason = `no Chromium at ${CHROMIUM}: install Debian's chromium, or set SMS_SIM_TEST_CHROMIUM`;
	if (process.env.SMS_SIM_TEST_IN_CI === '1') {
		throw new Error(`the browser tests must run under CI, but: ${reason}`);
	}

	return reason;
}

export async function launchBrowser(): Promise<Browser> {
	return puppeteer.launch({
		executablePath: CHROMIUM,
		headless: true,
		// As root in CI there is no sandbox; the rest keep Chromium from calling home on a closed network.
		args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
	});
}

/** One chart as the browser drew it. */
export type DrawnChart = {
	readonly title: string;
	/** The series the page says it draws (`data-series`). */
	readonly series: number;
	/** Series in the chart's legend (its x values not counted). */
	readonly legendSeries: number;
	readonly drawn: boolean;
	/** For each series, how many of the canvas's pixels are its colour: 0 means it drew nothing. */
	readonly pixelsBySeries: number[];
};

export type OpenedPage = {
	/** Console errors and warnings, and uncaught exceptions. */
	readonly problems: string[];
	/** Every request beyond the page itself (there must be none). */
	readonly requests: string[];
	readonly charts: DrawnChart[];
	/** The page's text, for its figures. */
	readonly text: string;
	/** How far the page is wider than the window (0: it fits). */
	readonly overflowPx: number;
	/** What every chart's legend shows with no cursor on it, value by value. */
	readonly legendValues: string[];
	/** The widest chart's right edge beyond the window, px (0: every chart fits). */
	readonly chartOverflowPx: number;
};

/** Opens a page from a file in a new tab at `width` x `height`, blocking and recording every other request. */
export async function openPage(browser: Browser, file: string, {width = 1280, height = 800} = {}): Promise<OpenedPage & {screenshot: (path: string) => Promise<void>; pdf: () => Promise<Uint8Array>; close: () => Promise<void>}> {
	const page = await browser.newPage();
	const problems: string[] = [];
	const requests: string[] = [];
	const url = pathToFileURL(file).href;
	page.on('console', message => {
		if (message.type() === 'error' || message.type() === 'warn') {
			problems.push(`console ${message.type()}: ${message.text()}`);
		}
	});
	page.on('pageerror', error => {
		problems.push(`uncaught: ${String(error)}`);
	});
	await page.setRequestInterception(true);
	page.on('request', request => {
		if (request.url() === url) {
			void request.continue();
		} else {
			requests.push(request.url());
			void request.abort();
		}
	});
	await page.setViewport({width, height});
	await page.goto(url, {waitUntil: 'load'});
	const seen = await page.evaluate(() => {
		const near = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]) < 40;
		// Series are drawn in saturated colours; axes, grid and text are greys, which must not count.
		const saturated = (colour: number[]) => Math.max(...colour) - Math.min(...colour) > 60;
		const rgb = (colour: string) => Array.from(colour.matchAll(/[\d.]+/g), match => Number(match[0]));
		const figures = [...document.querySelectorAll('figure.chart')] as HTMLElement[];
		const charts = figures.map(figure => {
			const canvas = figure.querySelector('canvas')!;
			const {data} = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
			// The legend's markers carry each series' colour; the first legend entry is the x values.
			const rows = [...figure.querySelectorAll('.u-legend .u-series')].slice(1) as HTMLElement[];
			const markers = rows.map(row => rgb(getComputedStyle(row.querySelector('.u-marker')!).borderColor));
			const pixelsBySeries = markers.map(colour => {
				if (colour.length === 4 && colour[3] === 0) {
					return 0; // A transparent stroke draws nothing.
				}

				let count = 0;
				for (let index = 0; index < data.length; index += 4) {
					const pixel = [data[index], data[index + 1], data[index + 2]];
					if (data[index + 3] > 200 && saturated(pixel) && near(pixel, colour)) {
						count++;
					}
				}

				return count;
			});
			return {
				title: figure.querySelector('figcaption strong')?.textContent ?? '',
				series: Number(figure.dataset.series),
				legendSeries: markers.length,
				drawn: figure.dataset.drawn === 'true',
				pixelsBySeries,
			};
		});
		return {
			charts, text: document.body.innerText, // eslint-disable-line unicorn/prefer-dom-node-text-content -- the text as laid out: table cells apart
			overflowPx: document.documentElement.scrollWidth - window.innerWidth,
			legendValues: [...document.querySelectorAll('.u-legend .u-value')].map(value => value.textContent ?? ''),
			chartOverflowPx: Math.max(0, ...figures.map(figure => figure.getBoundingClientRect().right - window.innerWidth)),
		};
	});
	return {
		problems,
		requests,
		...seen,
		async screenshot(path: string) {
			await page.screenshot({path, fullPage: false});
		},
		async pdf() {
			return page.pdf({format: 'A4'});
		},
		async close() {
			await page.close();
		},
	};
}
