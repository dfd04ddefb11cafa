import type { RedisConfig } from '../config/index.ts';
import type { RedisClient } from './connection.ts';
import { tlsHint } from './tls.ts';

/** What a connection last reported, for checks that need more than "the command failed". */
export interface ConnectionWatch {
  /** The last error the connection emitted since it was last ready (cleared on 'ready'). */
  readonly lastError: () => Error | undefined;
  /** When the last error is a failed TLS handshake: which setting to fix (see `tlsHint`). */
  readonly tlsHint: () => string | undefined;
}

const watches = new WeakMap<RedisClient, ConnectionWatch>();

/**
 * Remembers the last connection error of a client (idempotent: one watch per client). A request-role
 * command sent while the client is not connected fails with "Stream isn't writeable …", whatever kept
 * it from connecting; the emitted error says why (refused, WRONGPASS, NOAUTH …). On Cluster, node
 * connection errors count too.
 */
export function watchConnection(
  client: RedisClient,
  /** The connection's settings (given by `createRedis`, whose watch is the first), for TLS hints. */
  config?: Pick<RedisConfig, 'tls' | 'tlsPem'>,
): ConnectionWatch {
  const existing = watches.get(client);
  if (existing) return existing;
  let last: Error | undefined;
  let lastWhileConnecting = true;
  const remember = (err: unknown) => {
    last = err instanceof Error ? err : new Error(String(err));
    lastWhileConnecting = client.status !== 'ready';
  };
  client.on('error', remember);
  client.on('node error', remember);
  client.on('ready', () => {
    last = undefined;
  });
  const watch: ConnectionWatch = {
    lastError: () => last,
    tlsHint: () => tlsHint(last, config, lastWhileConnecting),
  };
  watches.set(client, watch);
  return watch;
}

/**
 * Emitted on a client when its owner closes it (`quit`, `disconnect`): a client that had already
 * ended (one that would have connected again) emits no second 'end', and whoever waits for it to be
 * ready must hear of the close all the same.
 */
export const CLOSED_BY_OWNER = 'vitals:closed-by-owner';

/** Clients that connect again after ending unless their owner closed them: whether it did. */
const revived = new WeakMap<RedisClient, () => boolean>();

/** Marks a client that connects again when it ends, unless `closed()` (its owner closed it). */
export function connectsAgainAfterEnd(client: RedisClient, closed: () => boolean): void {
  revived.set(client, closed);
}

/** Whether the client ended and stays so: its owner closed it, or nothing connects it again. */
export function endedForGood(client: RedisClient): boolean {
  if (client.status !== 'end') return false;
  const closed = revived.get(client);
  return closed === undefined || closed();
}

/**
 * Resolves once the client is ready (at once if it is). Rejects when the client ends for good or
 * `signal` aborts; an end it comes back from (`connectsAgainAfterEnd`) is waited through, until its
 * owner closes it (`CLOSED_BY_OWNER`). It never sends a command, so it waits through any outage
 * without a timeout.
 */
export function whenReady(client: RedisClient, signal?: AbortSignal): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  if (endedForGood(client)) return Promise.reject(new Error('Connection is closed.'));
  return new Promise<void>((resolve, reject) => {
    const done = (err?: unknown) => {
      client.off('ready', onReady);
      client.off('end', onEnd);
      client.off(CLOSED_BY_OWNER, onEnd);
      signal?.removeEventListener('abort', onAbort);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onReady = () => done();
    const onEnd = () => {
      if (endedForGood(client)) done(new Error('Connection is closed.'));
    };
    const onAbort = () => done(signal?.reason ?? new Error('aborted'));
    if (signal?.aborted) {
      onAbort();
      return;
    }
    client.on('ready', onReady);
    client.on('end', onEnd);
    client.on(CLOSED_BY_OWNER, onEnd);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
