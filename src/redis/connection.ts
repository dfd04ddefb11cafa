import type { Writable } from 'node:stream';
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { Logger, RedisConfig } from '../config/index.ts';
import { reportWrites } from './local-writes.ts';
import type { CommandTimings } from './timing.ts';
import { GuardedSentinelConnector, GuardedStandaloneConnector, tlsHint, tlsOptions } from './tls.ts';
import { CLOSED_BY_OWNER, connectsAgainAfterEnd, watchConnection } from './watch.ts';

/**
 * Connection roles. `request`: HTTP handlers and the sample writer; they must fail fast while Redis is
 * away (no offline queue) so the caller can answer 503 or spool. `worker`: BullMQ workers and queues,
 * which block and must wait through reconnects (BullMQ requires `maxRetriesPerRequest: null`).
 * `subscriber`: pub/sub, which waits through reconnects too.
 */
export type Role = 'request' | 'worker' | 'subscriber';

export type RedisClient = Redis | Cluster;

export interface ConnectionDeps {
  readonly config: RedisConfig;
  readonly logger: Logger;
  readonly timings?: CommandTimings;
  /** Told of every connection made with these deps (the connection-event monitor listens to it). */
  readonly watch?: (client: RedisClient, name: string) => void;
}

/** Jittered exponential reconnect delay, capped at 2 s so a returning Redis is found quickly. */
export function reconnectDelay(attempt: number): number {
  const base = Math.min(2000, 50 * 2 ** Math.min(attempt, 6));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

function roleOptions(config: RedisConfig, role: Role): RedisOptions {
  const failFast = role === 'request';
  return {
    connectTimeout: config.connectTimeoutMs,
    // Request paths fail fast; BullMQ requires null (wait forever) for its blocking connections.
    maxRetriesPerRequest: failFast ? config.maxRetriesPerRequest : null,
    // No unbounded offline queue on request paths: a command sent while disconnected fails at once.
    enableOfflineQueue: !failFast,
    // A frozen Redis (socket open, no replies) is noticed after this long instead of hanging forever.
    // Not for blocking roles: a BullMQ BZPOPMIN legitimately waits longer than any sensible timeout.
    socketTimeout: failFast ? config.socketTimeoutMs : undefined,
    // The socket timeout alone does not end a request: ioredis re-sends the commands in flight after
    // the reconnect, so they waited out the whole freeze. A deadline per command (pipelined ones too,
    // and on every Cluster node, which take these options) rejects them instead; the caller spools or
    // answers 503. A command past its deadline may still run later (writes are idempotent in effect).
    commandTimeout: failFast ? config.socketTimeoutMs : undefined,
    keepAlive: 10_000,
    retryStrategy: reconnectDelay,
    // ioredis' default reconnect on READONLY keeps writes working after a replica promotion.
    reconnectOnError: (err) => err.message.startsWith('READONLY'),
    username: config.username,
    password: config.password,
    // REDIS_TLS_CA / _CERT / _KEY, read at start-up; Cluster nodes get them through `redisOptions`.
    tls: tlsOptions(config),
    lazyConnect: false,
  };
}

/** Creates the connection for one role against standalone, Sentinel or Cluster Redis, as configured. */
export function createRedis(
  deps: ConnectionDeps,
  role: Role,
  name: string = role,
  /** Options one caller needs beyond its role's (e.g. `autoResubscribe: false`). */
  overrides: Pick<RedisOptions, 'autoResubscribe'> = {},
): RedisClient {
  const { config } = deps;
  const options = { ...roleOptions(config, role), ...overrides };
  let client: RedisClient;
  // Over TLS, sockets get a lasting error listener (see GuardedStandaloneConnector): a failed handshake
  // must not end the process.
  if (config.mode === 'cluster') {
    const Connector = config.tls ? GuardedStandaloneConnector : undefined;
    client = new Cluster([...config.clusterNodes], clusterOptions({ ...options, Connector }));
  } else if (config.mode === 'sentinel') {
    client = new Redis({
      ...options,
      Connector: config.tls ? GuardedSentinelConnector : undefined,
      sentinels: [...config.sentinels],
      name: config.sentinelName,
      sentinelPassword: config.sentinelPassword,
      // Without this flag ioredis ignores `tls` for the master it resolves and connects in plain TCP.
      enableTLSForSentinelMode: config.tls,
      sentinelTLS: tlsOptions(config),
      db: config.db,
      // Sentinel's own failover notifications let the client move to a new master within seconds.
      failoverDetector: true,
      sentinelRetryStrategy: reconnectDelay,
      connectionName: `vitals:${name}`,
    });
    // ioredis links its own Sentinel connector to the client (failover events); a custom one is not.
    const connector = (client as unknown as { connector: { emitter?: unknown } }).connector;
    if (config.tls) connector.emitter = client;
  } else {
    client = new Redis({
      ...options,
      Connector: config.tls ? GuardedStandaloneConnector : undefined,
      host: config.host,
      port: config.port,
      db: config.db,
      connectionName: `vitals:${name}`,
    });
  }
  const errorLogger = deps.logger.child({ component: 'redis', role: name });
  attachErrorListener(client, errorLogger, config);
  reviveUnlessClosed(client, closedByOwner(client), errorLogger);
  // From the first moment, so a health check created later still knows why the client is not ready.
  watchConnection(client, config);
  if (deps.timings) timeCommands(client, deps.timings);
  reportWrites(client);
  coalesceWrites(client);
  // Duplicates (BullMQ's queue connections) report their writes and log their errors too: a library
  // that detaches its own listener on close left a copy still connecting with none ("Unhandled error
  // event" on stderr). A copy closed while it connects still fails its ready check ("Stream isn't
  // writeable"): not worth a line once its owner closed it.
  withCopies(client, (copy) => {
    const closed = closedByOwner(copy);
    attachErrorListener(copy, errorLogger, config, closed);
    reviveUnlessClosed(copy, closed, errorLogger);
    reportWrites(copy);
    coalesceWrites(copy);
  });
  deps.watch?.(client, name);
  return client;
}

function clusterOptions(redisOptions: RedisOptions): ClusterOptions {
  return {
    redisOptions,
    enableOfflineQueue: redisOptions.enableOfflineQueue,
    // Periodic slot refresh notices a failover even when the old master froze without closing sockets.
    slotsRefreshInterval: 2000,
    // retryDelayOnFailover × maxRedirections must exceed cluster-node-timeout (default 15 s) so a
    // command survives a failover: 300 ms × 64 = 19.2 s.
    retryDelayOnFailover: 300,
    maxRedirections: 64,
    // Auto-pipelining mishandles slot moves on Cluster; pipelines are grouped by hash slot instead.
    enableAutoPipelining: false,
    clusterRetryStrategy: reconnectDelay,
  };
}

/**
 * Whether `quit` or `disconnect` was called on the client (from the call on). `disconnect(true)` asks
 * for a reconnect (ioredis calls it itself on READONLY): that is not a close.
 */
function closedByOwner(client: RedisClient): () => boolean {
  let closed = false;
  for (const method of ['quit', 'disconnect'] as const) {
    const original = client[method].bind(client) as (...args: unknown[]) => unknown;
    Object.defineProperty(client, method, {
      value: (...args: unknown[]) => {
        const closing = method === 'quit' || args[0] !== true;
        if (closing) closed = true;
        try {
          return original(...args);
        } finally {
          if (closing) client.emit(CLOSED_BY_OWNER);
        }
      },
      writable: true,
      configurable: true,
    });
  }
  return () => closed;
}

/**
 * Connects a client again when it ended without its owner closing it. ioredis ends a client for good
 * when its connector is closed while it connects: with Sentinel, a failover detector left from the
 * connection before closes it on +switch-master while the client asks a sentinel for the new master
 * (a race of the failover itself; github.com/redis/ioredis/issues/1683 reports the symptom). Every
 * command then failed with "Connection is closed." until the process restarted. Cluster clients
 * reconnect their nodes themselves and are left alone.
 */
function reviveUnlessClosed(client: RedisClient, closed: () => boolean, logger: Logger): void {
  if (!(client instanceof Redis)) return;
  connectsAgainAfterEnd(client, closed);
  let attempt = 0;
  client.on('ready', () => {
    attempt = 0;
  });
  client.on('end', () => {
    if (closed()) return;
    const delay = reconnectDelay(++attempt);
    if (attempt === 1) logger.warn({ delayMs: delay }, 'redis connection ended unasked; connecting again');
    setTimeout(() => {
      if (!closed() && client.status === 'end') client.connect().catch(() => undefined);
    }, delay).unref();
  });
}

/** Runs `each` on every duplicate of the client, and on theirs. */
function withCopies(client: RedisClient, each: (copy: RedisClient) => void): void {
  const duplicate = client.duplicate.bind(client) as (...args: unknown[]) => RedisClient;
  Object.defineProperty(client, 'duplicate', {
    value: (...args: unknown[]) => {
      const copy = duplicate(...args);
      each(copy);
      withCopies(copy, each);
      return copy;
    },
    writable: true,
    configurable: true,
  });
}

/**
 * Logs connection errors at most once per 10 s per connection, so an outage does not flood the log. A
 * failed TLS handshake says which setting to fix.
 */
function attachErrorListener(
  client: RedisClient,
  logger: Logger,
  config: RedisConfig,
  /** True while errors are not worth logging. */
  quiet: () => boolean = () => false,
): void {
  let last = 0;
  const log = (err: unknown, hint: string | undefined) => {
    if (quiet()) return;
    const now = Date.now();
    if (now - last < 10_000) return;
    last = now;
    const message = err instanceof Error ? err.message : String(err);
    if (hint) logger.warn({ err: message, hint }, `redis TLS handshake failed: ${hint}`);
    else logger.warn({ err: message }, 'redis connection error');
  };
  client.on('error', (err: unknown) => log(err, tlsHint(err, config, client.status !== 'ready')));
  // Cluster reports a node's failed handshake only here; its own 'error' just says no node answered.
  client.on('node error', (err: unknown) => {
    const hint = tlsHint(err, config);
    if (hint) log(err, hint);
  });
}

interface TimedCommand {
  name: string;
  promise: Promise<unknown>;
}

/**
 * Wraps sendCommand so every command, pipelined or not, lands in the latency histograms. Fixed
 * parameters (no rest array) and one settle callback pair: the wrapper adds no other allocation.
 */
function timeCommands(client: RedisClient, timings: CommandTimings): void {
  const original = client.sendCommand.bind(client) as (c: unknown, s: unknown, n: unknown) => unknown;
  const wrapped = (command: TimedCommand, stream?: unknown, node?: unknown): unknown => {
    const start = performance.now();
    const result = original(command, stream, node);
    command.promise.then(
      () => timings.record(command.name, (performance.now() - start) * 1000, false),
      () => timings.record(command.name, (performance.now() - start) * 1000, true),
    );
    return result;
  };
  Object.defineProperty(client, 'sendCommand', { value: wrapped, writable: true, configurable: true });
}

/**
 * Commands sent within one turn of the event loop leave in one socket write. ioredis writes each
 * command (and each pipeline) to the socket as it is sent, a system call each; here the first command
 * of a turn corks the socket and the turn's check phase (`setImmediate`) uncorks it, so the turn's
 * commands go out in one `writev`. The bytes and their order are unchanged; a command waits at most
 * for the rest of the turn it was sent in. Under ingest load this took the server's socket writes
 * from ~12,300 to ~8,300 (strace, one 4.1 M-sample load; docs/BENCHMARKS.md). Cluster clients write
 * through their nodes' connections, which are not wrapped here.
 */
function coalesceWrites(client: RedisClient): void {
  if (!(client instanceof Redis)) return;
  const original = client.sendCommand.bind(client) as (c: unknown, s: unknown, n: unknown) => unknown;
  let corked: Writable | undefined;
  const uncork = (): void => {
    const socket = corked;
    corked = undefined;
    socket?.uncork();
  };
  const wrapped = (command: unknown, stream?: unknown, node?: unknown): unknown => {
    const socket = (client as unknown as { stream?: Writable }).stream;
    if (corked === undefined && socket?.writable) {
      socket.cork();
      corked = socket;
      setImmediate(uncork);
    }
    return original(command, stream, node);
  };
  Object.defineProperty(client, 'sendCommand', { value: wrapped, writable: true, configurable: true });
}

/** Closes a connection, waiting for a clean QUIT when possible and forcing it otherwise. */
export async function closeRedis(client: RedisClient, timeoutMs = 2000): Promise<void> {
  // An ended client may be about to connect again (reviveUnlessClosed): disconnect marks it closed.
  // (Cluster clients are not revived, and disconnecting an ended one would emit its events again.)
  if (client.status === 'end') {
    if (client instanceof Redis) client.disconnect();
    return;
  }
  const quit = client.quit().catch(() => undefined);
  const timer = new Promise((resolve) => setTimeout(resolve, timeoutMs).unref());
  await Promise.race([quit, timer]);
  // status changed while awaiting; read it afresh.
  if ((client.status as string) !== 'end') client.disconnect();
}
