#!/usr/bin/env node
// Screenshots an HTML page as a reader sees it at 1280x800, in Debian's Chromium:
//   node scripts/screenshot.mjs report.html docs/report.png
// (The README's image of the report page is made this way.)
import process from 'node:process';
import {pathToFileURL} from 'node:url';
import puppeteer from 'puppeteer-core';

const [page, image] = process.argv.slice(2);
if (!page || !image) {
	console.error('usage: node scripts/screenshot.mjs PAGE.html IMAGE.png');
	process.exit(2);
}

const browser = await puppeteer.launch({
	executablePath: process.env.SMS_SIM_TEST_CHROMIUM ?? '/usr/bin/chromium',
	headless: true,
	args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
	const tab = await browser.newPage();
	await tab.setViewport({width: 1280, height: 800});
	await tab.goto(pathToFileURL(page).href, {waitUntil: 'load'});
	await tab.screenshot({path: image});
} finally {
	await browser.close();
}
