/** Settings of the event store (`VITALS_EVENTS_*`, see docs/events.md). */
export interface EventLogOptions {
  /** Events kept in memory per org and type. @defaultValue 10000 */
  readonly memorySize: number;
  /** Events waiting for Redis at most; past it new ones are dropped (counted). @defaultValue 1000 */
  readonly queueSize: number;
  /** Events per flush; a queue this long flushes at once. @defaultValue 100 */
  readonly batchSize: number;
  /** The longest an event waits before its flush (ms). @defaultValue 5000 */
  readonly flushIntervalMs: number;
  /** How long events are kept, in memory and in Redis (ms). @defaultValue 86400000 (24 h) */
  readonly retentionMs: number;
  /** Persist to Redis; off = memory only (lost at restart). @defaultValue true */
  readonly persistence: boolean;
}

export const DEFAULT_EVENT_OPTIONS: EventLogOptions = {
  memorySize: 10_000,
  queueSize: 1000,
  batchSize: 100,
  flushIntervalMs: 5000,
  retentionMs: 24 * 3_600_000,
  persistence: true,
};

/** Custom types one org may have (built-ins do not count); events of further types are refused. */
export const MAX_CUSTOM_TYPES_PER_ORG = 64;

/** Events one page holds at most. */
export const MAX_PAGE = 1000;

/** Buckets one series answer holds at most. */
export const MAX_BUCKETS = 10_000;

/** The org of system events (Vitals' own Redis…), as tenancy names it. */
export const SYSTEM_ORG = 'default';
