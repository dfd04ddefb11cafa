import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeOtlpGauges } from '../src/ingest/push-otlp.ts';
import { encodeRemoteWrite } from '../src/ingest/push-prom-remote.ts';
import { Keys } from '../src/redis/index.ts';
import { type RedisServer, startRedis, uniquePrefix, waitFor } from './harness/index.ts';
import { ADMIN_TOKEN, type ApiEnv, apiEnv } from './support/api.ts';
import { readRequest } from './support/prom-read.ts';
import { headPoints } from './support/tsdb.ts';

/**
 * Every route of the OpenAPI document, driven with Redis stopped and with Redis frozen (`kill -STOP`):
 * each answers 2xx (with `partial` where it answers from the hot tier) or 503 with Retry-After, never
 * 500, and never waits past the request deadline. Afterwards every sample acknowledged during the
 * outage is in Redis exactly once.
 */

const ORG = 'default';
const HOST = 'web-1';
/** The request deadline these tests run with (REDIS_SOCKET_TIMEOUT). */
const DEADLINE_MS = 1000;

interface Operation {
  readonly method: string;
  /** OpenAPI path, e.g. `/api/v1/hosts/{id}`. */
  readonly path: string;
}

interface Answer {
  readonly route: string;
  readonly status: number;
  readonly retryAfter: string | undefined;
  readonly partial: boolean;
  readonly ms: number;
  readonly body: string;
}

/** Acknowledged samples: timestamp → value of series `outage.v` of HOST. */
const acked = new Map<number, number>();
let nextTimestamp = 0;

function sample(): { t: number; v: number } {
  nextTimestamp += 1000;
  return { t: nextTimestamp, v: nextTimestamp / 1000 };
}

