import { fromNumber, type SampleValue, SNAPSHOT_FIELDS } from '../contract/index.ts';
import type { Points } from '../tsdb/index.ts';

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
  const rows = new Map<number, Row>();
  for (const [key, points] of series) {
    const field = fieldOf(key);
    for (let i = 0; i < points.timestamps.length; i++) {
      const t = points.timestamps[i] as number;
      let row = rows.get(t);
      if (!row) {
        row = { timestamp: t } as Row;
        rows.set(t, row);
      }
      row[field] = fromNumber(points.values[i] as number);
    }
  }
  return [...rows.values()].sort((a, b) => a.timestamp - b.timestamp);
}

export interface Columns {
  readonly timestamps: number[];
  /** Per field, values aligned with `timestamps`; null where the series has no value. */
  readonly values: Record<string, Array<SampleValue | null>>;
}

/** The same data as columns: one shared timestamp array and one value array per field. */
export function toColumns(series: ReadonlyMap<string, Points>): Columns {
  const all = new Set<number>();
  for (const p of series.values()) for (const t of p.timestamps) all.add(t);
  const timestamps = [...all].sort((a, b) => a - b);
  const at = new Map(timestamps.map((t, i) => [t, i]));
  const values: Record<string, Array<SampleValue | null>> = {};
  for (const [key, points] of series) {
    const column = new Array<SampleValue | null>(timestamps.length).fill(null);
    for (let i = 0; i < points.timestamps.length; i++) {
      column[at.get(points.timestamps[i] as number) ?? 0] = fromNumber(points.values[i] as number);
    }
    values[fieldOf(key)] = column;
  }
  return { timestamps, values };
}
