import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventFigures, EventLog, type EventLogOptions, seriesPart } from '../src/events/index.ts';
import { Keys } from '../src/redis/index.ts';
import { type RedisServer, sleep, startRedis, uniquePrefix, waitFor } from './harness/index.ts';

const HOUR = 3_600_000;
const silent = pino({ level: 'silent' });

/** Calls of one command so far, from INFO commandstats (the writer's Redis round trips are counted). */
async function calls(admin: Redis, command: string): Promise<number> {
  const info = await admin.info('commandstats');
  const m = new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info);
  return Number(m?.[1] ?? 0);
}

describe('event store against a real Redis', () => {
  let server: RedisServer;
  let admin: Redis;
  const logs: EventLog[] = [];

  /** A request-role-like client: no offline queue, short deadlines, as the server's. */
  function client(): Redis {
    return server.client({ enableOfflineQueue: false, commandTimeout: 1000, maxRetriesPerRequest: 1 });
  }

  async function open(prefix: string, options: Partial<EventLogOptions> = {}, now?: () => number) {
    const redis = client();
    await waitFor(() => redis.status === 'ready');
    const log = new EventLog({ redis, keys: new Keys(prefix), logger: silent, options, now });
    logs.push(log);
    return log;
  }

  beforeAll(async () => {
    server = await startRedis();
    admin = server.client();
  });
  afterAll(async () => {
    for (const log of logs) await log.close(100);
    await server?.close();
  });

  it('writes 100 events in one flush, at once', async () => {
    const log = await open(uniquePrefix('ev-100'), { flushIntervalMs: 60_000 });
    const before = await calls(admin, 'evalsha');
    for (let i = 0; i < 100; i++) log.record({ type: 'webhook', status: 'ok', latencyMs: i });
    await waitFor(() => log.status().writer?.written === 100, { timeoutMs: 2000 });
    expect(log.status().writer).toMatchObject({ flushes: 1, queued: 0, dropped: 0 });
    // One script call per org, type and hour window: 100 events of one type are one or two calls.
    expect((await calls(admin, 'evalsha')) - before).toBeLessThanOrEqual(2);
  });

  it('flushes fewer events once, 5 s after the first, not before', async () => {
    const log = await open(uniquePrefix('ev-5s'));
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) log.record({ type: 'ssh', status: 'ok' });
    await sleep(4000);
    expect(log.status().writer).toMatchObject({ flushes: 0, queued: 3 });
    await waitFor(() => log.status().writer?.written === 3, { timeoutMs: 3000 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(5000);
    expect(log.status().writer?.flushes).toBe(1);
  }, 15_000);

  it('counts events dropped past a full queue and keeps them in memory', async () => {
    // Not connected: nothing is flushed, so the queue fills.
    const redis = server.client({ lazyConnect: true });
    const log = new EventLog({
      redis,
      keys: new Keys(uniquePrefix('ev-q')),
      logger: silent,
      options: { queueSize: 10, batchSize: 5 },
    });
    logs.push(log);
    for (let i = 0; i < 15; i++) log.record({ type: 'smtp', status: 'error', message: `no ${i}` });
    expect(log.status().writer).toMatchObject({ queued: 10, dropped: 5 });
    const page = await log.list({ org: 'default', type: 'smtp', limit: 100 });
    expect(page.events).toHaveLength(15);
    expect(page.partial).toBe(true);
  });

  it('keeps events only for the retention period, in Redis and in answers', async () => {
    const prefix = uniquePrefix('ev-ret');
    const log = await open(prefix, { retentionMs: 2 * HOUR });
    const now = Date.now();
    log.record({ type: 'redis', status: 'ok', at: now - 3 * HOUR });
    log.record({ type: 'redis', status: 'error', at: now - HOUR, message: 'refused' });
    log.record({ type: 'redis', status: 'ok', at: now });
    await log.flush();
    expect(log.status().writer).toMatchObject({ written: 3, expired: 1 });
    const keys = await admin.keys(`${prefix}*b:*`);
    expect(keys).toHaveLength(2);
    for (const key of keys) {
      // The last `b:`: the random test prefix may end in a `b` too.
      const windowStart = Number(key.slice(key.lastIndexOf('b:') + 2));
      const ttl = await admin.pttl(key);
      expect(Math.abs(Date.now() + ttl - (windowStart + HOUR + 2 * HOUR))).toBeLessThan(2000);
    }
    const fresh = await open(prefix, { retentionMs: 2 * HOUR });
    await fresh.reload();
    const page = await fresh.list({ org: 'default', type: 'redis', limit: 10 });
    expect(page.events.map((e) => e.at)).toEqual([now, now - HOUR]);
    const [stats] = await fresh.stats('default', 'redis');
    expect(stats).toMatchObject({ count: 2, errors: 1, errorRatePct: 50, lastError: { message: 'refused' } });
  });

  it('drops stats of windows past retention from the stats hash', async () => {
    const prefix = uniquePrefix('ev-ret-hash');
    let clock = Date.now();
    const log = await open(prefix, { retentionMs: HOUR }, () => clock);
    log.record({ type: 'ssh', status: 'ok' });
    await log.flush();
    const statsKey = (await admin.keys(`${prefix}*stats`))[0] as string;
    const first = Object.keys(await admin.hgetall(statsKey)).filter((f) => f.startsWith('c:'));
    expect(first).toHaveLength(1);
    clock += 3 * HOUR;
    log.record({ type: 'ssh', status: 'ok' });
    await log.flush();
    const after = Object.keys(await admin.hgetall(statsKey)).filter((f) => f.startsWith('c:'));
    expect(after).toHaveLength(1);
    expect(after).not.toEqual(first);
  });

  it('pages newest first without overlap', async () => {
    const log = await open(uniquePrefix('ev-page'));
    const t = Date.now() - 10_000;
    for (let i = 0; i < 250; i++)
      log.record({ type: 'http-target', status: i % 5 ? 'ok' : 'error', at: t + i });
    await log.flush();
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await log.list({ org: 'default', type: 'http-target', limit: 100, cursor });
      ids.push(...page.events.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(ids).toHaveLength(250);
    expect(new Set(ids).size).toBe(250);
    expect(ids.map((id) => Number(id.split('-')[0]))).toEqual([...Array(250).keys()].map((i) => t + 249 - i));
    const errors = await log.list({ org: 'default', type: 'http-target', status: 'error', limit: 1000 });
    expect(errors.events).toHaveLength(50);
    await expect(log.list({ org: 'default', limit: 10, cursor: 'nope' })).rejects.toThrow(/cursor/);
  });

  it('answers buckets per minute with counts, errors and latency percentiles', async () => {
    const log = await open(uniquePrefix('ev-buckets'));
    const start = Math.floor(Date.now() / 60_000) * 60_000 - 5 * 60_000;
    for (let i = 0; i < 60; i++)
      log.record({ type: 'agent-push', status: i % 4 ? 'ok' : 'error', at: start + i * 5000, latencyMs: i });
    await log.flush();
    const buckets = await log.buckets({
      org: 'default',
      type: 'agent-push',
      from: start,
      to: start + 5 * 60_000 - 1,
      bucketMs: 60_000,
    });
    expect(buckets).toHaveLength(5);
    expect(buckets[0]).toMatchObject({ start, events: 12, errors: 3, latencyP50: 5, latencyP95: 11 });
    expect(buckets.reduce((n, b) => n + b.events, 0)).toBe(60);
  });

  it('never throws from record(), whatever it is given, and redacts messages', async () => {
    const prefix = uniquePrefix('ev-throw');
    const log = await open(prefix);
    const bad: unknown[] = [
      undefined,
      null,
      {},
      { type: 'nope', status: 'ok' },
      { type: 'ssh', status: 'maybe' },
      { type: 'custom.Upper', status: 'ok' },
      { type: 'ssh', status: 'ok', at: Number.NaN, latencyMs: -1, message: 42 },
    ];
    for (const input of bad) expect(() => log.record(input as never)).not.toThrow();
    log.subscribe(() => {
      throw new Error('listener fails');
    });
    expect(() =>
      log.record({
        type: 'custom.deploy-hook',
        status: 'error',
        message: 'redis://u:hunter22@db:6379 refused',
      }),
    ).not.toThrow();
    expect(log.status()).toMatchObject({ rejected: 7, recorded: 2 });
    await log.flush();
    const page = await log.list({ org: 'default', type: 'custom.deploy-hook', limit: 10 });
    expect(page.events[0]?.message).toBe('redis://u:***@db:6379 refused');
    const stored = (await admin.keys(`${prefix}*b:*`)).map((k) => admin.getBuffer(k));
    const bytes = Buffer.concat((await Promise.all(stored)).filter((b): b is Buffer => b !== null));
    expect(bytes.toString('latin1')).toContain('u:***@db');
    expect(bytes.toString('latin1')).not.toContain('hunter22');
  });

  it('survives a restart of Vitals and of Redis: the last 24 h are reloaded, bounded by the ring', async () => {
    const prefix = uniquePrefix('ev-restart');
    const log = await open(prefix, { memorySize: 50 });
    const now = Date.now();
    for (let i = 0; i < 80; i++)
      log.record({ type: 'webhook', status: i % 10 ? 'ok' : 'error', at: now - 23 * HOUR + i * 60_000 });
    log.record({ type: 'live-client', status: 'ok', org: 'acme', at: now - 25 * HOUR });
    log.record({ type: 'live-client', status: 'ok', org: 'acme', at: now - 1000 });
    await log.close();
    await server.restart();
    const next = await open(prefix, { memorySize: 50 });
    const reload = await next.reload();
    expect(reload).toMatchObject({ ok: true, events: 51 });
    expect(next.status().inMemory).toBe(51);
    // The ring holds the newest 50; older ones are still answered, from Redis.
    const page = await next.list({ org: 'default', type: 'webhook', limit: 1000 });
    expect(page.events).toHaveLength(80);
    expect(page.events[0]?.at).toBe(now - 23 * HOUR + 79 * 60_000);
    const acme = await next.list({ org: 'acme', limit: 10 });
    expect(acme.events.map((e) => e.at)).toEqual([now - 1000]);
    const [stats] = await next.stats('default', 'webhook');
    expect(stats).toMatchObject({ count: 80, errors: 8 });
  });

  it('records through a Redis outage without slowing and persists afterwards, in order, once', async () => {
    const prefix = uniquePrefix('ev-outage');
    const log = await open(prefix, { flushIntervalMs: 200 });
    for (let i = 0; i < 5; i++) log.record({ type: 'redis', status: 'ok', meta: { i } });
    await log.flush();
    await server.stop();
    const t0 = performance.now();
    for (let i = 5; i < 300; i++) log.record({ type: 'redis', status: 'error', meta: { i } });
    expect(performance.now() - t0).toBeLessThan(50);
    await sleep(500);
    const stuck = log.status().writer;
    expect(stuck).toMatchObject({ written: 5, dropped: 0 });
    expect((stuck?.queued ?? 0) + (stuck?.inFlight ?? 0)).toBe(295);
    const during = await log.list({ org: 'default', type: 'redis', limit: 1000 });
    expect(during).toMatchObject({ partial: true });
    expect(during.events).toHaveLength(300);
    await server.restart();
    await waitFor(() => log.status().writer?.written === 300, { timeoutMs: 10_000 });
    const reader = await open(prefix);
    await reader.reload();
    const stored = await reader.list({ org: 'default', type: 'redis', limit: 1000 });
    expect(stored.partial).toBe(false);
    expect(stored.events.map((e) => e.meta?.i)).toEqual([...Array(300).keys()].reverse());
    expect(new Set(stored.events.map((e) => e.id)).size).toBe(300);
  }, 30_000);

  it('applies a retried batch once: the append script skips parts already applied', async () => {
    const prefix = uniquePrefix('ev-retry');
    const log = await open(prefix, { flushIntervalMs: 60_000 });
    for (let i = 0; i < 10; i++) log.record({ type: 'smtp', status: 'ok', meta: { i } });
    // The batch as the writer forms it, written three times (a timed-out call replayed, a retry).
    const writer = log.writer as unknown as { take(): { parts: Parameters<typeof log.store.write>[0] } };
    const batch = writer.take();
    for (let n = 0; n < 3; n++) await log.store.write(batch.parts, Date.now());
    const reader = await open(prefix);
    await reader.reload();
    expect((await reader.list({ org: 'default', type: 'smtp', limit: 100 })).events).toHaveLength(10);
    expect(await reader.stats('default', 'smtp')).toMatchObject([{ count: 10 }]);
  });

  it('keeps both sets when two processes record to the same Redis, ids never colliding', async () => {
    const prefix = uniquePrefix('ev-two');
    const a = await open(prefix);
    const b = await open(prefix);
    const at = Date.now() - 1000;
    for (let i = 0; i < 50; i++) {
      a.record({ type: 'ssh', status: 'ok', at: at + i, meta: { p: 'a' } });
      b.record({ type: 'ssh', status: 'error', at: at + i, meta: { p: 'b' } });
    }
    await Promise.all([a.flush(), b.flush()]);
    // A answers with B's events too: another process wrote the type, so it reads Redis.
    const fromA = await a.list({ org: 'default', type: 'ssh', limit: 1000 });
    expect(fromA.events).toHaveLength(100);
    expect(new Set(fromA.events.map((e) => e.id)).size).toBe(100);
    const reader = await open(prefix);
    await reader.reload();
    const all = (await reader.list({ org: 'default', type: 'ssh', limit: 1000 })).events;
    expect(all.filter((e) => e.meta?.p === 'a')).toHaveLength(50);
    expect(all.filter((e) => e.meta?.p === 'b')).toHaveLength(50);
    expect(await reader.stats('default', 'ssh')).toMatchObject([{ count: 100, errors: 50 }]);
  });

  it('stores an event in far fewer bytes than a sorted set of JSON members', async () => {
    const prefix = uniquePrefix('ev-bytes');
    const log = await open(prefix, { queueSize: 20_000, batchSize: 1000, memorySize: 20_000 });
    const at = Math.floor(Date.now() / HOUR) * HOUR;
    const n = 10_000;
    for (let i = 0; i < n; i++)
      log.record({
        type: 'http-target',
        status: i % 50 ? 'ok' : 'error',
        at: at + i * 300,
        latencyMs: 20 + (i % 37),
      });
    await log.flush();
    let packed = 0;
    for (const key of await admin.keys(`${prefix}*`)) packed += Number(await admin.memory('USAGE', key));
    const zkey = `${prefix}baseline`;
    const events = (await log.list({ org: 'default', type: 'http-target', limit: 1000 })).events;
    for (let i = 0; i < n; i++) {
      const e = { ...(events[i % 1000] as object), at: at + i * 300, id: `${at + i * 300}-${i}` };
      await admin.zadd(zkey, at + i * 300, JSON.stringify(e));
    }
    const zset = Number(await admin.memory('USAGE', zkey, 'SAMPLES', '0'));
    expect(packed / n).toBeLessThan(25);
    expect(zset / n).toBeGreaterThan(4 * (packed / n));
  }, 30_000);

  it('pushes event figures per org and type as series, one process per interval', async () => {
    const prefix = uniquePrefix('ev-series');
    const log = await open(prefix);
    const now = Date.now();
    for (let i = 0; i < 10; i++)
      log.record({
        type: 'custom.deploy-hook',
        status: i < 2 ? 'error' : 'ok',
        at: now - i * 1000,
        latencyMs: i,
      });
    log.record({ type: 'webhook', status: 'ok', org: 'acme', at: now - 120_000 });
    log.record({ type: 'webhook', status: 'ok', org: 'gone', at: now - 1000 });
    await log.flush();
    const pushed: [string, unknown][] = [];
    const figures = (owner: EventLog) =>
      new EventFigures({
        log: owner,
        redis: owner.store === log.store ? first : second,
        keys: new Keys(prefix),
        logger: silent,
        intervalMs: 60_000,
        push: async (org, request) => {
          pushed.push([org, request]);
        },
        orgExists: async (org) => org !== 'gone',
      });
    const other = await open(prefix);
    const [first, second] = [client(), client()];
    await waitFor(() => first.status === 'ready' && second.status === 'ready');
    const one = figures(log);
    const two = figures(other);
    const outcomes = await Promise.all([one.tick(), two.tick()]);
    const winner = outcomes[0] === 'pushed' ? log : other;
    expect([...outcomes].sort()).toEqual(['locked', 'pushed']);
    expect(seriesPart('custom.deploy-hook')).toBe('custom_deploy_hook');
    // acme's only event is older than a minute: zero figures, still pushed so a rule sees the drop.
    const byOrg = Object.fromEntries(pushed.map(([org, r]) => [org, r]));
    const metrics = (byOrg.default as { hosts: { host: string; snapshots: { metrics: object }[] }[] })
      .hosts[0];
    expect(metrics?.host).toBe('vitals');
    expect(metrics?.snapshots[0]?.metrics).toEqual({
      'events.custom_deploy_hook.count': 10,
      'events.custom_deploy_hook.errors': 2,
      'events.custom_deploy_hook.error_rate_pct': 20,
      'events.custom_deploy_hook.latency_p50_ms': 4,
      'events.custom_deploy_hook.latency_p95_ms': 9,
    });
    expect(byOrg.acme).toMatchObject({
      hosts: [{ snapshots: [{ metrics: { 'events.webhook.count': 0 } }] }],
    });
    // A deleted org's figures are not pushed (they would write its keys again), and its events leave memory.
    expect(Object.keys(byOrg).sort()).toEqual(['acme', 'default']);
    expect(winner.memoryOrgs()).toContain('acme');
    expect(winner.memoryOrgs()).not.toContain('gone');
  });
});