/** What each operation is sent, so that with Redis up it would succeed (2xx). */
function requestFor(
  op: Operation,
  phase: string,
): { url: string; payload?: unknown; headers?: Record<string, string>; sample?: { t: number; v: number } } {
  const url = op.path
    .replace('{id}', op.path.startsWith('/api/v1/tokens/') ? 'tok-unknown' : HOST)
    .replace('{type}', 'memory');
  switch (`${op.method} ${op.path}`) {
    case 'POST /api/v1/ingest': {
      const { t, v } = sample();
      return {
        url,
        payload: { hosts: [{ host: HOST, snapshots: [{ timestamp: t, metrics: { 'outage.v': v } }] }] },
        sample: { t, v },
      };
    }
    case 'POST /api/v1/write':
    case 'POST /write':
    case 'POST /api/v2/write': {
      const { t, v } = sample();
      return {
        url: `${url}?precision=ms&host=${HOST}`,
        payload: `outage v=${v} ${t}`,
        headers: { 'content-type': 'text/plain' },
        sample: { t, v },
      };
    }
    // The same series through the other protocols: `outage:v` is stored as `outage.v` (remote_write).
    case 'POST /api/v1/prom/write': {
      const { t, v } = sample();
      return {
        url,
        payload: encodeRemoteWrite([{ labels: { __name__: 'outage:v', instance: HOST }, samples: [[t, v]] }]),
        headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
        sample: { t, v },
      };
    }
    case 'POST /v1/metrics': {
      const { t, v } = sample();
      return {
        url,
        payload: Buffer.from(
          encodeOtlpGauges([{ host: HOST, series: [{ name: 'outage.v', labels: {}, points: [[t, v]] }] }]),
        ),
        headers: { 'content-type': 'application/x-protobuf' },
        sample: { t, v },
      };
    }
    case 'POST /api/v1/prom/read':
      return {
        url,
        payload: readRequest([
          { start: Date.now() - 3_600_000, end: Date.now(), matchers: [[0, '__name__', 'outage_v']] },
        ]),
        headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
      };
    case 'POST /api/v1/hosts':
      return { url, payload: { id: `made-${phase}` } };
    case 'PATCH /api/v1/hosts/{id}':
      return { url, payload: { name: `renamed ${phase}` } };
    case 'POST /api/v1/tokens':
      return { url, payload: { name: `made ${phase}`, scopes: ['read'] } };
    case 'POST /api/v1/orgs':
      return { url, payload: { id: `org-${phase}`, name: phase } };
    case 'DELETE /api/v1/orgs/{id}':
      return { url: url.replace(HOST, 'doomed-org') };
    case 'POST /api/v1/alerts/rules':
    case 'POST /api/v1/alerts/rules/preview':
      return {
        url,
        payload: { id: `rule-${phase}`, name: 'r', selector: { metric: 'outage.v' }, threshold: 1 },
      };
    case 'PATCH /api/v1/alerts/rules/{id}':
      return { url: url.replace(HOST, `host-cpu.${HOST}`), payload: { enabled: false } };
    case 'GET /api/v1/alerts/rules/{id}':
    case 'GET /api/v1/alerts/rules/{id}/preview':
      return { url: url.replace(HOST, `host-cpu.${HOST}`) };
    case 'DELETE /api/v1/alerts/rules/{id}':
      return { url: url.replace(HOST, `rule-${phase}`) };
    case 'POST /api/v1/alerts/channels':
      return {
        url,
        payload: {
          id: `ch-${phase}`,
          name: phase,
          kind: 'webhook',
          settings: { url: 'http://127.0.0.1:9/h' },
        },
      };
    case 'PATCH /api/v1/alerts/channels/{id}':
      return { url, payload: { enabled: false } };
    case 'POST /api/v1/alerts/{id}/action':
    case 'POST /alerts/{id}/action':
      return { url, payload: { action: 'ack', note: phase } };
    case 'POST /api/v1/alerts/silences':
      return {
        url,
        payload: {
          matchers: [{ name: 'host', value: HOST }],
          endsAt: Date.now() + 3_600_000,
          comment: phase,
        },
      };
    case 'DELETE /api/v1/hosts/{id}':
      return { url: url.replace(HOST, 'doomed') };
    case 'POST /api/v1/events':
      return { url, payload: { type: 'custom.outage', status: 'ok', message: phase } };
    case 'GET /api/v1/events/series':
      return { url: `${url}?type=custom.outage` };
    default:
      return { url };
  }
}

async function drive(env: ApiEnv, ops: readonly Operation[], phase: string): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (const op of ops) {
    const { url, payload, headers, sample: pushed } = requestFor(op, phase);
    const started = performance.now();
    const res = await env.call(op.method as 'GET', url, { payload, headers });
    const ms = performance.now() - started;
    if (pushed && res.statusCode >= 200 && res.statusCode < 300) acked.set(pushed.t, pushed.v);
    let partial = res.headers['x-vitals-partial'] === 'true';
    try {
      partial ||= (res.json() as { partial?: boolean }).partial === true;
    } catch {
      // Not JSON (exports, federation): the header says it.
    }
    answers.push({
      route: `${op.method} ${op.path}`,
      status: res.statusCode,
      retryAfter: res.headers['retry-after'] as string | undefined,
      partial,
      ms,
      body: res.body.slice(0, 300),
    });
  }
  return answers;
}

/** What is wrong with an answer given during an outage, or undefined. */
function problem(a: Answer): string | undefined {
  const ok2xx = a.status >= 200 && a.status < 300;
  const ok503 = a.status === 503 && a.retryAfter !== undefined && Number(a.retryAfter) >= 1;
  if (!ok2xx && !ok503) return `${a.route} → ${a.status} ${a.body}`;
  // A request must not wait for Redis much past the deadline (a few commands may each hit it).
  if (a.ms > DEADLINE_MS * 4 + 1000) return `${a.route} took ${Math.round(a.ms)} ms`;
  return undefined;
}

