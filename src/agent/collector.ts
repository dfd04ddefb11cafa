import type { HostMetricName } from '../contract/metrics.ts';
// Runtime values come from the contract's leaf modules, not its index: the index also loads TypeBox
// (about 20 MB of RSS), and the agent must stay under 60 MB.
import { type Labels, seriesKey } from '../contract/series.ts';

/** Where a collector reads the kernel's files; tests point these at fixture directories. */
export interface CollectorContext {
  /** @defaultValue '/proc' */
  readonly proc: string;
  /** @defaultValue '/sys' */
  readonly sys: string;
  /** Monotonic clock in ms, for rates. @defaultValue `performance.now` */
  readonly clock: () => number;
}

export const defaultContext: CollectorContext = {
  proc: '/proc',
  sys: '/sys',
  clock: () => performance.now(),
};

/** Collects the samples of one snapshot: series key → value. Non-finite values are left out. */
export class MetricSink {
  readonly values: Record<string, number> = {};

  put(name: HostMetricName, value: number, labels?: Labels): void {
    if (!Number.isFinite(value)) return;
    this.values[labels === undefined ? name : seriesKey(name, labels)] = value;
  }
}

/**
 * One group of host metrics (CPU, memory, disks…). Collectors of counters keep the previous reading, so
 * their first call after start adds nothing; a collector that fails throws and the others still report.
 */
export interface Collector {
  readonly name: string;
  collect(sink: MetricSink): Promise<void>;
}

/** Percentages are stored with 2 decimals: short decimals cost the codec about one byte per sample. */
export function pct(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Bytes, byte rates and counts are whole numbers. */
export function whole(value: number): number {
  return Math.round(value);
}

/** One decimal: CPU percentages (noisy below that) and temperatures. */
export function oneDecimal(value: number): number {
  return Math.round(value * 10) / 10;
}
