import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisInfoCollector } from '../src/collect/index.ts';
import { SelfMonitor } from '../src/monitor/index.ts';
import { freePort, HOST, type RedisServer, startRedis, uniquePrefix, waitFor } from './harness/index.ts';
import { type ApiEnv, apiEnv } from './support/api.ts';

const MIN = 60_000;

interface Performance {
  host: string;
  partial?: boolean;
  commands: { command: string; calls: number; opsPerSec: number; p50Ms: number | null }[];
  opsPerSec: number | null;
  hitRatePct: number | null;
  memory: { usedBytes: number | null; trend: { timestamp: number; value: number }[] };
  slowlog: { command: string; args: number; durationMicros: number }[];
  latencyLatest: { event: string; latestMs: number }[];
  client?: { commands: { command: string; count: number }[] };
  insights: { level: string; text: string }[];
}

describe('Redis INFO as series', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => redis?.close());

  it('does collect commandstats, latencystats, the derived ratios and redis.up from a real Redis', async () => {
    await redis.client().set('k', 'v');
    await redis.client().get('k');
    const set = await new RedisInfoCollector().collect({
      org: 'acme',
      hostId: 'cache',
      settings: { url: redis.url },
      signal: AbortSignal.timeout(10_000),
      timeoutMs: 5000,
      now: Date.now,
      state: { get: async () => undefined, set: async () => {} },
      bounds: { minTimestamp: 0, maxTimestamp: Date.now() + MIN },
    });
    const v = Object.fromEntries(Object.entries(set.latest()).map(([k, s]) => [k, s.value]));
    expect(v['redis.up']).toBe(1);
    expect(v['redis.server.uptime_in_seconds']).toBeGreaterThanOrEqual(0);
    expect(v['redis.clients.connected_pct']).toBeGreaterThan(0);
    expect(v['redis.persistence.last_save_age_sec']).toBeGreaterThanOrEqual(0);
    expect(v['redis.commandstats.calls{command="get"}']).toBeGreaterThanOrEqual(1);
    expect(v['redis.commandstats.usec_per_call{command="set"}']).toBeGreaterThan(0);
    expect(v['redis.latencystats.p50_usec{command="get"}']).toBeGreaterThan(0);
    expect(v['redis.latencystats.p99_9_usec{command="set"}']).toBeGreaterThan(0);
  });
});

