import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUDGET_GAP_MS } from '../src/api/org-budget.ts';
import { type RedisServer, startRedis, uniquePrefix } from './harness/index.ts';
import { ADMIN_TOKEN, type ApiEnv, apiEnv } from './support/api.ts';

const DAY = 86_400_000;

/** Pushes `count` snapshots of `metrics` series one second apart, ending now, for `host` of `org`. */
async function seed(env: ApiEnv, org: string, host: string, count: number, metrics = 10): Promise<void> {
  const now = Date.now() - 1000;
  const snapshots = Array.from({ length: count }, (_, i) => ({
    timestamp: now - (count - i) * 1000,
    metrics: Object.fromEntries(Array.from({ length: metrics }, (_, m) => [`app.m${m}`, i + m])),
  }));
  for (let i = 0; i < snapshots.length; i += 1000) {
    await env.runtime.api.services.ingest.pushJson(org, {
      hosts: [{ host, snapshots: snapshots.slice(i, i + 1000) }],
    });
  }
}

/** A streaming GET over a real socket; `close()` drops it. */
async function open(url: string, token: string) {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: async () => (await res.json()) as { error: { code: string; message: string } },
    close: () => abort.abort(),
  };
}

describe('fair shares: live streams and exports per token, per org and per process', () => {
  let redis: RedisServer;
  let env: ApiEnv;
  let base: string;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    redis = await startRedis();
    env = await apiEnv(redis.url, uniquePrefix('shares'), {
      VITALS_LIVE_STREAMS_PER_TOKEN: '1',
      VITALS_LIVE_STREAMS_PER_ORG: '2',
      VITALS_LIVE_STREAMS: '3',
      VITALS_EXPORTS_PER_TOKEN: '1',
      VITALS_EXPORTS_PER_ORG: '2',
      VITALS_EXPORTS: '3',
      // Exports of the hosts below last seconds at this pace, holding their share meanwhile.
      VITALS_EXPORT_RATE: '65536',
    });
    base = await env.runtime.listen();
    const { tenancy } = env.runtime.api;
    for (const org of ['org-a', 'org-b']) {
      await tenancy.createOrg({ id: org, name: org });
      for (const n of [1, 2, 3]) {
        tokens[`${org}/${n}`] = (await tenancy.createToken(org, { name: `r${n}`, scopes: ['read'] })).token;
      }
      await seed(env, org, 'h', 2000);
    }
  }, 60_000);
  afterAll(async () => {
    await env?.close();
    await redis?.close();
  });

  async function expectRefused(
    stream: Awaited<ReturnType<typeof open>>,
    status: number,
    variable: string,
  ): Promise<void> {
    expect(stream.status).toBe(status);
    expect(Number(stream.retryAfter)).toBeGreaterThanOrEqual(1);
    const { error } = await stream.body();
    expect(error.code).toBe(status === 429 ? 'rate_limited' : 'unavailable');
    expect(error.message).toContain(`(${variable})`);
  }

  it('does refuse a live stream past the token, org and process limits with 429 / 503 naming each', async () => {
    const live = (token: string) => open(`${base}/api/v1/live`, tokens[token] ?? '');
    const held = [await live('org-a/1')];
    await expectRefused(await live('org-a/1'), 429, 'VITALS_LIVE_STREAMS_PER_TOKEN');
    held.push(await live('org-a/2'));
    await expectRefused(await live('org-a/3'), 429, 'VITALS_LIVE_STREAMS_PER_ORG');
    // Org A at its share leaves org B its own; the process' limit is the last word.
    held.push(await live('org-b/1'));
    await expectRefused(await live('org-b/2'), 503, 'VITALS_LIVE_STREAMS');
    expect(held.map((s) => s.status)).toEqual([200, 200, 200]);
    // A closed stream gives its share back.
    held.shift()?.close();
    await expect
      .poll(async () => {
        const again = await live('org-b/2');
        again.close();
        return again.status;
      })
      .toBe(200);
    for (const s of held) s.close();
  });

  it('does refuse an export past the token, org and process limits with 429 / 503 naming each', async () => {
    const exp = (token: string, org: string) =>
      open(`${base}/api/v1/hosts/h/export?format=csv`, tokens[`${org}/${token}`] ?? '');
    const held = [await exp('1', 'org-a')];
    await expectRefused(await exp('1', 'org-a'), 429, 'VITALS_EXPORTS_PER_TOKEN');
    held.push(await exp('2', 'org-a'));
    await expectRefused(await exp('3', 'org-a'), 429, 'VITALS_EXPORTS_PER_ORG');
    held.push(await exp('1', 'org-b'));
    await expectRefused(await exp('2', 'org-b'), 503, 'VITALS_EXPORTS');
    expect(held.map((s) => s.status)).toEqual([200, 200, 200]);
    held.shift()?.close();
    await expect
      .poll(async () => {
        const again = await exp('2', 'org-b');
        again.close();
        return again.status;
      })
      .toBe(200);
    for (const s of held) s.close();
  });
});

