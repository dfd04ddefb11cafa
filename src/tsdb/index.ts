export { checkSample, type TimeBounds, type WriteBatch } from './batch.ts';
export {
  QueryRejectedError,
  RangeTooLongError,
  SampleRejectedError,
  StorageUnavailableError,
  TsdbError,
} from './errors.ts';
export { type ExportFormat, type ExportOptions, exportChunks, exportLines } from './export.ts';
export { hostDataKeys, indexedHosts } from './host-keys.ts';
export { DAY_MS, TIERS, type Tier, WINDOW_MS } from './layout.ts';
export type { Ack, StoredIn, TsdbContext, TsdbOptions } from './options.ts';
export type { Points } from './points.ts';
export { unionTimestamps } from './points.ts';
export {
  AGGREGATE_FNS,
  type AggregateFn,
  type AggregateResult,
  aggregate,
  aggregateMany,
  checkBucketCount,
  hotLatest,
  hotLatestMany,
  hotRecent,
  hotSeries,
  latest,
  latestMany,
  type MaybePartial,
  orHot,
  QueryUnavailableError,
  type RangeSeries,
  range,
  rangeMany,
  readRaw,
  recent,
  recentMany,
  reloadHotTier,
  type Sample as PointSample,
  type SeriesSelector,
} from './query/index.ts';
export {
  enforceRetention,
  lastMaintenance,
  type MaintenanceFigures,
  type MaintenanceRun,
  runMaintenance,
  sealDue,
  sealHost,
} from './seal/index.ts';
export { registryEntries, SeriesLimitError, type SeriesLimits } from './series-registry.ts';
export { checkSpan, type SpanLimit } from './span.ts';
export { openTsdb, type Tsdb } from './tsdb.ts';
export type { SampleWriter, WriteResult, WriterStats } from './writer.ts';
