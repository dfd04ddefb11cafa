import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { TOKEN_FORMAT_HINT } from '../tenancy/token-format.ts';
import { duration } from './duration.ts';
import { parseSecretKey } from './secret-key.ts';

/**
 * One environment variable: its schema (with default), a description for the docs, and the concern it
 * belongs to. The README's configuration table is generated from this list (`npm run docs:config`), and a
 * test keeps the two in step.
 */
export interface VarSpec {
  readonly schema: z.ZodType;
  readonly description: string;
  readonly group: 'redis' | 'server' | 'storage' | 'api' | 'collect' | 'agent';
}

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number({ error: 'expected an integer' }).int('expected an integer').min(min).max(max);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { message: 'expected true or false' })
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));
const hostPortList = z
  .string()
  .trim()
  .min(1)
  .transform((s) => s.split(',').map((x) => x.trim()))
  .pipe(z.array(z.string().regex(/^[^:\s]+:\d{1,5}$/, 'expected host:port[,host:port…]')).min(1));

/** Whole number of server processes, or `auto`: one per CPU the process may use. */
const workerCount = z
  .string()
  .trim()
  .transform((text, ctx) => {
    if (text === 'auto') return availableParallelism();
    const n = Number(text);
    if (/^\d+$/.test(text) && n >= 1 && n <= 256) return n;
    ctx.addIssue({ code: 'custom', message: 'expected a whole number from 1 to 256, or auto' });
    return z.NEVER;
  });

/** A file named by its path, read at start-up: its text (PEM), or an issue saying why it cannot be read. */
const pemFile = z
  .string()
  .min(1)
  .transform((path, ctx) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (err: unknown) {
      const code = (err as NodeJS.ErrnoException).code;
      ctx.addIssue({ code: 'custom', message: `cannot read the file (${code ?? String(err)})` });
      return z.NEVER;
    }
  });

/** One or more 32-byte keys, comma-separated; never echoed in a problem. */
const secretKeyList = z
  .string()
  .trim()
  .min(1)
  .transform((s) => s.split(',').map((x) => x.trim()))
  .refine((keys) => keys.every((k) => parseSecretKey(k) !== undefined), {
    message: 'expected 32-byte keys as base64 or 64 hex digits, comma-separated',
  });

