import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertRule, Observation, ObservationState } from '../src/alerts/contract.ts';
import type { AlertStates } from '../src/alerts/index.ts';
import { type RedisServer, startRedis, uniquePrefix } from './harness/index.ts';
import { type ApiEnv, apiEnv } from './support/api.ts';
import { scopedTokens } from './support/auth-suite.ts';

const MIN = 60_000;

function rule(id: string, over: Partial<AlertRule> = {}): AlertRule {
  return {
    id,
    org: 'default',
    name: id,
    enabled: true,
    kind: 'threshold',
    selector: { metric: 'cpu.usage' },
    reduction: 'avg',
    windowMs: 5 * MIN,
    comparison: '>',
    threshold: 90,
    forMs: 0,
    severity: 'critical',
    labels: {},
    annotations: { summary: '{{rule}} on {{host}}' },
    createdAt: 0,
    updatedAt: 0,
    ...over,
  };
}

function obs(r: AlertRule, host: string, state: ObservationState = 'breaching'): Observation {
  return {
    ruleId: r.id,
    instance: `${host}|x`,
    host,
    series: 'x',
    labels: { host },
    value: 99,
    state,
    at: Date.now(),
  };
}

describe('the alert routes', () => {
  let redis: RedisServer;
  let env: ApiEnv;
  let states: AlertStates;
  let tokens: Record<'ingest' | 'read' | 'admin', string>;
  let other: Record<'ingest' | 'read' | 'admin', string>;

  const fire = async (r: AlertRule, host: string) => states.apply(r, [obs(r, host)], Date.now());
  const list = async (query = '') => (await env.call('GET', `/api/v1/alerts${query}`)).json();

  beforeAll(async () => {
    redis = await startRedis();
    env = await apiEnv(redis.url, uniquePrefix('alert-api'), { VITALS_ALERTS: 'false' });
    states = env.runtime.api.services.alertStates;
    const tenancy = env.runtime.api.tenancy;
    tokens = await scopedTokens(tenancy, 'default');
    await tenancy.createOrg({ id: 'org-b', name: 'B' });
    other = await scopedTokens(tenancy, 'org-b');
    await env.call('POST', '/api/v1/hosts', {
      payload: { id: 'cache-1', collector: { kind: 'redis', settings: { url: 'redis://127.0.0.1:1' } } },
    });
    await fire(rule('cpu'), 'web-1');
    await fire(rule('cpu'), 'web-2');
    await fire(rule('mem', { severity: 'warning' }), 'web-1');
    await fire(rule('slow', { forMs: 10 * MIN }), 'db-1');
    await fire(rule('redis-mem'), 'vitals-redis');
    await fire(rule('redis-mem'), 'cache-1');
  });
  afterAll(async () => {
    await env?.close();
    await redis?.close();
  });

  it('lists the open alerts by default and filters by status, severity, host and rule', async () => {
    expect((await list()).alerts).toHaveLength(6);
    expect((await list('?status=pending')).alerts.map((a: { host: string }) => a.host)).toEqual(['db-1']);
    expect((await list('?severity=warning')).alerts.map((a: { ruleId: string }) => a.ruleId)).toEqual([
      'mem',
    ]);
    expect((await list('?host=web-1&rule=cpu')).alerts).toHaveLength(1);
    const page = await list('?status=firing&limit=2');
    expect(page.alerts).toHaveLength(2);
    const next = await list(`?status=firing&limit=2&cursor=${page.nextCursor}`);
    expect(next.alerts[0].id).not.toBe(page.alerts[0].id);
    expect((await list('?status=resolved')).alerts).toEqual([]);
  });

  it('answers 400 naming the field for bad list and history parameters', async () => {
    for (const [url, field] of [
      ['/api/v1/alerts?status=burning', 'query.status'],
      ['/api/v1/alerts?severity=info', 'query.severity'],
      ['/api/v1/alerts?limit=0', 'query.limit'],
      ['/api/v1/alerts?colour=red', 'query.colour'],
      ['/api/v1/alerts?cursor=x', 'query.cursor'],
      ['/api/v1/alerts/history?from=10&to=5', 'query.from'],
      ['/api/v1/alerts/history?cursor=nope', 'query.cursor'],
    ] as const) {
      const res = await env.call('GET', url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.message, url).toContain(field);
    }
  });

  it('sums up by status, severity and host, also at the alias', async () => {
    for (const url of ['/api/v1/alerts/summary', '/alerts/summary']) {
      const summary = (await env.call('GET', url)).json();
      expect(summary).toMatchObject({
        byStatus: { pending: 1, firing: 5, acknowledged: 0, resolved: 0 },
        bySeverity: { critical: 4, warning: 1 },
        firingByHost: { 'web-1': { critical: 1, warning: 1 }, 'web-2': { critical: 1 } },
      });
    }
  });

  it('lists the alerts of Redis hosts and of vitals-redis at /monitoring/redis/alerts', async () => {
    const res = await env.call('GET', '/monitoring/redis/alerts');
    expect(res.statusCode).toBe(200);
    expect(
      res
        .json()
        .alerts.map((a: { host: string }) => a.host)
        .sort(),
    ).toEqual(['cache-1', 'vitals-redis']);
  });

  it('acks with a note and the token as author, refuses what the status does not allow, unacks and resolves', async () => {
    const [alert] = (await list('?host=web-2')).alerts;
    const url = `/api/v1/alerts/${alert.id}/action`;
    const ack = await env.call('POST', url, {
      token: tokens.admin,
      payload: { action: 'ack', note: 'on it', expiresInMs: 3_600_000 },
    });
    expect(ack.statusCode).toBe(200);
    expect(ack.json()).toMatchObject({
      status: 'acknowledged',
      ack: { by: expect.stringContaining('suite admin'), note: 'on it' },
    });
    const again = await env.call('POST', url, { payload: { action: 'ack' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.message).toContain('acknowledged');
    expect(
      (await env.call('POST', `/alerts/${alert.id}/action`, { payload: { action: 'unack' } })).json().status,
    ).toBe('firing');
    const resolved = await env.call('POST', url, { payload: { action: 'resolve', note: 'rebooted' } });
    expect(resolved.json()).toMatchObject({ status: 'resolved', resolvedBy: { note: 'rebooted' } });
    expect((await env.call('POST', url, { payload: { action: 'resolve' } })).statusCode).toBe(409);
    const detail = (await env.call('GET', `/api/v1/alerts/${alert.id}`)).json();
    expect(detail.alert.status).toBe('resolved');
    expect(detail.history.map((t: { action: string }) => t.action)).toEqual([
      'pending',
      'firing',
      'acknowledged',
      'unacknowledged',
      'resolved',
    ]);
    expect(detail.history[2]).toMatchObject({ note: 'on it', by: expect.stringContaining('suite admin') });
    expect((await list('?status=resolved')).alerts.map((a: { id: string }) => a.id)).toEqual([alert.id]);
  });

  it('answers 400 for a bad action body, 404 for an unknown alert or another org’s, 403 without the scope', async () => {
    const [alert] = (await list('?host=web-1&rule=cpu')).alerts;
    const url = `/api/v1/alerts/${alert.id}/action`;
    for (const [payload, field] of [
      [{ action: 'snooze' }, 'body.action'],
      [{ action: 'ack', colour: 'red' }, 'body.colour'],
      [{ action: 'resolve', expiresInMs: 60_000 }, 'body.expiresInMs'],
      [{ action: 'ack', expiresInMs: 5 }, 'body.expiresInMs'],
    ] as const) {
      const res = await env.call('POST', url, { payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.message).toContain(field);
    }
    expect(
      (await env.call('POST', '/api/v1/alerts/nope/action', { payload: { action: 'ack' } })).statusCode,
    ).toBe(404);
    expect((await env.call('GET', '/api/v1/alerts/nope')).statusCode).toBe(404);
    expect((await env.call('GET', `/api/v1/alerts/${alert.id}`, { token: other.read })).statusCode).toBe(404);
    expect((await env.call('POST', url, { token: other.admin, payload: { action: 'ack' } })).statusCode).toBe(
      404,
    );
    expect((await env.call('GET', '/api/v1/alerts', { token: other.read })).json().alerts).toEqual([]);
    expect((await env.call('POST', url, { token: tokens.read, payload: { action: 'ack' } })).statusCode).toBe(
      403,
    );
    expect((await env.call('GET', '/api/v1/alerts', { token: tokens.ingest })).statusCode).toBe(403);
    expect((await env.call('GET', '/api/v1/alerts', { token: tokens.read })).statusCode).toBe(200);
    expect((await env.call('GET', `/api/v1/alerts/${alert.id}`)).json().alert.status).toBe('firing');
  });

  it('pages the history of transitions by time, host and rule', async () => {
    const from = Date.now() - 10 * MIN;
    const first = (await env.call('GET', `/api/v1/alerts/history?from=${from}&host=web-1&limit=2`)).json();
    expect(first.transitions.map((t: { host: string }) => t.host)).toEqual(['web-1', 'web-1']);
    const rest = (
      await env.call(
        'GET',
        `/api/v1/alerts/history?from=${from}&host=web-1&cursor=${encodeURIComponent(first.nextCursor)}`,
      )
    ).json();
    expect(
      rest.transitions.map((t: { ruleId: string; action: string }) => `${t.ruleId}:${t.action}`),
    ).toEqual(['mem:pending', 'mem:firing']);
    expect(rest.nextCursor).toBeNull();
    const byRule = (await env.call('GET', `/api/v1/alerts/history?rule=slow`)).json();
    expect(byRule.transitions).toMatchObject([{ host: 'db-1', action: 'pending', to: 'pending' }]);
  });

  it('creates, lists and expires silences; a silence holds notifications and its end releases one', async () => {
    for (const [payload, field] of [
      [
        { matchers: [{ name: 'host', value: '(', isRegex: true }], endsAt: Date.now() + MIN, comment: 'x' },
        'body.matchers.0.value',
      ],
      [{ matchers: [{ name: 'host', value: 'a' }], endsAt: Date.now() - MIN, comment: 'x' }, 'body.endsAt'],
      [{ matchers: [], endsAt: Date.now() + MIN, comment: 'x' }, 'body.matchers'],
      [{ matchers: [{ name: 'host', value: 'a' }], endsAt: Date.now() + MIN }, 'body.comment'],
    ] as const) {
      const res = await env.call('POST', '/api/v1/alerts/silences', { payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.message).toContain(field);
    }
    const made = await env.call('POST', '/api/v1/alerts/silences', {
      payload: {
        matchers: [{ name: 'host', value: 'batch-.*', isRegex: true }],
        endsAt: Date.now() + 60 * MIN,
        comment: 'nightly jobs',
      },
    });
    expect(made.statusCode).toBe(201);
    const silence = made.json();
    expect(silence).toMatchObject({
      status: 'active',
      createdBy: expect.stringContaining('admin'),
      matchers: [{ isRegex: true, isEqual: true }],
    });
    expect(
      (await env.call('POST', '/api/v1/alerts/silences', { token: tokens.read, payload: {} })).statusCode,
    ).toBe(403);
    expect(
      (await env.call('GET', '/api/v1/alerts/silences?state=active'))
        .json()
        .silences.map((s: { id: string }) => s.id),
    ).toEqual([silence.id]);
    expect((await env.call('GET', '/api/v1/alerts/silences', { token: other.read })).json().silences).toEqual(
      [],
    );
    expect(await fire(rule('cpu'), 'batch-7')).toEqual([]);
    expect((await list('?host=batch-7')).alerts[0]).toMatchObject({
      status: 'firing',
      silencedBy: [silence.id],
    });
    expect(
      (await env.call('DELETE', `/api/v1/alerts/silences/${silence.id}`, { token: other.admin })).statusCode,
    ).toBe(404);
    const expired = await env.call('DELETE', `/api/v1/alerts/silences/${silence.id}`);
    expect(expired.json().status).toBe('expired');
    const released = await states.tick('default', Date.now());
    expect(released.map((n) => `${n.alert.host}:${n.transition.action}`)).toEqual(['batch-7:unsilenced']);
    expect(await states.tick('default', Date.now())).toEqual([]);
    expect((await env.call('DELETE', '/api/v1/alerts/silences/nope')).statusCode).toBe(404);
  });
});
