import { type Tier, WINDOW_MS } from '../layout.ts';
import { concatPoints, emptyPoints, type Points, slicePoints } from '../points.ts';
import type { Rollup } from '../window-format.ts';
import { type AggregatePlan, HOUR_MS, MINUTE_MS } from './aggregate-plan.ts';
import type { AggregateSources } from './aggregate-read.ts';
import { BucketFold, mergeRollups, percentileBuckets, rollRaw, rollupAverages } from './buckets.ts';
import type { AggregateFn } from './types.ts';

/** A stretch of one series' data in time order: raw points, or one window's rollup buckets. */
export type Segment =
  | { readonly tier: 'raw'; readonly points: Points }
  | { readonly tier: '1m' | '1h'; readonly rollup: Rollup; readonly approximate: boolean };

export interface Combined {
  readonly points: Points;
  readonly tiers: ReadonlySet<Tier>;
  readonly approximate: boolean;
}

/** Splits one series' sources into time-ordered segments: runs of raw windows, and rollup windows. */
export function segmentsOf(sources: AggregateSources, id: number): Segment[] {
  const raw = sources.raw.get(id) ?? emptyPoints;
  const out: Segment[] = [];
  let run: number | undefined;
  const flush = (end: number) => {
    if (run !== undefined) out.push({ tier: 'raw', points: slicePoints(raw, run, end - 1) });
    run = undefined;
  };
  for (const ws of sources.windows) {
    const tier = sources.source.get(ws);
    if (tier === undefined || tier === 'raw') {
      run ??= ws;
      continue;
    }
    flush(ws);
    const rollup = sources.rollups.get(ws)?.get(id);
    const head = sources.heads.has(ws) ? slicePoints(raw, ws, ws + WINDOW_MS - 1) : emptyPoints;
    if (head.timestamps.length > 0) out.push(withHead(tier, rollup, head, ws));
    else if (rollup) out.push({ tier, rollup, approximate: false });
  }
  flush(Number.POSITIVE_INFINITY);
  return out;
}

/**
 * A late head on a window whose raw columns expired: its samples are rolled up and added beside the
 * stored rollups. Approximate, as a head sample cannot replace the sealed sample it may repeat.
 */
function withHead(tier: '1m' | '1h', rollup: Rollup | undefined, head: Points, ws: number): Segment {
  const width = tier === '1h' ? HOUR_MS : MINUTE_MS;
  const fromHead = rollRaw(head, ws, ws + WINDOW_MS - 1, width);
  return {
    tier,
    rollup: rollup ? mergeRollups(rollup, fromHead) : fromHead,
    approximate: true,
  };
}

/** Combines segments into the plan's buckets with `fn`. */
export function combine(plan: AggregatePlan, fn: AggregateFn, segments: readonly Segment[]): Combined {
  const tiers = new Set<Tier>();
  let approximate = false;
  for (const s of segments) {
    if (s.tier === 'raw' ? s.points.timestamps.length === 0 : s.rollup.starts.length === 0) continue;
    tiers.add(s.tier);
    if (s.tier !== 'raw')
      approximate ||= s.approximate || widthOf(s.tier) > plan.stepMs || plan.quantile !== undefined;
  }
  const points =
    plan.quantile === undefined ? fold(plan, fn, segments) : percentiles(plan, plan.quantile, segments);
  return { points, tiers, approximate };
}

function fold(plan: AggregatePlan, fn: AggregateFn, segments: readonly Segment[]): Points {
  const acc = new BucketFold(plan.stepMs, plan.from, plan.to, plan.columns);
  const direct = acc.takesPoints;
  for (const s of segments) {
    // A late head's merged rollup may repeat a bucket start: its runs are found partial by partial.
    if (s.tier !== 'raw') acc.add(s.rollup, s.approximate ? undefined : widthOf(s.tier));
    else if (direct) acc.addPoints(s.points);
    else acc.add(rollRaw(s.points, plan.from, plan.to, plan.baseMs));
  }
  return acc.result(fn === 'p50' || fn === 'p95' || fn === 'p99' ? 'avg' : fn);
}

/** Percentiles over raw samples; where only rollups are left, over their bucket averages. */
function percentiles(plan: AggregatePlan, q: number, segments: readonly Segment[]): Points {
  const parts = segments.map((s) =>
    s.tier === 'raw'
      ? slicePoints(s.points, plan.from, plan.to)
      : slicePoints(rollupAverages(s.rollup), plan.from, plan.to),
  );
  return percentileBuckets(concatPoints(parts), plan.stepMs, q);
}

function widthOf(tier: '1m' | '1h'): number {
  return tier === '1h' ? HOUR_MS : MINUTE_MS;
}
