import { TIERS, type Tier } from '../layout.ts';
import type { TsdbContext } from '../options.ts';
import { emptyPoints, type Points } from '../points.ts';
import { combine, segmentsOf } from './aggregate-combine.ts';
import { planAggregate } from './aggregate-plan.ts';
import { readSources } from './aggregate-read.ts';
import { reaches } from './range.ts';
import { byHost, lookupIds, perHost, splitByHot } from './resolve.ts';
import type { AggregateFn, AggregateResult, SeriesSelector } from './types.ts';

/**
 * Buckets of `stepMs` (aligned: start = ⌊t/step⌋·step) over [from, to], one value of `fn` per
 * non-empty bucket. Buckets are whole: the range widens to the buckets it touches, so the answer does
 * not depend on which tier holds the data. See `planAggregate` for the tier choice; the hot tier
 * answers a series when it reaches back to the first bucket.
 */
export async function aggregate(
  ctx: TsdbContext,
  org: string,
  host: string,
  seriesKeys: readonly string[],
  from: number,
  to: number,
  stepMs: number,
  fn: AggregateFn,
): Promise<AggregateResult> {
  const plan = planAggregate(from, to, stepMs, fn);
  const { hot, cold } = splitByHot(ctx, org, host, seriesKeys, (p) =>
    reaches(p, plan.from) ? combine(plan, fn, [{ tier: 'raw', points: p }]) : undefined,
  );
  const results = new Map(hot);
  const ids = await lookupIds(ctx, org, host, cold);
  if (ids.size > 0) {
    const sources = await readSources(ctx, org, host, [...ids.values()], plan);
    for (const [key, id] of ids) results.set(key, combine(plan, fn, segmentsOf(sources, id)));
  }
  const tiers = new Set<Tier>();
  let approximate = false;
  const series = new Map<string, Points>();
  for (const key of seriesKeys) {
    const r = results.get(key);
    for (const t of r?.tiers ?? []) tiers.add(t);
    approximate ||= r?.approximate ?? false;
    series.set(key, r?.points ?? emptyPoints);
  }
  return {
    stepMs: plan.stepMs,
    from: plan.from,
    to: plan.to,
    tiers: TIERS.map((t) => t.tier).filter((t) => tiers.has(t)),
    approximate,
    series,
  };
}

/** `aggregate` for series of several hosts at once (hosts are read concurrently). */
export function aggregateMany(
  ctx: TsdbContext,
  org: string,
  selectors: readonly SeriesSelector[],
  from: number,
  to: number,
  stepMs: number,
  fn: AggregateFn,
): Promise<Map<string, AggregateResult>> {
  return perHost(byHost(selectors), (host, keys) => aggregate(ctx, org, host, keys, from, to, stepMs, fn));
}
