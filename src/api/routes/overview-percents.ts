import {
  hostFigures,
  type JudgedSources,
  judgedSources,
  type Percents,
  percentsOf,
} from '../../contract/index.ts';
import { hotRecent, orHot, type PointSample, type Points, recentMany } from '../../tsdb/index.ts';
import type { ApiServices } from '../services.ts';

type Newest = ReadonlyMap<string, ReadonlyMap<string, PointSample>>;

/** The two newest readings of each counter series, per host: from Redis, or the hot tier while it is away. */
async function countersOf(
  services: ApiServices,
  org: string,
  wanted: ReadonlyMap<string, readonly string[]>,
  redisAway: boolean,
): Promise<Map<string, Map<string, Points>>> {
  const { ctx } = services.tsdb;
  const hot = () => new Map([...wanted].map(([host, keys]) => [host, hotRecent(ctx, org, host, keys, 2)]));
  if (wanted.size === 0 || redisAway) return hot();
  const selectors = [...wanted].map(([host, seriesKeys]) => ({ host, seriesKeys }));
  return (await orHot(ctx, () => recentMany(ctx, org, selectors, 2), hot)).value;
}

/** The reading `back` places before the newest of each series (0: the newest). */
function readerOf(points: ReadonlyMap<string, Points> | undefined, back: number) {
  return (key: string) => {
    const p = points?.get(key);
    const at = (p?.values.length ?? 0) - 1 - back;
    return p && at >= 0 ? p.values[at] : undefined;
  };
}

/**
 * CPU, memory and root-disk percentages of every host, from whichever names its series carry (see
 * src/contract/derive.ts): what the overview judges against the host's thresholds. CPU time counters
 * (node_exporter) cost one more read per such host, for the reading before the newest.
 */
export async function hostPercents(
  services: ApiServices,
  org: string,
  newest: Newest,
  redisAway: boolean,
): Promise<Map<string, Percents>> {
  const judged = new Map<string, JudgedSources>();
  const wanted = new Map<string, readonly string[]>();
  for (const [host, series] of newest) {
    const j = judgedSources(hostFigures(series.keys()));
    judged.set(host, j);
    if (j.counters.length > 0) wanted.set(host, j.counters);
  }
  const counters = await countersOf(services, org, wanted, redisAway);
  const out = new Map<string, Percents>();
  for (const [host, j] of judged) {
    const series = newest.get(host);
    const points = counters.get(host);
    const now = (key: string) => readerOf(points, 0)(key) ?? series?.get(key)?.value;
    out.set(host, percentsOf(j, now, readerOf(points, 1)));
  }
  return out;
}
