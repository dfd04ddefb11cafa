import { parseFloatToken } from '../../src/contract/index.ts';
import type { Capture } from './format.ts';

/** A capture as numbers: one dense column per series, with presence beside it. */
export interface CaptureColumns {
  readonly series: readonly string[];
  readonly timestamps: Float64Array;
  /** `present[s][j]` is 1 when series s was exposed by scrape j. */
  readonly present: readonly Uint8Array[];
  /** `values[s][j]`; 0 where the series was absent. */
  readonly values: readonly Float64Array[];
}

/** One scrape (or one synthetic step) as numbers: the series it holds and their values. */
export interface Row {
  readonly timestamp: number;
  readonly series: readonly number[];
  readonly values: readonly number[];
}

export function captureColumns(capture: Capture): CaptureColumns {
  const n = capture.scrapes.length;
  const present = capture.series.map(() => new Uint8Array(n));
  const values = capture.series.map(() => new Float64Array(n));
  capture.scrapes.forEach((scrape, j) => {
    scrape.series.forEach((id, k) => {
      const token = scrape.values[k] ?? '';
      const value = parseFloatToken(token);
      if (value === undefined)
        throw new Error(`scrape ${j}: "${token}" of ${capture.series[id]} is no number`);
      (present[id] as Uint8Array)[j] = 1;
      (values[id] as Float64Array)[j] = value;
    });
  });
  return {
    series: capture.series,
    timestamps: Float64Array.from(capture.scrapes, (s) => s.timestamp),
    present,
    values,
  };
}

/** The scrapes of a capture as rows, in the exposition's order; `shiftMs` is added to every timestamp. */
export function* captureRows(capture: Capture, shiftMs = 0): Generator<Row> {
  for (const scrape of capture.scrapes) {
    yield {
      timestamp: scrape.timestamp + shiftMs,
      series: scrape.series,
      values: scrape.values.map((t) => parseFloatToken(t) ?? Number.NaN),
    };
  }
}

/** Median gap between consecutive scrapes (ms). */
export function medianInterval(timestamps: Float64Array): number {
  const gaps = Array.from(timestamps.subarray(1), (t, i) => t - (timestamps[i] ?? 0)).sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)] ?? Number.NaN;
}

/** Fewest decimals (0–12) that write every value of a column exactly; undefined when none do. */
export function decimalsOf(values: Float64Array, present: Uint8Array): number | undefined {
  let decimals = 0;
  for (let j = 0; j < values.length; j++) {
    if (present[j] !== 1) continue;
    const v = values[j] ?? 0;
    if (!Number.isFinite(v)) continue;
    while (decimals <= 12 && Math.round(v * 10 ** decimals) / 10 ** decimals !== v) decimals++;
    if (decimals > 12) return undefined;
  }
  return decimals;
}

/** True for a column that never decreases and grows at least once (counters, clocks, uptimes). */
export function isMonotonic(values: Float64Array, present: Uint8Array): boolean {
  let first: number | undefined;
  let last = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < values.length; j++) {
    if (present[j] !== 1) continue;
    const v = values[j] ?? 0;
    if (v < last || Number.isNaN(v)) return false;
    first ??= v;
    last = v;
  }
  return first !== undefined && last > first;
}