export const redisVars = {
  REDIS_URL: {
    schema: z
      .url({ protocol: /^rediss?$/, message: 'expected redis://[user:pass@]host:port[/db]' })
      .optional(),
    description:
      'Redis to use (`redis://` or `rediss://`). When no Redis setting is given, `redis://127.0.0.1:6379` is used, and a managed redis-server is started there if nothing answers.',
    group: 'redis',
  },
  REDIS_HOST: {
    schema: z.string().min(1).optional(),
    description: 'Redis host (instead of REDIS_URL).',
    group: 'redis',
  },
  REDIS_PORT: {
    schema: int(1, 65535).optional(),
    description: 'Redis port (instead of REDIS_URL).',
    group: 'redis',
  },
  REDIS_USERNAME: {
    schema: z.string().min(1).optional(),
    description: 'Redis ACL user name.',
    group: 'redis',
  },
  REDIS_PASSWORD: { schema: z.string().min(1).optional(), description: 'Redis password.', group: 'redis' },
  REDIS_DB: {
    schema: int(0, 15).optional(),
    description: 'Redis logical database (standalone and Sentinel only).',
    group: 'redis',
  },
  REDIS_TLS: {
    schema: bool.default(false),
    description:
      'Connect to Redis over TLS (also on with a `rediss://` URL or any REDIS_TLS_* file). Applies to every connection: Sentinels and Cluster nodes included.',
    group: 'redis',
  },
  REDIS_TLS_CA: {
    schema: pemFile.optional(),
    description:
      "PEM file of the CA (or CAs) that signed Redis' certificate; trusted instead of the system CAs. Read at start-up.",
    group: 'redis',
  },
  REDIS_TLS_CERT: {
    schema: pemFile.optional(),
    description: 'PEM client certificate for a Redis with `tls-auth-clients yes`; needs REDIS_TLS_KEY.',
    group: 'redis',
  },
  REDIS_TLS_KEY: {
    schema: pemFile.optional(),
    description: 'PEM private key (unencrypted) of REDIS_TLS_CERT.',
    group: 'redis',
  },
  REDIS_SENTINELS: {
    schema: hostPortList.optional(),
    description: 'Sentinel addresses `host:port,host:port`; turns on Sentinel mode.',
    group: 'redis',
  },
  REDIS_SENTINEL_NAME: {
    schema: z.string().min(1).default('mymaster'),
    description: 'Master name watched by the sentinels.',
    group: 'redis',
  },
  REDIS_SENTINEL_PASSWORD: {
    schema: z.string().min(1).optional(),
    description: 'Password of the sentinels themselves.',
    group: 'redis',
  },
  REDIS_CLUSTER_NODES: {
    schema: hostPortList.optional(),
    description: 'Redis Cluster seed nodes `host:port,host:port`; turns on Cluster mode.',
    group: 'redis',
  },
  REDIS_CONNECT_TIMEOUT: {
    schema: int(100).default(5000),
    description: 'Milliseconds to wait for a Redis connection.',
    group: 'redis',
  },
  REDIS_MAX_RETRIES_PER_REQUEST: {
    schema: int(0, 100).default(3),
    description: 'Reconnection attempts a request-path command waits through before it fails.',
    group: 'redis',
  },
  REDIS_SOCKET_TIMEOUT: {
    schema: int(500).default(2000),
    description:
      'Milliseconds without a reply before a request-path connection is declared dead (detects a frozen Redis).',
    group: 'redis',
  },
  VITALS_KEY_PREFIX: {
    schema: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[^{}\s]+$/, 'no braces or spaces')
      .default('vitals:'),
    description: 'Prefix of every Redis key Vitals writes.',
    group: 'redis',
  },
  VITALS_REDIS_MANAGED: {
    schema: z.enum(['auto', 'off']).default('auto'),
    description:
      '`auto`: with no Redis configured and none answering on 127.0.0.1:6379, start and supervise a redis-server (AOF on, `noeviction`) in the data directory. `off`: never.',
    group: 'redis',
  },
  ...redisHealthVars(),
} as const satisfies Record<string, VarSpec>;

/** Thresholds of the Redis health checks (docs/operations.md, "Health checks"). */
function redisHealthVars() {
  const spec = <S extends z.ZodType>(schema: S, description: string) => ({
    schema,
    description,
    group: 'redis' as const,
  });
  const pct = (def: number) => z.coerce.number({ error: 'expected a number' }).min(0).max(100).default(def);
  return {
    VITALS_REDIS_HEALTH_TIMEOUT: spec(
      duration(100).default(1000),
      "Bound of each live read of Vitals' own Redis by the health checks (PING, probe key, INFO); past it the check fails (`warn` in `/health`).",
    ),
    VITALS_REDIS_MEMORY_WARN_PCT: spec(
      pct(80),
      'Redis health: used_memory of maxmemory (%) from which memory warns…',
    ),
    VITALS_REDIS_MEMORY_FAIL_PCT: spec(pct(90), '…and from which it fails.'),
    VITALS_REDIS_FRAGMENTATION_WARN: spec(
      z.coerce.number({ error: 'expected a number' }).min(1).default(1.5),
      'Redis health, without maxmemory: mem_fragmentation_ratio above which memory warns (judged once RSS exceeds the data by 10 MiB)…',
    ),
    VITALS_REDIS_FRAGMENTATION_FAIL: spec(
      z.coerce.number({ error: 'expected a number' }).min(1).default(2),
      '…and above which it fails.',
    ),
    VITALS_REDIS_CONNECTIONS_WARN_PCT: spec(
      pct(80),
      'Redis health: connected_clients of maxclients (%) from which connections warns…',
    ),
    VITALS_REDIS_CONNECTIONS_FAIL_PCT: spec(pct(95), '…and from which it fails.'),
    VITALS_REDIS_LATENCY_WARN_MS: spec(
      z.coerce.number({ error: 'expected a number' }).min(0).default(100),
      'Redis health: p95 command latency (ms) from which performance warns…',
    ),
    VITALS_REDIS_LATENCY_FAIL_MS: spec(
      z.coerce.number({ error: 'expected a number' }).min(0).default(1000),
      '…and from which it fails.',
    ),
    VITALS_REDIS_HIT_RATE_WARN_PCT: spec(
      pct(80),
      'Redis health: keyspace hit rate (%) below which performance warns…',
    ),
    VITALS_REDIS_HIT_RATE_FAIL_PCT: spec(pct(70), '…and below which it fails (judged from 100 lookups on).'),
    VITALS_REDIS_ERROR_RATE_WARN_PCT: spec(
      pct(5),
      'Redis health: share of failed data commands (reads, writes) (%) from which performance warns.',
    ),
    VITALS_REDIS_SAVE_AGE_WARN: spec(
      duration(1000).default(7_200_000),
      'Redis health: while RDB is on and changes wait, a last save older than this warns.',
    ),
    VITALS_REDIS_PERF_WINDOW: spec(
      duration(1000).default(60_000),
      "Redis health: window of the client-side latency and error rate of Vitals' own Redis.",
    ),
  };
}

