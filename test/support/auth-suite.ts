import type { FastifyInstance, InjectOptions } from 'fastify';
import { type Logger, pino } from 'pino';
import { expect } from 'vitest';
import { routeTable } from '../../src/api/index.ts';
import { createRuntime } from '../../src/cli/runtime.ts';
import type { Scope } from '../../src/contract/index.ts';
import type { RedisClient } from '../../src/redis/index.ts';
import { grants, type RedisTenancy, type Tenancy } from '../../src/tenancy/index.ts';
import { waitFor } from '../harness/index.ts';
import { testConfig } from './config.ts';

/** The scopes any org's tokens may hold; `operator` belongs to the default org's bootstrap token only. */
type OrgScope = Exclude<Scope, 'operator'>;
const SCOPES: readonly OrgScope[] = ['ingest', 'read', 'admin'];

/** One protected route, as the shared auth suite calls it. */
export interface ProtectedRoute {
  readonly method: string;
  /** A URL naming, where the route takes one, an existing resource of org A (e.g. `/api/v1/hosts/web-1`). */
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

/** How the suite fills in each route of the app: path parameters and bodies, from the test's data. */
export interface RouteFixture {
  /** The value of each path parameter of a route pattern (e.g. `:id` of `/api/v1/tokens/:id`). */
  readonly param: (pattern: string, name: string) => string;
  /** Bodies (and headers) by `METHOD pattern`; a route with none is sent no body. */
  readonly requests?: Readonly<
    Record<string, { payload: InjectOptions['payload']; headers?: Record<string, string>; query?: string }>
  >;
  /**
   * Routes without a path parameter that still name one resource of org A, by `METHOD pattern` (e.g.
   * the default org's own Redis at `GET /api/v1/redis/health`): org B gets 404 there, as for a resource.
   */
  readonly resources?: readonly string[];
}

/**
 * Every protected route of the app, from its own route table: a route added later is covered without
 * editing the suite (if it needs a body, the suite reports the 4xx org B got until the test gives one).
 */
export function protectedRoutes(app: FastifyInstance, fixture: RouteFixture): ProtectedRoute[] {
  const table = routeTable(app).filter(
    (r) => r.url.startsWith('/api/') && r.scope !== undefined && r.scope !== 'public',
  );
  const gets = new Set(table.filter((r) => r.method === 'GET').map((r) => r.url));
  return table.map((r) => {
    const url = r.url.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(fixture.param(r.url, name)));
    const request = fixture.requests?.[`${r.method} ${r.url}`];
    const resource = r.url.includes(':') || (fixture.resources ?? []).includes(`${r.method} ${r.url}`);
    const changes = r.method === 'PATCH' || r.method === 'DELETE';
    return {
      method: r.method,
      url: request?.query ? `${url}?${request.query}` : url,
      scope: r.scope as Scope,
      payload: request?.payload,
      headers: request?.headers,
      kind: resource ? 'resource' : 'collection',
      survivesAt: resource && changes && gets.has(r.url) ? url : undefined,
    };
  });
}

export interface SuiteTokens {
  /** A token of org A per scope. */
  readonly orgA: Readonly<Record<OrgScope, string>>;
  /** A token of org B per scope. */
  readonly orgB: Readonly<Record<OrgScope, string>>;
  /** Strings of org A's data (host ids, names, token ids) that must never appear in an answer to org B. */
  readonly orgAMarkers: readonly string[];
}

/** One token per scope in `org`, for the suite. */
export async function scopedTokens(tenancy: Tenancy, org: string): Promise<Record<OrgScope, string>> {
  const make = async (scope: OrgScope) =>
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
  const res = await app.inject({
    method: route.method as InjectOptions['method'],
    url: route.url,
    payload: route.payload,
    headers,
  });
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
  // Operator routes manage every org: no other org holds the scope (its admin got 403 above).
  if (route.scope === 'operator') return problems;
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
 * resource of org A (as for a missing one) or 2xx without org A's data for a collection (operator
 * routes have no other org to try: org A's admin token is refused there). Fails once, listing every
 * route and case that answered otherwise.
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

/**
 * The whole app (as the server builds it) over `redisUrl` under `prefix`, without the admin bootstrap
 * (the test runs it and gets the generated token) and without the built-in agent.
 */
export async function tenancyTestApp(
  redisUrl: string,
  prefix: string,
  options: { logger?: Logger } = {},
): Promise<TenancyTestApp> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const config = testConfig({ REDIS_URL: redisUrl, VITALS_KEY_PREFIX: prefix });
  const runtime = await createRuntime(config, logger, { bootstrap: false });
  // A request-role connection has no offline queue: wait until it can take commands.
  await waitFor(() => runtime.redis.status === 'ready', { timeoutMs: 5000 });
  return {
    app: runtime.app,
    tenancy: runtime.api.tenancy,
    redis: runtime.redis,
    close: () => runtime.close(),
  };
}
