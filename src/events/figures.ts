import type { EventBucket, EventStats, EventType } from './contract.ts';
import type { StoredEvent } from './record.ts';

/** The q-quantile (nearest rank) of sorted values, or null when there are none. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? null;
}

function latencies(events: readonly StoredEvent[]): number[] {
  const out: number[] = [];
  for (const e of events) if (e.latencyMs !== undefined) out.push(e.latencyMs);
  return out.sort((a, b) => a - b);
}

export function errorRatePct(events: number, errors: number): number {
  return events === 0 ? 0 : Math.round((errors / events) * 10_000) / 100;
}

/** Stats of one type over the given events alone (memory, or a range read from Redis). */
export function statsOf(type: EventType, events: readonly StoredEvent[]): EventStats {
  let errors = 0;
  let lastAt: number | undefined;
  let lastError: StoredEvent | undefined;
  for (const e of events) {
    if (lastAt === undefined || e.at > lastAt) lastAt = e.at;
    if (!e.isError) continue;
    errors++;
    if (!lastError || e.at >= lastError.at) lastError = e;
  }
  return {
    type,
    count: events.length,
    errors,
    errorRatePct: errorRatePct(events.length, errors),
    ...(lastAt !== undefined && { lastAt }),
    ...(lastError && {
      lastError: { at: lastError.at, ...(lastError.message !== undefined && { message: lastError.message }) },
    }),
    latency: latencyOf(events),
  };
}

export function latencyOf(events: readonly StoredEvent[]): EventStats['latency'] {
  const sorted = latencies(events);
  return { p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), p99: quantile(sorted, 0.99) };
}

/**
 * Events per bucket of `bucketMs` from `from` (aligned down to a multiple of `bucketMs`) to `to`;
 * every bucket is present, empty ones with zero counts and null latencies.
 */
export function bucketsOf(
  events: readonly StoredEvent[],
  from: number,
  to: number,
  bucketMs: number,
): EventBucket[] {
  const first = Math.floor(from / bucketMs) * bucketMs;
  const n = Math.max(0, Math.floor((to - first) / bucketMs) + 1);
  const groups: StoredEvent[][] = Array.from({ length: n }, () => []);
  for (const e of events) {
    if (e.at < from || e.at > to) continue;
    groups[Math.floor((e.at - first) / bucketMs)]?.push(e);
  }
  return groups.map((g, i) => {
    const sorted = latencies(g);
    return {
      start: first + i * bucketMs,
      events: g.length,
      errors: g.reduce((sum, e) => sum + (e.isError ? 1 : 0), 0),
      latencyP50: quantile(sorted, 0.5),
      latencyP95: quantile(sorted, 0.95),
    };
  });
}

/** How many buckets `bucketsOf` makes for a range. */
export function bucketCount(from: number, to: number, bucketMs: number): number {
  return Math.floor((to - Math.floor(from / bucketMs) * bucketMs) / bucketMs) + 1;
}
