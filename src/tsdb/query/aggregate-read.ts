import { dayStart, type Tier, WINDOW_MS, windowsBetween } from '../layout.ts';
import type { TsdbContext } from '../options.ts';
import { emptyPoints, mergePoints, type Points } from '../points.ts';
import { type AggregatePlan, type IndexSets, sealedSource } from './aggregate-plan.ts';
import { type Reads, readGuessed } from './guessed-read.ts';
import { decodeRawWindows, fetchRawWindows, rawFields, rawReads } from './read-raw.ts';
import { decodeRollups, fetchRollups, keptBlocks, rollupFields, type WindowRollups } from './read-rollups.ts';
import { unionWindows } from './windows.ts';

/** What an aggregate reads for one host: per window its source, the raw points and the rollups. */
export interface AggregateSources {
  /** Windows with data, oldest first. */
  readonly windows: readonly number[];
  /** Sealed source per window; absent for a window that only has a head. */
  readonly source: ReadonlyMap<number, Tier>;
  readonly heads: ReadonlySet<number>;
  /** Raw points per id over every raw-sourced window and every head (sealed raw merged with heads). */
  readonly raw: ReadonlyMap<number, Points>;
  readonly rollups: WindowRollups;
}

/**
 * Reads what `plan` needs: the indexes, and raw windows and rollup windows in the same round trip when
 * the host's windows are as at its last read (`readGuessed`; a second round trip otherwise). A window
 * whose hourly rollups turn out missing is read again from the next tier (one more round trip, only
 * then).
 */
export async function readSources(
  ctx: TsdbContext,
  org: string,
  host: string,
  ids: readonly number[],
  plan: AggregatePlan,
): Promise<AggregateSources> {
  const read = await readGuessed(
    ctx,
    org,
    host,
    { from: plan.from, to: plan.to, withRollups: true },
    (sets) => plannedFor(plan, sets).reads,
    { raw: rawFields(ids), ...rollupFields(ids) },
  );
  const { sets, reads } = read;
  const { windows, source: planned } = plannedFor(plan, sets);
  const first = {
    raw: decodeRawWindows(
      reads.raw.map((r) => r.ws),
      ids,
      read.raw,
    ),
    rollups: decodeRollups(ids, reads, read.minute, read.hour, plan.columns, keptBlocks(ctx, org, host)),
  };
  const missing = [...first.rollups].filter(([ws, r]) => r === undefined && planned.get(ws) === '1h');
  if (missing.length === 0) return { windows, source: planned, heads: sets.heads, ...first };
  // The planned sources are kept for the next read: this one changes a copy.
  const source = new Map(planned);
  const retry = new Map<number, Tier>();
  for (const [ws] of missing) {
    const tier = sealedSource(plan, sets, ws, '1h');
    if (tier) retry.set(ws, tier);
    source.delete(ws);
  }
  const second = await readPass(ctx, org, host, ids, plan, retry, []);
  for (const [ws, tier] of retry) source.set(ws, tier);
  const raw = new Map(
    [...first.raw].map(([id, p]) => [id, mergePoints(p, second.raw.get(id) ?? emptyPoints)]),
  );
  return { windows, source, heads: sets.heads, raw, rollups: new Map([...first.rollups, ...second.rollups]) };
}

interface Planned {
  readonly windows: readonly number[];
  readonly source: ReadonlyMap<number, Tier>;
  readonly reads: Reads;
}

/**
 * Plans kept per index sets (readGuessed hands back the same sets while a host's windows stay): a
 * host page's charts share one (the series are not part of it), a second function over the same range
 * may need another. A 30-day plan takes ~26 kB (heap over 2,000 objects of its shape).
 */
const PLANS_PER_SETS = 2;
const plans = new WeakMap<IndexSets, Map<string, Planned>>();

/**
 * The sources and reads of `plan` over `sets`, worked out once per sets and plan: readGuessed hands
 * back the same sets object for the guess and the indexes read when they agree, and for every read
 * of a host until its windows change (every two hours), so a dashboard's refresh plans nothing. What
 * a plan depends on: its bounds, preferred tier and columns, and the sets.
 */
function plannedFor(plan: AggregatePlan, sets: IndexSets): Planned {
  const key = `${plan.from}:${plan.to}:${plan.preferred}:${[...plan.columns].join(',')}`;
  let kept = plans.get(sets);
  const found = kept?.get(key);
  if (found) return found;
  const windows = candidates(plan, sets);
  const source = sourcesOf(plan, sets, windows);
  const planned = { windows, source, reads: readsOf(source, sets) };
  if (!kept || kept.size >= PLANS_PER_SETS) {
    kept = new Map();
    plans.set(sets, kept);
  }
  kept.set(key, planned);
  return planned;
}

/** The sealed source of each candidate window that still holds data. */
function sourcesOf(
  plan: AggregatePlan,
  sets: IndexSets,
  windows = candidates(plan, sets),
): Map<number, Tier> {
  const source = new Map<number, Tier>();
  for (const ws of windows) {
    const tier = sealedSource(plan, sets, ws);
    if (tier) source.set(ws, tier);
  }
  return source;
}

/** What the sources need read: raw windows with every head, then the rollup windows. */
function readsOf(source: ReadonlyMap<number, Tier>, sets: IndexSets): Reads {
  const of = (tier: Tier) => [...source].filter(([, t]) => t === tier).map(([ws]) => ws);
  return { raw: rawReads(of('raw'), [...sets.heads]), minute: of('1m'), hour: of('1h') };
}

async function readPass(
  ctx: TsdbContext,
  org: string,
  host: string,
  ids: readonly number[],
  plan: AggregatePlan,
  source: ReadonlyMap<number, Tier>,
  heads: readonly number[],
): Promise<{ raw: Map<number, Points>; rollups: WindowRollups }> {
  const of = (tier: Tier) => [...source].filter(([, t]) => t === tier).map(([ws]) => ws);
  const [raw, rollups] = await Promise.all([
    fetchRawWindows(ctx, org, host, ids, of('raw'), heads),
    fetchRollups(ctx, org, host, ids, of('1m'), of('1h'), plan.columns),
  ]);
  return { raw, rollups };
}

/**
 * Windows that may hold data in [plan.from, plan.to]. Hourly rollups are indexed by day only, so when
 * they may be read every window of an indexed day is a candidate (one whose field is absent has none).
 */
function candidates(plan: AggregatePlan, sets: IndexSets): number[] {
  const inRange = (ws: number) => ws + WINDOW_MS > plan.from && ws <= plan.to;
  const hourly =
    sets.days.size === 0
      ? []
      : windowsBetween(plan.from, plan.to).filter((ws) => sets.days.has(dayStart(ws)));
  return unionWindows([...sets.raw], [...sets.minute], [...sets.heads], hourly).filter(inRange);
}
