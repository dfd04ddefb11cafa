import type uPlot from 'uplot';
import type { SampleValue } from '../api/types.ts';
import { num } from '../lib/format.ts';
import type { Column, HostSeries } from './series.ts';
import type { ChartSpec } from './specs.ts';

/**
 * Folds live samples into the newest bucket (or a new one), keeping min, max and a running average,
 * and drops buckets older than `from`. Returns a new object so components see the change.
 */
export function foldLive(
  series: HostSeries,
  samples: Record<string, [number, SampleValue]>,
  from: number,
): HostSeries {
  const { step } = series;
  const timestamps = [...series.timestamps];
  const copy = (m: Map<string, Column>) => new Map([...m].map(([k, c]) => [k, [...c]]));
  const avg = copy(series.avg);
  const min = copy(series.min);
  const max = copy(series.max);
  const liveCounts = new Map(series.liveCounts);
  for (const [key, [t, raw]] of Object.entries(samples)) {
    const v = num(raw);
    const a = avg.get(key);
    if (v === undefined || !a) continue;
    const bucket = Math.floor(t / step) * step;
    let idx = timestamps.lastIndexOf(bucket);
    if (idx < 0) {
      if (timestamps.length > 0 && bucket < (timestamps[timestamps.length - 1] ?? 0)) continue;
      timestamps.push(bucket);
      for (const m of [avg, min, max]) for (const column of m.values()) column.push(null);
      idx = timestamps.length - 1;
    }
    const n = liveCounts.get(idx) ?? (a[idx] === null ? 0 : 1);
    const prev = a[idx] ?? v;
    a[idx] = n === 0 ? v : (prev * n + v) / (n + 1);
    liveCounts.set(idx, n + 1);
    const lo = min.get(key);
    const hi = max.get(key);
    if (lo) lo[idx] = Math.min(lo[idx] ?? v, v);
    if (hi) hi[idx] = Math.max(hi[idx] ?? v, v);
  }
  const drop = timestamps.findIndex((t) => t + step > from);
  if (drop <= 0) return { step, timestamps, avg, min, max, liveCounts };
  const trim = (m: Map<string, Column>) => new Map([...m].map(([k, c]) => [k, c.slice(drop)]));
  const shifted = new Map<number, number>();
  for (const [i, n] of liveCounts) if (i >= drop) shifted.set(i - drop, n);
  return {
    step,
    timestamps: timestamps.slice(drop),
    avg: trim(avg),
    min: trim(min),
    max: trim(max),
    liveCounts: shifted,
  };
}

/** uPlot's data for one chart: x, then per line its average, minimum and maximum. */
export function alignedFor(spec: ChartSpec, series: HostSeries): uPlot.AlignedData {
  const empty = (): Column => new Array<number | null>(series.timestamps.length).fill(null);
  const columns: Column[] = [];
  for (const line of spec.lines) {
    columns.push(
      series.avg.get(line.key) ?? empty(),
      series.min.get(line.key) ?? empty(),
      series.max.get(line.key) ?? empty(),
    );
  }
  return [series.timestamps, ...columns];
}
