import { fromNumber, type SampleValue, SNAPSHOT_FIELDS } from '../contract/index.ts';
import { type Points, unionTimestamps } from '../tsdb/index.ts';

const FIELD_OF_KEY = new Map(Object.entries(SNAPSHOT_FIELDS).map(([field, key]) => [key, field]));

/** The row field of a series: its short snapshot name (`cpu`, `memory`…) or else its series key. */
export function fieldOf(seriesKey: string): string {
  return FIELD_OF_KEY.get(seriesKey) ?? seriesKey;
}

/** The series key a `metrics=` entry names: a snapshot field (`cpu`) or a series key itself. */
export function keyOfField(field: string): string {
  return SNAPSHOT_FIELDS[field] ?? field;
}

export type Row = Record<string, number | SampleValue> & { timestamp: number };

/**
 * Snapshot rows `{timestamp, cpu, memory, …}`: one row per timestamp any series has, oldest first,
 * with a field for each series that has a value then.
 */
export function toRows(series: ReadonlyMap<string, Points>): Row[] {
  const timestamps = unionOf(series);
  const rows = Array.from(timestamps, (timestamp) => ({ timestamp }) as Row);
  for (const [key, points] of series) {
    const field = fieldOf(key);
    forEachAt(timestamps, points, (row, value) => {
      (rows[row] as Row)[field] = fromNumber(value);
    });
  }
  return rows;
}

export interface Columns {
  readonly timestamps: number[];
  /** Per field, values aligned with `timestamps`; null where the series has no value. */
  readonly values: Record<string, Array<SampleValue | null>>;
}

/** The same data as columns: one shared timestamp array and one value array per field. */
export function toColumns(series: ReadonlyMap<string, Points>): Columns {
  const all = unionOf(series);
  const values: Record<string, Array<SampleValue | null>> = {};
  for (const [key, points] of series) {
    const column = new Array<SampleValue | null>(all.length).fill(null);
    forEachAt(all, points, (row, value) => {
      column[row] = fromNumber(value);
    });
    values[fieldOf(key)] = column;
  }
  return { timestamps: Array.from(all), values };
}

/** Every timestamp of any series, sorted and unique; one series is its own union. */
function unionOf(series: ReadonlyMap<string, Points>): Float64Array {
  if (series.size === 1) {
    for (const points of series.values()) return points.timestamps;
  }
  return unionTimestamps(series.values());
}

/** Calls `fn(row, value)` for each point, `row` being the index of its timestamp in `union`. */
function forEachAt(union: Float64Array, points: Points, fn: (row: number, value: number) => void): void {
  let row = 0;
  for (let i = 0; i < points.timestamps.length; i++) {
    const t = points.timestamps[i] as number;
    while (row < union.length && union[row] !== t) row++;
    if (row === union.length) throw new Error('points out of timestamp order');
    fn(row, points.values[i] as number);
  }
}
