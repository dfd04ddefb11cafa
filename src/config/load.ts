import { z } from 'zod';
import { isSecretName, MASK, redactText } from '../contract/index.ts';
import { type TlsPem, tlsProblems } from './tls.ts';
import {
  agentVars,
  alertDeliveryVars,
  alertEvalVars,
  apiVars,
  collectVars,
  eventsVars,
  graphiteVars,
  redisVars,
  serverVars,
  storageVars,
  telemetryVars,
  type VarSpec,
} from './vars.ts';

export const allVars = {
  ...redisVars,
  ...serverVars,
  ...storageVars,
  ...apiVars,
  ...collectVars,
  ...agentVars,
  ...telemetryVars,
  ...alertEvalVars,
  ...alertDeliveryVars,
  ...eventsVars,
  ...graphiteVars,
} as const satisfies Record<string, VarSpec>;

type Vars = typeof allVars;
type Parsed = { [K in keyof Vars]: z.output<Vars[K]['schema']> };

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface RedisConfig {
  readonly mode: 'standalone' | 'sentinel' | 'cluster';
  /** True when the operator named a Redis; a managed redis-server never replaces an explicit one. */
  readonly explicit: boolean;
  readonly host: string;
  readonly port: number;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly db: number;
  /** TLS on: REDIS_TLS, a `rediss://` URL, or any REDIS_TLS_* file. */
  readonly tls: boolean;
  /** The CA, client certificate and key read from REDIS_TLS_CA / _CERT / _KEY (checked at start-up). */
  readonly tlsPem: TlsPem;
  readonly sentinels: readonly HostPort[];
  readonly sentinelName: string;
  readonly sentinelPassword: string | undefined;
  readonly clusterNodes: readonly HostPort[];
  readonly connectTimeoutMs: number;
  readonly maxRetriesPerRequest: number;
  readonly socketTimeoutMs: number;
  readonly keyPrefix: string;
  readonly managed: 'auto' | 'off';
}

export interface ServerConfig {
  readonly port: number;
  readonly host: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly dataDir: string;
  readonly shutdownTimeoutMs: number;
  /** Server processes sharing the HTTP port (VITALS_WORKERS, `auto` resolved); 1: this process serves. */
  readonly workers: number;
  /** VITALS_SECRET_KEY as given (validated); empty: the key file in the data directory. */
  readonly secretKeys: readonly string[];
}

export interface StorageConfig {
  readonly ack: 'durable' | 'buffered';
  /** Replicas a flush waits for (`WAIT`), and how long; 0: none. */
  readonly durableReplicas: { readonly count: number; readonly timeoutMs: number };
  readonly flushIntervalMs: number;
  readonly flushBatchSamples: number;
  readonly bufferMaxSamples: number;
  readonly spoolMaxBytes: number;
  readonly retentionMs: { readonly raw: number; readonly '1m': number; readonly '1h': number };
  readonly maxFutureSkewMs: number;
  readonly sealGraceMs: number;
  readonly maintenanceIntervalMs: number;
  readonly encodeThreads: number;
  /** VITALS_READ_CACHE_BYTES: tracked read cache (0: off). */
  readonly readCacheBytes: number;
  /** VITALS_DECODE_CACHE_BYTES: decoded 1-minute blocks kept (0: off). */
  readonly decodeCacheBytes: number;
  readonly hotPoints: number;
  readonly hotMaxSeries: number;
  readonly hotReloadMs: number;
  readonly hotReads: 'all' | 'latest' | 'none';
}

/** How many of something (live streams, exports) may be held at once: in all, per org, per token. */
export interface ShareLimits {
  readonly total: number;
  readonly perOrg: number;
  readonly perToken: number;
}

export interface ApiConfig {
  readonly adminToken: string | undefined;
  readonly autoRegisterHosts: boolean;
  readonly maxBodyBytes: number;
  readonly maxSamplesPerRequest: number;
  readonly maxSeriesPerHost: number;
  readonly maxSeriesPerOrg: number;
  readonly maxLabels: number;
  readonly maxLabelLength: number;
  readonly rateLimitPerMinute: number;
  readonly rateLimitPerOrgPerMinute: number;
  /** Live streams per process in all, per org and per token. */
  readonly liveStreams: ShareLimits;
  /** Exports running at once per process in all, per org and per token. */
  readonly exports: ShareLimits;
  /** Bytes per second one export streams at most. */
  readonly exportBytesPerSec: number;
  readonly maxExportSpanMs: number;
  readonly maxQuerySpanMs: number;
  readonly bodyTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly exportTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxConnections: number;
  readonly idempotencyTtlSec: number;
  readonly idempotencyPrefix: string;
  readonly cachePrefix: string;
  readonly cacheTtlMs: number;
  readonly cacheMinLoadMs: number;
}

