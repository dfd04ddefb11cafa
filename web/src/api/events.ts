import { EVENT_TYPES, type EventStatus } from '../../../src/events/contract.ts';
import { validTime } from '../lib/format.ts';
import { api } from './client.ts';

/**
 * The connection-event API as the Connections page reads it (src/api/routes/events.ts; shapes from
 * src/events/contract.ts, shared with the server). Every time the page shows goes through `eventTime`,
 * so an `at` given in seconds, as an ISO string or not at all never becomes "Invalid Date".
 */
export type { EventBucket, EventStats, EventStatus, EventType } from '../../../src/events/contract.ts';

/** Below this an epoch number is taken as seconds (1e11 s is the year 5138; 1e11 ms is 1973). */
const SECONDS_BELOW = 1e11;

/** Epoch ms from a wire time: ms or seconds as a number or numeric string, or an ISO string. */
export function eventTime(value: unknown): number | undefined {
  let n: number | undefined;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && value.trim() !== '') {
    n = /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Date.parse(value);
  }
  if (n === undefined || !Number.isFinite(n) || n <= 0) return undefined;
  return validTime(n < SECONDS_BELOW ? n * 1000 : n);
}

/** A recorded event as the list answers it; times are normalised by `eventTime` before use. */
export interface EventWire {
  readonly id: string;
  readonly type: string;
  readonly status: EventStatus;
  readonly at: unknown;
  /** The same instant as an ISO string (null when `at` is no time). */
  readonly time?: unknown;
  readonly latencyMs?: number;
  readonly message?: string;
  readonly meta?: Readonly<Record<string, string | number | boolean>>;
}

/** An event with its time in ms (undefined when neither `at` nor `time` was a time). */
export interface ShownEvent extends EventWire {
  readonly atMs: number | undefined;
}

export interface EventPage {
  readonly events: ShownEvent[];
  readonly nextCursor?: string;
  readonly partial?: boolean;
}

export interface StatsWire {
  readonly type: string;
  readonly count: number;
  readonly errors: number;
  readonly errorRatePct: number;
  readonly lastAt?: unknown;
  readonly lastTime?: unknown;
  readonly lastError?: { readonly at: unknown; readonly time?: unknown; readonly message?: string };
  readonly latency: { readonly p50: number | null; readonly p95: number | null; readonly p99: number | null };
}

export interface SeriesWire {
  readonly type: string;
  readonly bucketMs: number;
  readonly buckets: ReadonlyArray<{
    readonly start: unknown;
    readonly time?: unknown;
    readonly events: number;
    readonly errors: number;
    readonly latencyP50: number | null;
    readonly latencyP95: number | null;
  }>;
}

export interface EventWindow {
  readonly from: number;
  readonly to: number;
}

/** The API's bucket limit per series request. */
const MAX_BUCKETS = 1440;
const BUCKETS = [60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000];

/**
 * One-minute buckets where the range allows (events per minute as is), wider ones for long ranges;
 * one bucket to spare, for a range that does not start on a bucket boundary.
 */
export function bucketFor(spanMs: number): number {
  return (
    BUCKETS.find((b) => Math.ceil(spanMs / b) + 1 <= MAX_BUCKETS) ?? (BUCKETS[BUCKETS.length - 1] as number)
  );
}

/** The first of `values` that is a time (the API sends ms and the same instant as an ISO string). */
export function firstTime(...values: unknown[]): number | undefined {
  for (const v of values) {
    const t = eventTime(v);
    if (t !== undefined) return t;
  }
  return undefined;
}

export async function loadStats(signal: AbortSignal): Promise<{ stats: StatsWire[] }> {
  return api<{ stats: StatsWire[] }>('/api/v1/events/stats', { signal });
}

export async function loadSeries(
  type: string,
  window: EventWindow,
  bucketMs: number,
  signal: AbortSignal,
): Promise<SeriesWire> {
  return api<SeriesWire>('/api/v1/events/series', {
    signal,
    query: { type, from: Math.floor(window.from), to: Math.ceil(window.to), bucket: bucketMs },
  });
}

export interface EventQuery {
  readonly status?: EventStatus;
  readonly type?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

/** A page of events, newest first, each with its normalised time. */
export async function loadEvents(
  query: EventQuery,
  window: EventWindow,
  signal?: AbortSignal,
): Promise<EventPage> {
  const page = await api<{ events: EventWire[]; nextCursor?: string; partial?: boolean }>('/api/v1/events', {
    signal,
    query: { ...query, from: Math.floor(window.from), to: Math.ceil(window.to) },
  });
  const events = page.events
    .map((e) => ({ ...e, atMs: firstTime(e.at, e.time) }))
    .sort((a, b) => (b.atMs ?? 0) - (a.atMs ?? 0));
  return { events, nextCursor: page.nextCursor ?? undefined, partial: page.partial };
}

/** Built-in types first, in the contract's order, then custom ones by name. */
function typeRank(type: string): number {
  const i = (EVENT_TYPES as readonly string[]).indexOf(type);
  return i < 0 ? EVENT_TYPES.length : i;
}

/**
 * The types to show, in an order that does not move while figures change; a type without events in
 * the kept window is left out.
 */
export function shownTypes(stats: readonly StatsWire[]): StatsWire[] {
  return stats
    .filter((s) => s.count > 0)
    .sort((a, b) => typeRank(a.type) - typeRank(b.type) || a.type.localeCompare(b.type));
}
