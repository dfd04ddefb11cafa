import { type Labels, seriesKey } from '../contract/index.ts';
import type { WriteBatch } from '../tsdb/index.ts';

/** Pull collector kinds (a `push` host sends its own data). */
export type PullKind = 'ssh' | 'prometheus' | 'redis';

/** Connection types as the connection-event monitor names them. */
export type ConnectionType = 'ssh' | 'http' | 'redis';

/** State a collector keeps per host between collections (counter readings for rates), in Redis. */
export interface HostState {
  get<T>(): Promise<T | undefined>;
  set(value: unknown): Promise<void>;
}

/** One collection of one host. */
export interface CollectContext {
  readonly org: string;
  readonly hostId: string;
  readonly settings: Readonly<Record<string, unknown>>;
  /** Aborts when the attempt times out or the worker shuts down: drop connections at once. */
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /** Wall clock (ms) for timestamps. */
  readonly now: () => number;
  readonly state: HostState;
  /** Oldest and newest timestamps storage accepts now; samples outside are dropped. */
  readonly bounds: { readonly minTimestamp: number; readonly maxTimestamp: number };
}

/**
 * A pull collector: one file per kind, sibling implementations of this interface. It throws
 * `CollectError` (with `retryable`) for failures, and returns the samples of one collection.
 */
export interface Collector {
  readonly kind: PullKind;
  readonly connection: ConnectionType;
  collect(ctx: CollectContext): Promise<SampleSet>;
}

/** The samples of one collection as the columns the writer takes; series keys are made once. */
export class SampleSet {
  private readonly index = new Map<string, number>();
  readonly keys: string[] = [];
  readonly series: number[] = [];
  readonly timestamps: number[] = [];
  readonly values: number[] = [];
  /** Samples left out: timestamp outside the range storage accepts. */
  dropped = 0;
  /** Lines or samples that could not be read or named (bad syntax, a name storage refuses). */
  invalid = 0;

  constructor(readonly defaultTimestamp: number) {}

  get size(): number {
    return this.values.length;
  }

  /** Adds a sample by metric name and labels (NaN and ±Inf are stored as they are). */
  put(name: string, value: number, labels?: Labels, timestamp = this.defaultTimestamp): void {
    this.putKey(labels === undefined ? name : seriesKey(name, labels), value, timestamp);
  }

  putKey(key: string, value: number, timestamp = this.defaultTimestamp): void {
    let id = this.index.get(key);
    if (id === undefined) {
      id = this.keys.length;
      this.keys.push(key);
      this.index.set(key, id);
    }
    this.series.push(id);
    this.timestamps.push(timestamp);
    this.values.push(value);
  }

  batch(org: string, host: string): WriteBatch {
    return {
      org,
      host,
      seriesKeys: this.keys,
      series: this.series,
      timestamps: this.timestamps,
      values: this.values,
    };
  }

  /** The newest value of every series: what is cached as the host's latest values. */
  latest(): Record<string, { timestamp: number; value: number }> {
    const out: Record<string, { timestamp: number; value: number }> = {};
    for (let i = 0; i < this.values.length; i++) {
      const key = this.keys[this.series[i] ?? -1];
      const timestamp = this.timestamps[i] ?? 0;
      const prev = key === undefined ? undefined : out[key];
      if (key !== undefined && (!prev || prev.timestamp <= timestamp))
        out[key] = { timestamp, value: this.values[i] ?? 0 };
    }
    return out;
  }
}
