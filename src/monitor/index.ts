export {
  type AlertGroup,
  type AlertRule,
  alertGroups,
  dashboardPanels,
  GRAFANA_DASHBOARD_UID,
  type GrafanaDashboard,
  grafanaDashboard,
  type PanelSpec,
  prometheusRulesYaml,
} from './exports/index.ts';
export {
  type CheckResult,
  type HealthCheck,
  HealthRegistry,
  type HealthReport,
  type HealthStatus,
  worst,
} from './health.ts';
export { RedisHealth, type RedisHealthDeps, type RedisHostRef } from './redis/health-service.ts';
export {
  DEFAULT_REDIS_HEALTH_THRESHOLDS,
  REDIS_HEALTH_TYPES,
  type RedisCheckResult,
  type RedisHealthReport,
  type RedisHealthThresholds,
  type RedisHealthType,
} from './redis/health-types.ts';
export { nodeOf, readInfo } from './redis/info.ts';
export { type Insight, type InsightLevel, insights } from './redis/insights.ts';
export { type LatencyEvent, readLatencyLatest, readSlowlog, type SlowEntry } from './redis/live.ts';
export type { RedisMonitoring } from './redis/monitoring.ts';
export {
  type PerformanceReport,
  RedisMonitorError,
  RedisPerformance,
  type RedisPerformanceDeps,
} from './redis/performance.ts';
export type { TargetHost } from './redis/performance-read.ts';
export {
  SELF_REDIS_HOST,
  type SelfHostRegistry,
  SelfMonitor,
  type SelfMonitorDeps,
  type SelfMonitorStatus,
  type TickOutcome,
} from './redis/self-monitor.ts';
export { redisConnectivityCheck } from './redis-check.ts';
export {
  cacheCheck,
  decodedBlocksCheck,
  idempotencyCheck,
  ingestQueueCheck,
  trackedReadsCheck,
} from './service-checks.ts';
export {
  type FlushObserver,
  type IngestObserver,
  SELF_HOST,
  startTelemetry,
  Telemetry,
  type TelemetryRuntime,
} from './telemetry/index.ts';
