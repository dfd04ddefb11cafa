import { hash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { Keys, RedisClient } from '../redis/index.ts';
import { PublicError } from './errors.ts';
import { OrgBudget } from './org-budget.ts';
import { sharedCountStore } from './shared-count-store.ts';

export interface RateLimits {
  /** Requests per token per minute (VITALS_RATE_LIMIT). */
  readonly perToken: number;
  /** Requests per org per minute, its tokens together (VITALS_RATE_LIMIT_PER_ORG). */
  readonly perOrg: number;
}

/**
 * Per-token and per-org rate limits on `/api/…` and `/write` (health, docs and the dashboard are not limited),
 * counted in Redis so every process shares the budgets, in the background: a request within its budgets
 * waits for no Redis command, and one past them is refused from memory. While Redis is down the limiters step aside
 * (`skipOnError`): an outage must not turn ingest into errors. Call after `installAuth`: the org
 * comes from the verified token.
 */
export async function installRateLimit(
  app: FastifyInstance,
  redis: RedisClient,
  keys: Keys,
  limits: RateLimits,
): Promise<void> {
  const budget = new OrgBudget(redis, keys, limits.perOrg);
  // Runs after authentication (an instance hook added after it) and before the per-token limiter
  // (route hooks run after instance hooks).
  app.addHook('onRequest', async (request) => {
    if (request.auth && limited(request.url)) await budget.spend(request.auth.org);
  });
  const perMinute = limits.perToken;
  await app.register(rateLimit, {
    global: true,
    max: perMinute,
    timeWindow: 60_000,
    // Shared in Redis, counted without a round trip on the request's path (shared-count-store.ts).
    store: sharedCountStore(redis, keys.rateLimit()) as never,
    skipOnError: true,
    // Not counted: paths outside the API, and every request while the connection is not ready (the
    // count would only fail after the command deadline; skipOnError covers a Redis that freezes mid-way).
    allowList: (request) => !limited(request.url) || redis.status !== 'ready',
    // The token identifies the client; its hash keeps the secret out of Redis. No token: the address.
    keyGenerator: (request) => {
      const header = request.headers.authorization;
      return header ? hash('sha256', header, 'hex') : request.ip;
    },
    errorResponseBuilder: (_request, context) =>
      new PublicError(
        'rate_limited',
        `rate limit reached: at most ${context.max} requests per minute per token (VITALS_RATE_LIMIT)`,
        {
          retryAfterSec: Math.max(1, Math.ceil(context.ttl / 1000)),
        },
      ),
  });
}

/** The routes counted: the API, InfluxDB 1.x's `/write` that Telegraf and curl push to, and OTLP's `/v1/metrics`. */
function limited(url: string): boolean {
  return (
    url.startsWith('/api/') ||
    url === '/write' ||
    url.startsWith('/write?') ||
    url === '/v1/metrics' ||
    url.startsWith('/v1/metrics?')
  );
}