export const serverVars = {
  PORT: { schema: int(0, 65535).default(3000), description: 'HTTP port.', group: 'server' },
  HOST: {
    schema: z.string().min(1).default('0.0.0.0'),
    description: 'HTTP listen address.',
    group: 'server',
  },
  LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    description: 'Log level (pino).',
    group: 'server',
  },
  VITALS_DATA_DIR: {
    schema: z.string().min(1).default('./data'),
    description: 'Directory for the spool, the managed Redis files and the generated secret key.',
    group: 'server',
  },
  VITALS_SECRET_KEY: {
    schema: secretKeyList.optional(),
    description:
      'Key sealing collector secrets in Redis (AES-256-GCM): 32 bytes as base64 or 64 hex digits (`openssl rand -base64 32`). A comma-separated list rotates: the first seals, each opens. Unset: generated once into `<VITALS_DATA_DIR>/secret.key` (mode 0600). Every server process sharing a Redis needs the same key; see docs/operations.md.',
    group: 'server',
  },
  VITALS_SHUTDOWN_TIMEOUT_MS: {
    schema: int(100).default(30000),
    description: 'Hard deadline for a graceful shutdown; past it the process exits anyway.',
    group: 'server',
  },
  VITALS_WORKERS: {
    schema: workerCount.default(1),
    description:
      '`vitals server` processes sharing the HTTP port (node:cluster), each a full server on the same Redis; `auto`: one per CPU. Above 1, a primary process supervises them (docs/operations.md "Workers").',
    group: 'server',
  },
} as const satisfies Record<string, VarSpec>;

