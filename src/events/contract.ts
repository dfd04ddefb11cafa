/**
 * Connection events: one record per connection attempt, use or change of a connection Vitals makes or
 * takes (its Redis, collection targets, notification deliveries, agents pushing, live dashboard
 * clients). Recorded in memory at once and persisted to Redis in batches behind the caller's back.
 */

/** The built-in types; external events (`POST /api/v1/events`) bring their own, `custom.<name>`. */
export const EVENT_TYPES = [
  'redis',
  'ssh',
  'http-target',
  'redis-target',
  'webhook',
  'smtp',
  'agent-push',
  'live-client',
] as const;

export type BuiltInEventType = (typeof EVENT_TYPES)[number];

/** A built-in type or `custom.<name>` (`[a-z0-9_-]{1,64}` after the dot). */
export type EventType = BuiltInEventType | `custom.${string}`;

export type EventStatus = 'ok' | 'error';

/** What a caller hands `record()`: `at` defaults to now (ms); `meta` is small (a few short fields). */
export interface EventInput {
  readonly type: EventType;
  readonly status: EventStatus;
  readonly at?: number;
  readonly latencyMs?: number;
  /** Redacted before it is kept (src/contract/redact.ts). */
  readonly message?: string;
  readonly meta?: Readonly<Record<string, string | number | boolean>>;
  /** The org the event belongs to; system events (Vitals' own Redis…) belong to `default`. */
  readonly org?: string;
}

/** A recorded event. `id` is unique and orders events of one type by time (`<at>-<seq>`). */
export interface ConnectionEvent {
  readonly id: string;
  readonly org: string;
  readonly type: EventType;
  readonly status: EventStatus;
  readonly at: number;
  readonly latencyMs?: number;
  readonly message?: string;
  readonly meta?: Readonly<Record<string, string | number | boolean>>;
}

/**
 * What every part of Vitals records through. `record` never throws, never waits and never touches
 * Redis on the caller's path: it appends to the in-memory ring and to the bounded write queue.
 */
export interface EventRecorder {
  record(event: EventInput): void;
}

/** Per type: counts, errors and latency percentiles over the kept events (24 h by default). */
export interface EventStats {
  readonly type: EventType;
  readonly count: number;
  readonly errors: number;
  readonly errorRatePct: number;
  readonly lastAt?: number;
  readonly lastError?: { readonly at: number; readonly message?: string };
  readonly latency: { readonly p50: number | null; readonly p95: number | null; readonly p99: number | null };
}

/** One bucket of a type's time series (for charts and for the series stored for alerts). */
export interface EventBucket {
  readonly start: number;
  readonly events: number;
  readonly errors: number;
  readonly latencyP50: number | null;
  readonly latencyP95: number | null;
}
