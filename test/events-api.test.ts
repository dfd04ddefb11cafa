import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis, uniquePrefix, waitFor } from './harness/index.ts';
import { type ApiEnv, apiEnv } from './support/api.ts';

interface EventOut {
  id: string;
  type: string;
  status: 'ok' | 'error';
  at: number;
  time: string | null;
  latencyMs?: number;
  message?: string;
  meta?: Record<string, unknown>;
}
interface Page {
  events: EventOut[];
  nextCursor?: string;
  partial: boolean;
}

let redis: RedisServer;
let env: ApiEnv;
const token = { ingest: '', read: '', other: '', otherIngest: '' };
const T0 = Date.now() - 10 * 60_000;

beforeAll(async () => {
  redis = await startRedis();
  env = await apiEnv(redis.url, uniquePrefix('events-api'));
  const { tenancy } = env.runtime.api;
  await tenancy.createOrg({ id: 'other', name: 'Other' });
  token.ingest = (await tenancy.createToken('default', { name: 'i', scopes: ['ingest'] })).token;
  token.read = (await tenancy.createToken('default', { name: 'r', scopes: ['read'] })).token;
  token.other = (await tenancy.createToken('other', { name: 'o', scopes: ['read'] })).token;
  token.otherIngest = (await tenancy.createToken('other', { name: 'oi', scopes: ['ingest'] })).token;
});

afterAll(async () => {
  await env?.close();
  await redis?.close();
});

function post(payload: unknown, as = token.ingest) {
  return env.call('POST', '/api/v1/events', { payload, token: as });
}

async function list(query: string, as = token.read): Promise<Page> {
  const res = await env.call('GET', `/api/v1/events?${query}`, { token: as });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Page;
}

async function badRequest(res: Promise<{ statusCode: number; json(): unknown }>): Promise<string> {
  const answer = await res;
  expect(answer.statusCode).toBe(400);
  return (answer.json() as { error: { message: string } }).error.message;
}

