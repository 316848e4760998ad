export {
	simulate, runToCompletion, type SimulationEvent, type StartEvent, type SimulationDeps,
} from './simulation.js';
export {DEFAULTS} from './defaults.js';
export {pipeline, type PipelineOptions} from './pipeline.js';
export {lastAtInstant} from './scheduler.js';
export {
	toMicros, toMillis, MAX_MICROS, type Micros,
} from './time.js';
export {
	resolveConfig, senderCount, DEFAULT_INTERVAL_MS, DEFAULT_SPEED, type SimulationConfig, type ResolvedConfig,
} from './config.js';
export {
	senderPool, createPoolGauge, type MessageSource, type PoolGauge, type SenderPoolOptions,
} from './pool.js';
export {
	monitor, sampleOnTicks, type MonitorOptions, type Sample,
} from './monitor.js';
export {SimulationScheduler, type Speed, type PacingLag} from './scheduler.js';
export {
	createRandom, mixSeed, randomSeed, MAX_SEED, type Random,
} from './random.js';
export {
	generateMessages, randomPhoneNumber, randomBody, DEFAULT_MAX_BODY_LENGTH, type Message, type MessageOptions,
} from './messages.js';
export {
	DISTRIBUTIONS, DEFAULT_DISTRIBUTION, DEFAULT_SPREAD, MAX_UNIFORM_SPREAD, createSendTimeSampler, defaultSpread, spreadLimit, type Distribution, type SendTimeShape, type SendTimeSampler,
} from './distributions.js';
export {
	createSenders, resolveGroups, flattenResult, type Sender, type SenderGroup, type ResolvedSenderGroup, type SendResult,
} from './senders.js';
export {
	emptyStats, addResult, mergeStats, processedCount, type Stats, type SenderTally,
} from './stats.js';
export {
	takeSnapshot, type Snapshot, type GroupSnapshot, type SenderSnapshot, type SnapshotContext,
} from './snapshot.js';
export {StableMinHeap} from './heap.js';
