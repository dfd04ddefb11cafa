import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis, uniquePrefix } from './harness/index.ts';
import { type ApiEnv, apiEnv } from './support/api.ts';
import { scopedTokens } from './support/auth-suite.ts';

const BASE = '/api/v1/alerts/rules';
const valid = {
  id: 'web-cpu',
  name: 'Web CPU',
  selector: { hostLabels: { role: 'web' }, metric: 'cpu.usage' },
  reduction: 'max',
  windowMs: 120_000,
  comparison: '>',
  threshold: 80,
  resolveThreshold: 70,
  forMs: 60_000,
  severity: 'critical',
  labels: { team: 'ops' },
  annotations: { summary: 'CPU of {{host}} at {{value}}' },
};

describe('alert rule routes', () => {
  let redis: RedisServer;
  let env: ApiEnv;
  let orgB: Record<'read' | 'admin' | 'ingest', string>;
  let reader: string;

  beforeAll(async () => {
    redis = await startRedis();
    env = await apiEnv(redis.url, uniquePrefix('alert-rules'));
    const tenancy = env.runtime.api.tenancy;
    await tenancy.createOrg({ id: 'org-b', name: 'B' });
    orgB = await scopedTokens(tenancy, 'org-b');
    reader = (await scopedTokens(tenancy, 'default')).read;
    const now = Date.now();
    await env.call('POST', '/api/v1/hosts', {
      payload: { id: 'web-1', labels: { role: 'web' }, thresholds: { cpu: 70 } },
    });
    await env.call('POST', '/api/v1/hosts', {
      payload: { id: 'cache-1', collector: { kind: 'redis', settings: { url: 'redis://127.0.0.1:1' } } },
    });
    const res = await env.call('POST', '/api/v1/ingest', {
      payload: {
        hosts: [
          {
            host: 'web-1',
            snapshots: [0, 1, 2].map((i) => ({
              timestamp: now - 30_000 + i * 10_000,
              metrics: { 'cpu.usage': 85 + i },
            })),
          },
          {
            host: 'cache-1',
            snapshots: [{ timestamp: now - 5000, metrics: { 'redis.memory.used_pct': 92 } }],
          },
        ],
      },
    });
    expect(res.statusCode, res.body).toBe(200);
  });
  afterAll(async () => {
    await env?.close();
    await redis?.close();
  });

  it('creates, reads, lists, changes and deletes a rule', async () => {
    const created = await env.call('POST', BASE, { payload: valid });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ ...valid, org: 'default', enabled: true, kind: 'threshold' });
    expect((await env.call('GET', `${BASE}/web-cpu`)).json()).toMatchObject({ id: 'web-cpu', threshold: 80 });
    const ids = (await env.call('GET', BASE)).json().rules.map((r: { id: string }) => r.id);
    expect(ids).toContain('web-cpu');
    const patched = await env.call('PATCH', `${BASE}/web-cpu`, {
      payload: { threshold: 90, resolveThreshold: null },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().threshold).toBe(90);
    expect(patched.json().resolveThreshold).toBeUndefined();
    expect((await env.call('DELETE', `${BASE}/web-cpu`)).statusCode).toBe(204);
    expect((await env.call('GET', `${BASE}/web-cpu`)).statusCode).toBe(404);
    expect((await env.call('DELETE', `${BASE}/web-cpu`)).statusCode).toBe(404);
  });

  it('answers 409 for a taken id, a built-in id, and a DELETE of a built-in', async () => {
    expect((await env.call('POST', BASE, { payload: { ...valid, id: 'dup' } })).statusCode).toBe(201);
    const again = await env.call('POST', BASE, { payload: { ...valid, id: 'dup' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.message).toContain('"dup" is taken');
    expect(
      (await env.call('POST', BASE, { payload: { ...valid, id: 'redis-memory-warning' } })).statusCode,
    ).toBe(409);
    const del = await env.call('DELETE', `${BASE}/host-cpu.web-1`);
    expect(del.statusCode).toBe(409);
    expect(del.json().error.message).toMatch(/built-in default.*disable it/);
  });

  it('refuses bad rules with a 400 naming the field, writing nothing', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...valid, id: 'bad-1', threshold: '80' }, 'body.threshold'],
      [{ ...valid, id: 'bad-2', resolveThreshold: 95 }, 'body.resolveThreshold'],
      [{ ...valid, id: 'bad-3', reduction: 'median' }, 'body.reduction'],
      [{ ...valid, id: 'bad-4', kind: 'predictive' }, 'body.predict'],
      [{ ...valid, id: 'bad-5', selector: { metric: 'cpu usage' } }, 'body.selector.metric'],
      [{ ...valid, id: 'bad-6', extra: 1 }, 'body.extra'],
      [{ ...valid, id: 'bad-7', threshold: undefined }, 'body.threshold'],
    ];
    for (const [payload, field] of cases) {
      const res = await env.call('POST', BASE, { payload });
      expect(res.statusCode, `${field}: ${res.body}`).toBe(400);
      expect(res.json().error.message).toContain(field);
      expect((await env.call('GET', `${BASE}/${payload.id}`)).statusCode).toBe(404);
    }
    expect((await env.call('POST', BASE, { payload: { ...valid, id: 'keep' } })).statusCode).toBe(201);
    const bad = await env.call('PATCH', `${BASE}/keep`, { payload: { resolveThreshold: 99 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('body.resolveThreshold');
    expect((await env.call('GET', `${BASE}/keep`)).json().resolveThreshold).toBe(70);
  });

  it('lists built-in defaults for a new host and a redis host; a built-in can be changed and disabled', async () => {
    const rules = (await env.call('GET', BASE)).json().rules as Array<Record<string, unknown>>;
    const byId = new Map(rules.map((r) => [r.id, r]));
    expect(byId.get('host-cpu.web-1')).toMatchObject({
      builtIn: 'host-cpu',
      threshold: 70,
      resolveThreshold: 65,
      forMs: 300_000,
    });
    expect(byId.get('host-memory.web-1')).toMatchObject({ threshold: 95, comparison: '>' });
    expect(byId.get('host-disk.web-1')).toMatchObject({
      threshold: 90,
      selector: { hostIds: ['web-1'], metric: 'disk.used_pct' },
    });
    expect(byId.get('host-down.web-1')).toMatchObject({
      kind: 'nodata',
      severity: 'critical',
      noData: { intervals: 3 },
    });
    expect(byId.get('host-disk-full.web-1')).toMatchObject({ kind: 'predictive', threshold: 100 });
    expect(byId.get('redis-memory-warning')).toMatchObject({ threshold: 80, severity: 'warning' });
    expect(byId.get('redis-memory-critical')).toMatchObject({ threshold: 90, severity: 'critical' });
    expect(byId.get('redis-hit-rate-critical')).toMatchObject({ comparison: '<', threshold: 70 });
    expect(byId.get('redis-latency-warning')).toMatchObject({ threshold: 100_000 });
    expect(byId.get('redis-clients-critical')).toMatchObject({ threshold: 95 });
    expect(byId.get('redis-errors')).toMatchObject({ threshold: 5 });
    const preview = (await env.call('GET', `${BASE}/redis-memory-critical/preview`)).json();
    expect(preview.matches).toEqual([
      expect.objectContaining({ host: 'cache-1', value: 92, state: 'breaching' }),
    ]);
    const off = await env.call('PATCH', `${BASE}/host-cpu.web-1`, {
      payload: { enabled: false, severity: 'critical' },
    });
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json()).toMatchObject({
      id: 'host-cpu.web-1',
      builtIn: 'host-cpu',
      enabled: false,
      severity: 'critical',
      threshold: 70,
    });
    // The host's threshold still reaches the rule: the override set only other fields.
    await env.call('PATCH', '/api/v1/hosts/web-1', { payload: { thresholds: { cpu: 60 } } });
    expect((await env.call('GET', `${BASE}/host-cpu.web-1`)).json()).toMatchObject({
      enabled: false,
      threshold: 60,
    });
  });

  it('previews an unsaved rule and a stored one: matched series, value, state', async () => {
    const unsaved = await env.call('POST', `${BASE}/preview`, {
      payload: {
        name: 'x',
        selector: { metric: 'cpu.usage' },
        reduction: 'avg',
        windowMs: 60_000,
        threshold: 80,
      },
    });
    expect(unsaved.statusCode, unsaved.body).toBe(200);
    expect(unsaved.json()).toMatchObject({
      wouldFire: true,
      truncated: false,
      matches: [{ host: 'web-1', series: 'cpu.usage', value: 86, state: 'breaching' }],
    });
    expect((await env.call('GET', `${BASE}/rule-unsaved`)).statusCode).toBe(404);
    const calm = await env.call('POST', `${BASE}/preview`, {
      payload: {
        name: 'x',
        selector: { metric: 'cpu.usage' },
        reduction: 'min',
        windowMs: 60_000,
        threshold: 85,
      },
    });
    expect(calm.json()).toMatchObject({ wouldFire: false, matches: [{ value: 85, state: 'ok' }] });
    expect(
      (
        await env.call('POST', `${BASE}/preview`, {
          payload: { name: 'x', selector: { metric: '*' }, threshold: 1 },
        })
      ).statusCode,
    ).toBe(400);
    expect((await env.call('GET', `${BASE}/nope/preview`)).statusCode).toBe(404);
  });

  it('needs admin to change rules, read to see them, and keeps orgs apart', async () => {
    expect((await env.call('GET', BASE, { token: reader })).statusCode).toBe(200);
    expect(
      (await env.call('POST', BASE, { token: reader, payload: { ...valid, id: 'r2' } })).statusCode,
    ).toBe(403);
    expect(
      (await env.call('PATCH', `${BASE}/keep`, { token: reader, payload: { threshold: 1 } })).statusCode,
    ).toBe(403);
    expect((await env.call('DELETE', `${BASE}/keep`, { token: reader })).statusCode).toBe(403);
    expect((await env.call('GET', `${BASE}/keep`, { token: orgB.read })).statusCode).toBe(404);
    expect((await env.call('GET', `${BASE}/host-cpu.web-1`, { token: orgB.read })).statusCode).toBe(404);
    expect(
      (await env.call('PATCH', `${BASE}/keep`, { token: orgB.admin, payload: { threshold: 1 } })).statusCode,
    ).toBe(404);
    expect((await env.call('DELETE', `${BASE}/keep`, { token: orgB.admin })).statusCode).toBe(404);
    const listB = (await env.call('GET', BASE, { token: orgB.read }))
      .json()
      .rules.map((r: { id: string }) => r.id);
    expect(listB).not.toContain('keep');
    expect(listB.some((id: string) => id.endsWith('.web-1'))).toBe(false);
    // Org B may use the same id for its own rule.
    expect(
      (await env.call('POST', BASE, { token: orgB.admin, payload: { ...valid, id: 'keep' } })).statusCode,
    ).toBe(201);
    expect((await env.call('GET', `${BASE}/keep`)).json().threshold).toBe(80);
  });
});
