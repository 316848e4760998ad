/** The library's public API: what `import ... from 'sms-sim'` gives, and nothing more. */
import {expect, it} from 'vitest';
import * as library from '../source/index.js';

it('exports a run, the pipeline and its parts, the stats monoid and the scheduler, not internals', () => {
	expect(Object.keys(library).toSorted()).toEqual([
		'DEFAULTS',
		'SimulationScheduler',
		'addResult',
		'createPoolGauge',
		'createRandom',
		'createSenders',
		'emptyStats',
		'generateMessages',
		'mergeStats',
		'monitor',
		'pipeline',
		'resolveConfig',
		'resolveGroups',
		'runToCompletion',
		'senderPool',
		'simulate',
	]);
});
