// Pull collection (DESIGN §4): BullMQ job schedulers per host, collectors for SSH, Prometheus text
// exposition and Redis INFO, operator control and collection events. The public surface.
export {
  type CollectJobData,
  type CollectJobResult,
  type JobCatalog,
  type JobHandlers,
  type JobName,
  jobCatalog,
  PRIORITY,
} from './catalog.ts';
export type { Collection } from './collection.ts';
export {
  type CollectContext,
  type Collector,
  type ConnectionType,
  type HostState,
  type PullKind,
  SampleSet,
} from './collector.ts';
export {
  type CleanResult,
  type CollectAllResult,
  CollectControl,
  type FailedJob,
  type QueuedCollection,
} from './control.ts';
export { CollectControlError, CollectError, type CollectFailure, type ControlFailure } from './errors.ts';
export type { CollectionEvent, CollectionListener } from './events.ts';
export type { CollectHost, HostChangeEvent, HostSource } from './hosts.ts';
export { jobOwner, schedulerOwner } from './job-ids.ts';
export { type CollectOptions, collectOptions, DEFAULT_COLLECT_OPTIONS, type KeepPolicy } from './options.ts';
export { PrometheusCollector, PrometheusSettings } from './prometheus.ts';
export type { QueueCounts, QueueFigures, Throughput } from './queue-figures.ts';
export { RedisInfoCollector, RedisSettings, type RedisTargetOptions, withRedisTarget } from './redis-info.ts';
export {
  type CommandFigures,
  commandFigures,
  INFO_SECTIONS,
  type InfoSections,
  infoSamples,
  MAX_COMMAND_LABELS,
  parseInfo,
  sectionSamples,
} from './redis-info-parse.ts';
export type { ReconcileResult } from './scheduler.ts';
export {
  COLLECT_QUEUE,
  type CollectionDeps,
  createCollection,
} from './service.ts';
export { SshCollector, SshSettings } from './ssh.ts';