export interface CollectConfig {
  readonly runWorkers: boolean;
  readonly concurrency: number;
  readonly attempts: number;
  readonly backoffMs: number;
  readonly timeoutMs: number;
  readonly cleanCompleted: { readonly ageMs: number; readonly count: number };
  readonly cleanFailed: { readonly ageMs: number; readonly count: number };
  readonly reconcileIntervalMs: number;
}

/** Self-observability settings (`telemetryVars`). */
export interface TelemetryConfig {
  /** Store the process' own figures as series of host `vitals`. */
  readonly selfMetrics: boolean;
  readonly selfMetricsIntervalMs: number;
  /** Client-side slow-command threshold. */
  readonly redisSlowMs: number;
  /** OTLP/HTTP export; off without an endpoint. */
  readonly otlp: {
    readonly endpoint: string | undefined;
    readonly headers: Readonly<Record<string, string>>;
    readonly intervalMs: number;
  };
}

/** What the Redis health checks judge against; each pair is `warn` / `fail`. */
export interface RedisHealthConfig {
  /** Bound of each live read of Vitals' own Redis (PING, probe, INFO). */
  readonly timeoutMs: number;
  readonly memoryPct: { readonly warn: number; readonly fail: number };
  /** Fragmentation ratio, judged alone when maxmemory is 0. */
  readonly fragmentation: { readonly warn: number; readonly fail: number };
  readonly connectionsPct: { readonly warn: number; readonly fail: number };
  readonly latencyMs: { readonly warn: number; readonly fail: number };
  /** Hit rate below which the check warns / fails (judged from 100 lookups on, monitored Redis only). */
  readonly hitRatePct: { readonly warn: number; readonly fail: number };
  readonly errorRateWarnPct: number;
  /** Age of the last RDB save past which the check warns, while RDB saving is on. */
  readonly saveAgeWarnMs: number;
  /** Client-side latency and error rate are judged over this window. */
  readonly perfWindowMs: number;
}

/** Notification delivery (`alertDeliveryVars`). */
export interface AlertDeliveryConfig {
  readonly runWorkers: boolean;
  readonly concurrency: number;
  readonly attempts: number;
  readonly backoffMs: number;
  readonly timeoutMs: number;
  /** Base of links back to the dashboard in notifications. */
  readonly linkBase: string;
}

/** The connection-event store (`VITALS_EVENTS_*`); field meanings in src/events/options.ts. */
export interface EventsConfig {
  readonly persistence: boolean;
  readonly memorySize: number;
  readonly queueSize: number;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly retentionMs: number;
}

/** Graphite plaintext ingest (`VITALS_GRAPHITE_*`; docs/ingest/graphite.md); off with port 0. */
export interface GraphiteConfig {
  readonly port: number;
  readonly host: string;
  readonly org: string;
  readonly hostSegment: number;
  readonly maxLineBytes: number;
}

export interface Config {
  readonly telemetry: TelemetryConfig;
  /** Alert rule evaluation (`VITALS_ALERTS*`). */
  readonly alertEval: { readonly enabled: boolean; readonly intervalMs: number };
  /** Notification delivery (`VITALS_ALERT_DELIVERY_*`, `VITALS_PUBLIC_URL`). */
  readonly alertDelivery: AlertDeliveryConfig;
  readonly localAgent: { readonly enabled: boolean; readonly intervalMs: number };
  /** INFO of Vitals' own Redis as series of host `vitals-redis` (`VITALS_SELF_MONITOR*`). */
  readonly selfMonitor: { readonly enabled: boolean; readonly intervalMs: number };
  /** The connection-event store (`VITALS_EVENTS_*`; docs/events.md). */
  readonly events: EventsConfig;
  /** Thresholds of the Redis health checks (`VITALS_REDIS_*`; docs/operations.md "Health checks"). */
  readonly redisHealth: RedisHealthConfig;
  readonly collect: CollectConfig;
  readonly redis: RedisConfig;
  readonly server: ServerConfig;
  readonly storage: StorageConfig;
  readonly api: ApiConfig;
  readonly graphite: GraphiteConfig;
}

