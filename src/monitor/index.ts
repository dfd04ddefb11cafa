export {
  type CheckResult,
  type HealthCheck,
  HealthRegistry,
  type HealthReport,
  type HealthStatus,
  worst,
} from './health.ts';
export { redisConnectivityCheck } from './redis-check.ts';
export { cacheCheck, idempotencyCheck, ingestQueueCheck } from './service-checks.ts';
