import { Redis, type RedisOptions } from 'ioredis';
import { Type } from 'typebox';
import { type CollectContext, type Collector, SampleSet } from './collector.ts';
import { CollectError, messageOf } from './errors.ts';
import { infoSamples } from './redis-info-parse.ts';
import { settingsReader } from './settings.ts';

export const RedisSettings = Type.Object(
  {
    url: Type.Optional(
      Type.String({
        pattern: '^rediss?://',
        maxLength: 2048,
        description: 'redis://[user:pass@]host:port[/db]',
      }),
    ),
    host: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_535, default: 6379 })),
    username: Type.Optional(Type.String({ minLength: 1 })),
    password: Type.Optional(Type.String({ minLength: 1 })),
    tls: Type.Optional(Type.Boolean({ default: false })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 600_000 })),
  },
  { additionalProperties: false },
);
const readSettings = settingsReader('redis', RedisSettings);

/** One short-lived connection: no retries, no reconnects, no offline queue; the job retries instead. */
function options(settings: ReturnType<typeof readSettings>, timeoutMs: number): RedisOptions {
  return {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    // Commands wait for the connection (and its AUTH) instead of failing before it is up.
    enableOfflineQueue: true,
    connectionName: 'vitals:collector',
    ...(settings.host !== undefined && { host: settings.host }),
    ...(settings.port !== undefined && { port: settings.port }),
    ...(settings.username !== undefined && { username: settings.username }),
    ...(settings.password !== undefined && { password: settings.password }),
    ...(settings.tls && { tls: {} }),
  };
}

function classify(err: unknown, timeoutMs: number): CollectError {
  const message = messageOf(err);
  if (/WRONGPASS|NOAUTH|NOPERM|without any password|invalid password|invalid username/i.test(message)) {
    return new CollectError('auth', `redis: ${message.split('\n')[0]} (authentication refused)`);
  }
  if (/timed? ?out/i.test(message))
    return new CollectError('timeout', `redis: no answer within ${timeoutMs} ms`);
  return new CollectError('unreachable', `redis: ${message}`, { cause: err });
}

export interface RedisTargetOptions {
  /** Connect and command deadline. */
  readonly timeoutMs: number;
  /** Drops the connection at once when it aborts (an attempt's deadline, a shutdown). */
  readonly signal?: AbortSignal;
}

/**
 * Runs `use` on a short-lived connection to a monitored Redis (a host of kind `redis`) made from its
 * collector settings, then drops the connection. Bad settings, refused credentials, timeouts and
 * unreachable servers fail as `CollectError`s with redacted messages; a `CollectError` thrown by `use`
 * passes through as it is.
 */
export async function withRedisTarget<T>(
  rawSettings: unknown,
  target: RedisTargetOptions,
  use: (client: Redis) => Promise<T>,
): Promise<T> {
  const settings = readSettings(rawSettings);
  if (settings.url === undefined && settings.host === undefined) {
    throw new CollectError('settings', 'redis collector: collector.settings needs url or host');
  }
  const { timeoutMs, signal } = target;
  const opts = options(settings, timeoutMs);
  const client = settings.url === undefined ? new Redis(opts) : new Redis(settings.url, opts);
  // An AUTH failure arrives as an error event; the command then fails with a vaguer "connection closed".
  let connectionError: unknown;
  client.on('error', (err: unknown) => {
    connectionError ??= err;
  });
  const onAbort = () => client.disconnect();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await client.connect();
    return await use(client);
  } catch (err: unknown) {
    if (err instanceof CollectError) throw err;
    if (signal?.aborted) throw new CollectError('timeout', `redis: no answer within ${timeoutMs} ms`);
    throw classify(connectionError ?? err, timeoutMs);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    client.disconnect();
  }
}

/**
 * Redis INFO of a monitored Redis server (hosts of kind `redis`), stored as `redis.*` series. `INFO
 * everything`: the default sections leave out commandstats and latencystats.
 */
export class RedisInfoCollector implements Collector {
  readonly kind = 'redis';
  readonly connection = 'redis';

  collect(ctx: CollectContext): Promise<SampleSet> {
    return withRedisTarget(ctx.settings, ctx, async (client) => {
      const text = await client.info('everything');
      const set = new SampleSet(ctx.now());
      if (infoSamples(text, set) === 0)
        throw new CollectError('protocol', 'redis: INFO answered no known section');
      return set;
    });
  }
}
