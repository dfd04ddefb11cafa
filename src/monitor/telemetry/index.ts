// Self-observability (issue 12, part B): client-side Redis command figures, the collection queue's
// figures, `/metrics` through one prom-client registry per runtime, the self-metrics series (host
// `vitals`) and the optional OTLP push. Wired by `cli/`; read by the `/metrics` route.
import type { Queue } from 'bullmq';
import type { Logger, TelemetryConfig } from '../../config/index.ts';
import type { IngestRequest } from '../../contract/index.ts';
import type { CommandTimings, RedisClient } from '../../redis/index.ts';
import type { TsdbContext } from '../../tsdb/index.ts';
import { type OtlpExport, startOtlpExport } from './otlp.ts';
import { QueueWatch, readQueueStats } from './queue.ts';
import { SelfMetrics } from './self-metrics.ts';
import { storedRedisFigures } from './stored-figures.ts';
import { Telemetry } from './telemetry.ts';

export { COMMAND_BOUNDS_MICROS } from './command-metrics.ts';
export { otelName, RegistryProducer } from './otlp.ts';
export { type QueueStats, QueueWatch, readQueueStats } from './queue.ts';
export { exporterValues, type NewestValues, REDIS_EXPORTER_NAMES } from './redis-exporter.ts';
export { SELF_HOST, SelfMetrics } from './self-metrics.ts';
export { type FlushObserver, type IngestObserver, Telemetry } from './telemetry.ts';

export interface TelemetryWiring {
  readonly config: TelemetryConfig;
  readonly logger: Logger;
  readonly redis: RedisClient;
  /** Prefix of the self-metrics lock keys (the runtime's key prefix). */
  readonly keyPrefix: string;
  readonly ctx: TsdbContext;
  readonly timings: CommandTimings;
  readonly spoolBytes: () => number;
  /** The collection queue (absent: no queue figures). */
  readonly queue?: Queue;
  /** Org of the server's own figures (`default`). */
  readonly org: string;
  /** Host ids whose `redis.*` series `/metrics` exposes under redis_exporter's names. */
  readonly redisHosts: () => Promise<readonly string[]>;
  readonly ensureSelfHost: () => Promise<void>;
  readonly push: (request: IngestRequest) => Promise<unknown>;
  readonly version: string;
}

export interface TelemetryRuntime {
  readonly telemetry: Telemetry;
  readonly selfMetrics: SelfMetrics | undefined;
  readonly otlp: OtlpExport | undefined;
  /** Stops the self-metrics timer and pushes OTLP a last time. Safe to call twice. */
  close(): Promise<void>;
}

/** Builds the registry and starts self-metrics and the OTLP push as configured. */
export function startTelemetry(w: TelemetryWiring): TelemetryRuntime {
  const { config } = w;
  const queue = w.queue
    ? new QueueWatch(() => readQueueStats(w.queue as Queue, config.selfMetricsIntervalMs), {
        maxAgeMs: 5000,
        timeoutMs: 1500,
        isReady: () => w.redis.status === 'ready',
      })
    : undefined;
  const telemetry = new Telemetry({
    timings: w.timings,
    spoolBytes: w.spoolBytes,
    queue,
    redisFigures: storedRedisFigures(w.ctx, { org: w.org, hosts: w.redisHosts }),
  });
  const selfMetrics = config.selfMetrics
    ? new SelfMetrics({
        redis: w.redis,
        lockKey: (slot) => `${w.keyPrefix}lock:self-metrics:${slot}`,
        intervalMs: config.selfMetricsIntervalMs,
        timings: w.timings,
        queue,
        ensureHost: w.ensureSelfHost,
        push: w.push,
        logger: w.logger.child({ component: 'self-metrics' }),
      })
    : undefined;
  selfMetrics?.start();
  const endpoint = config.otlp.endpoint;
  const otlp = endpoint
    ? startOtlpExport(telemetry.registry, {
        endpoint,
        headers: config.otlp.headers,
        intervalMs: config.otlp.intervalMs,
        serviceInstanceId: `${process.pid}@${w.keyPrefix}`,
        serviceVersion: w.version,
      })
    : undefined;
  return {
    telemetry,
    selfMetrics,
    otlp,
    close: async () => {
      selfMetrics?.stop();
      await otlp?.close();
    },
  };
}