export const storageVars = {
  VITALS_ACK: {
    schema: z.enum(['durable', 'buffered']).default('durable'),
    description:
      "Default acknowledgement of writes: `durable` answers once samples are in Redis (or the fsync'd spool); `buffered` answers at once and writes behind (loss bound: see docs/storage.md).",
    group: 'storage',
  },
  VITALS_FLUSH_INTERVAL_MS: {
    schema: int(0, 60_000).default(0),
    description:
      'Group-commit interval of the writer (ms): the longest a durable write waits before its flush starts; 0 starts it at the end of the event-loop turn the write came in. Writes that arrive while a flush runs go in the next one at once, so under load flushes follow each other whatever this is.',
    group: 'storage',
  },
  VITALS_DURABLE_REPLICAS: {
    schema: int(0, 16).default(0),
    description:
      'Replicas a flush must reach (`WAIT n`) before durable writes are acknowledged; 0: the master alone (asynchronous replication may lose the last writes on failover). A flush the replicas do not confirm in time goes to the spool.',
    group: 'storage',
  },
  VITALS_DURABLE_REPLICAS_TIMEOUT_MS: {
    schema: int(1, 60_000).default(1000),
    description:
      'How long a flush waits for `VITALS_DURABLE_REPLICAS` replicas (ms); keep it below `REDIS_SOCKET_TIMEOUT`.',
    group: 'storage',
  },
  VITALS_FLUSH_BATCH_SIZE: {
    schema: int(1).default(50_000),
    description: 'A flush starts before the interval once this many samples are pending.',
    group: 'storage',
  },
  VITALS_BUFFER_MAX_SAMPLES: {
    schema: int(1).default(1_000_000),
    description:
      'Samples `ack=buffered` may hold in memory; past it buffered writers wait like durable ones.',
    group: 'storage',
  },
  VITALS_SPOOL_MAX_BYTES: {
    schema: int(1024 * 1024).default(1024 ** 3),
    description: 'Cap of the disk spool used while Redis is down; past it writes get 503 with Retry-After.',
    group: 'storage',
  },
  VITALS_RETENTION_RAW: {
    schema: duration(3_600_000).default(30 * 86_400_000),
    description: 'Retention of raw samples (e.g. `30d`).',
    group: 'storage',
  },
  VITALS_RETENTION_1M: {
    schema: duration(3_600_000).default(180 * 86_400_000),
    description: 'Retention of 1-minute rollups.',
    group: 'storage',
  },
  VITALS_RETENTION_1H: {
    schema: duration(3_600_000).default(5 * 365 * 86_400_000),
    description: 'Retention of 1-hour rollups.',
    group: 'storage',
  },
  VITALS_MAX_FUTURE_SKEW: {
    schema: duration(0).default(300_000),
    description: 'Samples timestamped further than this ahead of the server clock are rejected.',
    group: 'storage',
  },
  VITALS_SEAL_GRACE: {
    schema: duration(0).default(300_000),
    description: 'A closed 2-hour window is sealed into compressed chunks this long after it ends.',
    group: 'storage',
  },
  VITALS_MAINTENANCE_INTERVAL: {
    schema: duration(1000).default(60_000),
    description:
      'How often maintenance runs: sealing each run, head compaction at most every 10 s, retention at most every minute (one process at a time does the work).',
    group: 'storage',
  },
  VITALS_ENCODE_THREADS: {
    schema: int(0, 16).default(1),
    description:
      'Threads that decode and encode windows for sealing and head compaction, off the event loop (tens of ms per host window that requests would otherwise wait behind); 0: on the event loop, in 4-ms slices.',
    group: 'storage',
  },
  VITALS_READ_CACHE_BYTES: {
    schema: int(0).default(64 * 1024 * 1024),
    description:
      'Memory for replies of sealed-window reads kept in this process and dropped when Redis says a key of them changed (CLIENT TRACKING, standalone and Sentinel Redis); 0: every query reads Redis.',
    group: 'storage',
  },
  VITALS_DECODE_CACHE_BYTES: {
    schema: int(0).default(64 * 1024 * 1024),
    description:
      'Memory for decoded 1-minute rollup blocks kept in this process, so that a long aggregate asked again (a 30-day chart refreshed) does not decode them again; each is used only if Redis still holds the very bytes it was decoded from. About 1 MB per series and 30 days. 0: every read decodes.',
    group: 'storage',
  },
  VITALS_HOT_POINTS: {
    schema: int(1, 100_000).default(60),
    description: 'Points per series kept in memory for live reads.',
    group: 'storage',
  },
  VITALS_HOT_MAX_SERIES: {
    schema: int(0).default(200_000),
    description: 'Series the in-memory hot tier holds at most.',
    group: 'storage',
  },
  VITALS_HOT_READS: {
    schema: z.enum(['all', 'latest', 'none']).optional(),
    description:
      "Queries the in-memory hot tier may answer: `latest` (only newest values; every other query reads Redis, which holds every process' writes), `all` (recent, range and aggregate too; only for a single server process) or `none` (newest values too come from Redis: for several processes taking turns on the same hosts' pushes). Unset: `latest`, or `none` with VITALS_WORKERS above 1.",
    group: 'storage',
  },
  VITALS_HOT_RELOAD: {
    schema: duration(0).default(86_400_000),
    description: 'At start-up, series of hosts written within this span are reloaded into the hot tier.',
    group: 'storage',
  },
} as const satisfies Record<string, VarSpec>;

