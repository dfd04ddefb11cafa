import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis, uniquePrefix, waitFor } from './harness/index.ts';
import { type ApiEnv, apiEnv } from './support/api.ts';
import { expectHealthy } from './support/health.ts';

/**
 * The Redis health checks driven for real: private redis-servers pushed into each state (CONFIG SET,
 * extra connections, DEBUG SLEEP, a save into an unwritable directory), a monitored Redis host judged
 * from its stored series, and the refusals (another org, an unknown type).
 */

interface Check {
  status: 'pass' | 'warn' | 'fail';
  observedValue?: number | string;
  observedUnit?: string;
  thresholds: { warn: unknown; fail: unknown };
  output: string;
  [extra: string]: unknown;
}

async function check(env: ApiEnv, type: string, query = '') {
  const res = await env.call('GET', `/api/v1/redis/health/${type}${query}`);
  return { res, body: res.json() as Check & { type: string; host: string } };
}

/** INFO field of a server, as a number. */
async function infoNum(client: Redis, section: string, field: string): Promise<number> {
  const text = await client.info(section);
  const match = new RegExp(`^${field}:(\\S+)`, 'm').exec(text);
  return Number(match?.[1]);
}

/** Polls one check (INFO is shared for up to a second) until it has the status. */
async function settle(env: ApiEnv, type: string, status: Check['status'], query = '') {
  return waitFor(
    async () => {
      const got = await check(env, type, query);
      return got.body.status === status && got;
    },
    { timeoutMs: 8000, intervalMs: 200, message: `${type} ${status}` },
  );
}

function expect200or503(res: { statusCode: number; headers: Record<string, unknown> }, status: string) {
  if (status === 'fail') {
    expect(res.statusCode).toBe(503);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  } else expect(res.statusCode).toBe(200);
}

