/** What the peer benchmark needs of each system it compares. */
import type { Row } from '../capture/columns.ts';

export const SYSTEMS = ['vitals', 'victoria', 'influx', 'prometheus'] as const;
export type SystemName = (typeof SYSTEMS)[number];

export const SYSTEM_TITLES: Readonly<Record<SystemName, string>> = {
  vitals: 'Vitals',
  victoria: 'VictoriaMetrics 1.79',
  influx: 'InfluxDB 1.6',
  prometheus: 'Prometheus 2.42',
};

/** One HTTP request of a query figure and how to count the points of its answer. */
export interface QuerySpec {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  points(body: string): number;
}

/** A captured series as each system names it. */
export interface QueriedSeries {
  /** Prometheus metric name, e.g. `node_memory_MemAvailable_bytes` (no labels). */
  readonly metric: string;
  readonly host: string;
}

export interface Queryable {
  /** Every raw sample of the series in [from, to] (ms). */
  raw(series: QueriedSeries, from: number, to: number): QuerySpec;
  /** The series averaged per minute over [from, to]. */
  perMinute(series: QueriedSeries, from: number, to: number): QuerySpec;
  /** The series' newest value at `at` (ms; the data's last sample is at or just before it). */
  newest(series: QueriedSeries, at: number): QuerySpec;
  /** The processes whose CPU a query costs (for Vitals, the server and its redis-server). */
  readonly pids: readonly number[];
}

/** Where a storage figure's samples go: given each chunk as rows and as line protocol text. */
export interface SampleStore {
  readonly name: SystemName;
  write(rows: readonly Row[], lines: string): Promise<void>;
  /** Brings what was written to rest as the system keeps it long-term (flushed, merged, sealed). */
  settle(): Promise<void>;
  /** Bytes the written data takes (disk for the peers, Redis memory for Vitals), after `settle`. */
  storedBytes(): Promise<number>;
  close(): Promise<void>;
}

/** A system that takes Influx line protocol over HTTP; as a store, it is sent the text. */
export interface LineProtocolSystem extends Queryable, SampleStore {
  /** The HTTP API's base URL. */
  readonly url: string;
  readonly writeUrl: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The processes whose CPU time is the system's. */
  readonly pids: readonly number[];
}

/** POSTs a body and throws on anything but 2xx, naming the system and the answer. */
export async function post(
  system: Pick<LineProtocolSystem, 'name' | 'writeUrl' | 'headers'>,
  body: string,
): Promise<void> {
  const res = await fetch(system.writeUrl, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', ...system.headers },
    body,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${system.name} refused a write: ${res.status} ${text.slice(0, 500)}`);
}
