import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { CommandTimings } from '../../redis/index.ts';
import { registerCommandMetrics } from './command-metrics.ts';
import { registerScraped, type ScrapedValue } from './custom-metric.ts';
import type { QueueStats, QueueWatch } from './queue.ts';
import { type NewestValues, registerRedisExporterMetrics } from './redis-exporter.ts';

/** Told of every push the ingest service stored or refused. */
export interface IngestObserver {
  stored(samples: number): void;
  /** `reason`: the refusal's kind (`invalid`, `limit`, `unavailable`…). */
  rejected(reason: string): void;
  /** Samples of a stored push left out by design, by reason (`stale_marker`). */
  skipped(reason: string, samples: number): void;
}

/** Told of every flush of the sample writer. */
export interface FlushObserver {
  flushed(seconds: number): void;
}

export interface TelemetryDeps {
  readonly timings: CommandTimings;
  /** Bytes in the disk spool now. */
  readonly spoolBytes: () => number;
  /** The collection queue's figures (absent: no queue figures exposed). */
  readonly queue?: QueueWatch;
  /** Newest stored `redis.*` values of Vitals' own Redis and the monitored ones, by host id. */
  readonly redisFigures?: () => Promise<NewestValues>;
}

/** A scrape's reads of stored figures are shared by every metric for this long. */
const SHARE_MS = 1000;

function memo<T>(read: () => Promise<T>): () => Promise<T> {
  let at = 0;
  let value: Promise<T> | undefined;
  return () => {
    if (!value || Date.now() - at > SHARE_MS) {
      at = Date.now();
      value = read();
    }
    return value;
  };
}

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;

/**
 * The process' own figures in one prom-client registry per runtime (never the global one: several
 * runtimes share a process in tests). Event counters are pushed by observers; everything a source
 * already keeps (command histograms, spool, queue, stored Redis figures) is read at scrape time.
 */
export class Telemetry {
  readonly registry = new Registry();
  private readonly http: Histogram<'method' | 'route' | 'status_code'>;
  private readonly flushes: Histogram;
  private readonly samples: Counter;
  private readonly rejections: Counter<'reason'>;
  private readonly skippedSamples: Counter<'reason'>;

  readonly ingestObserver: IngestObserver = {
    stored: (n) => this.samples.inc(n),
    rejected: (reason) => this.rejections.inc({ reason }),
    skipped: (reason, n) => this.skippedSamples.inc({ reason }, n),
  };
  readonly flushObserver: FlushObserver = { flushed: (s) => this.flushes.observe(s) };

  constructor(deps: TelemetryDeps) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    // Gauges named like counters, which promtool rejects; `nodejs_active_handles` etc. (by type) stay.
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ])
      this.registry.removeSingleMetric(name);
    this.http = new Histogram({
      name: 'vitals_http_request_duration_seconds',
      help: 'HTTP request durations by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.samples = new Counter({
      name: 'vitals_ingest_samples_total',
      help: 'Samples accepted by pushes (JSON, line protocol, remote_write, OTLP, Graphite, built-in agent).',
      registers,
    });
    this.rejections = new Counter({
      name: 'vitals_ingest_rejected_total',
      help: 'Pushes refused, by reason (invalid, limit, unavailable, conflict…).',
      labelNames: ['reason'],
      registers,
    });
    this.skippedSamples = new Counter({
      name: 'vitals_ingest_skipped_samples_total',
      help: "Samples of stored pushes left out by design, by reason (stale_marker: Prometheus' end-of-series markers).",
      labelNames: ['reason'],
      registers,
    });
    this.flushes = new Histogram({
      name: 'vitals_writer_flush_duration_seconds',
      help: 'Duration of the sample writer flushes to Redis (or to the spool while Redis is away).',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    new Gauge({
      name: 'vitals_spool_bytes',
      help: 'Bytes waiting in the disk spool for Redis to come back.',
      registers,
      collect() {
        this.set(deps.spoolBytes());
      },
    });
    registerCommandMetrics(this.registry, deps.timings);
    if (deps.queue) registerQueueMetrics(this.registry, deps.queue);
    if (deps.redisFigures) registerRedisExporterMetrics(this.registry, memo(deps.redisFigures));
  }

  observeHttp(method: string, route: string, statusCode: number, seconds: number): void {
    this.http.observe({ method, route, status_code: String(statusCode) }, seconds);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition of every metric. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}

function summaryValues(stats: QueueStats | undefined, which: 'waitMs' | 'processingMs'): ScrapedValue[] {
  const p = stats?.[which];
  if (!stats || !p) return [];
  const sumMs = which === 'waitMs' ? stats.waitSumMs : stats.processingSumMs;
  return [
    { labels: { quantile: '0.5' }, value: p.p50 / 1000 },
    { labels: { quantile: '0.95' }, value: p.p95 / 1000 },
    { labels: { quantile: '0.99' }, value: p.p99 / 1000 },
    { labels: {}, value: sumMs / 1000, suffix: '_sum' },
    { labels: {}, value: stats.sampled, suffix: '_count' },
  ];
}

function registerQueueMetrics(registry: Registry, queue: QueueWatch): void {
  registerScraped(registry, {
    name: 'vitals_queue_jobs',
    help: 'Jobs of the collection queue by state (all orgs).',
    type: 'gauge',
    read: async () => {
      const stats = await queue.current();
      return stats ? QUEUE_STATES.map((state) => ({ labels: { state }, value: stats[state] })) : [];
    },
  });
  registerScraped(registry, {
    name: 'vitals_queue_wait_seconds',
    help: 'Wait of the newest completed collection jobs, from due to started (up to 200 jobs).',
    type: 'summary',
    read: async () => summaryValues(await queue.current(), 'waitMs'),
  });
  registerScraped(registry, {
    name: 'vitals_queue_processing_seconds',
    help: 'Processing time of the newest completed collection jobs (up to 200 jobs).',
    type: 'summary',
    read: async () => summaryValues(await queue.current(), 'processingMs'),
  });
  registerScraped(registry, {
    name: 'vitals_queue_failure_ratio',
    help: 'Failed ÷ finished collection jobs over the last self-metrics interval.',
    type: 'gauge',
    read: async () => {
      const stats = await queue.current();
      return stats ? [{ labels: {}, value: stats.failureRatio }] : [];
    },
  });
}