export const apiVars = {
  VITALS_ADMIN_TOKEN: {
    schema: z
      .string()
      .regex(/^vt_[A-Za-z0-9_-]{20,200}$/, TOKEN_FORMAT_HINT)
      .optional(),
    description:
      'Bootstrap admin token of the default org. Unset: one is generated at first start, printed once and stored hashed.',
    group: 'api',
  },
  VITALS_AUTO_REGISTER_HOSTS: {
    schema: bool.default(true),
    description: 'A push from an unknown host registers it.',
    group: 'api',
  },
  VITALS_MAX_BODY_BYTES: {
    schema: int(1024).default(10 * 1024 * 1024),
    description: 'Largest request body, after gzip decompression (bytes).',
    group: 'api',
  },
  VITALS_MAX_SAMPLES_PER_REQUEST: {
    schema: int(1).default(250_000),
    description: 'Samples one ingest request may carry.',
    group: 'api',
  },
  VITALS_MAX_SERIES_PER_HOST: {
    schema: int(1).default(10_000),
    description: 'Series one host may have.',
    group: 'api',
  },
  VITALS_MAX_SERIES_PER_ORG: {
    schema: int(1).default(1_000_000),
    description: 'Series one org may have (approximate under concurrent creation).',
    group: 'api',
  },
  VITALS_MAX_LABELS: { schema: int(0, 64).default(16), description: 'Labels per series.', group: 'api' },
  VITALS_MAX_LABEL_LENGTH: {
    schema: int(1).default(256),
    description: 'Characters in a label value.',
    group: 'api',
  },
  VITALS_RATE_LIMIT: {
    schema: int(1).default(6000),
    description: 'Requests per token per minute (429 with Retry-After past it).',
    group: 'api',
  },
  VITALS_RATE_LIMIT_PER_ORG: {
    schema: int(1).default(60_000),
    description:
      "Requests per org per minute, all its tokens together, spread evenly (one second's worth may come at once); 429 with Retry-After past it.",
    group: 'api',
  },
  VITALS_LIVE_STREAMS: {
    schema: int(1).default(1000),
    description:
      'Live streams (`/api/v1/live`) one server process serves at most (503 with Retry-After past it).',
    group: 'api',
  },
  VITALS_LIVE_STREAMS_PER_ORG: {
    schema: int(1).default(100),
    description: 'Live streams one org may hold open in one process (429 with Retry-After past it).',
    group: 'api',
  },
  VITALS_LIVE_STREAMS_PER_TOKEN: {
    schema: int(1).default(20),
    description: 'Live streams one token (or its tickets) may hold open in one process (429 past it).',
    group: 'api',
  },
  VITALS_EXPORTS: {
    schema: int(1).default(4),
    description: 'Exports one server process runs at once (503 with Retry-After past it).',
    group: 'api',
  },
  VITALS_EXPORTS_PER_ORG: {
    schema: int(1).default(2),
    description: 'Exports one org may run at once in one process (429 with Retry-After past it).',
    group: 'api',
  },
  VITALS_EXPORTS_PER_TOKEN: {
    schema: int(1).default(1),
    description: 'Exports one token may run at once in one process (429 with Retry-After past it).',
    group: 'api',
  },
  VITALS_EXPORT_RATE: {
    schema: int(16 * 1024).default(2 * 1024 * 1024),
    description:
      'Bytes per second one export streams at most, so running exports leave the process time for other requests.',
    group: 'api',
  },
  VITALS_MAX_EXPORT_SPAN: {
    schema: duration(60_000).default(31 * 86_400_000),
    description:
      'Longest `endTime − startTime` of one export; raw retention (VITALS_RETENTION_RAW) caps it too (400 past either).',
    group: 'api',
  },
  VITALS_MAX_QUERY_SPAN: {
    schema: duration(60_000).default(366 * 86_400_000),
    description:
      'Longest `endTime − startTime` of an aggregate query; the longest rollup retention caps it too (400 past either). Range queries are bounded by their `limit` instead.',
    group: 'api',
  },
  VITALS_BODY_TIMEOUT: {
    schema: duration(500).default(30_000),
    description:
      'A request (headers and body) must have arrived within this time; a slower one is answered 408 and its connection closed.',
    group: 'api',
  },
  VITALS_REQUEST_TIMEOUT: {
    schema: duration(500).default(30_000),
    description:
      'Deadline of a request from arrival to response (503 with Retry-After past it). Live streams are exempt; exports have their own.',
    group: 'api',
  },
  VITALS_EXPORT_TIMEOUT: {
    schema: duration(1000).default(1_800_000),
    description:
      'Deadline of one export, streaming included; past it the stream is cut off (with VITALS_EXPORT_RATE it bounds the size of one export).',
    group: 'api',
  },
  VITALS_IDLE_TIMEOUT: {
    schema: duration(1000).default(60_000),
    description:
      'A connection that moves no byte either way for this long is closed (a client that stopped reading); never less than VITALS_REQUEST_TIMEOUT. Keep it above the 15 s live heartbeat.',
    group: 'api',
  },
  VITALS_MAX_CONNECTIONS: {
    schema: int(1).default(10_000),
    description: 'Open HTTP connections one process accepts; further ones are closed at once.',
    group: 'api',
  },
  REDIS_IDEMPOTENCY_TTL: {
    schema: int(1).default(86_400),
    description: 'Seconds an Idempotency-Key and its response are remembered.',
    group: 'api',
  },
  REDIS_IDEMPOTENCY_PREFIX: {
    schema: z.string().min(1).default('idem:'),
    description: 'Key prefix (after VITALS_KEY_PREFIX) of idempotency records.',
    group: 'api',
  },
  REDIS_CACHE_PREFIX: {
    schema: z.string().min(1).default('cache:'),
    description: 'Key prefix (after VITALS_KEY_PREFIX) of the query and overview caches.',
    group: 'api',
  },
  VITALS_CACHE_TTL: {
    schema: duration(1000).default(60_000),
    description: 'Lifetime of cached query results and overviews.',
    group: 'api',
  },
  VITALS_CACHE_MIN_LOAD: {
    schema: duration(0).default(10),
    description:
      'Range and aggregate answers computed faster than this are not cached (recomputing them costs less than reading a stored copy back); 0 caches every closed-range answer.',
    group: 'api',
  },
} as const satisfies Record<string, VarSpec>;