describe('every route while Redis is away', () => {
  let redis: RedisServer;
  let env: ApiEnv;
  let ops: Operation[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    env = await apiEnv(redis.url, uniquePrefix('outage'), {
      REDIS_SOCKET_TIMEOUT: String(DEADLINE_MS),
      REDIS_CONNECT_TIMEOUT: String(DEADLINE_MS),
      VITALS_RATE_LIMIT: '100000',
    });
    nextTimestamp = Date.now() - 600_000;
    // With Redis up: a host with data in the hot tier, and another one to delete.
    const push = await env.call('POST', '/api/v1/ingest', {
      payload: {
        hosts: [
          { host: HOST, snapshots: [{ timestamp: nextTimestamp, metrics: { 'outage.v': 0, cpu: 5 } }] },
        ],
      },
    });
    expect(push.statusCode).toBe(200);
    acked.set(nextTimestamp, 0);
    expect((await env.call('POST', '/api/v1/hosts', { payload: { id: 'doomed' } })).statusCode).toBe(201);
    const org = { id: 'doomed-org', name: 'Doomed' };
    expect((await env.call('POST', '/api/v1/orgs', { payload: org })).statusCode).toBe(201);
    // Served once with Redis up, as a dashboard would have: tokens and hosts are then cached.
    expect((await env.call('GET', '/api/v1/hosts')).statusCode).toBe(200);
    expect((await env.call('GET', `/api/v1/hosts/${HOST}`)).statusCode).toBe(200);
    expect((await env.call('GET', '/api/v1/hosts/doomed')).statusCode).toBe(200);

    const spec = (await env.runtime.app.inject({ url: '/docs/json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    ops = Object.entries(spec.paths).flatMap(([path, methods]) =>
      Object.keys(methods)
        .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        // The live stream never ends by itself: it is checked over a socket below.
        .filter(() => path !== '/api/v1/live')
        .map((m) => ({ method: m.toUpperCase(), path })),
    );
  });

  afterAll(async () => {
    await env?.close();
    await redis?.close();
  });

  it('walks every route of the OpenAPI document', () => {
    const routes = ops.map((o) => `${o.method} ${o.path}`);
    expect(routes.length).toBeGreaterThanOrEqual(25);
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /api/v1/ingest',
        'POST /api/v1/write',
        'POST /write',
        'POST /api/v2/write',
        'POST /api/v1/prom/write',
        'POST /api/v1/prom/read',
        'POST /v1/metrics',
        'GET /api/v1/orgs',
        'POST /api/v1/orgs',
        'DELETE /api/v1/orgs/{id}',
        'GET /api/v1/me',
        'GET /api/v1/overview',
        'GET /api/v1/hosts/{id}/metrics/range',
        'GET /api/v1/hosts/{id}/series',
        'GET /api/v1/hosts/{id}/export',
        'POST /api/v1/queues/collect/pause',
        'GET /metrics',
        'GET /metrics/prometheus',
        'GET /api/v1/redis/performance',
        'GET /performance',
        'GET /monitoring/status',
        'POST /monitoring/start',
        'POST /monitoring/stop',
        'GET /api/v1/export/grafana',
        'GET /api/v1/export/prometheus-rules',
        'GET /dashboard/grafana',
        'GET /dashboard/prometheus-rules',
        'GET /dashboard/export',
        'GET /api/v1/redis/health',
        'GET /api/v1/redis/health/{type}',
        'GET /monitoring/redis/health',
        'GET /health/{type}',
        'GET /api/v1/alerts',
        'GET /api/v1/alerts/summary',
        'GET /api/v1/alerts/history',
        'GET /api/v1/alerts/{id}',
        'POST /api/v1/alerts/{id}/action',
        'GET /api/v1/alerts/silences',
        'POST /api/v1/alerts/silences',
        'DELETE /api/v1/alerts/silences/{id}',
        'GET /monitoring/redis/alerts',
        'GET /alerts/summary',
        'POST /alerts/{id}/action',
        'GET /api/v1/alerts/rules',
        'POST /api/v1/alerts/rules',
        'GET /api/v1/alerts/rules/{id}',
        'PATCH /api/v1/alerts/rules/{id}',
        'DELETE /api/v1/alerts/rules/{id}',
        'GET /api/v1/alerts/rules/{id}/preview',
        'POST /api/v1/alerts/rules/preview',
        'GET /api/v1/alerts/channels',
        'POST /api/v1/alerts/channels',
        'PATCH /api/v1/alerts/channels/{id}',
        'POST /api/v1/alerts/channels/{id}/test',
        'GET /api/v1/alerts/deliveries',
        'POST /api/v1/events',
        'GET /api/v1/events',
        'GET /api/v1/events/stats',
        'GET /api/v1/events/series',
        'GET /api/hosts/{id}/metrics/range',
        'GET /api/hosts/{id}/metrics/recent',
        'POST /api/v1/servers/metrics/collect-all',
        'GET /api/v1/servers/metrics/queue/stats',
        'POST /api/v1/servers/metrics/queue/pause',
        'POST /api/v1/servers/metrics/queue/resume',
        'POST /api/v1/servers/metrics/queue/clean',
        'GET /api/v1/servers/metrics/aggregate',
      ]),
    );
  });

  for (const how of ['stopped', 'frozen'] as const) {
    it(`answers 2xx or 503 with Retry-After on every route with Redis ${how}, never 500`, async () => {
      if (how === 'stopped') await redis.stop();
      else redis.freeze();
      let answers: Answer[];
      let newcomer: number;
      try {
        answers = await drive(env, ops, how);
        // A host nobody created yet pushes: taken into the spool, registered once Redis answers.
        newcomer = (
          await env.call('POST', '/api/v1/ingest', {
            payload: {
              hosts: [{ host: `new-${how}`, snapshots: [{ timestamp: Date.now(), metrics: { x: 1 } }] }],
            },
          })
        ).statusCode;
      } finally {
        if (how === 'stopped') await redis.restart();
        else redis.thaw();
      }
      expect(answers.map(problem).filter((p) => p !== undefined)).toEqual([]);
      expect(newcomer).toBe(200);
      const by = (route: string) => answers.find((a) => a.route === route);
      // Pushes are taken into the spool, for a known host and a new one alike.
      expect(by('POST /api/v1/ingest')?.status).toBe(200);
      expect(by('POST /api/v1/write')?.status).toBe(204);
      expect(by('POST /write')?.status).toBe(204);
      expect(by('POST /api/v2/write')?.status).toBe(204);
      // Newest values come from the hot tier, marked partial.
      for (const route of [
        'GET /api/v1/overview',
        'GET /api/v1/hosts/{id}/metrics/latest',
        'GET /api/v1/hosts/{id}/metrics/recent',
        'GET /api/v1/hosts/{id}/series',
        'GET /api/hosts/{id}/metrics/recent',
        'GET /api/v1/servers/metrics/aggregate',
      ]) {
        expect(by(route), route).toMatchObject({ status: 200, partial: true });
      }
      expect(by('GET /api/v1/hosts/{id}/metrics/range')?.status).toBe(503);
      expect(by('GET /api/hosts/{id}/metrics/range')?.status).toBe(503);
      expect(by('GET /api/v1/hosts/{id}/export')?.status).toBe(503);
      expect(by('GET /health')?.status).toBe(200);
      // The Redis health checks fail (503 with Retry-After) while Redis does not answer.
      for (const route of [
        'GET /api/v1/redis/health',
        'GET /api/v1/redis/health/{type}',
        'GET /monitoring/redis/health',
        'GET /health/{type}',
      ])
        expect(by(route)?.status, route).toBe(503);
      // The exports are generated from code alone.
      expect(by('GET /api/v1/export/grafana')?.status).toBe(200);
      expect(by('GET /dashboard/export')?.status).toBe(200);
      // The process' own figures, and Redis figures from memory.
      expect(by('GET /metrics')?.status).toBe(200);
      // Connection events are recorded and answered from memory.
      expect(by('POST /api/v1/events')?.status).toBe(202);
      for (const route of ['GET /api/v1/events', 'GET /api/v1/events/stats', 'GET /api/v1/events/series'])
        expect(by(route)?.status, route).toBe(200);
      // Back to normal once Redis answers: the same route without `partial`.
      await waitFor(
        async () => {
          const res = await env.call('GET', `/api/v1/hosts/${HOST}/metrics/latest`);
          return res.statusCode === 200 && res.json().partial === undefined;
        },
        { timeoutMs: 15_000, message: 'latest served from Redis again' },
      );
    }, 120_000);
  }

  it('opens the live stream while Redis is away', async () => {
    const url = await env.runtime.listen();
    await redis.stop();
    try {
      const abort = new AbortController();
      const res = await fetch(`${url}/api/v1/live`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        signal: abort.signal,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      abort.abort();
    } finally {
      await redis.restart();
    }
  });

  it('stores every sample acknowledged during the outages in Redis exactly once', async () => {
    await waitFor(() => env.runtime.tsdb.writer.stats().spoolBytes === 0, {
      timeoutMs: 20_000,
      message: 'spool replayed',
    });
    await env.runtime.tsdb.writer.flush();
    const points = await headPoints(redis.client(), new Keys(env.runtime.keys.prefix), ORG, HOST);
    const stored = points.get('outage.v');
    const expected = [...acked.keys()].sort((a, b) => a - b);
    expect([...(stored?.timestamps ?? [])]).toEqual(expected);
    expect([...(stored?.values ?? [])]).toEqual(expected.map((t) => acked.get(t)));
    // Hosts first seen while Redis was away were registered once it answered.
    for (const host of ['new-stopped', 'new-frozen']) {
      await waitFor(async () => (await env.call('GET', `/api/v1/hosts/${host}`)).statusCode === 200, {
        timeoutMs: 15_000,
        message: `${host} registered`,
      });
    }
  });
});