describe('the export deadline', () => {
  let redis: RedisServer;
  let env: ApiEnv;

  beforeAll(async () => {
    redis = await startRedis();
    env = await apiEnv(redis.url, uniquePrefix('export-deadline'), {
      VITALS_EXPORT_TIMEOUT: '1s',
      VITALS_EXPORT_RATE: '65536',
      VITALS_EXPORTS_PER_TOKEN: '1',
    });
    await seed(env, 'default', 'h', 2000);
  });
  afterAll(async () => {
    await env?.close();
    await redis?.close();
  });

  it('does cut off an export still streaming at VITALS_EXPORT_TIMEOUT and give its share back', async () => {
    const base = await env.runtime.listen();
    const started = performance.now();
    const res = await fetch(`${base}/api/v1/hosts/h/export?format=csv`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(res.status).toBe(200);
    // About 1 MB at 64 KiB/s would take some 15 s; the deadline ends it after one.
    const read = await res.text().then(
      (text) => ({ cut: false, bytes: text.length }),
      () => ({ cut: true, bytes: 0 }),
    );
    expect(read.cut).toBe(true);
    expect(performance.now() - started).toBeLessThan(3000);
    await expect
      .poll(async () => (await env.call('GET', '/api/v1/hosts/h/export?startTime=0&endTime=1')).statusCode)
      .toBe(200);
  });
});

describe('the per-org request budget', () => {
  let redis: RedisServer;
  let env: ApiEnv;

  beforeAll(async () => {
    redis = await startRedis();
    // One request every 10 s per org, all its tokens together; a burst of one. (At one a second a busy
    // machine could let the next be due before the test asks again.)
    env = await apiEnv(redis.url, uniquePrefix('budget'), { VITALS_RATE_LIMIT_PER_ORG: '6' });
    await env.runtime.api.tenancy.createOrg({ id: 'org-b', name: 'B' });
  });
  afterAll(async () => {
    await env?.close();
    await redis?.close();
  });

  it("does refuse an org's tokens together past its budget with 429 naming it, and leave other orgs alone", async () => {
    const { tenancy } = env.runtime.api;
    const b = await Promise.all(
      [1, 2].map(
        async (n) => (await tenancy.createToken('org-b', { name: `b${n}`, scopes: ['read'] })).token,
      ),
    );
    const codes: number[] = [];
    let refused: Awaited<ReturnType<ApiEnv['call']>> | undefined;
    // The count goes ahead of a request for an org not refused lately, and counts reach Redis at most
    // every BUDGET_GAP_MS (together): the refusal takes effect within a gap and a round trip of the
    // request that spent the budget. Requests a few ms apart, as clients over a network send them (in-
    // process injection alone would never give the event loop a turn to read Redis' reply), for at
    // least ten gaps.
    for (let i = 0; i < (10 * BUDGET_GAP_MS) / 5 && !refused; i++) {
      if (i > 0) await sleep(5);
      const res = await env.call('GET', '/api/v1/hosts', { token: b[i % 2] });
      codes.push(res.statusCode);
      if (res.statusCode === 429) refused = res;
    }
    expect(codes[0]).toBe(200);
    expect(refused?.json().error).toMatchObject({
      code: 'rate_limited',
      message: expect.stringContaining('at most 6 requests per minute per org (VITALS_RATE_LIMIT_PER_ORG)'),
    });
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // The default org (the admin token) has its own budget.
    expect((await env.call('GET', '/api/v1/hosts')).statusCode).toBe(200);
    expect((await env.call('GET', '/api/v1/hosts', { token: b[0] })).statusCode).toBe(429);
    expect((await env.call('GET', '/api/v1/hosts', { token: ADMIN_TOKEN })).statusCode).toBe(200);
  });
});

describe('bounded ranges', () => {
  let redis: RedisServer;
  let env: ApiEnv;

  beforeAll(async () => {
    redis = await startRedis();
    env = await apiEnv(redis.url, uniquePrefix('spans'), {
      VITALS_RETENTION_RAW: '3d',
      VITALS_RETENTION_1M: '10d',
      VITALS_RETENTION_1H: '40d',
      VITALS_MAX_EXPORT_SPAN: '2d',
      VITALS_MAX_QUERY_SPAN: '30d',
    });
    await seed(env, 'default', 'web-1', 10, 2);
    await env.runtime.tsdb.stopMaintenance(); // its reads would be counted below
  });
  afterAll(async () => {
    await env?.close();
    await redis?.close();
  });

  /** The answer to `url`, and the storage reads (index, series, window) it cost. */
  async function call(url: string) {
    await env.call('GET', '/api/v1/hosts/web-1'); // token and host known: nothing left to look up
    const reads = () => {
      const t = env.runtime.timings.snapshot();
      return ['zrangebyscore', 'hmget', 'hgetall'].reduce((n, name) => n + (t[name]?.count ?? 0), 0);
    };
    const before = reads();
    const res = await env.call('GET', url);
    return {
      status: res.statusCode,
      error: res.json().error as { code: string; message: string },
      reads: reads() - before,
    };
  }

  it.each([
    [
      'an export past VITALS_MAX_EXPORT_SPAN',
      '/export?startTime=0&endTime=9007199254740991',
      'VITALS_MAX_EXPORT_SPAN',
    ],
    [
      'an export past VITALS_MAX_EXPORT_SPAN',
      `/export?startTime=${Date.now() - 2.5 * DAY}`,
      'VITALS_MAX_EXPORT_SPAN',
    ],
    [
      'an aggregate past VITALS_MAX_QUERY_SPAN',
      `/metrics/aggregate?startTime=${Date.now() - 35 * DAY}`,
      'VITALS_MAX_QUERY_SPAN',
    ],
    [
      'an aggregate past VITALS_MAX_QUERY_SPAN',
      '/metrics/aggregate?startTime=0&step=86400000',
      'VITALS_MAX_QUERY_SPAN',
    ],
  ])('does refuse %s with a 400 naming the bound, reading nothing', async (_what, path, variable) => {
    const res = await call(`/api/v1/hosts/web-1${path}`);
    expect(res.status).toBe(400);
    expect(res.error.code).toBe('bad_request');
    expect(res.error.message).toMatch(
      new RegExp(`^startTime…endTime spans .+; at most .+ per request \\(.*${variable}\\)$`),
    );
    expect(res.reads).toBe(0);
  });

  it('does answer ranges within every bound', async () => {
    const now = Date.now();
    for (const path of [
      `/export?startTime=${now - 2 * DAY}&endTime=${now}`,
      `/metrics/range?startTime=${now - 3 * DAY}&endTime=${now}`,
      `/metrics/aggregate?startTime=${now - 30 * DAY}&endTime=${now}&step=3600000`,
    ]) {
      expect((await env.call('GET', `/api/v1/hosts/web-1${path}`)).statusCode, path).toBe(200);
    }
  });

  it('does refuse exports past raw retention and aggregates past the longest rollup retention when those are tighter', async () => {
    const short = await apiEnv(redis.url, uniquePrefix('spans-retention'), {
      VITALS_RETENTION_RAW: '3d',
      VITALS_RETENTION_1M: '10d',
      VITALS_RETENTION_1H: '20d',
    });
    try {
      await seed(short, 'default', 'web-1', 10, 2);
      const now = Date.now();
      for (const [path, bound] of [
        [
          `/export?startTime=${now - 4 * DAY}`,
          'at most 3 d per request (retention of raw samples, VITALS_RETENTION_RAW)',
        ],
        [
          `/metrics/aggregate?startTime=${now - 25 * DAY}`,
          'at most 20 d per request (retention of 1h rollups, VITALS_RETENTION_1H)',
        ],
      ] as const) {
        const res = await short.call('GET', `/api/v1/hosts/web-1${path}`);
        expect(res.statusCode, path).toBe(400);
        expect(res.json().error.message).toContain(bound);
      }
    } finally {
      await short.close();
    }
  });
});