export const collectVars = {
  VITALS_COLLECT_WORKERS: {
    schema: bool.default(true),
    description: 'Run collection workers in this process (schedules and queue control work either way).',
    group: 'collect',
  },
  VITALS_COLLECT_CONCURRENCY: {
    schema: int(1, 1000).default(5),
    description: 'Collections at once per process.',
    group: 'collect',
  },
  VITALS_COLLECT_ATTEMPTS: {
    schema: int(1, 20).default(3),
    description: 'Attempts per collection, the first included.',
    group: 'collect',
  },
  VITALS_COLLECT_BACKOFF: {
    schema: duration(100).default(5000),
    description: 'First retry delay; doubles for each further retry.',
    group: 'collect',
  },
  VITALS_COLLECT_TIMEOUT: {
    schema: duration(100).default(30_000),
    description: 'Time limit of one collection attempt.',
    group: 'collect',
  },
  VITALS_COLLECT_CLEAN_COMPLETED_AGE: {
    schema: duration(0).default(3_600_000),
    description: '`clean` removes completed jobs older than this…',
    group: 'collect',
  },
  VITALS_COLLECT_CLEAN_COMPLETED_KEEP: {
    schema: int(0).default(100),
    description: '…beyond the newest this many.',
    group: 'collect',
  },
  VITALS_COLLECT_CLEAN_FAILED_AGE: {
    schema: duration(0).default(86_400_000),
    description: '`clean` removes failed jobs older than this…',
    group: 'collect',
  },
  VITALS_COLLECT_CLEAN_FAILED_KEEP: {
    schema: int(0).default(500),
    description: '…beyond the newest this many.',
    group: 'collect',
  },
  VITALS_COLLECT_RECONCILE_INTERVAL: {
    schema: duration(0).default(600_000),
    description:
      'How often each process re-checks every schedule against the hosts (0 = only on changes and at start).',
    group: 'collect',
  },
} as const satisfies Record<string, VarSpec>;

