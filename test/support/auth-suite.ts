import type { FastifyInstance, InjectOptions } from 'fastify';
import { type Logger, pino } from 'pino';
import { expect } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { installAuth } from '../../src/api/auth.ts';
import { hostRoutes } from '../../src/api/routes/hosts.ts';
import { tokenRoutes } from '../../src/api/routes/tokens.ts';
import type { Scope } from '../../src/contract/index.ts';
import { HealthRegistry } from '../../src/monitor/index.ts';
import { createRedis, Keys, type RedisClient } from '../../src/redis/index.ts';
import { grants, RedisTenancy, type RedisTenancyOptions, type Tenancy } from '../../src/tenancy/index.ts';
import { waitFor } from '../harness/index.ts';
import { testConfig } from './config.ts';

const SCOPES: readonly Scope[] = ['ingest', 'read', 'admin'];

/** One protected route, as the shared auth suite calls it. */
export interface ProtectedRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** For `resource` routes: a URL naming an existing resource of org A (e.g. `/api/v1/hosts/web-1`). */
  readonly url: string;
  /** The scope the route requires. */
  readonly scope: Scope;
  /** A body the route accepts, so org B's attempt is refused for its org, not for its input. */
  readonly payload?: InjectOptions['payload'];
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * What org B's token with the right scope gets: `resource` → 404, exactly as for a missing resource;
   * `collection` → 2xx with org B's own (here: none of org A's) data.
   */
  readonly kind: 'resource' | 'collection';
  /** After org B's attempt, org A's admin token must still get 200 here (e.g. the host B tried to delete). */
  readonly survivesAt?: string;
}

export interface SuiteTokens {
  /** A token of org A per scope. */
  readonly orgA: Readonly<Record<Scope, string>>;
  /** A token of org B per scope. */
  readonly orgB: Readonly<Record<Scope, string>>;
  /** Strings of org A's data (host ids, names, token ids) that must never appear in an answer to org B. */
  readonly orgAMarkers: readonly string[];
}

/** One token per scope in `org`, for the suite. */
export async function scopedTokens(tenancy: Tenancy, org: string): Promise<Record<Scope, string>> {
  const make = async (scope: Scope) =>
    (await tenancy.createToken(org, { name: `suite ${scope}`, scopes: [scope] })).token;
  return { ingest: await make('ingest'), read: await make('read'), admin: await make('admin') };
}

interface Answer {
  readonly status: number;
  readonly code: string | undefined;
  readonly body: string;
}

async function call(app: FastifyInstance, route: ProtectedRoute, authorization?: string): Promise<Answer> {
  const headers: Record<string, string> = { ...route.headers };
  if (authorization !== undefined) headers.authorization = authorization;
  const res = await app.inject({ method: route.method, url: route.url, payload: route.payload, headers });
  let code: string | undefined;
  try {
    code = (res.json() as { error?: { code?: string } }).error?.code;
  } catch {
    code = undefined;
  }
  return { status: res.statusCode, code, body: res.body };
}

async function checkRoute(
  app: FastifyInstance,
  route: ProtectedRoute,
  tokens: SuiteTokens,
): Promise<string[]> {
  const name = `${route.method} ${route.url}`;
  const problems: string[] = [];
  const expectAnswer = (what: string, got: Answer, status: number, code: string) => {
    if (got.status !== status || got.code !== code) {
      problems.push(
        `${name}: ${what} → ${got.status} ${got.code ?? '(no error code)'}, expected ${status} ${code}`,
      );
    }
  };
  expectAnswer('no token', await call(app, route), 401, 'unauthorized');
  expectAnswer('unknown token', await call(app, route, `Bearer vt_${'A'.repeat(43)}`), 401, 'unauthorized');
  expectAnswer('not a bearer token', await call(app, route, 'Basic dXNlcjpwYXNz'), 401, 'unauthorized');
  for (const scope of SCOPES.filter((s) => !grants([s], route.scope))) {
    expectAnswer(
      `"${scope}" token`,
      await call(app, route, `Bearer ${tokens.orgA[scope]}`),
      403,
      'forbidden',
    );
  }
  const other = await call(app, route, `Bearer ${tokens.orgB[route.scope]}`);
  if (route.kind === 'resource') expectAnswer("other org's token", other, 404, 'not_found');
  else if (other.status < 200 || other.status > 299) {
    problems.push(`${name}: other org's token → ${other.status}, expected 2xx with its own data`);
  }
  const leaked = tokens.orgAMarkers.filter((m) => other.body.includes(m) && !route.url.includes(m));
  if (leaked.length > 0) problems.push(`${name}: other org's answer shows org A's ${leaked.join(', ')}`);
  if (route.survivesAt !== undefined) {
    const res = await app.inject({
      url: route.survivesAt,
      headers: { authorization: `Bearer ${tokens.orgA.admin}` },
    });
    if (res.statusCode !== 200) problems.push(`${name}: ${route.survivesAt} gone after org B's attempt`);
  }
  return problems;
}

/**
 * The shared auth suite: for every route, no token / an unknown token / a non-bearer header → 401;
 * each token of org A whose scope falls short → 403; org B's token with the right scope → 404 for a
 * resource of org A (as for a missing one) or 2xx without org A's data for a collection. Fails once,
 * listing every route and case that answered otherwise.
 */
export async function assertRouteAuth(
  app: FastifyInstance,
  routes: readonly ProtectedRoute[],
  tokens: SuiteTokens,
): Promise<void> {
  const problems: string[] = [];
  for (const route of routes) problems.push(...(await checkRoute(app, route, tokens)));
  expect(problems).toEqual([]);
}

export interface TenancyTestApp {
  readonly app: FastifyInstance;
  readonly tenancy: RedisTenancy;
  /** The request-role connection the tenancy uses. */
  readonly redis: RedisClient;
  close(): Promise<void>;
}

/** The HTTP app with auth, token and host routes on a tenancy over `redisUrl` under `prefix`. */
export async function tenancyTestApp(
  redisUrl: string,
  prefix: string,
  options: { logger?: Logger; tenancy?: Partial<RedisTenancyOptions> } = {},
): Promise<TenancyTestApp> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const redis = createRedis({ config: testConfig({ REDIS_URL: redisUrl }).redis, logger }, 'request');
  // A request-role connection has no offline queue: wait until it can take commands.
  await waitFor(() => redis.status === 'ready', { timeoutMs: 5000 });
  const tenancy = new RedisTenancy({ redis, keys: new Keys(prefix), logger, ...options.tenancy });
  const health = new HealthRegistry({ serviceId: 'vitals', releaseId: 'test' });
  const app = await buildApp({ logger, health, isReady: () => true });
  installAuth(app, tenancy);
  tokenRoutes(app, { tenancy });
  hostRoutes(app, { tenancy });
  return {
    app,
    tenancy,
    redis,
    async close() {
      await app.close();
      redis.disconnect();
    },
  };
}
