import { isAuthError, pingMs, type RedisClient, watchConnection } from '../redis/index.ts';
import type { CheckResult, HealthCheck } from './health.ts';

/**
 * Redis connectivity: PING round trip in ms. An unreachable or frozen Redis is `warn`, not `fail`:
 * the process keeps serving from its hot tier and spool (degraded) and reconnects on its own. Redis
 * refusing our credentials (WRONGPASS, NOAUTH, NOPERM) is `fail`: waiting does not fix it, an operator
 * must. The refusal shows either on the PING itself or, since a request connection that is not ready
 * fails commands at once, as the connection's last error.
 */
export function redisConnectivityCheck(
  client: RedisClient,
  timeoutMs = 1000,
  clock = () => new Date(),
): HealthCheck {
  const watch = watchConnection(client);
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
      const refusal = [err, watch.lastError()].find(isAuthError);
      if (refusal !== undefined) {
        return {
          componentType: 'datastore',
          componentId: 'redis',
          status: 'fail',
          time: clock().toISOString(),
          output: `Redis refused the credentials (${messageOf(refusal)}); check REDIS_URL, REDIS_USERNAME and REDIS_PASSWORD`,
        };
      }
      // A failed TLS handshake shows only as the connection's last error; the PING just finds no stream.
      const last = watch.lastError();
      const hint = watch.tlsHint();
      return {
        componentType: 'datastore',
        componentId: 'redis',
        status: 'warn',
        time: clock().toISOString(),
        output:
          hint === undefined
            ? `Redis unreachable (${messageOf(err)}); running degraded`
            : `Redis unreachable (TLS: ${messageOf(last)}; ${hint}); running degraded`,
      };
    }
  };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