export const agentVars = {
  VITALS_LOCAL_AGENT: {
    schema: bool.default(true),
    description:
      "Collect this machine's own metrics in the server (the built-in agent), so a fresh start shows a host at once.",
    group: 'agent',
  },
  VITALS_LOCAL_AGENT_INTERVAL: {
    schema: duration(1000).default(5000),
    description: 'Interval of the built-in agent.',
    group: 'agent',
  },
  VITALS_SELF_MONITOR: {
    schema: bool.default(true),
    description:
      "Store INFO of Vitals' own Redis as `redis.*` series of host `vitals-redis` in org `default`, one process at a time (docs/redis-monitoring.md).",
    group: 'agent',
  },
  VITALS_SELF_MONITOR_INTERVAL: {
    schema: duration(1000).default(15_000),
    description: 'Interval of the own-Redis series (host `vitals-redis`).',
    group: 'agent',
  },
} as const satisfies Record<string, VarSpec>;

/** The connection-event store (docs/events.md); the seed's names are given beside each. */
export const eventsVars = {
  VITALS_EVENTS_PERSISTENCE: {
    schema: bool.default(true),
    description:
      "Persist connection events to Redis in batches; off keeps them in memory only, lost at restart (the seed's EVENT_PERSISTENCE).",
    group: 'server',
  },
  VITALS_EVENTS_MEMORY_SIZE: {
    schema: int(100, 1_000_000).default(10_000),
    description: 'Connection events kept in memory per org and type (a ring: the oldest go first).',
    group: 'server',
  },
  VITALS_EVENTS_QUEUE_SIZE: {
    schema: int(1, 1_000_000).default(1000),
    description:
      "Connection events waiting for Redis at most; past it new ones stay in memory only and are counted as dropped (the seed's EVENT_QUEUE_SIZE).",
    group: 'server',
  },
  VITALS_EVENTS_BATCH_SIZE: {
    schema: int(1, 100_000).default(100),
    description:
      "Connection events per write to Redis; a queue this long is written at once (the seed's EVENT_BATCH_SIZE).",
    group: 'server',
  },
  VITALS_EVENTS_FLUSH_INTERVAL: {
    schema: duration(10).default(5000),
    description:
      "The longest a connection event waits before it is written to Redis (the seed's EVENT_FLUSH_INTERVAL).",
    group: 'server',
  },
  VITALS_EVENTS_RETENTION_HOURS: {
    schema: int(1, 24 * 366).default(24),
    description:
      "Hours connection events are kept, in Redis and in memory, and reloaded at start (the seed's EVENT_RETENTION_HOURS).",
    group: 'server',
  },
} as const satisfies Record<string, VarSpec>;

/** Alert rule evaluation (docs/alerts.md "Evaluation"). */
export const alertEvalVars = {
  VITALS_ALERTS: {
    schema: bool.default(true),
    description:
      'Evaluate alert rules every VITALS_ALERTS_INTERVAL, one server process at a time (docs/alerts.md).',
    group: 'server',
  },
  VITALS_ALERTS_INTERVAL: {
    schema: duration(100).default(15_000),
    description: 'Interval of alert rule evaluation.',
    group: 'server',
  },
} as const satisfies Record<string, VarSpec>;

/** Notification delivery (docs/alerts.md "Channels", "Exactly once"). */
export const alertDeliveryVars = {
  VITALS_ALERT_DELIVERY_WORKERS: {
    schema: bool.default(true),
    description: 'Run notification delivery workers in this process (queueing works either way).',
    group: 'server',
  },
  VITALS_ALERT_DELIVERY_CONCURRENCY: {
    schema: int(1, 1000).default(5),
    description: 'Notifications sent at once per process.',
    group: 'server',
  },
  VITALS_ALERT_DELIVERY_ATTEMPTS: {
    schema: int(1, 50).default(8),
    description: 'Attempts per notification and channel, the first included.',
    group: 'server',
  },
  VITALS_ALERT_DELIVERY_BACKOFF: {
    schema: duration(10).default(5000),
    description: 'First delivery retry delay; doubles for each further retry.',
    group: 'server',
  },
  VITALS_ALERT_DELIVERY_TIMEOUT: {
    schema: duration(100).default(10_000),
    description: 'Time limit of one delivery attempt (HTTP request or SMTP conversation).',
    group: 'server',
  },
  VITALS_PUBLIC_URL: {
    schema: z.url({ protocol: /^https?$/, message: 'expected http(s)://host[:port][/path]' }).optional(),
    description:
      'Address users reach the dashboard at, for links in notifications (Alertmanager `generatorURL`). Default: `http://localhost:<PORT>`.',
    group: 'server',
  },
} as const satisfies Record<string, VarSpec>;

