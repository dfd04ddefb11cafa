// The read side of the time-series store: latest, recent, range and aggregate queries over the hot
// tier, unsealed heads and sealed windows (raw columns and 1m/1h rollups), and the start-up reload of
// the hot tier. Every query is per org and host; series are addressed by their `seriesKey` text.
export { aggregate, aggregateMany } from './aggregate.ts';
export {
  type AggregatePlan,
  checkBucketCount,
  HOUR_MS,
  MAX_BUCKETS,
  MINUTE_MS,
  planAggregate,
} from './aggregate-plan.ts';
export {
  hotLatest,
  hotLatestMany,
  hotRecent,
  hotSeries,
  type MaybePartial,
  orHot,
} from './degraded.ts';
export { latest, latestMany } from './latest.ts';
export { QueryUnavailableError } from './pipeline.ts';
export { range, rangeMany } from './range.ts';
export { readRaw } from './read-raw.ts';
export { recent, recentMany } from './recent.ts';
export { type ReloadOptions, reloadHotTier } from './reload.ts';
export {
  AGGREGATE_FNS,
  type AggregateFn,
  type AggregateResult,
  type RangeSeries,
  type ReloadResult,
  type Sample,
  type SeriesSelector,
} from './types.ts';