describe('self-monitor and GET /api/v1/redis/performance', () => {
  let redis: RedisServer;
  let env: ApiEnv;
  let otherToken: string;

  beforeAll(async () => {
    redis = await startRedis();
    env = await apiEnv(redis.url, uniquePrefix('redis-monitor'));
    await env.runtime.api.tenancy.createOrg({ id: 'other', name: 'Other' });
    otherToken = (await env.runtime.api.tenancy.createToken('other', { name: 'r', scopes: ['admin'] })).token;
  });
  afterAll(async () => {
    await env?.close();
    await redis?.close();
  });

  it('does store own-Redis INFO as host vitals-redis, one process per interval', async () => {
    const monitor = env.runtime.api.selfMonitor;
    expect(await monitor.tick()).toBe('collected');
    const host = (await env.call('GET', '/api/v1/hosts/vitals-redis')).json();
    expect(host).toMatchObject({ labels: { role: 'self' }, collector: { kind: 'push' } });
    const latest = (await env.call('GET', '/api/v1/hosts/vitals-redis/metrics/latest')).json();
    const names = JSON.stringify(latest);
    for (const series of ['redis.memory.used_memory', 'redis.up', 'redis.clients.connected_pct'])
      expect(names).toContain(series);
    // A second process (another monitor on the same Redis and prefix) finds the interval taken. Its
    // clock is set inside the interval claimed last: on a busy machine the real clock could have
    // crossed into the next interval since (one failure in a full run).
    const rt = env.runtime;
    const intervalMs = rt.config.selfMonitor.intervalMs;
    const lockKeys = await rt.redis.keys(rt.keys.monitorLock('self-redis', 0).replace(/0$/, '*'));
    const claimed = Math.max(...lockKeys.map((k) => Number(k.slice(k.lastIndexOf(':') + 1))));
    expect(Number.isFinite(claimed)).toBe(true);
    const other = new SelfMonitor({
      now: () => claimed * intervalMs,
      redis: rt.redis,
      keys: rt.keys,
      logger: rt.api.services.logger,
      intervalMs,
      hosts: rt.api.tenancy,
      ingest: rt.api.services.ingest,
    });
    expect(await other.tick()).toBe('locked');
    expect(await other.collectOnce()).toBeGreaterThan(20);
  });

  it('does answer per-command figures, slow log, latency events and client timings for its own Redis', async () => {
    const admin = redis.client();
    await admin.call('CONFIG', 'SET', 'latency-monitor-threshold', '5');
    await admin.call('DEBUG', 'SLEEP', '0.03');
    // Every command logged for a moment: a key name in the slow log must not reach the answer.
    await admin.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await admin.set('secret-key-name', 'v');
    await admin.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
    await env.runtime.api.selfMonitor.tick();
    const res = await env.call('GET', '/api/v1/redis/performance');
    expect(res.statusCode).toBe(200);
    const body = res.json() as Performance;
    expect(body.host).toBe('vitals-redis');
    expect(body.partial).toBeUndefined();
    const get = body.commands.find((c) => c.command === 'get');
    expect(get?.calls).toBeGreaterThanOrEqual(1);
    expect(get?.p50Ms).toBeGreaterThan(0);
    expect(body.memory.usedBytes).toBeGreaterThan(0);
    expect(body.memory.trend.length).toBeGreaterThanOrEqual(1);
    expect(body.slowlog).toContainEqual(expect.objectContaining({ command: 'DEBUG', args: 2 }));
    expect(body.latencyLatest).toContainEqual(expect.objectContaining({ event: 'command' }));
    expect(body.client?.commands.length).toBeGreaterThan(0);
    expect(body.insights.map((i) => i.text).join('\n')).toMatch(/slow commands? over 10 ms .*top: DEBUG/);
    // Arguments never leave: not the sleep time, not a key name.
    expect(body.slowlog).toContainEqual(expect.objectContaining({ command: 'SET', args: 2 }));
    expect(JSON.stringify(body.slowlog)).not.toContain('0.03');
    expect(res.body).not.toContain('secret-key-name');
    const alias = await env.call('GET', '/performance');
    expect(alias.statusCode).toBe(200);
    expect((alias.json() as Performance).host).toBe('vitals-redis');
  });

  it('does read a monitored redis host with its collector settings, with insights from its stored series', async () => {
    const created = await env.call('POST', '/api/v1/hosts', {
      // Not scheduled: only the counters pushed below are stored.
      payload: {
        id: 'cache-1',
        metricsEnabled: false,
        collector: { kind: 'redis', settings: { url: redis.url } },
      },
    });
    expect(created.statusCode).toBe(201);
    // An hour of stored hit and miss counters: 93 % of lookups hit, then 61 %.
    const now = Date.now();
    const hits: [number, number][] = [];
    const misses: [number, number][] = [];
    let h = 0;
    let m = 0;
    for (let i = 60; i >= 0; i--) {
      const late = i < 30;
      h += late ? 61 : 93;
      m += late ? 39 : 7;
      hits.push([now - i * MIN, h]);
      misses.push([now - i * MIN, m]);
    }
    const push = await env.call('POST', '/api/v1/ingest', {
      payload: {
        hosts: [
          {
            host: 'cache-1',
            series: [
              { name: 'redis.stats.keyspace_hits', points: hits },
              { name: 'redis.stats.keyspace_misses', points: misses },
            ],
          },
        ],
      },
    });
    expect(push.statusCode).toBe(200);
    const res = await env.call('GET', '/api/v1/redis/performance?host=cache-1');
    expect(res.statusCode).toBe(200);
    const body = res.json() as Performance;
    expect(body.host).toBe('cache-1');
    expect(body.partial).toBeUndefined();
    expect(body.client).toBeUndefined();
    expect(body.commands.length).toBeGreaterThan(0);
    expect(body.hitRatePct).toBeCloseTo(61, 0);
    expect(body.insights).toContainEqual({
      level: 'critical',
      text: 'hit rate fell from 93 % to 61 % in the last hour',
    });
  });

  it('does answer partial when a monitored Redis does not answer', async () => {
    const port = await freePort();
    await env.call('POST', '/api/v1/hosts', {
      payload: { id: 'gone-1', collector: { kind: 'redis', settings: { url: `redis://${HOST}:${port}` } } },
    });
    const res = await env.call('GET', '/api/v1/redis/performance?host=gone-1');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ host: 'gone-1', partial: true, commands: [], slowlog: [] });
  });

  it('does answer 404 for a host that is not a redis host, another org’s host, or another org asking for the own Redis', async () => {
    await env.call('POST', '/api/v1/hosts', { payload: { id: 'web-1' } });
    expect((await env.call('GET', '/api/v1/redis/performance?host=web-1')).statusCode).toBe(404);
    expect((await env.call('GET', '/api/v1/redis/performance?host=nope')).statusCode).toBe(404);
    const theirs = await env.call('GET', '/api/v1/redis/performance', { token: otherToken });
    expect(theirs.statusCode).toBe(404);
    expect(theirs.json().error.code).toBe('not_found');
    expect(
      (await env.call('GET', '/api/v1/redis/performance?host=cache-1', { token: otherToken })).statusCode,
    ).toBe(404);
    expect((await env.call('GET', '/api/v1/redis/performance?hots=x')).statusCode).toBe(400);
  });

  it('does start, report and stop the self-monitor of this process for the default org only', async () => {
    expect((await env.call('GET', '/monitoring/status')).json()).toMatchObject({
      running: false,
      intervalMs: 15_000,
    });
    const started = await env.call('POST', '/monitoring/start');
    expect(started.json()).toMatchObject({ running: true });
    expect((await env.call('GET', '/monitoring/status')).json().lastRunAt).toEqual(expect.any(Number));
    expect((await env.call('POST', '/monitoring/stop')).json()).toMatchObject({ running: false });
    expect((await env.call('POST', '/monitoring/start', { token: otherToken })).statusCode).toBe(403);
    expect((await env.call('GET', '/monitoring/status', { headers: { authorization: '' } })).statusCode).toBe(
      401,
    );
  });

  it('does skip quietly while Redis is away', async () => {
    // A tick still in flight (the start above runs one at once) would answer the tick() below with its
    // own outcome: let it end while Redis is up.
    await env.runtime.api.selfMonitor.tick();
    await redis.stop();
    try {
      await waitFor(() => env.runtime.redis.status !== 'ready', { timeoutMs: 5000 });
      expect(await env.runtime.api.selfMonitor.tick()).toBe('skipped');
      const res = await env.call('GET', '/api/v1/redis/performance');
      expect([200, 503]).toContain(res.statusCode);
      if (res.statusCode === 200) expect(res.json().partial).toBe(true);
      else expect(res.headers['retry-after']).toBeDefined();
    } finally {
      await redis.restart();
    }
  });
});
