import { pingMs, type RedisClient } from '../redis/index.ts';
import type { CheckResult, HealthCheck } from './health.ts';

/**
 * Redis connectivity: PING round trip in ms. An unreachable or frozen Redis is `warn`, not `fail`:
 * the process keeps serving from its hot tier and spool (degraded) and reconnects on its own.
 */
export function redisConnectivityCheck(
  client: RedisClient,
  timeoutMs = 1000,
  clock = () => new Date(),
): HealthCheck {
  return async (): Promise<CheckResult> => {
    try {
      const ms = await pingMs(client, timeoutMs);
      return {
        componentType: 'datastore',
        componentId: 'redis',
        observedValue: Math.round(ms * 1000) / 1000,
        observedUnit: 'ms',
        status: 'pass',
        time: clock().toISOString(),
      };
    } catch (err: unknown) {
      return {
        componentType: 'datastore',
        componentId: 'redis',
        status: 'warn',
        time: clock().toISOString(),
        output: `Redis unreachable (${err instanceof Error ? err.message : String(err)}); running degraded`,
      };
    }
  };
}
