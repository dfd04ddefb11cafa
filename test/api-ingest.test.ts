import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, sleep, startRedis, uniquePrefix } from './harness/index.ts';
import { apiEnv } from './support/api.ts';
import { headPoints } from './support/tsdb.ts';

function push(host: string, t: number, metrics: Record<string, unknown>) {
  return { hosts: [{ host, snapshots: [{ timestamp: t, metrics }] }] };
}

async function stored(env: Awaited<ReturnType<typeof apiEnv>>, host: string): Promise<number> {
  const points = await headPoints(env.runtime.redis, env.runtime.keys, 'default', host);
  return [...points.values()].reduce((n, p) => n + p.timestamps.length, 0);
}

describe('POST /api/v1/ingest and /api/v1/write', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => redis?.close());

  it('stores a durable JSON push before answering 200 and registers the unknown host', async () => {
    const env = await apiEnv(redis.url, uniquePrefix('json'));
    try {
      const t = Date.now() - 1000;
      const res = await env.call('POST', '/api/v1/ingest', {
        payload: push('web-1', t, { 'cpu.usage': 12.5, 'disk.used_pct{mount="/"}': 'NaN' }),
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ samples: 2, hosts: 1, stored: 'redis' });
      expect(await stored(env, 'web-1')).toBe(2);
      expect((await env.call('GET', '/api/v1/hosts/web-1')).statusCode).toBe(200);
    } finally {
      await env.close();
    }
  });

  it('accepts gzip bodies and Influx line protocol with the host tag', async () => {
    const env = await apiEnv(redis.url, uniquePrefix('gzip'));
    try {
      const t = Date.now() - 1000;
      const res = await env.call('POST', '/api/v1/ingest', {
        payload: gzipSync(JSON.stringify(push('gz', t, { 'load.1': 0.5 }))),
        headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' },
      });
      expect(res.statusCode).toBe(200);
      const lines = [
        `cpu,host=telegraf-1,cpu=cpu-total usage_user=1.5,usage_system=0.5 ${t}`,
        `mem,host=telegraf-1 used_percent=40 ${t}`,
      ].join('\n');
      const write = await env.call('POST', '/api/v1/write?precision=ms', {
        payload: gzipSync(lines),
        headers: { 'content-encoding': 'gzip', 'content-type': 'text/plain' },
      });
      expect(write.statusCode).toBe(204);
      const latest = (await env.call('GET', '/api/v1/hosts/telegraf-1/metrics/latest')).json();
      expect(latest.metrics.map((m: { series: string }) => m.series).sort()).toEqual([
        'cpu.usage_system{cpu="cpu-total"}',
        'cpu.usage_user{cpu="cpu-total"}',
        'mem.used_percent',
      ]);
    } finally {
      await env.close();
    }
  });

  it('writes a retried batch once, answers it with the original response, and costs one Redis command', async () => {
    const env = await apiEnv(redis.url, uniquePrefix('idem'));
    try {
      const body = push('web-1', Date.now() - 1000, { 'cpu.usage': 1, 'mem.used_pct': 2 });
      const headers = { 'idempotency-key': 'batch-42' };
      const first = await env.call('POST', '/api/v1/ingest', { payload: body, headers });
      // The first push registered its host; what that sets off in the background (live updates of the
      // new host) must not be counted against the retry.
      await sleep(200);
      const before = env.runtime.timings.snapshot();
      const second = await env.call('POST', '/api/v1/ingest', { payload: body, headers });
      const after = env.runtime.timings.snapshot();
      expect(second.statusCode).toBe(first.statusCode);
      expect(second.json()).toEqual(first.json());
      expect(await stored(env, 'web-1')).toBe(2);
      // Besides the rate limiters' own counting (the org budget's script; the per-token INCRBY, PEXPIRE
      // and PTTL), the retry cost one command: the SET NX GET.
      const limiter = new Set(['evalsha', 'eval', 'incrby', 'pexpire', 'pttl']);
      const delta = Object.entries(after)
        .filter(([name]) => !limiter.has(name))
        .map(([name, s]) => [name, s.count - (before[name]?.count ?? 0)] as const)
        .filter(([, n]) => n > 0);
      expect(delta).toEqual([['set', 1]]);
    } finally {
      await env.close();
    }
  });

  it('writes once when two requests with one key arrive together; the other gets the result or 409', async () => {
    const env = await apiEnv(redis.url, uniquePrefix('idem-race'));
    try {
      const body = push('web-2', Date.now() - 1000, { 'cpu.usage': 1 });
      const headers = { 'idempotency-key': 'same' };
      const [a, b] = await Promise.all([
        env.call('POST', '/api/v1/ingest', { payload: body, headers }),
        env.call('POST', '/api/v1/ingest', { payload: body, headers }),
      ]);
      const codes = [a.statusCode, b.statusCode].sort();
      expect(codes[0]).toBe(200);
      expect([200, 409]).toContain(codes[1]);
      const conflict = [a, b].find((r) => r.statusCode === 409);
      if (conflict) expect(conflict.headers['retry-after']).toBe('1');
      expect(await stored(env, 'web-2')).toBe(1);
    } finally {
      await env.close();
    }
  });

  it('rejects a whole batch naming the bad sample, and writes nothing of it', async () => {
    const env = await apiEnv(redis.url, uniquePrefix('bad'));
    try {
      const t = Date.now() - 1000;
      const body = {
        hosts: [push('ok', t, { 'cpu.usage': 1 }).hosts[0], push('also-ok', t, { 'bad name!': 1 }).hosts[0]],
      };
      const res = await env.call('POST', '/api/v1/ingest', { payload: body });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toContain('bad name!');
      const future = await env.call('POST', '/api/v1/ingest', {
        payload: push('ok', Date.now() + 86_400_000, { 'cpu.usage': 1 }),
      });
      expect(future.statusCode).toBe(400);
      expect(future.json().error.message).toContain('cpu.usage');
      expect(await stored(env, 'ok')).toBe(0);
      const malformed = await env.call('POST', '/api/v1/ingest', {
        payload: '{"hosts": [',
        headers: { 'content-type': 'application/json' },
      });
      expect(malformed.statusCode).toBe(400);
      const influx = await env.call('POST', '/api/v1/write?host=h', {
        payload: 'cpu usage=1\nthis is not influx',
        headers: { 'content-type': 'text/plain' },
      });
      expect(influx.statusCode).toBe(400);
      expect(influx.json().error.message).toContain('line 2');
    } finally {
      await env.close();
    }
  });

  it('refuses a value or timestamp of the wrong JSON type naming the sample, and stores nothing of it', async () => {
    const env = await apiEnv(redis.url, uniquePrefix('types'));
    try {
      const t = Date.now() - 10_000;
      const first = await env.call('POST', '/api/v1/ingest', {
        payload: push('typed', t, { 'cpu.usage': 1, 'mem.used_pct': '+Inf' }),
      });
      expect(first.statusCode).toBe(200);
      const rule = 'must be a number or one of "NaN", "+Inf", "-Inf"';
      const snapshot = 'body.hosts.0.snapshots.0';
      const cases: Array<[unknown, string]> = [
        ...[null, true, '42', 'Infinity'].map((v): [unknown, string] => [
          push('typed', t + 1000, { 'cpu.usage': v }),
          `${snapshot}.metrics["cpu.usage"]: ${rule}`,
        ]),
        [
          { hosts: [{ host: 'typed', series: [{ name: 'app.depth', points: [[t + 1000, null]] }] }] },
          `body.hosts.0.series.0.points.0.1: ${rule}`,
        ],
        [
          {
            hosts: [
              { host: 'typed', snapshots: [{ timestamp: String(t + 1000), metrics: { 'cpu.usage': 2 } }] },
            ],
          },
          `${snapshot}.timestamp: must be integer`,
        ],
        [
          { ...push('typed', t + 1000, { 'cpu.usage': 2 }), dryRun: true },
          'body.dryRun: is not a known field',
        ],
      ];
      for (const [payload, message] of cases) {
        const res = await env.call('POST', '/api/v1/ingest', { payload });
        expect(res.statusCode, message).toBe(400);
        expect(res.json().error).toMatchObject({ code: 'bad_request', message });
      }
      expect(await stored(env, 'typed')).toBe(2);
      const latest = (await env.call('GET', '/api/v1/hosts/typed/metrics/latest')).json();
      expect(latest.metrics).toEqual([
        { series: 'cpu.usage', field: 'cpu', timestamp: t, value: 1 },
        { series: 'mem.used_pct', field: 'memory', timestamp: t, value: '+Inf' },
      ]);
    } finally {
      await env.close();
    }
  });

  it('accepts the query parameters Telegraf sends to /write and refuses others', async () => {
    const env = await apiEnv(redis.url, uniquePrefix('telegraf'));
    try {
      const line = `cpu,host=tg usage_user=1 ${Date.now() - 1000}000000`;
      const headers = { 'content-type': 'text/plain' };
      const ok = await env.call('POST', '/api/v1/write?db=telegraf&rp=autogen&consistency=any', {
        payload: line,
        headers,
      });
      expect(ok.statusCode).toBe(204);
      const bad = await env.call('POST', '/api/v1/write?bucket=b', { payload: line, headers });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.message).toBe('query.bucket: is not a known field');
    } finally {
      await env.close();
    }
  });

  it('answers each limit with a 4xx naming the limit and its value', async () => {
    const env = await apiEnv(redis.url, uniquePrefix('limits'), {
      VITALS_MAX_SAMPLES_PER_REQUEST: '3',
      VITALS_MAX_LABELS: '1',
      VITALS_MAX_LABEL_LENGTH: '5',
      VITALS_MAX_SERIES_PER_HOST: '2',
      VITALS_MAX_BODY_BYTES: '2048',
    });
    try {
      const t = Date.now() - 1000;
      const cases: Array<[Record<string, number>, number, string]> = [
        [{ a: 1, b: 2, c: 3, d: 4 }, 422, 'VITALS_MAX_SAMPLES_PER_REQUEST'],
        [{ 'x{a="1",b="2"}': 1 }, 422, 'VITALS_MAX_LABELS'],
        [{ 'x{a="toolong"}': 1 }, 422, 'VITALS_MAX_LABEL_LENGTH'],
        [{ a: 1, b: 2, c: 3 }, 422, 'VITALS_MAX_SERIES_PER_HOST'],
      ];
      for (const [metrics, status, limit] of cases) {
        const res = await env.call('POST', '/api/v1/ingest', { payload: push('lim', t, metrics) });
        expect(res.statusCode, limit).toBe(status);
        expect(res.json().error.message).toContain(limit);
      }
      const big = await env.call('POST', '/api/v1/ingest', {
        payload: push('lim', t, { [`m.${'x'.repeat(3000)}`]: 1 }),
      });
      expect(big.statusCode).toBe(413);
      expect(await stored(env, 'lim')).toBe(0);
    } finally {
      await env.close();
    }
  });

  it('answers 429 with Retry-After past the per-token rate limit', async () => {
    const env = await apiEnv(redis.url, uniquePrefix('rate'), { VITALS_RATE_LIMIT: '3' });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) codes.push((await env.call('GET', '/api/v1/overview')).statusCode);
      expect(codes.slice(0, 3)).toEqual([200, 200, 200]);
      const limited = await env.call('GET', '/api/v1/overview');
      expect(limited.statusCode).toBe(429);
      expect(limited.json().error.code).toBe('rate_limited');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await env.close();
    }
  });

  it('keeps answering 2xx from the spool while Redis is down, never 500', async () => {
    const local = await startRedis();
    const env = await apiEnv(local.url, uniquePrefix('down'));
    try {
      expect(
        (
          await env.call('POST', '/api/v1/ingest', {
            payload: push('h', Date.now() - 1000, { 'cpu.usage': 1 }),
          })
        ).statusCode,
      ).toBe(200);
      await local.stop();
      const res = await env.call('POST', '/api/v1/ingest', {
        payload: push('h', Date.now() - 500, { 'cpu.usage': 2 }),
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().stored).toBe('spool');
      const health = (await env.runtime.app.inject({ url: '/health' })).json();
      expect(health.status).toBe('warn');
    } finally {
      await env.close();
      await local.close();
    }
  });
});