describe('a server started while Redis is down', () => {
  it('accepts the bootstrap admin token at once and serves fully as soon as Redis appears', async () => {
    const redis = await startRedis();
    await redis.stop();
    const env = await apiEnv(
      redis.url,
      uniquePrefix('cold-start'),
      { REDIS_SOCKET_TIMEOUT: String(DEADLINE_MS), REDIS_CONNECT_TIMEOUT: String(DEADLINE_MS) },
      {},
      { waitForRedis: false },
    );
    try {
      const t = Date.now() - 1000;
      const push = await env.call('POST', '/api/v1/ingest', {
        payload: { hosts: [{ host: 'early', snapshots: [{ timestamp: t, metrics: { x: 7 } }] }] },
      });
      expect(push.statusCode).toBe(200);
      expect(push.json()).toMatchObject({ stored: 'spool', samples: 1 });
      const hosts = await env.call('GET', '/api/v1/hosts');
      expect(hosts.statusCode).toBe(503);
      expect(hosts.headers['retry-after']).toBeDefined();
      await redis.restart();
      await waitFor(async () => (await env.call('GET', '/api/v1/hosts/early')).statusCode === 200, {
        timeoutMs: 20_000,
        message: 'host registered after Redis appeared',
      });
      await waitFor(
        async () => {
          const res = await env.call(
            'GET',
            `/api/v1/hosts/early/metrics/range?startTime=${Date.now() - 3_600_000}`,
          );
          return res.statusCode === 200 && res.json().count === 1;
        },
        { timeoutMs: 20_000, message: 'spooled sample readable' },
      );
    } finally {
      await env.close();
      await redis.close();
    }
  }, 60_000);
});
