/**
 * The engine imports hdr-histogram-js by two deep paths (`dist/HistogramBuilder.js`,
 * `dist/wasm/index.js`): the bundle then leaves out the log reader and writer and the JS
 * histograms it never uses. The package's public entry is `dist/index.js` and it has no `exports`
 * map, so Node allows those paths today; an upgrade that adds one, or moves the files, fails here
 * rather than in a user's install.
 */
import {createRequire} from 'node:module';
import * as publicEntry from 'hdr-histogram-js';
import {build} from 'hdr-histogram-js/dist/HistogramBuilder.js';
import {WasmHistogram, initWebAssemblySync} from 'hdr-histogram-js/dist/wasm/index.js';
import {describe, expect, it} from 'vitest';

const require = createRequire(import.meta.url);

describe('hdr-histogram-js, by the deep paths the engine imports', () => {
	it('are the very functions its public entry exports', () => {
		expect(build).toBe(publicEntry.build);
		expect(initWebAssemblySync).toBe(publicEntry.initWebAssemblySync);
		expect(WasmHistogram).toBe(publicEntry.WasmHistogram);
	});

	it('is the version package.json pins, with no exports map to forbid the paths', () => {
		const manifest = require('hdr-histogram-js/package.json') as {version: string; exports?: unknown};
		const ours = require('../package.json') as {dependencies: Record<string, string>};
		expect(manifest.version).toBe(ours.dependencies['hdr-histogram-js']);
		expect(manifest.exports).toBeUndefined();
	});
});