/** Thrown when the environment does not validate; `problems` names every variable at fault. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const envSchema = z.object(
  Object.fromEntries(Object.entries(allVars).map(([name, spec]) => [name, spec.schema])) as {
    [K in keyof Vars]: Vars[K]['schema'];
  },
);

/** Validates the environment once, listing every problem, and returns a deeply frozen Config. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input = Object.fromEntries(
    Object.keys(allVars).map((name) => [name, env[name] === '' ? undefined : env[name]]),
  );
  const result = envSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '(environment)');
        return `${name}=${JSON.stringify(shownValue(name, env[name] ?? ''))}: ${issue.message}`;
      }),
    );
  }
  const parsed = result.data as Parsed;
  const problems = [...tlsProblems(tlsPemOf(parsed), env), ...workerProblems(parsed)];
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(toConfig(parsed));
}

/** Settings that hold for one process only and so cannot be combined with several workers. */
function workerProblems(v: Parsed): string[] {
  if (v.VITALS_WORKERS === 1 || v.VITALS_HOT_READS !== 'all') return [];
  return [
    `VITALS_HOT_READS="all": each worker's hot tier misses the others' writes; use latest or none with VITALS_WORKERS=${v.VITALS_WORKERS}`,
  ];
}

function toConfig(v: Parsed): Config {
  return {
    redis: toRedisConfig(v),
    server: {
      port: v.PORT,
      host: v.HOST,
      logLevel: v.LOG_LEVEL,
      dataDir: v.VITALS_DATA_DIR,
      shutdownTimeoutMs: v.VITALS_SHUTDOWN_TIMEOUT_MS,
      workers: v.VITALS_WORKERS,
      secretKeys: v.VITALS_SECRET_KEY ?? [],
    },
    storage: {
      ack: v.VITALS_ACK,
      durableReplicas: { count: v.VITALS_DURABLE_REPLICAS, timeoutMs: v.VITALS_DURABLE_REPLICAS_TIMEOUT_MS },
      flushIntervalMs: v.VITALS_FLUSH_INTERVAL_MS,
      flushBatchSamples: v.VITALS_FLUSH_BATCH_SIZE,
      bufferMaxSamples: v.VITALS_BUFFER_MAX_SAMPLES,
      spoolMaxBytes: v.VITALS_SPOOL_MAX_BYTES,
      retentionMs: { raw: v.VITALS_RETENTION_RAW, '1m': v.VITALS_RETENTION_1M, '1h': v.VITALS_RETENTION_1H },
      maxFutureSkewMs: v.VITALS_MAX_FUTURE_SKEW,
      sealGraceMs: v.VITALS_SEAL_GRACE,
      maintenanceIntervalMs: v.VITALS_MAINTENANCE_INTERVAL,
      encodeThreads: v.VITALS_ENCODE_THREADS,
      readCacheBytes: v.VITALS_READ_CACHE_BYTES,
      decodeCacheBytes: v.VITALS_DECODE_CACHE_BYTES,
      hotPoints: v.VITALS_HOT_POINTS,
      hotMaxSeries: v.VITALS_HOT_MAX_SERIES,
      hotReloadMs: v.VITALS_HOT_RELOAD,
      // Workers take turns on a host's pushes (round-robin connections): only Redis has its newest value.
      hotReads: v.VITALS_HOT_READS ?? (v.VITALS_WORKERS > 1 ? 'none' : 'latest'),
    },
    localAgent: { enabled: v.VITALS_LOCAL_AGENT, intervalMs: v.VITALS_LOCAL_AGENT_INTERVAL },
    selfMonitor: { enabled: v.VITALS_SELF_MONITOR, intervalMs: v.VITALS_SELF_MONITOR_INTERVAL },
    events: {
      persistence: v.VITALS_EVENTS_PERSISTENCE,
      memorySize: v.VITALS_EVENTS_MEMORY_SIZE,
      queueSize: v.VITALS_EVENTS_QUEUE_SIZE,
      batchSize: v.VITALS_EVENTS_BATCH_SIZE,
      flushIntervalMs: v.VITALS_EVENTS_FLUSH_INTERVAL,
      retentionMs: v.VITALS_EVENTS_RETENTION_HOURS * 3_600_000,
    },
    redisHealth: toRedisHealth(v),
    graphite: {
      port: v.VITALS_GRAPHITE_PORT,
      host: v.VITALS_GRAPHITE_HOST,
      org: v.VITALS_GRAPHITE_ORG,
      hostSegment: v.VITALS_GRAPHITE_HOST_SEGMENT,
      maxLineBytes: v.VITALS_GRAPHITE_MAX_LINE_BYTES,
    },
    alertEval: { enabled: v.VITALS_ALERTS, intervalMs: v.VITALS_ALERTS_INTERVAL },
    alertDelivery: {
      runWorkers: v.VITALS_ALERT_DELIVERY_WORKERS,
      concurrency: v.VITALS_ALERT_DELIVERY_CONCURRENCY,
      attempts: v.VITALS_ALERT_DELIVERY_ATTEMPTS,
      backoffMs: v.VITALS_ALERT_DELIVERY_BACKOFF,
      timeoutMs: v.VITALS_ALERT_DELIVERY_TIMEOUT,
      linkBase: v.VITALS_PUBLIC_URL ?? `http://localhost:${v.PORT}`,
    },
    telemetry: {
      selfMetrics: v.VITALS_SELF_METRICS,
      // One interval for every self-observation series (shared with the own-Redis INFO series).
      selfMetricsIntervalMs: v.VITALS_SELF_MONITOR_INTERVAL,
      redisSlowMs: v.VITALS_REDIS_SLOW_MS,
      otlp: {
        endpoint: v.OTEL_EXPORTER_OTLP_ENDPOINT,
        headers: v.OTEL_EXPORTER_OTLP_HEADERS,
        intervalMs: v.OTEL_METRIC_EXPORT_INTERVAL,
      },
    },
    collect: {
      runWorkers: v.VITALS_COLLECT_WORKERS,
      concurrency: v.VITALS_COLLECT_CONCURRENCY,
      attempts: v.VITALS_COLLECT_ATTEMPTS,
      backoffMs: v.VITALS_COLLECT_BACKOFF,
      timeoutMs: v.VITALS_COLLECT_TIMEOUT,
      cleanCompleted: {
        ageMs: v.VITALS_COLLECT_CLEAN_COMPLETED_AGE,
        count: v.VITALS_COLLECT_CLEAN_COMPLETED_KEEP,
      },
      cleanFailed: { ageMs: v.VITALS_COLLECT_CLEAN_FAILED_AGE, count: v.VITALS_COLLECT_CLEAN_FAILED_KEEP },
      reconcileIntervalMs: v.VITALS_COLLECT_RECONCILE_INTERVAL,
    },
    api: {
      adminToken: v.VITALS_ADMIN_TOKEN,
      autoRegisterHosts: v.VITALS_AUTO_REGISTER_HOSTS,
      maxBodyBytes: v.VITALS_MAX_BODY_BYTES,
      maxSamplesPerRequest: v.VITALS_MAX_SAMPLES_PER_REQUEST,
      maxSeriesPerHost: v.VITALS_MAX_SERIES_PER_HOST,
      maxSeriesPerOrg: v.VITALS_MAX_SERIES_PER_ORG,
      maxLabels: v.VITALS_MAX_LABELS,
      maxLabelLength: v.VITALS_MAX_LABEL_LENGTH,
      rateLimitPerMinute: v.VITALS_RATE_LIMIT,
      rateLimitPerOrgPerMinute: v.VITALS_RATE_LIMIT_PER_ORG,
      liveStreams: {
        total: v.VITALS_LIVE_STREAMS,
        perOrg: v.VITALS_LIVE_STREAMS_PER_ORG,
        perToken: v.VITALS_LIVE_STREAMS_PER_TOKEN,
      },
      exports: {
        total: v.VITALS_EXPORTS,
        perOrg: v.VITALS_EXPORTS_PER_ORG,
        perToken: v.VITALS_EXPORTS_PER_TOKEN,
      },
      exportBytesPerSec: v.VITALS_EXPORT_RATE,
      maxExportSpanMs: v.VITALS_MAX_EXPORT_SPAN,
      maxQuerySpanMs: v.VITALS_MAX_QUERY_SPAN,
      bodyTimeoutMs: v.VITALS_BODY_TIMEOUT,
      requestTimeoutMs: v.VITALS_REQUEST_TIMEOUT,
      exportTimeoutMs: v.VITALS_EXPORT_TIMEOUT,
      idleTimeoutMs: v.VITALS_IDLE_TIMEOUT,
      maxConnections: v.VITALS_MAX_CONNECTIONS,
      idempotencyTtlSec: v.REDIS_IDEMPOTENCY_TTL,
      idempotencyPrefix: v.REDIS_IDEMPOTENCY_PREFIX,
      cachePrefix: v.REDIS_CACHE_PREFIX,
      cacheTtlMs: v.VITALS_CACHE_TTL,
      cacheMinLoadMs: v.VITALS_CACHE_MIN_LOAD,
    },
  };
}