describe('POST /api/v1/events', () => {
  it('does accept one event or a batch with 202, and list them with ms and ISO times', async () => {
    const one = await post({
      type: 'custom.deploy',
      status: 'ok',
      at: T0,
      latencyMs: 5,
      meta: { app: 'web' },
    });
    expect(one.statusCode).toBe(202);
    expect(one.json()).toEqual({ accepted: 1 });
    const batch = await post({
      events: [
        { type: 'custom.deploy', status: 'error', at: T0 + 1, message: 'rollout failed' },
        { type: 'custom.backup', status: 'ok', at: T0 + 2 },
      ],
    });
    expect(batch.json()).toEqual({ accepted: 2 });
    const page = await list('type=custom.deploy');
    expect(page.events.map((e) => [e.at, e.status, e.time])).toEqual([
      [T0 + 1, 'error', new Date(T0 + 1).toISOString()],
      [T0, 'ok', new Date(T0).toISOString()],
    ]);
    expect(page.events[1]).toMatchObject({ latencyMs: 5, meta: { app: 'web' } });
    expect(page.partial).toBe(false);
  });

  it('does read `at` below 1e11 as seconds and from 1e11 on as ms', async () => {
    const seconds = Math.floor(T0 / 1000) - 60;
    await post({
      events: [
        { type: 'custom.clock', status: 'ok', at: seconds },
        { type: 'custom.clock', status: 'ok', at: seconds * 1000 + 500 },
      ],
    });
    const page = await list('type=custom.clock');
    expect(page.events.map((e) => e.at)).toEqual([seconds * 1000 + 500, seconds * 1000]);
    for (const e of page.events) expect(e.time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('does refuse bad events with 400 naming the field, and nothing of the batch is kept', async () => {
    expect(await badRequest(post({ type: 'ssh', status: 'ok' }))).toMatch(/^body\.type/);
    expect(await badRequest(post({ type: 'custom.x', status: 'maybe' }))).toMatch(/^body\.status/);
    expect(await badRequest(post({ type: 'custom.x', status: 'ok', at: '1700000000' }))).toMatch(/^body\.at/);
    expect(await badRequest(post({ type: 'custom.x', status: 'ok', colour: 'red' }))).toMatch(/colour/);
    const many = Array.from({ length: 1001 }, () => ({ type: 'custom.many', status: 'ok' }));
    expect(await badRequest(post({ events: many }))).toMatch(/body\.events/);
    const mixed = [{ type: 'custom.half', status: 'ok' }, { type: 'custom.half' }];
    expect(await badRequest(post({ events: mixed }))).toMatch(/body\.events\.1\.status/);
    expect((await list('type=custom.half')).events).toEqual([]);
  });

  it('does ask for the ingest scope to post and the read scope to read', async () => {
    expect((await post({ type: 'custom.x', status: 'ok' }, token.read)).statusCode).toBe(403);
    expect((await env.call('GET', '/api/v1/events', { token: token.ingest })).statusCode).toBe(403);
    expect((await env.call('GET', '/api/v1/events/stats', { token: token.ingest })).statusCode).toBe(403);
  });
});

describe('GET /api/v1/events', () => {
  it('does page newest first through every event exactly once', async () => {
    const events = Array.from({ length: 25 }, (_, i) => ({ type: 'custom.page', status: 'ok', at: T0 + i }));
    await post({ events });
    const seen: number[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await list(
        `type=custom.page&limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      seen.push(...page.events.map((e) => e.at));
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(events.map((e) => e.at).reverse());
  });

  it('does filter by status and time range', async () => {
    const errors = await list('type=custom.deploy&status=error');
    expect(errors.events.map((e) => e.message)).toEqual(['rollout failed']);
    const range = await list(`type=custom.page&from=${T0 + 5}&to=${T0 + 7}`);
    expect(range.events.map((e) => e.at)).toEqual([T0 + 7, T0 + 6, T0 + 5]);
  });

  it('does refuse bad parameters with 400 naming them', async () => {
    expect(await badRequest(env.call('GET', '/api/v1/events?limit=0'))).toMatch(/^query\.limit/);
    expect(await badRequest(env.call('GET', '/api/v1/events?type=bogus'))).toMatch(/^query\.type/);
    expect(await badRequest(env.call('GET', '/api/v1/events?status=fine'))).toMatch(/^query\.status/);
    expect(await badRequest(env.call('GET', '/api/v1/events?hosts=a'))).toMatch(/query\.hosts/);
    expect(await badRequest(env.call('GET', `/api/v1/events?from=${T0}&to=${T0 - 1}`))).toMatch(
      /query\.from/,
    );
  });

  it('does keep orgs apart: an org sees its own events only, system events belong to default', async () => {
    await post({ type: 'custom.secret', status: 'ok', at: T0 }, token.ingest);
    await post({ type: 'custom.theirs', status: 'ok', at: T0 }, token.otherIngest);
    expect((await list('type=custom.secret', token.other)).events).toEqual([]);
    expect((await list('type=custom.theirs', token.other)).events).toHaveLength(1);
    expect((await list('type=custom.theirs')).events).toEqual([]);
    // The server's own Redis connection became ready at start: a system event of the default org.
    await waitFor(async () => (await list('type=redis')).events.some((e) => e.meta?.event === 'ready'));
    expect((await list('type=redis', token.other)).events).toEqual([]);
  });
});

describe('GET /api/v1/events/stats and /series', () => {
  it('does give count, errors, error rate, last error and latency percentiles per type', async () => {
    await post({
      events: [
        { type: 'custom.stat', status: 'ok', at: T0, latencyMs: 10 },
        { type: 'custom.stat', status: 'ok', at: T0 + 1, latencyMs: 20 },
        { type: 'custom.stat', status: 'ok', at: T0 + 2, latencyMs: 30 },
        { type: 'custom.stat', status: 'error', at: T0 + 3, latencyMs: 40, message: 'timeout' },
      ],
    });
    const res = await env.call('GET', '/api/v1/events/stats?type=custom.stat', { token: token.read });
    expect(res.statusCode).toBe(200);
    const [stats] = res.json().stats;
    expect(stats).toMatchObject({
      type: 'custom.stat',
      count: 4,
      errors: 1,
      errorRatePct: 25,
      lastAt: T0 + 3,
      lastTime: new Date(T0 + 3).toISOString(),
      lastError: { at: T0 + 3, message: 'timeout', time: new Date(T0 + 3).toISOString() },
    });
    expect(stats.latency.p50).toBeGreaterThanOrEqual(20);
    expect(stats.latency.p50).toBeLessThanOrEqual(30);
    const all = (await env.call('GET', '/api/v1/events/stats', { token: token.read })).json().stats;
    expect(all.map((s: { type: string }) => s.type)).toEqual(
      expect.arrayContaining(['custom.stat', 'custom.page']),
    );
  });

  it('does give events, errors and latency per bucket', async () => {
    const start = Math.floor(T0 / 60_000) * 60_000 - 5 * 60_000;
    await post({
      events: [
        { type: 'custom.chart', status: 'ok', at: start + 1000, latencyMs: 4 },
        { type: 'custom.chart', status: 'error', at: start + 2000, latencyMs: 8 },
        { type: 'custom.chart', status: 'ok', at: start + 61_000, latencyMs: 6 },
      ],
    });
    const url = `/api/v1/events/series?type=custom.chart&from=${start}&to=${start + 180_000}&bucket=60000`;
    const res = await env.call('GET', url, { token: token.read });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ type: 'custom.chart', bucketMs: 60_000 });
    const byStart = new Map(body.buckets.map((b: { start: number }) => [b.start, b]));
    expect(byStart.get(start)).toMatchObject({ events: 2, errors: 1, time: new Date(start).toISOString() });
    expect(byStart.get(start + 60_000)).toMatchObject({ events: 1, errors: 0, latencyP50: 6 });
  });

  it('does refuse more than 1,440 buckets and a missing type with 400', async () => {
    const url = `/api/v1/events/series?type=custom.chart&from=0&to=${T0}&bucket=60000`;
    expect(await badRequest(env.call('GET', url))).toMatch(/^query\.bucket.*at most 1,440/);
    expect(await badRequest(env.call('GET', '/api/v1/events/series'))).toMatch(/^query\.type/);
    expect(await badRequest(env.call('GET', '/api/v1/events/series?type=custom.x&bucket=10'))).toMatch(
      /^query\.bucket/,
    );
  });

  // Found by the fuzzer: a range from 1970 in few huge buckets read every hour's block since then.
  it('does answer a range from 1970 in a few huge buckets, reading only what retention keeps', async () => {
    const res = await env.call('GET', '/api/v1/events/series?type=custom.chart&from=0&bucket=1099511627776');
    expect(res.statusCode, res.body).toBe(200);
    expect((res.json() as { buckets: unknown[] }).buckets.length).toBeGreaterThan(0);
  });
});

describe('during a Redis outage', () => {
  it('does take events in and answer from memory, then persist them once Redis is back', async () => {
    await redis.stop();
    try {
      expect(
        (await post({ type: 'custom.outage', status: 'error', message: 'down', at: T0 })).statusCode,
      ).toBe(202);
      const page = await list('type=custom.outage');
      expect(page.events.map((e) => e.message)).toEqual(['down']);
      const stats = await env.call('GET', '/api/v1/events/stats?type=custom.outage', { token: token.read });
      expect(stats.json().stats[0]).toMatchObject({ count: 1, errors: 1 });
    } finally {
      await redis.restart();
    }
    await waitFor(
      async () => {
        await env.runtime.api.events.flush();
        const stored = await env.runtime.api.events.store
          .stats('default', 'custom.outage')
          .catch(() => undefined);
        return stored?.lastError?.message === 'down';
      },
      { timeoutMs: 15_000, message: 'the event recorded during the outage in Redis' },
    );
  });
});
