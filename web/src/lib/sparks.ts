import { api } from '../api/client.ts';
import type { ColumnsResponse, SampleValue } from '../api/types.ts';
import { num } from './format.ts';

/** One host's last hour: minute buckets (oldest first) and per field (`cpu`, `memory`) their averages. */
export interface Spark {
  readonly times: readonly number[];
  readonly values: Readonly<Record<string, ReadonlyArray<number | null>>>;
}

export type Sparks = ReadonlyMap<string, Spark>;

const STEP = 60_000;
export const SPARK_FIELDS = ['cpu', 'memory'] as const;

async function loadOne(host: string, now: number, signal: AbortSignal): Promise<Spark> {
  const res = await api<ColumnsResponse>(`/api/v1/hosts/${encodeURIComponent(host)}/metrics/aggregate`, {
    query: {
      startTime: now - 3_600_000,
      endTime: now,
      step: STEP,
      fn: 'avg',
      metrics: SPARK_FIELDS.join(','),
      shape: 'columns',
    },
    signal,
  });
  const values: Record<string, Array<number | null>> = {};
  for (const field of SPARK_FIELDS) {
    const column: ReadonlyArray<SampleValue | null> = res.columns.values[field] ?? [];
    values[field] = res.columns.timestamps.map((_, i) => num(column[i]) ?? null);
  }
  return { times: res.columns.timestamps, values };
}

/** The last hour of CPU and RAM for up to `limit` hosts, four requests at a time; a failure leaves a gap. */
export async function loadSparks(
  hosts: readonly string[],
  signal: AbortSignal,
  limit = 200,
): Promise<Sparks> {
  const now = Date.now();
  const out = new Map<string, Spark>();
  const queue = hosts.slice(0, limit);
  const worker = async () => {
    for (let host = queue.shift(); host !== undefined; host = queue.shift()) {
      const spark = await loadOne(host, now, signal).catch(() => undefined);
      if (spark) out.set(host, spark);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return out;
}

/** Folds live values (field → [t, v]) into a host's minute buckets, keeping the last 60. */
export function foldSpark(
  sparks: Sparks,
  host: string,
  points: ReadonlyMap<string, [number, SampleValue]>,
): Sparks {
  const old = sparks.get(host) ?? { times: [], values: {} };
  const times = [...old.times];
  const values: Record<string, Array<number | null>> = {};
  for (const field of SPARK_FIELDS) values[field] = [...(old.values[field] ?? times.map(() => null))];
  for (const [field, [t, raw]] of points) {
    const column = values[field];
    const v = num(raw);
    if (!column || v === undefined) continue;
    const bucket = Math.floor(t / STEP) * STEP;
    const last = times.length - 1;
    if (last < 0 || (times[last] ?? 0) < bucket) {
      times.push(bucket);
      for (const c of Object.values(values)) c.push(null);
    } else if (times[last] !== bucket) continue;
    const at = times.length - 1;
    const prev = column[at];
    column[at] = prev === null || prev === undefined ? v : (prev + v) / 2;
  }
  const drop = Math.max(0, times.length - 60);
  for (const field of Object.keys(values)) values[field] = (values[field] ?? []).slice(drop);
  return new Map(sparks).set(host, { times: times.slice(drop), values });
}
