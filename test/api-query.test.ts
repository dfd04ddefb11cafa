import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv, parseInflux } from '../src/contract/index.ts';
import { type RedisServer, startRedis, uniquePrefix } from './harness/index.ts';
import { type ApiEnv, apiEnv } from './support/api.ts';
import { assertRouteAuth, protectedRoutes, scopedTokens } from './support/auth-suite.ts';

// Aligned to the hour, so 10-minute aggregate buckets start exactly at T0.
const T0 = Math.floor((Date.now() - 3 * 3_600_000) / 3_600_000) * 3_600_000;

/** 120 snapshots a minute apart of three series for host web-1. */
async function seed(env: ApiEnv): Promise<void> {
  const snapshots = Array.from({ length: 120 }, (_, i) => ({
    timestamp: T0 + i * 60_000,
    metrics: { 'cpu.usage': i % 100, 'mem.used_pct': 50 + (i % 7) / 10, 'disk.used_pct{mount="/"}': 70 },
  }));
  const res = await env.call('POST', '/api/v1/ingest', {
    payload: { hosts: [{ host: 'web-1', snapshots }] },
  });
  expect(res.statusCode).toBe(200);
}

describe('query, export, federate and overview routes', () => {
  let redis: RedisServer;
  let env: ApiEnv;
  beforeAll(async () => {
    redis = await startRedis();
    env = await apiEnv(redis.url, uniquePrefix('query'));
    await seed(env);
  });
  afterAll(async () => {
    await env?.close();
    await redis?.close();
  });

  it('answers range as snapshot rows with a count, or as columns', async () => {
    const rows = (
      await env.call('GET', `/api/v1/hosts/web-1/metrics/range?startTime=${T0}&endTime=${T0 + 9 * 60_000}`)
    ).json();
    expect(rows.count).toBe(10);
    expect(rows.rows[3]).toEqual({ timestamp: T0 + 180_000, cpu: 3, memory: 50.3, disk: 70 });
    const cols = (
      await env.call(
        'GET',
        `/api/v1/hosts/web-1/metrics/range?startTime=${T0}&endTime=${T0 + 9 * 60_000}&shape=columns&metrics=cpu`,
      )
    ).json();
    expect(cols.count).toBe(10);
    expect(cols.columns.values.cpu.slice(0, 3)).toEqual([0, 1, 2]);
    const limited = (
      await env.call('GET', `/api/v1/hosts/web-1/metrics/range?startTime=${T0}&limit=5&metrics=cpu`)
    ).json();
    expect(limited).toMatchObject({ count: 5, truncated: true });
  });

  it('answers latest, recent and aggregate', async () => {
    const latest = (await env.call('GET', '/api/v1/hosts/web-1/metrics/latest?metrics=cpu')).json();
    expect(latest.rows).toEqual([{ timestamp: T0 + 119 * 60_000, cpu: 19 }]);
    const recent = (await env.call('GET', '/api/v1/hosts/web-1/metrics/recent?count=3&metrics=cpu')).json();
    expect(recent.rows.map((r: { cpu: number }) => r.cpu)).toEqual([17, 18, 19]);
    const agg = (
      await env.call(
        'GET',
        `/api/v1/hosts/web-1/metrics/aggregate?startTime=${T0}&endTime=${T0 + 3_600_000 - 1}&step=600000&fn=max&metrics=cpu`,
      )
    ).json();
    expect(agg.rows.map((r: { cpu: number }) => r.cpu)).toEqual([9, 19, 29, 39, 49, 59]);
    expect(agg.fn).toBe('max');
  });

  it('returns an empty result for an unknown series and 404 for an unknown host', async () => {
    const res = await env.call('GET', '/api/v1/hosts/web-1/metrics/range?metrics=no.such_metric');
    expect(res.statusCode).toBe(200);
    expect(res.json().count).toBe(0);
    expect((await env.call('GET', '/api/v1/hosts/nope/metrics/range')).statusCode).toBe(404);
  });

  it('answers 400 naming the parameter for bad query parameters', async () => {
    const cases: Array<[string, string]> = [
      [`range?startTime=${T0 + 10}&endTime=${T0}`, 'startTime'],
      ['range?limit=10001', 'limit'],
      ['aggregate?fn=median', 'fn'],
      ['range?metrics=cpu%20usage', 'metrics'],
      ['recent?count=0', 'count'],
    ];
    for (const [query, param] of cases) {
      const res = await env.call('GET', `/api/v1/hosts/web-1/metrics/${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error.message, query).toContain(param);
    }
  });

  it('answers 400 naming an unknown query parameter on every route, the overview included', async () => {
    const cases: Array<[string, string]> = [
      ['/api/v1/hosts/web-1/metrics/range?startTme=0', 'query.startTme: is not a known field'],
      ['/api/v1/hosts/web-1/metrics/aggregate?fn=avg&stepMs=1000', 'query.stepMs: is not a known field'],
      ['/api/v1/overview?hosts=web-1', 'query.hosts: is not a known field'],
      ['/api/v1/metrics/federate?match[]=up', 'query["match[]"]: is not a known field'],
      ['/api/v1/hosts?limit=5', 'query.limit: is not a known field'],
    ];
    for (const [url, message] of cases) {
      const res = await env.call('GET', url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error, url).toMatchObject({ code: 'bad_request', message });
    }
  });

  it('lists the allowed values once when a parameter is not one of them', async () => {
    const res = await env.call('GET', '/api/v1/hosts/x/metrics/aggregate?fn=bogus');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toBe(
      'query.fn: must be one of avg, min, max, sum, count, last, p50, p95, p99',
    );
    const shape = await env.call('GET', '/api/v1/hosts/web-1/metrics/range?shape=table');
    expect(shape.json().error.message).toBe('query.shape: must be one of rows, columns');
  });

  it('answers 400 naming the limit when an aggregate would hold over a million buckets', async () => {
    const now = Date.now();
    const res = await env.call(
      'GET',
      `/api/v1/hosts/web-1/metrics/aggregate?startTime=${now - 20 * 86_400_000}&endTime=${now - 1}&step=1000`,
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'bad_request',
      message: expect.stringMatching(
        /^the range holds 1,728,00\d buckets of 1000 ms; at most 1,000,000 per query \(raise step\)$/,
      ),
    });
    const all = await env.call(
      'GET',
      `/api/v1/hosts/web-1/metrics/aggregate?startTime=0&endTime=${now}&step=1000`,
    );
    expect(all.statusCode).toBe(400);
    expect(all.json().error.message).toContain('at most 1,000,000 per query');
  });

  it('streams exports in CSV, Influx line protocol and JSON lines', async () => {
    const range = `startTime=${T0}&endTime=${T0 + 4 * 60_000}`;
    const csv = await env.call('GET', `/api/v1/hosts/web-1/export?format=csv&${range}`);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(parseCsv(csv.body).samples).toHaveLength(15);
    const influx = await env.call('GET', `/api/v1/hosts/web-1/export?format=influx&${range}`);
    expect(parseInflux(influx.body).samples).toHaveLength(15);
    const json = await env.call('GET', `/api/v1/hosts/web-1/export?format=json&${range}`);
    const lines = json.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ name: 'cpu.usage', timestamp: T0, value: 0 });
  });

  it('leaves series older than 5 minutes out of federation (test/federate-prometheus.test.ts has the rest)', async () => {
    const res = await env.call('GET', '/api/v1/metrics/federate');
    expect(res.statusCode).toBe(200);
    // web-1's newest samples are an hour old: Prometheus would refuse them as too old.
    expect(res.body).not.toContain('cpu_usage');
    const file = join(mkdtempSync(join(tmpdir(), 'vitals-federate-')), 'metrics.prom');
    writeFileSync(file, res.body);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: res.body, encoding: 'utf8' });
    // promtool only lints (e.g. missing HELP): it must parse the exposition, which fails with "error parsing".
    expect(check.stderr + check.stdout).not.toMatch(/error parsing|text format parsing error/);
    expect(check.error).toBeUndefined();
  });

  it('caches the overview and drops it when new data lands', async () => {
    const first = (await env.call('GET', '/api/v1/overview')).json();
    expect(first.hosts[0]).toMatchObject({ id: 'web-1', status: 'down', latest: { cpu: 19 } });
    const hits = env.runtime.api.services.cache.stats().hits;
    await env.call('GET', '/api/v1/overview');
    expect(env.runtime.api.services.cache.stats().hits).toBe(hits + 1);
    await env.call('POST', '/api/v1/ingest', {
      payload: {
        hosts: [
          { host: 'web-1', snapshots: [{ timestamp: Date.now() - 100, metrics: { 'cpu.usage': 42 } }] },
        ],
      },
    });
    const after = (await env.call('GET', '/api/v1/overview')).json();
    expect(after.hosts[0]).toMatchObject({ status: 'up', latest: { cpu: 42 } });
  });

  it('reports the ingest queue, the cache and the idempotency store in /health', async () => {
    const health = (await env.runtime.app.inject({ url: '/health' })).json();
    expect(health.checks['ingest:queue'][0]).toMatchObject({
      componentType: 'component',
      observedUnit: 'samples',
      status: 'pass',
    });
    expect(health.checks['ingest:queue'][0].processed).toBeGreaterThan(0);
    expect(health.checks['cache:hitRate'][0]).toMatchObject({ observedUnit: '%' });
    expect(health.checks['reads:decoded'][0]).toMatchObject({ observedUnit: '%', enabled: true });
    expect(health.checks['reads:decoded'][0].bytes).toBeGreaterThanOrEqual(0);
    expect(health.checks['idempotency:store'][0]).toMatchObject({
      componentType: 'datastore',
      status: 'pass',
    });
  });

  it('publishes OpenAPI at /docs generated from the route schemas', async () => {
    const spec = (await env.runtime.app.inject({ url: '/docs/json' })).json();
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/ingest',
        '/api/v1/write',
        '/api/v1/hosts/{id}/metrics/aggregate',
        '/api/v1/overview',
      ]),
    );
    expect((await env.runtime.app.inject({ url: '/docs/' })).statusCode).toBe(200);
  });

  it('checks token, scope and org on every protected route', async () => {
    const tenancy = env.runtime.api.tenancy;
    await tenancy.createOrg({ id: 'org-b', name: 'B' });
    const orgA = await scopedTokens(tenancy, 'default');
    const orgB = await scopedTokens(tenancy, 'org-b');
    const ingest = {
      hosts: [{ host: 'b-host', snapshots: [{ timestamp: Date.now() - 1000, metrics: { x: 1 } }] }],
    };
    const write = `x value=1 ${Date.now() - 1000}000000`;
    // A notification channel of org A under the id the suite walks (`web-1`).
    await env.runtime.api.notifier.channels.create('default', {
      id: 'web-1',
      name: 'web-1',
      kind: 'webhook',
      settings: { url: 'http://127.0.0.1:9/hook' },
    });
    const routes = protectedRoutes(env.runtime.app, {
      param: (pattern, name) =>
        name === 'type' ? 'memory' : pattern.startsWith('/api/v1/alerts/rules/') ? 'host-cpu.web-1' : 'web-1',
      // Vitals' own Redis belongs to the default org (org A here).
      resources: ['GET /api/v1/redis/performance', 'GET /api/v1/redis/health'],
      requests: {
        'POST /api/v1/ingest': { payload: ingest },
        'POST /api/v1/write': {
          payload: write,
          headers: { 'content-type': 'text/plain' },
          query: 'host=b-host',
        },
        'POST /api/v2/write': {
          payload: write,
          headers: { 'content-type': 'text/plain; charset=utf-8' },
          query: 'host=b-host&bucket=b&org=o',
        },
        // An empty remote_write WriteRequest, snappy-compressed (one byte: length 0).
        'POST /api/v1/prom/write': {
          payload: Buffer.from([0]),
          headers: { 'content-type': 'application/x-protobuf' },
        },
        'PATCH /api/v1/hosts/:id': { payload: { name: 'x' } },
        'POST /api/v1/hosts': { payload: { id: 'b-made' } },
        'POST /api/v1/tokens': { payload: { name: 'b', scopes: ['read'] } },
        // Operator routes: org A's admin is refused them (403); no other org holds the scope.
        'POST /api/v1/orgs': { payload: { id: 'b-org', name: 'b' } },
        'POST /api/v1/alerts/rules': { payload: { name: 'b', selector: { metric: 'x' }, threshold: 1 } },
        'POST /api/v1/alerts/rules/preview': {
          payload: { name: 'b', selector: { metric: 'x' }, threshold: 1 },
        },
        'PATCH /api/v1/alerts/rules/:id': { payload: { enabled: false } },
        'POST /api/v1/alerts/channels': {
          payload: { name: 'b', kind: 'webhook', settings: { url: 'http://127.0.0.1:9/hook' } },
        },
        'PATCH /api/v1/alerts/channels/:id': { payload: { enabled: false } },
        'POST /api/v1/alerts/:id/action': { payload: { action: 'ack' } },
        'POST /api/v1/events': { payload: { type: 'custom.auth', status: 'ok' } },
        'GET /api/v1/events/series': { payload: undefined, query: 'type=custom.auth' },
        'GET /api/v1/hosts/:id/series': { payload: undefined, query: 'match=cpu&limit=5' },
        'POST /api/v1/alerts/silences': {
          payload: {
            matchers: [{ name: 'host', value: 'b-host' }],
            endsAt: Date.now() + 3_600_000,
            comment: 'b',
          },
        },
      },
    });
    // Every protected route is walked: a sanity floor so an empty table cannot pass.
    expect(routes.length).toBeGreaterThanOrEqual(25);
    const tokenRoute = routes.find((r) => r.url === '/api/v1/tokens/web-1');
    expect(tokenRoute?.kind).toBe('resource');
    await assertRouteAuth(env.runtime.app, routes, { orgA, orgB, orgAMarkers: ['web-1'] });
  });
});
