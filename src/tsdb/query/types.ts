import type { Tier } from '../layout.ts';
import type { Points } from '../points.ts';

/** One sample: timestamp (ms since epoch) and value. */
export interface Sample {
  readonly timestamp: number;
  readonly value: number;
}

/** Several series of one host, for the multi-host query variants. */
export interface SeriesSelector {
  readonly host: string;
  readonly seriesKeys: readonly string[];
}

/** The points of one series within a range, cut to the query's limit. */
export interface RangeSeries {
  readonly points: Points;
  /** True when the range held more than `limit` points and the newest were left out. */
  readonly truncated: boolean;
}

export const AGGREGATE_FNS = ['avg', 'min', 'max', 'sum', 'count', 'last', 'p50', 'p95', 'p99'] as const;
export type AggregateFn = (typeof AGGREGATE_FNS)[number];

/** Aggregated series of one host: per series, one value per non-empty bucket (timestamp = bucket start). */
export interface AggregateResult {
  /** The bucket width used: steps of a minute or more are rounded to whole minutes (see `planAggregate`). */
  readonly stepMs: number;
  /** First bucket start and last bucket end (inclusive): buckets are always whole. */
  readonly from: number;
  readonly to: number;
  /** The storage tiers the answer was computed from (the hot tier and heads count as `raw`). */
  readonly tiers: readonly Tier[];
  /**
   * True when part of the answer is coarser than asked: a percentile from rollup averages (raw
   * expired), or a step finer than the only tier left.
   */
  readonly approximate: boolean;
  readonly series: ReadonlyMap<string, Points>;
}

/** What `reloadHotTier` loaded. */
export interface ReloadResult {
  readonly hosts: number;
  readonly series: number;
  readonly points: number;
  /** True when `hotMaxSeries` was reached before every recent host was loaded. */
  readonly full: boolean;
}
