import { type Source, sourceKeys } from '../../../src/contract/derive.ts';
import { percentOf, type Reader } from '../../../src/contract/derive-values.ts';
import type { Column, HostSeries } from './series.ts';

/** A chart line computed from other series (its `key` names the computed columns). */
export interface DerivedLine {
  readonly key: string;
  readonly source: Source;
}

type Columns = ReadonlyMap<string, Column>;

function at(columns: Columns, i: number): Reader {
  return (key) => columns.get(key)?.[i] ?? undefined;
}

/** Per bucket: avg, and a band from the parts' min and max (a whole, like a disk's size, read as avg). */
function gaugeColumns(source: Source, series: HostSeries): [Column, Column, Column] {
  const whole = source.kind === 'ratio' ? source.whole : undefined;
  const mixed =
    (band: Columns, i: number): Reader =>
    (key) =>
      key === whole ? at(series.avg, i)(key) : at(band, i)(key);
  const avg: Column = [];
  const min: Column = [];
  const max: Column = [];
  for (let i = 0; i < series.timestamps.length; i++) {
    const a = percentOf(source, at(series.avg, i));
    const lo = percentOf(source, mixed(series.min, i));
    const hi = percentOf(source, mixed(series.max, i));
    avg.push(a ?? null);
    const ends = [lo, hi].filter((v) => v !== undefined);
    min.push(ends.length === 2 ? Math.min(...ends) : (a ?? null));
    max.push(ends.length === 2 ? Math.max(...ends) : (a ?? null));
  }
  return [avg, min, max];
}

/**
 * Counters per bucket: their last value is the bucket's max (they only grow), so the share between the
 * maxima of a bucket and of the one before with data is exact for that interval. No band: the spread
 * within a bucket is not in the rollups.
 */
function counterColumns(source: Source, series: HostSeries): [Column, Column, Column] {
  const out: Column = [];
  const keys = sourceKeys(source);
  let before: Reader | undefined;
  for (let i = 0; i < series.timestamps.length; i++) {
    const now = at(series.max, i);
    const v = percentOf(source, now, before);
    out.push(v ?? null);
    if (keys.every((k) => now(k) !== undefined)) before = now;
  }
  return [out, [...out], [...out]];
}

/** `series` with the columns of `lines` computed from the series they are derived from. */
export function withDerived(series: HostSeries, lines: readonly DerivedLine[]): HostSeries {
  if (lines.length === 0) return series;
  const avg = new Map(series.avg);
  const min = new Map(series.min);
  const max = new Map(series.max);
  for (const line of lines) {
    const [a, lo, hi] =
      line.source.kind === 'counters'
        ? counterColumns(line.source, series)
        : gaugeColumns(line.source, series);
    avg.set(line.key, a);
    min.set(line.key, lo);
    max.set(line.key, hi);
  }
  return { ...series, avg, min, max };
}