describe("Redis health of Vitals' own Redis", () => {
  let redis: RedisServer;
  let env: ApiEnv;
  let admin: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    admin = redis.client();
    env = await apiEnv(redis.url, uniquePrefix('rhealth'), {
      REDIS_SOCKET_TIMEOUT: '1000',
      VITALS_RATE_LIMIT: '100000',
    });
  });
  afterAll(async () => {
    await env?.close();
    await redis?.close();
  });

  it('does pass every check of a healthy Redis, with value, unit, thresholds and output', async () => {
    const res = await env.call('GET', '/api/v1/redis/health');
    const body = res.json() as { status: string; host: string; checks: Record<string, Check> };
    expect(res.statusCode, res.body).toBe(200);
    expect(body).toMatchObject({ host: 'vitals-redis' });
    // Client-side latency may warn on a machine busy with other test files (see support/health.ts).
    expect(['pass', 'warn']).toContain(body.status);
    expect(Object.keys(body.checks)).toEqual([
      'connectivity',
      'memory',
      'connections',
      'performance',
      'persistence',
      'configuration',
    ]);
    for (const [type, c] of Object.entries(body.checks)) {
      if (type === 'performance' && c.status === 'warn') expect(c.output).toMatch(/^command latency/);
      else expect(c.status, `${type}: ${c.output}`).toBe('pass');
      expect(c.thresholds, type).toHaveProperty('warn');
      expect(typeof c.output, type).toBe('string');
    }
    expect(body.checks.connectivity).toMatchObject({ observedUnit: 'ms', componentType: 'datastore' });
    expect(body.checks.connectivity?.roundTripMs).toEqual(expect.any(Number));
    expect(body.checks.configuration).toMatchObject({ observedValue: 'noeviction' });
    expect(body.checks.persistence?.output).toMatch(/AOF on/);
    // maxmemory is 0 on the test server: judged by fragmentation, which a small Redis cannot show.
    expect(body.checks.memory?.output).toMatch(/maxmemory is 0.*fragmentation/);
    // The probe key is gone again.
    expect(await admin.keys('*health:probe:*')).toEqual([]);
  });

  it('does report each check in /health and keep it 200 while only warning', async () => {
    const res = await env.runtime.app.inject({ url: '/health' });
    const body = res.json() as { status: string; checks: Record<string, Check[]> };
    for (const type of [
      'connectivity',
      'memory',
      'connections',
      'performance',
      'persistence',
      'configuration',
    ])
      expect(body.checks[`redis:${type}`]?.[0]?.status, type).toBeDefined();
    expectHealthy(body);
    expect(res.statusCode).toBe(200);
  });

  it('does warn past 80 % and fail past 90 % of maxmemory', async () => {
    // maxmemory is set again from used_memory at every poll: on a busy machine the server's own
    // writes move used_memory by more than the 5 % margins between one poll and the next.
    const atShare = (share: number, status: Check['status']) =>
      waitFor(
        async () => {
          const used = await infoNum(admin, 'memory', 'used_memory');
          await admin.config('SET', 'maxmemory', String(Math.round(used / share)));
          const got = await check(env, 'memory');
          return got.body.status === status && got;
        },
        { timeoutMs: 8000, intervalMs: 200, message: `memory ${status} at ${share * 100} % of maxmemory` },
      );
    try {
      const warn = await atShare(0.85, 'warn');
      expect200or503(warn.res, 'warn');
      expect(warn.body).toMatchObject({ observedUnit: '%', thresholds: { warn: 80, fail: 90 } });
      expect(warn.body.observedValue).toBeGreaterThanOrEqual(80);
      const fail = await atShare(0.97, 'fail');
      expect200or503(fail.res, 'fail');
      expect(fail.body.output).toMatch(/% of maxmemory/);
    } finally {
      await admin.config('SET', 'maxmemory', '0');
    }
    await settle(env, 'memory', 'pass');
  });

  it('does warn past 80 % and fail past 95 % of maxclients, with extra connections', async () => {
    const extra: Redis[] = [];
    const connect = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const c = redis.client();
        extra.push(c);
        await c.ping();
      }
    };
    try {
      // Enough connections that one more or less of Vitals' own does not cross a threshold.
      await connect(20);
      const connected = await infoNum(admin, 'clients', 'connected_clients');
      const max = Math.round(connected / 0.87);
      await admin.config('SET', 'maxclients', String(max));
      const warn = await settle(env, 'connections', 'warn');
      expect(warn.body).toMatchObject({ observedUnit: '%', thresholds: { warn: 80, fail: 95 } });
      await connect(max - (await infoNum(admin, 'clients', 'connected_clients')));
      const fail = await settle(env, 'connections', 'fail');
      expect200or503(fail.res, 'fail');
      expect(fail.body.output).toMatch(/of maxclients/);
    } finally {
      for (const c of extra) c.disconnect();
      await admin.config('SET', 'maxclients', '10000');
    }
    await settle(env, 'connections', 'pass');
  });

  it('does fail configuration under an evicting maxmemory-policy', async () => {
    try {
      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
      const fail = await settle(env, 'configuration', 'fail');
      expect200or503(fail.res, 'fail');
      expect(fail.body).toMatchObject({ observedValue: 'allkeys-lru' });
      expect(fail.body.output).toMatch(/BullMQ/);
    } finally {
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
    }
    await settle(env, 'configuration', 'pass');
  });

  it('does answer the aliases like the routes', async () => {
    const all = await env.call('GET', '/monitoring/redis/health');
    expect(all.statusCode).toBe(200);
    expect(Object.keys(all.json().checks)).toHaveLength(6);
    const one = await env.call('GET', '/health/configuration');
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ type: 'configuration', host: 'vitals-redis', status: 'pass' });
    expect((await env.runtime.app.inject({ url: '/health/memory' })).statusCode).toBe(401);
  });

  it('does answer 400 naming the valid types for an unknown type', async () => {
    for (const url of ['/api/v1/redis/health/latency', '/health/latency']) {
      const res = await env.call('GET', url);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toMatch(
        /connectivity.*memory.*connections.*performance.*persistence.*configuration/,
      );
    }
  });

  it("does answer 404 for another org's view of Vitals' Redis and for hosts that are not Redis", async () => {
    const { tenancy } = env.runtime.api;
    await tenancy.createOrg({ id: 'org-b', name: 'B' });
    const { token } = await tenancy.createToken('org-b', { name: 'b', scopes: ['read'] });
    for (const url of ['/api/v1/redis/health', '/api/v1/redis/health/memory', '/monitoring/redis/health'])
      expect((await env.call('GET', url, { token })).statusCode, url).toBe(404);
    expect((await env.call('POST', '/api/v1/hosts', { payload: { id: 'web-1' } })).statusCode).toBe(201);
    expect((await env.call('GET', '/api/v1/redis/health?host=web-1')).statusCode).toBe(404);
    expect((await env.call('GET', '/api/v1/redis/health?host=nobody')).statusCode).toBe(404);
  });

  it('does fail connectivity with 503 and Retry-After within seconds while Redis is frozen or stopped', async () => {
    for (const how of ['frozen', 'stopped'] as const) {
      if (how === 'frozen') redis.freeze();
      else await redis.stop();
      try {
        const t0 = Date.now();
        const res = await env.call('GET', '/api/v1/redis/health');
        expect(Date.now() - t0, how).toBeLessThan(3000);
        expect200or503(res, 'fail');
        const body = res.json() as { status: string; checks: Record<string, Check> };
        expect(body.checks.connectivity).toMatchObject({ status: 'fail', unreachable: true });
        expect(body.checks.memory?.output).toMatch(/unreachable/);
        // /health stays 200: the process runs degraded.
        const health = await env.runtime.app.inject({ url: '/health' });
        expect(health.statusCode, how).toBe(200);
        expect(health.json().checks['redis:memory'][0]).toMatchObject({ status: 'warn' });
      } finally {
        if (how === 'frozen') redis.thaw();
        else await redis.restart();
      }
      await settle(env, 'connectivity', 'pass');
    }
    // Commands that waited through the outage are not held against Redis once it answers.
    await settle(env, 'performance', 'pass');
  });
});

