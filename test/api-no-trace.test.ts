import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis, uniquePrefix } from './harness/index.ts';
import { type ApiEnv, apiEnv } from './support/api.ts';
import { headPoints } from './support/tsdb.ts';

/**
 * A push refused for any limit or bad input leaves no trace in any read: no host registered, nothing
 * in the hot tier (latest, recent, overview) and nothing in Redis, also when it was mixed with good
 * samples of a known host.
 */
describe('a refused push leaves no trace', () => {
  let redis: RedisServer;
  let env: ApiEnv;
  const t = Date.now() - 1000;

  beforeAll(async () => {
    redis = await startRedis();
    env = await apiEnv(redis.url, uniquePrefix('no-trace'), {
      VITALS_MAX_SAMPLES_PER_REQUEST: '3',
      VITALS_MAX_LABELS: '1',
      VITALS_MAX_LABEL_LENGTH: '5',
      VITALS_MAX_SERIES_PER_HOST: '2',
      VITALS_MAX_SERIES_PER_ORG: '3',
      VITALS_MAX_BODY_BYTES: '2048',
    });
    // A known host with two series: the per-host limit.
    const first = await env.call('POST', '/api/v1/ingest', {
      payload: { hosts: [{ host: 'known', snapshots: [{ timestamp: t - 5000, metrics: { a: 1, b: 2 } }] }] },
    });
    expect(first.statusCode).toBe(200);
  });
  afterAll(async () => {
    await env?.close();
    await redis?.close();
  });

  async function assertNoTrace(host: string): Promise<void> {
    const hosts = (await env.call('GET', '/api/v1/hosts')).json() as { hosts: Array<{ id: string }> };
    expect(hosts.hosts.map((h) => h.id)).not.toContain(host);
    expect((await env.call('GET', `/api/v1/hosts/${host}/metrics/latest`)).statusCode).toBe(404);
    const overview = (await env.call('GET', '/api/v1/overview')).json() as { hosts: Array<{ id: string }> };
    expect(overview.hosts.map((h) => h.id)).not.toContain(host);
    expect(env.runtime.tsdb.ctx.hot.newestOf('default', host)).toBeUndefined();
    const stored = await headPoints(env.runtime.redis, env.runtime.keys, 'default', host);
    expect(stored.size).toBe(0);
  }

  const hostCases: Array<[string, Record<string, unknown>, number, RegExp]> = [
    [
      'samples per request',
      { snapshots: [{ timestamp: t, metrics: { a: 1, b: 2, c: 3, d: 4 } }] },
      422,
      /VITALS_MAX_SAMPLES_PER_REQUEST/,
    ],
    [
      'labels per series',
      { snapshots: [{ timestamp: t, metrics: { 'x{a="1",b="2"}': 1 } }] },
      422,
      /VITALS_MAX_LABELS/,
    ],
    [
      'label length',
      { snapshots: [{ timestamp: t, metrics: { 'x{a="toolong"}': 1 } }] },
      422,
      /VITALS_MAX_LABEL_LENGTH/,
    ],
    [
      'series per host',
      { snapshots: [{ timestamp: t, metrics: { a: 1, b: 2, c: 3 } }] },
      422,
      /VITALS_MAX_SERIES_PER_(HOST|ORG)/,
    ],
    [
      'timestamp too far ahead',
      { snapshots: [{ timestamp: Date.now() + 86_400_000, metrics: { a: 1 } }] },
      400,
      /ahead|future|skew/i,
    ],
    [
      'timestamp past retention',
      { snapshots: [{ timestamp: 1000, metrics: { a: 1 } }] },
      400,
      /retention|old/i,
    ],
    ['a value of the wrong type', { snapshots: [{ timestamp: t, metrics: { a: null } }] }, 400, /a/],
    [
      'an empty host label name',
      { labels: { '': 'x' }, snapshots: [{ timestamp: t, metrics: { a: 1 } }] },
      400,
      /labels/,
    ],
    [
      'a 201-character host name',
      { name: 'n'.repeat(201), snapshots: [{ timestamp: t, metrics: { a: 1 } }] },
      400,
      /name/,
    ],
    ['an empty host name', { name: '', snapshots: [{ timestamp: t, metrics: { a: 1 } }] }, 400, /name/],
    [
      '33 host labels',
      {
        labels: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`l${i}`, 'v'])),
        snapshots: [{ timestamp: t, metrics: { a: 1 } }],
      },
      400,
      /labels/,
    ],
    [
      'a 257-character host label value',
      { labels: { k: 'v'.repeat(257) }, snapshots: [{ timestamp: t, metrics: { a: 1 } }] },
      400,
      /labels/,
    ],
  ];

  hostCases.forEach(([what, push, status, message], i) => {
    it(`does leave no trace of a new host refused for ${what}`, async () => {
      const host = `refused-${i}`;
      const res = await env.call('POST', '/api/v1/ingest', { payload: { hosts: [{ host, ...push }] } });
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json().error.message).toMatch(message);
      await assertNoTrace(host);
    });
  });

  it('does leave no trace of a body past VITALS_MAX_BODY_BYTES', async () => {
    const res = await env.call('POST', '/api/v1/ingest', {
      payload: {
        hosts: [
          { host: 'too-big', snapshots: [{ timestamp: t, metrics: { [`m.${'x'.repeat(3000)}`]: 1 } }] },
        ],
      },
    });
    expect(res.statusCode).toBe(413);
    await assertNoTrace('too-big');
  });

  it('does keep a known host exactly as it was when a push mixing good and refused samples is refused', async () => {
    const before = (await env.call('GET', '/api/v1/hosts/known/metrics/latest')).json();
    const res = await env.call('POST', '/api/v1/ingest', {
      payload: {
        hosts: [
          { host: 'known', snapshots: [{ timestamp: t, metrics: { a: 10, b: 20 } }] },
          { host: 'known', snapshots: [{ timestamp: t + 1, metrics: { c: 30 } }] },
        ],
      },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.message).toMatch(/VITALS_MAX_SERIES_PER_HOST/);
    expect((await env.call('GET', '/api/v1/hosts/known/metrics/latest')).json()).toEqual(before);
    const recent = (await env.call('GET', '/api/v1/hosts/known/metrics/recent?count=10')).json();
    expect(recent.rows).toEqual([{ timestamp: t - 5000, a: 1, b: 2 }]);
    const stored = await headPoints(env.runtime.redis, env.runtime.keys, 'default', 'known');
    expect([...stored.keys()].sort()).toEqual(['a', 'b']);
    expect([...(stored.get('a')?.timestamps ?? [])]).toEqual([t - 5000]);
  });

  it('does leave no trace of a push past the per-org series limit', async () => {
    // The org has 2 series (known: a, b) and may have 3: a new host with 2 more is refused.
    const res = await env.call('POST', '/api/v1/ingest', {
      payload: { hosts: [{ host: 'org-limit', snapshots: [{ timestamp: t, metrics: { a: 1, b: 2 } }] }] },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.message).toMatch(/VITALS_MAX_SERIES_PER_ORG/);
    await assertNoTrace('org-limit');
  });
});
