export {
	simulate, runToCompletion, type SimulationEvent, type StartEvent, type SimulationDeps,
} from './pipeline/simulation.js';
export {DEFAULTS} from './model/defaults.js';
export {pipeline, type PipelineOptions} from './pipeline/pipeline.js';
export {lastAtInstant} from './engine/scheduler.js';
export {
	toMicros, toMillis, MAX_MICROS, type Micros,
} from './engine/time.js';
export {
	resolveConfig, senderCount, DEFAULT_INTERVAL_MS, DEFAULT_SPEED, type SimulationConfig, type ResolvedConfig,
} from './model/config.js';
export {
	senderPool, createPoolGauge, type MessageSource, type PoolGauge, type SenderPoolOptions,
} from './engine/pool.js';
export {
	monitor, sampleOnTicks, type MonitorOptions, type Sample,
} from './engine/monitor.js';
export {SimulationScheduler, type Speed, type PacingLag} from './engine/scheduler.js';
export {
	createRandom, mixSeed, randomSeed, MAX_SEED, type Random,
} from './model/random.js';
export {
	generateMessages, randomPhoneNumber, randomBody, DEFAULT_MAX_BODY_LENGTH, type Message, type MessageOptions,
} from './model/messages.js';
export {
	DISTRIBUTIONS, DEFAULT_DISTRIBUTION, DEFAULT_SPREAD, MAX_UNIFORM_SPREAD, createSendTimeSampler, defaultSpread, spreadLimit, type Distribution, type SendTimeShape, type SendTimeSampler,
} from './model/distributions.js';
export {
	createSenders, resolveGroups, flattenResult, type Sender, type SenderGroup, type ResolvedSenderGroup, type SendResult,
} from './model/senders.js';
export {
	emptyStats, addResult, mergeStats, processedCount, type Stats, type SenderTally,
} from './engine/stats.js';
export {
	takeSnapshot, type Snapshot, type GroupSnapshot, type SenderSnapshot, type SnapshotContext,
} from './engine/snapshot.js';
export {StableMinHeap} from './engine/heap.js';
