import {readdirSync, rmSync} from 'node:fs';
import path from 'node:path';
import {build} from 'rolldown';

/**
 * The command, `dist/cli.js`, is one bundle (with a chunk per lazily loaded part), made from the
 * sources: Node reads a few files rather than finding and reading some 330 modules for a worker
 * (rxjs's CommonJS files, meow's, ...), and every command starts in about half the CPU time (0.3
 * to 0.15 CPU-s for `--help`), which counts for the distributed mode's short-lived producers,
 * workers and monitors. The library (`dist/source`) stays tsc's output, module for module.
 * Run by `npm run build`, after tsc.
 */
await build({
	// The command, and the script of its replication threads (replication-pool.ts), sharing chunks.
	input: {cli: 'cli.tsx', 'replication-worker': 'source/pipeline/replication-worker.ts'},
	platform: 'node',
	// Sources import `./x.js` for `./x.ts`, as Node's ESM resolution wants.
	resolve: {extensionAlias: {'.js': ['.ts', '.tsx', '.js']}},
	transform: {jsx: 'react-jsx'},
	// Ink loads its React devtools only when DEV=true, and they are not a dependency.
	external: ['react-devtools-core'],
	output: {
		dir: 'dist', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', format: 'esm', sourcemap: true,
	},
	plugins: [removeStaleChunks()],
	logLevel: 'warn',
});

/** Chunk names carry a hash: once a build is written, the chunks of earlier builds go. */
function removeStaleChunks() {
	return {
		name: 'remove-stale-chunks',
		writeBundle(_options, bundle) {
			const written = new Set(Object.keys(bundle));
			for (const file of readdirSync('dist/chunks')) {
				if (!written.has(`chunks/${file}`)) {
					rmSync(path.join('dist/chunks', file));
				}
			}
		},
	};
}
