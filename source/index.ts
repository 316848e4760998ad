/**
 * The library: what you need to run a simulation, or build on its parts. A run (`simulate`,
 * `runToCompletion`), the pipeline the card describes (`pipeline`: messages -> `senderPool` ->
 * `monitor`), the stats monoid the monitor folds with, the scheduler that gives a run its time, and
 * the types they take and give. Internals (the heap, the time arithmetic, the samplers) stay inside;
 * `test/library.test.ts` pins this list.
 */
export {
	simulate, runToCompletion, type SimulationEvent, type StartEvent, type SimulationDeps,
} from './pipeline/simulation.js';
export {pipeline, type PipelineOptions} from './pipeline/pipeline.js';
export {
	resolveConfig, type SimulationConfig, type ResolvedConfig,
} from './model/config.js';
export {DEFAULTS} from './model/defaults.js';
export {
	senderPool, createPoolGauge, type MessageSource, type PoolGauge, type SenderPoolOptions,
} from './engine/pool.js';
export {monitor, type MonitorOptions} from './engine/monitor.js';
export {SimulationScheduler, type Speed} from './engine/scheduler.js';
export {
	emptyStats, addResult, mergeStats, type Stats,
} from './engine/stats.js';
export type {
	Snapshot, GroupSnapshot, SenderSnapshot,
} from './engine/snapshot.js';
export {createRandom, type Random} from './model/random.js';
export {generateMessages, type Message, type MessageOptions} from './model/messages.js';
export {
	createSenders, resolveGroups, type Sender, type SenderGroup, type ResolvedSenderGroup, type SendResult,
} from './model/senders.js';
