import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../src/cli/runtime.ts';
import type { Live } from '../src/live/index.ts';
import { DEFAULT_ORG } from '../src/tenancy/index.ts';
import { ADMIN_TOKEN, auth } from './browser/server.ts';
import { openSse } from './browser/sse-client.ts';
import { type RedisServer, sleep, startRedis, uniquePrefix, waitFor } from './harness/index.ts';
import { testConfig } from './support/config.ts';

interface Proc {
  readonly runtime: Runtime;
  readonly live: Live;
  readonly url: string;
}

/** One server process with the live fan-out wired as docs/dashboard.md asks the composition root to. */
async function startProcess(redisUrl: string, prefix: string): Promise<Proc> {
  const config = testConfig({
    REDIS_URL: redisUrl,
    VITALS_KEY_PREFIX: prefix,
    VITALS_ADMIN_TOKEN: ADMIN_TOKEN,
  });
  const runtime = await createRuntime(config, pino({ level: 'silent' }), {
    liveStreams: { sse: { heartbeatMs: 300 }, recheckMs: 200 },
  });
  const live = runtime.api.live;
  const url = await runtime.listen();
  await waitFor(async () => (await fetch(`${url}/api/v1/overview`, { headers: auth() })).status === 200, {
    timeoutMs: 10_000,
  });
  return { runtime, live, url };
}

async function push(url: string, host: string, cpu: number, t = Date.now()): Promise<void> {
  const res = await fetch(`${url}/api/v1/ingest`, {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/json' },
    body: JSON.stringify({
      hosts: [
        { host, snapshots: [{ timestamp: t, metrics: { 'cpu.usage': cpu, 'cpu.core.usage{core="0"}': 1 } }] },
      ],
    }),
  });
  expect(res.status).toBe(200);
}

async function ticket(url: string, token = ADMIN_TOKEN): Promise<string> {
  const res = await fetch(`${url}/api/v1/live/ticket`, { method: 'POST', headers: auth(token) });
  expect(res.status).toBe(201);
  expect(res.headers.get('cache-control')).toBe('no-store');
  return ((await res.json()) as { ticket: string }).ticket;
}

describe('live updates over Redis pub/sub and SSE', () => {
  let redis: RedisServer;
  let a: Proc;
  let b: Proc;

  beforeAll(async () => {
    redis = await startRedis();
    const prefix = uniquePrefix('live');
    [a, b] = await Promise.all([startProcess(redis.url, prefix), startProcess(redis.url, prefix)]);
  });
  afterAll(async () => {
    await Promise.all([a?.runtime.close(), b?.runtime.close()]);
    await redis?.close();
  });

  it("does stream a host's new values to a client of another process", async () => {
    const stream = await openSse(`${b.url}/api/v1/live?ticket=${await ticket(b.url)}`);
    expect(stream.status).toBe(200);
    expect((await stream.next('hello')).data).toMatchObject({ org: DEFAULT_ORG });
    const t = Date.now();
    await push(a.url, 'web-1', 42.5, t);
    const event = await stream.next('samples', 3000);
    // Only dashboard metrics travel: the per-core series stays out of the message.
    expect(event.data).toEqual({ type: 'samples', host: 'web-1', samples: { 'cpu.usage': [t, 42.5] } });
    stream.close();
  });

  it('does send at most one message per host per second, the newest values last', async () => {
    const stream = await openSse(`${a.url}/api/v1/live`, auth());
    await stream.next('hello');
    const start = stream.events.length;
    const t0 = Date.now();
    for (let i = 0; i < 6; i++) await push(a.url, 'burst', i, t0 + i);
    await sleep(1500);
    const samples = stream.events.slice(start).filter((e) => e.event === 'samples');
    expect(samples.length).toBeGreaterThanOrEqual(1);
    expect(samples.length).toBeLessThanOrEqual(2);
    expect(samples.at(-1)?.data).toMatchObject({ host: 'burst', samples: { 'cpu.usage': [t0 + 5, 5] } });
    stream.close();
  });

  it('does deliver only the named hosts with ?hosts=', async () => {
    const stream = await openSse(`${b.url}/api/v1/live?hosts=only-me`, auth());
    await stream.next('hello');
    await push(a.url, 'not-me', 1);
    await push(a.url, 'only-me', 2);
    expect((await stream.next('samples', 3000)).data).toMatchObject({ host: 'only-me' });
    expect(
      stream.events
        .filter((e) => e.event === 'samples')
        .every((e) => (e.data as { host: string }).host === 'only-me'),
    ).toBe(true);
    stream.close();
  });

  it('does refuse a spent ticket, no credentials and a token without read scope', async () => {
    const once = await ticket(a.url);
    const first = await openSse(`${b.url}/api/v1/live?ticket=${once}`);
    expect(first.status).toBe(200);
    first.close();
    expect((await fetch(`${a.url}/api/v1/live?ticket=${once}`)).status).toBe(401);
    expect((await fetch(`${a.url}/api/v1/live`)).status).toBe(401);
    expect((await fetch(`${a.url}/api/v1/live/ticket`, { method: 'POST' })).status).toBe(401);
    const ingestOnly = await a.runtime.api.tenancy.createToken(DEFAULT_ORG, {
      name: 'agent',
      scopes: ['ingest'],
    });
    expect((await fetch(`${a.url}/api/v1/live`, { headers: auth(ingestOnly.token) })).status).toBe(403);
  });

  it('does send heartbeats and end the stream with "revoked" once its token is revoked', async () => {
    const reader = await a.runtime.api.tenancy.createToken(DEFAULT_ORG, { name: 'viewer', scopes: ['read'] });
    const stream = await openSse(`${a.url}/api/v1/live?ticket=${await ticket(a.url, reader.token)}`);
    await stream.next('ping', 2000);
    await a.runtime.api.tenancy.revokeToken(DEFAULT_ORG, reader.id);
    await stream.next('revoked', 3000);
    await stream.ended;
  });

  it('does end open streams with "bye" when the server shuts down', async () => {
    const c = await startProcess(redis.url, uniquePrefix('live-close'));
    const stream = await openSse(`${c.url}/api/v1/live`, auth());
    await stream.next('hello');
    const started = Date.now();
    await c.runtime.close();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(stream.events.map((e) => e.event)).toContain('bye');
    await stream.ended;
    expect(c.live.hub.clients).toBe(0);
  });
});
