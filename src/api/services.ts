import type { AlertStates } from '../alerts/index.ts';
import type { Cache } from '../cache/index.ts';
import type { CollectControl } from '../collect/index.ts';
import type { ApiConfig, Logger } from '../config/index.ts';
import type { EventLog } from '../events/index.ts';
import type { IngestService } from '../ingest/index.ts';
import type { Live, SseOptions } from '../live/index.ts';
import type {
  HealthRegistry,
  RedisHealth,
  RedisHealthThresholds,
  RedisMonitoring,
  Telemetry,
} from '../monitor/index.ts';
import type { OrgAdmin } from '../orgs/index.ts';
import type { Keys, RedisClient } from '../redis/index.ts';
import type { Tenancy } from '../tenancy/index.ts';
import type { Tsdb } from '../tsdb/index.ts';
import type { AlertChannelServices } from './routes/alert-channels.ts';
import type { AlertRuleServices } from './routes/alert-rules.ts';

/** What a host needs to be shown in an overview or accepted by a query. */
export interface HostSummary {
  readonly id: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Pull interval in seconds (push hosts report every few seconds whatever it says). */
  readonly metricsInterval: number;
  readonly collector: string;
  readonly thresholds: { readonly cpu: number; readonly memory: number; readonly disk: number };
}

/** The hosts of an org, from tenancy. */
export interface HostDirectory {
  get(org: string, id: string): Promise<HostSummary | undefined>;
  list(org: string): Promise<HostSummary[]>;
}

/** Timings of `/api/v1/live` streams (tests shorten them). */
export interface LiveStreamOptions {
  readonly sse?: SseOptions;
  /** How often an open stream checks that its token was not revoked. @defaultValue 60000 */
  readonly recheckMs?: number;
}

/**
 * Every capability the HTTP app serves. The composition root (`cli/`) builds them; `buildApp` only
 * registers routes over them, so tests build the same app over the same real services.
 */
export interface ApiServices {
  readonly logger: Logger;
  readonly health: HealthRegistry;
  /** False once shutdown has begun. */
  readonly isReady: () => boolean;
  readonly version?: string;
  /** The request-role connection: the rate limiter counts in it. */
  readonly redis: RedisClient;
  readonly keys: Keys;
  readonly tenancy: Tenancy;
  /** Org management for the operator (`/api/v1/orgs`). */
  readonly orgs: OrgAdmin;
  readonly hosts: HostDirectory;
  readonly tsdb: Tsdb;
  readonly ingest: IngestService;
  readonly cache: Cache;
  readonly collect: CollectControl;
  /** `/api/v1/redis/performance` and the self-monitor of this process (`/monitoring/*`). */
  readonly redisMonitor: RedisMonitoring;
  /** The Redis health checks (`/api/v1/redis/health`, also in `/health`). */
  readonly redisHealth: RedisHealth;
  /** What the Redis health checks judge against; the Grafana and Prometheus rules exports use it too. */
  readonly redisThresholds?: RedisHealthThresholds;
  readonly live: Pick<Live, 'hub' | 'tickets'>;
  /** The built dashboard (`web/dist`). */
  readonly webDir: string;
  readonly liveStreams?: LiveStreamOptions;
  /** Notification channels and deliveries (`/api/v1/alerts/channels`, `/api/v1/alerts/deliveries`). */
  readonly alertChannels: AlertChannelServices;
  /** The process' own figures: `/metrics` and HTTP durations (absent: neither). */
  readonly telemetry?: Telemetry;
  /** Alert rules of each org and the evaluator behind rule previews (`/api/v1/alerts/rules`). */
  readonly alertRules: AlertRuleServices;
  /** The alert lifecycle and silences (`/api/v1/alerts`, `/api/v1/alerts/silences`, aliases). */
  readonly alertStates: AlertStates;
  /** Connection events: the recorder every part records through, and the queries behind `/api/v1/events`. */
  readonly events: EventLog;
}

/** The settings the HTTP app reads. */
export type AppConfig = Pick<
  ApiConfig,
  | 'maxBodyBytes'
  | 'rateLimitPerMinute'
  | 'rateLimitPerOrgPerMinute'
  | 'liveStreams'
  | 'exports'
  | 'exportBytesPerSec'
  | 'maxExportSpanMs'
  | 'maxQuerySpanMs'
  | 'bodyTimeoutMs'
  | 'requestTimeoutMs'
  | 'exportTimeoutMs'
  | 'idleTimeoutMs'
  | 'maxConnections'
  | 'maxSamplesPerRequest'
  | 'maxLabels'
  | 'maxLabelLength'
>;