function toRedisHealth(v: Parsed): RedisHealthConfig {
  return {
    timeoutMs: v.VITALS_REDIS_HEALTH_TIMEOUT,
    memoryPct: { warn: v.VITALS_REDIS_MEMORY_WARN_PCT, fail: v.VITALS_REDIS_MEMORY_FAIL_PCT },
    fragmentation: { warn: v.VITALS_REDIS_FRAGMENTATION_WARN, fail: v.VITALS_REDIS_FRAGMENTATION_FAIL },
    connectionsPct: { warn: v.VITALS_REDIS_CONNECTIONS_WARN_PCT, fail: v.VITALS_REDIS_CONNECTIONS_FAIL_PCT },
    latencyMs: { warn: v.VITALS_REDIS_LATENCY_WARN_MS, fail: v.VITALS_REDIS_LATENCY_FAIL_MS },
    hitRatePct: { warn: v.VITALS_REDIS_HIT_RATE_WARN_PCT, fail: v.VITALS_REDIS_HIT_RATE_FAIL_PCT },
    errorRateWarnPct: v.VITALS_REDIS_ERROR_RATE_WARN_PCT,
    saveAgeWarnMs: v.VITALS_REDIS_SAVE_AGE_WARN,
    perfWindowMs: v.VITALS_REDIS_PERF_WINDOW,
  };
}