describe('the performance check', () => {
  let redis: RedisServer;
  let env: ApiEnv;
  let admin: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    admin = redis.client();
    env = await apiEnv(redis.url, uniquePrefix('rperf'), { VITALS_RATE_LIMIT: '100000' });
  });
  afterAll(async () => {
    await env?.close();
    await redis?.close();
  });

  /** Sends `n` GETs of an existing key through Vitals' own connection while Redis sleeps `sec` seconds. */
  async function slowCalls(sec: number, n: number): Promise<void> {
    const key = `${env.runtime.keys.prefix}perf-test`;
    await env.runtime.redis.set(key, '1');
    const sleeper = redis.client();
    // Connected first: a DEBUG SLEEP still waiting for its connection would reach Redis after the GETs.
    await sleeper.ping();
    const sleeping = sleeper.call('DEBUG', 'SLEEP', String(sec));
    await new Promise((r) => setTimeout(r, 20));
    await Promise.all(Array.from({ length: n }, () => env.runtime.redis.get(key)));
    await sleeping;
    sleeper.disconnect();
  }

  it("does report Vitals' own hit rate without judging it: its lookups miss by design", async () => {
    await admin.config('RESETSTAT');
    const key = `${env.runtime.keys.prefix}hits`;
    for (let i = 0; i < 200; i++) await admin.get(`${key}-missing`);
    const { body } = await check(env, 'performance');
    expect(body.status).toBe('pass');
    expect((body.figures as { hitRate: { value: number } }).hitRate.value).toBeLessThan(70);
    expect(body.output).toMatch(/not judged/);
  });

  it("does warn from 5 % of Vitals' commands failing", async () => {
    const failing = Array.from({ length: 200 }, () =>
      env.runtime.redis.call('HGET', 'no-such-arity').catch(() => undefined),
    );
    await Promise.all(failing);
    const warn = await settle(env, 'performance', 'warn');
    expect(warn.body.output).toMatch(/error rate/);
  });

  it('does warn from a p95 of 100 ms and fail from 1000 ms while Redis sleeps (DEBUG SLEEP)', async () => {
    const fresh = await apiEnv(redis.url, uniquePrefix('rperf2'), { VITALS_RATE_LIMIT: '100000' });
    const prev = env;
    env = fresh;
    try {
      await slowCalls(0.3, 400);
      const warn = await settle(env, 'performance', 'warn');
      expect(warn.body.observedUnit).toBe('ms');
      expect(warn.body.observedValue).toBeGreaterThanOrEqual(100);
      expect(warn.body.output).toMatch(/command latency/);
      // 1.6 s: the 2,000 GETs take a while to send on a loaded machine, and each must still wait ≥ 1 s.
      await slowCalls(1.6, 2000);
      const fail = await settle(env, 'performance', 'fail');
      expect200or503(fail.res, 'fail');
      expect(fail.body.observedValue).toBeGreaterThanOrEqual(1000);
    } finally {
      env = prev;
      await fresh.close();
    }
  });
});

