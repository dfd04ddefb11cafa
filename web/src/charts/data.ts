import { api } from '../api/client.ts';
import type { ColumnsResponse, SampleValue } from '../api/types.ts';
import { num } from '../lib/format.ts';
import { type Column, fieldOf, type HostSeries } from './series.ts';

function columnOf(
  res: ColumnsResponse,
  key: string,
  at: ReadonlyMap<number, number>,
  length: number,
): Column {
  const out: Column = new Array<number | null>(length).fill(null);
  const values: ReadonlyArray<SampleValue | null> = res.columns.values[fieldOf(key)] ?? [];
  res.columns.timestamps.forEach((t, i) => {
    const idx = at.get(t);
    if (idx !== undefined) out[idx] = num(values[i]) ?? null;
  });
  return out;
}

/**
 * Keys split so that each aggregate call's URL stays a few KB long: a host's CPU counters alone can be
 * hundreds of keys, and servers and proxies refuse request lines past 8–16 KB.
 */
export function keyChunks(keys: readonly string[], maxChars = 4000): string[][] {
  const out: string[][] = [];
  let chunk: string[] = [];
  let size = 0;
  for (const key of keys) {
    const length = encodeURIComponent(key).length + 3;
    if (chunk.length > 0 && size + length > maxChars) {
      out.push(chunk);
      chunk = [];
      size = 0;
    }
    chunk.push(key);
    size += length;
  }
  if (chunk.length > 0) out.push(chunk);
  return out;
}

const FNS = ['avg', 'min', 'max'] as const;

/**
 * Reads avg, min and max over [from, to] in buckets of `step` ms (three aggregate calls in parallel per
 * chunk of keys; the server picks the rollup tier from the step, and 1m/1h rollups keep min and max).
 */
export async function loadHostSeries(
  host: string,
  keys: readonly string[],
  from: number,
  to: number,
  step: number,
  signal: AbortSignal,
): Promise<HostSeries> {
  const call = (fn: (typeof FNS)[number], chunk: readonly string[]) =>
    api<ColumnsResponse>(`/api/v1/hosts/${encodeURIComponent(host)}/metrics/aggregate`, {
      query: {
        startTime: Math.floor(from),
        endTime: Math.floor(to),
        step,
        fn,
        shape: 'columns',
        metrics: chunk.join(','),
      },
      signal,
    });
  const chunks = keyChunks(keys);
  const answers = await Promise.all(chunks.map((chunk) => Promise.all(FNS.map((fn) => call(fn, chunk)))));
  const all = new Set(answers.flatMap((byFn) => byFn.flatMap((res) => res.columns.timestamps)));
  const timestamps = [...all].sort((a, b) => a - b);
  const at = new Map(timestamps.map((t, i) => [t, i]));
  const pick = (f: number) =>
    new Map(
      chunks.flatMap((chunk, c) => {
        const res = answers[c]?.[f];
        return res ? chunk.map((k) => [k, columnOf(res, k, at, timestamps.length)] as const) : [];
      }),
    );
  return {
    step: answers[0]?.[0]?.step ?? step,
    timestamps,
    avg: pick(0),
    min: pick(1),
    max: pick(2),
    liveCounts: new Map(),
  };
}
