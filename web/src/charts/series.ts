import { SNAPSHOT_FIELDS } from '../../../src/contract/metrics.ts';

const FIELD_OF_KEY = new Map(Object.entries(SNAPSHOT_FIELDS).map(([field, key]) => [key, field]));

/** The field a series comes back under in rows and columns: its snapshot name or its key. */
export function fieldOf(key: string): string {
  return FIELD_OF_KEY.get(key) ?? key;
}

export type Column = Array<number | null>;

/** Bucketed series of one host over one window: average, minimum and maximum per bucket. */
export interface HostSeries {
  readonly step: number;
  readonly timestamps: number[];
  readonly avg: Map<string, Column>;
  readonly min: Map<string, Column>;
  readonly max: Map<string, Column>;
  /** Samples folded into each live-updated bucket (index → count). */
  readonly liveCounts: Map<number, number>;
}
