import { endedForGood, type RedisClient } from '../redis/index.ts';
import type { EventInput, EventRecorder } from './contract.ts';
import { DEFAULT_EVENT_ORG } from './instrument-org.ts';

/** A connection-state change of one of Vitals' own Redis connections. */
type RedisState = 'connect' | 'ready' | 'error' | 'close' | 'reconnecting' | 'end';

export interface RedisWatchOptions {
  /** The connection's role or name (`request`, `live-subscriber`, …): `meta.role`. */
  readonly role: string;
  /** @defaultValue `performance.now` (durations only) */
  readonly clock?: () => number;
}

/** Repeated errors of one outage are recorded once per this many ms (an outage must not flood the ring). */
const ERROR_EVERY_MS = 10_000;

/**
 * Records the connection events of one of Vitals' own Redis connections as `redis` events of the
 * `default` org (system events): `connect`, `ready` (with the time since the attempt began as
 * `latencyMs`), `error`, `close` (a lost connection) and `reconnecting` (each at most once per 10 s) and
 * `end` (an error when nobody closed the connection, which then connects again). Listeners are
 * attached from outside; the client is not changed otherwise. Returns the remover.
 */
export function watchRedisEvents(
  client: RedisClient,
  recorder: EventRecorder,
  options: RedisWatchOptions,
): () => void {
  const clock = options.clock ?? (() => performance.now());
  let attemptStart = clock();
  const last: Partial<Record<RedisState, number>> = {};
  // One of each trouble kind per 10 s: during an outage every reconnect attempt errs, closes, retries.
  const due = (state: RedisState) => {
    const now = clock();
    if (now - (last[state] ?? Number.NEGATIVE_INFINITY) < ERROR_EVERY_MS) return false;
    last[state] = now;
    return true;
  };
  const record = (state: RedisState, status: 'ok' | 'error', extra: Partial<EventInput> = {}) =>
    recorder.record({
      type: 'redis',
      org: DEFAULT_EVENT_ORG,
      status,
      meta: { event: state, role: options.role },
      ...extra,
    });
  const handlers: Record<RedisState, (arg?: unknown) => void> = {
    connect: () => record('connect', 'ok', { latencyMs: round(clock() - attemptStart) }),
    ready: () => record('ready', 'ok', { latencyMs: round(clock() - attemptStart) }),
    error: (err) => {
      if (due('error')) record('error', 'error', { message: messageOf(err) });
    },
    close: () => {
      // ioredis is already at `end` when the close was asked for (quit, disconnect): `end` tells that.
      if (client.status !== 'end' && due('close')) record('close', 'error', { message: 'connection lost' });
    },
    reconnecting: (delay) => {
      attemptStart = clock() + (typeof delay === 'number' ? delay : 0);
      if (due('reconnecting'))
        record('reconnecting', 'error', { message: `reconnecting in ${String(delay ?? 0)} ms` });
    },
    // An end nobody asked for is trouble, though the connection comes back (reviveUnlessClosed).
    end: () =>
      endedForGood(client)
        ? record('end', 'ok', { message: 'connection ended' })
        : record('end', 'error', { message: 'connection ended unasked; connecting again' }),
  };
  for (const [name, handler] of Object.entries(handlers)) client.on(name, handler);
  // Attached after the connection came up (start-up order): that it is up is still worth an event.
  if (client.status === 'ready') record('ready', 'ok', { message: 'ready before being watched' });
  return () => {
    for (const [name, handler] of Object.entries(handlers)) client.off(name, handler);
  };
}

function round(ms: number): number {
  return Math.max(0, Math.round(ms * 100) / 100);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