describe('the persistence check', () => {
  let redis: RedisServer;
  let env: ApiEnv;
  let admin: Redis;

  beforeAll(async () => {
    // RDB only, saved on request; `dir` may be changed at run time to make a save fail.
    redis = await startRedis({ appendonly: false, args: ['--enable-protected-configs', 'yes'] });
    admin = redis.client();
    env = await apiEnv(redis.url, uniquePrefix('rpersist'), { VITALS_REDIS_SAVE_AGE_WARN: '2s' });
  });
  afterAll(async () => {
    await env?.close();
    await redis?.close();
  });

  async function bgsave(): Promise<void> {
    await admin.bgsave().catch(() => undefined);
    await waitFor(async () => (await infoNum(admin, 'persistence', 'rdb_bgsave_in_progress')) === 0, {
      message: 'bgsave done',
    });
  }

  it('does pass with a note while neither RDB nor AOF is on', async () => {
    const { body } = await check(env, 'persistence');
    expect(body.status).toBe('pass');
    expect(body.output).toMatch(/neither RDB nor AOF/);
  });

  it('does pass after a save, warn once it is older than the threshold, fail when a save fails', async () => {
    await bgsave();
    await waitFor(async () => /RDB on/.test((await check(env, 'persistence')).body.output), {
      message: 'RDB seen on',
    });
    await admin.set(`${env.runtime.keys.prefix}dirty`, '1');
    const warn = await settle(env, 'persistence', 'warn');
    expect(warn.body).toMatchObject({ observedUnit: 's', thresholds: { warn: 2 } });
    const dir = String(((await admin.config('GET', 'dir')) as string[])[1]);
    try {
      await admin.config('SET', 'dir', '/proc');
      await bgsave();
      const fail = await settle(env, 'persistence', 'fail');
      expect200or503(fail.res, 'fail');
      expect(fail.body.output).toMatch(/rdb_last_bgsave_status:err/);
    } finally {
      await admin.config('SET', 'dir', dir);
    }
    await bgsave();
    await settle(env, 'persistence', 'pass');
  });
});

