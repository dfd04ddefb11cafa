import { api } from '../api/client.ts';
import type { ColumnsResponse, SampleValue } from '../api/types.ts';
import { num } from '../lib/format.ts';
import { type Column, fieldOf, type HostSeries } from './series.ts';

function columnOf(
  res: ColumnsResponse,
  key: string,
  at: ReadonlyMap<number, number>,
  length: number,
): Column {
  const out: Column = new Array<number | null>(length).fill(null);
  const values: ReadonlyArray<SampleValue | null> = res.columns.values[fieldOf(key)] ?? [];
  res.columns.timestamps.forEach((t, i) => {
    const idx = at.get(t);
    if (idx !== undefined) out[idx] = num(values[i]) ?? null;
  });
  return out;
}

/**
 * Reads avg, min and max over [from, to] in buckets of `step` ms (three aggregate calls in parallel;
 * the server picks the rollup tier from the step, and 1m/1h rollups keep min and max).
 */
export async function loadHostSeries(
  host: string,
  keys: readonly string[],
  from: number,
  to: number,
  step: number,
  signal: AbortSignal,
): Promise<HostSeries> {
  const call = (fn: 'avg' | 'min' | 'max') =>
    api<ColumnsResponse>(`/api/v1/hosts/${encodeURIComponent(host)}/metrics/aggregate`, {
      query: {
        startTime: Math.floor(from),
        endTime: Math.floor(to),
        step,
        fn,
        shape: 'columns',
        metrics: keys.join(','),
      },
      signal,
    });
  const [avg, min, max] = await Promise.all([call('avg'), call('min'), call('max')]);
  const all = new Set([...avg.columns.timestamps, ...min.columns.timestamps, ...max.columns.timestamps]);
  const timestamps = [...all].sort((a, b) => a - b);
  const at = new Map(timestamps.map((t, i) => [t, i]));
  const pick = (res: ColumnsResponse) =>
    new Map(keys.map((k) => [k, columnOf(res, k, at, timestamps.length)]));
  return {
    step: avg.step ?? step,
    timestamps,
    avg: pick(avg),
    min: pick(min),
    max: pick(max),
    liveCounts: new Map(),
  };
}