/** Self-observability: the process' own figures as series, `/metrics` and the OpenTelemetry export. */
export const telemetryVars = {
  VITALS_SELF_METRICS: {
    schema: bool.default(true),
    description:
      "Store the server's own figures (collection queue, Redis command timings) as series of host `vitals` in org `default` every VITALS_SELF_MONITOR_INTERVAL, one process at a time (docs/observability.md).",
    group: 'server',
  },
  VITALS_REDIS_SLOW_MS: {
    schema: int(1).default(100),
    description: 'A Redis command taking at least this many milliseconds counts as slow (client side).',
    group: 'server',
  },
  OTEL_EXPORTER_OTLP_ENDPOINT: {
    schema: z.url({ protocol: /^https?$/, message: 'expected an http(s) URL' }).optional(),
    description:
      'OpenTelemetry collector base URL: when set, every `/metrics` figure is also pushed over OTLP/HTTP (protobuf) to `<url>/v1/metrics`.',
    group: 'server',
  },
  OTEL_EXPORTER_OTLP_HEADERS: {
    schema: z
      .string()
      .optional()
      .transform((s, ctx) => parseOtlpHeaders(s, ctx)),
    description: 'Headers of every OTLP request, `key=value,key2=value2` (values URL-encoded).',
    group: 'server',
  },
  OTEL_METRIC_EXPORT_INTERVAL: {
    schema: int(100).default(60_000),
    description: 'Milliseconds between two OTLP metric exports.',
    group: 'server',
  },
} as const satisfies Record<string, VarSpec>;

function parseOtlpHeaders(text: string | undefined, ctx: z.RefinementCtx): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (text ?? '').split(',')) {
    if (part.trim() === '') continue;
    const at = part.indexOf('=');
    const key = part.slice(0, Math.max(0, at)).trim();
    if (at <= 0 || key === '') {
      ctx.addIssue({ code: 'custom', message: 'expected key=value[,key=value…]' });
      return z.NEVER;
    }
    try {
      out[key] = decodeURIComponent(part.slice(at + 1).trim());
    } catch {
      ctx.addIssue({ code: 'custom', message: `the value of ${key} is not URL-encoded correctly` });
      return z.NEVER;
    }
  }
  return out;
}

/** Graphite plaintext ingest over TCP (docs/ingest/graphite.md); off unless VITALS_GRAPHITE_PORT is set. */
export const graphiteVars = {
  VITALS_GRAPHITE_PORT: {
    schema: int(0, 65535).default(0),
    description:
      'TCP port of the Graphite plaintext listener (carbon protocol, usually 2003); 0: off. It has no authentication: every line goes to VITALS_GRAPHITE_ORG (docs/ingest/graphite.md).',
    group: 'api',
  },
  VITALS_GRAPHITE_HOST: {
    schema: z.string().min(1).default('127.0.0.1'),
    description:
      'Listen address of the Graphite port. Anyone who reaches it can write: keep it on loopback or a trusted network.',
    group: 'api',
  },
  VITALS_GRAPHITE_ORG: {
    schema: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'expected an org id')
      .default('default'),
    description: 'Org every Graphite line is written to.',
    group: 'api',
  },
  VITALS_GRAPHITE_HOST_SEGMENT: {
    schema: int(0, 64).default(1),
    description:
      'Path segment (1-based) naming the host of a Graphite line without a `host` tag; it is removed from the metric name. 1 suits collectd (no Prefix) and Telegraf (default template); 2 suits `<prefix>.<host>.…`; 0: only the `host` tag names it.',
    group: 'api',
  },
  VITALS_GRAPHITE_MAX_LINE_BYTES: {
    schema: int(256, 1024 * 1024).default(16_384),
    description: 'Longest Graphite line; a connection sending a longer one is closed (the line is refused).',
    group: 'api',
  },
} as const satisfies Record<string, VarSpec>;