describe('the health of a monitored Redis host, from its stored series', () => {
  let redis: RedisServer;
  let target: RedisServer;
  let env: ApiEnv;

  beforeAll(async () => {
    [redis, target] = await Promise.all([startRedis(), startRedis()]);
    env = await apiEnv(redis.url, uniquePrefix('rhost'), { VITALS_RATE_LIMIT: '100000' });
  });
  afterAll(async () => {
    await env?.close();
    await Promise.all([redis?.close(), target?.close()]);
  });

  /** Collects the host now and waits until its newest stored figures are from this collection. */
  async function collect(host: string): Promise<void> {
    const before = Date.now();
    expect((await env.call('POST', `/api/v1/hosts/${host}/collect`)).statusCode).toBeLessThan(300);
    await waitFor(
      async () => {
        const { body } = await check(env, 'connectivity', `?host=${host}`);
        return body.status === 'pass' && Date.parse(String(body.lastCollected)) >= before;
      },
      { timeoutMs: 15_000, message: `${host} collected` },
    );
  }

  it('does fail connectivity before the first collection, and judge every check after it', async () => {
    const created = await env.call('POST', '/api/v1/hosts', {
      payload: {
        id: 'cache-1',
        metricsInterval: 60,
        collector: { kind: 'redis', settings: { url: target.url } },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const early = await env.call('GET', '/api/v1/redis/health?host=cache-1');
    expect(early.json().checks.connectivity).toMatchObject({ status: 'fail' });
    await collect('cache-1');
    const res = await env.call('GET', '/api/v1/redis/health?host=cache-1');
    const body = res.json() as { status: string; host: string; checks: Record<string, Check> };
    expect(body.host).toBe('cache-1');
    expect(body.checks.connectivity).toMatchObject({
      status: 'pass',
      observedUnit: 's',
      thresholds: { fail: 180 },
    });
    expect(body.checks.memory?.status).toBe('pass');
    expect(body.checks.persistence?.status).toBe('pass');
    expect(res.statusCode).toBe(200);
  });

  it('does fail memory from the stored figures once the target is past 90 % of maxmemory', async () => {
    const admin = target.client();
    const used = await infoNum(admin, 'memory', 'used_memory');
    await admin.config('SET', 'maxmemory', String(Math.round(used / 0.95)));
    await collect('cache-1');
    const { res, body } = await check(env, 'memory', '?host=cache-1');
    expect(body).toMatchObject({ status: 'fail', host: 'cache-1', type: 'memory', observedUnit: '%' });
    expect200or503(res, 'fail');
  });

  it('does judge a monitored hit rate only from 100 lookups on, then fail below 70 % and warn below 80 %', async () => {
    const admin = target.client();
    try {
      await admin.config('SET', 'maxmemory', '0');
      await admin.config('RESETSTAT');
      await admin.set('hits', '1');
      for (let i = 0; i < 40; i++) await admin.get('hits-missing');
      await collect('cache-1');
      const early = await check(env, 'performance', '?host=cache-1');
      expect(early.body.status).toBe('pass');
      expect(early.body.output).toMatch(/not judged before 100 lookups/);
      for (let i = 0; i < 160; i++) await admin.get('hits-missing');
      await collect('cache-1');
      const fail = await check(env, 'performance', '?host=cache-1');
      expect(fail.body.status).toBe('fail');
      expect200or503(fail.res, 'fail');
      expect(fail.body.output).toMatch(/hit rate \d+(\.\d+)? %/);
      const pipeline = admin.pipeline();
      for (let i = 0; i < 700; i++) pipeline.get('hits');
      await pipeline.exec();
      await collect('cache-1');
      const warn = await check(env, 'performance', '?host=cache-1');
      expect(warn.body.status).toBe('warn');
      expect((warn.body.figures as { hitRate: { value: number } }).hitRate.value).toBeLessThan(80);
      const more = admin.pipeline();
      for (let i = 0; i < 2000; i++) more.get('hits');
      await more.exec();
      await collect('cache-1');
      expect((await check(env, 'performance', '?host=cache-1')).body.status).toBe('pass');
    } finally {
      admin.disconnect();
    }
  });

  it('does fail configuration from the stored figures under an evicting maxmemory-policy', async () => {
    const admin = target.client();
    try {
      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
      await collect('cache-1');
      const { body } = await check(env, 'configuration', '?host=cache-1');
      expect(body).toMatchObject({ status: 'fail', observedValue: 'an evicting policy' });
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      await collect('cache-1');
      expect((await check(env, 'configuration', '?host=cache-1')).body).toMatchObject({
        status: 'pass',
        observedValue: 'noeviction',
      });
    } finally {
      admin.disconnect();
    }
  });

  it('does fail connectivity when the newest sample is older than three intervals', async () => {
    // Not collected (metrics off): its only sample is the one pushed here, ten minutes old.
    const created = await env.call('POST', '/api/v1/hosts', {
      payload: {
        id: 'cache-2',
        metricsInterval: 60,
        metricsEnabled: false,
        collector: { kind: 'redis', settings: { url: target.url } },
      },
    });
    expect(created.statusCode).toBe(201);
    const old = Date.now() - 600_000;
    const push = await env.call('POST', '/api/v1/ingest', {
      payload: { hosts: [{ host: 'cache-2', snapshots: [{ timestamp: old, metrics: { 'redis.up': 1 } }] }] },
    });
    expect(push.statusCode, push.body).toBe(200);
    const { body } = await check(env, 'connectivity', '?host=cache-2');
    expect(body.status).toBe('fail');
    expect(body.output).toMatch(/no collection for 6\d\d s/);
  });
});