function toRedisConfig(v: Parsed): RedisConfig {
  const url = v.REDIS_URL ? new URL(v.REDIS_URL) : undefined;
  const dbFromUrl = url && url.pathname.length > 1 ? Number(url.pathname.slice(1)) : undefined;
  return {
    mode: v.REDIS_CLUSTER_NODES ? 'cluster' : v.REDIS_SENTINELS ? 'sentinel' : 'standalone',
    explicit: Boolean(
      v.REDIS_URL || v.REDIS_HOST || v.REDIS_PORT || v.REDIS_SENTINELS || v.REDIS_CLUSTER_NODES,
    ),
    host: v.REDIS_HOST ?? (url?.hostname || '127.0.0.1'),
    port: v.REDIS_PORT ?? (url?.port ? Number(url.port) : 6379),
    username: v.REDIS_USERNAME ?? (url?.username ? decodeURIComponent(url.username) : undefined),
    password: v.REDIS_PASSWORD ?? (url?.password ? decodeURIComponent(url.password) : undefined),
    db: v.REDIS_DB ?? (Number.isInteger(dbFromUrl) ? (dbFromUrl as number) : 0),
    tls: Boolean(
      v.REDIS_TLS || url?.protocol === 'rediss:' || v.REDIS_TLS_CA || v.REDIS_TLS_CERT || v.REDIS_TLS_KEY,
    ),
    tlsPem: tlsPemOf(v),
    sentinels: parseHostPorts(v.REDIS_SENTINELS),
    sentinelName: v.REDIS_SENTINEL_NAME,
    sentinelPassword: v.REDIS_SENTINEL_PASSWORD,
    clusterNodes: parseHostPorts(v.REDIS_CLUSTER_NODES),
    connectTimeoutMs: v.REDIS_CONNECT_TIMEOUT,
    maxRetriesPerRequest: v.REDIS_MAX_RETRIES_PER_REQUEST,
    socketTimeoutMs: v.REDIS_SOCKET_TIMEOUT,
    keyPrefix: v.VITALS_KEY_PREFIX,
    managed: v.VITALS_REDIS_MANAGED,
  };
}

function tlsPemOf(v: Parsed): TlsPem {
  return {
    ...(v.REDIS_TLS_CA !== undefined && { ca: v.REDIS_TLS_CA }),
    ...(v.REDIS_TLS_CERT !== undefined && { cert: v.REDIS_TLS_CERT }),
    ...(v.REDIS_TLS_KEY !== undefined && { key: v.REDIS_TLS_KEY }),
  };
}

function parseHostPorts(list: readonly string[] | undefined): HostPort[] {
  return (list ?? []).map((entry) => {
    const at = entry.lastIndexOf(':');
    return { host: entry.slice(0, at), port: Number(entry.slice(at + 1)) };
  });
}

/** A variable's value as a problem may quote it: secrets (passwords, tokens, keys, URL userinfo) masked. */
function shownValue(name: string, value: string): string {
  return isSecretName(name) && value !== '' ? MASK : redactText(value);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
