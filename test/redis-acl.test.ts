import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Response as LightResponse } from 'light-my-request';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeTable } from '../src/api/index.ts';
import { createRuntime, type Runtime } from '../src/cli/runtime.ts';
import { encodeRemoteWrite } from '../src/ingest/push-prom-remote.ts';
import { closeRedis, createRedis, Keys, type RedisClient, type Role } from '../src/redis/index.ts';
import { lastMaintenance, runMaintenance, sealHost } from '../src/tsdb/index.ts';
import { openSse } from './browser/sse-client.ts';
import {
  freeClusterPort,
  freePort,
  HOST,
  parseInfo,
  type RedisServer,
  startRedis,
  waitFor,
} from './harness/index.ts';
import { ADMIN_TOKEN } from './support/api.ts';
import { testConfig } from './support/config.ts';
import { expectHealthy } from './support/health.ts';
import { decodeSamples, readRequest } from './support/prom-read.ts';

/**
 * The least-privilege ACL user of docs/operations.md, read from the doc itself so the two cannot drift:
 * the whole smoke path of the server runs as that user, and Redis' ACL LOG must stay empty.
 */
const OPERATIONS = new URL('../docs/operations.md', import.meta.url);
const PASSWORD = 'acl-test-secret';

/** The one `ACL SETUSER vitals …` line of docs/operations.md, with the test's password. */
function documentedAcl(): string[] {
  const lines = readFileSync(OPERATIONS, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('ACL SETUSER vitals '));
  expect(lines).toHaveLength(1);
  const words = (lines[0] as string).trim().split(/\s+/);
  expect(words).toContain('>CHANGE-ME');
  return words.slice(2).map((word) => (word === '>CHANGE-ME' ? `>${PASSWORD}` : word));
}

// Aligned to the hour and 3 h back: its 2-hour window is closed, so maintenance seals it.
const T0 = Math.floor((Date.now() - 3 * 3_600_000) / 3_600_000) * 3_600_000;

interface Proc {
  readonly runtime: Runtime;
  readonly url: string;
  readonly logs: string[];
}

/** A server process as `vitals server` builds it, logged in as the ACL user, its log lines kept. */
async function startProcess(redis: RedisServer, env: Record<string, string> = {}): Promise<Proc> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const config = testConfig({
    REDIS_URL: redis.url,
    REDIS_USERNAME: 'vitals',
    REDIS_PASSWORD: PASSWORD,
    // The default prefix: the documented line is used as it stands.
    VITALS_KEY_PREFIX: 'vitals:',
    VITALS_ADMIN_TOKEN: ADMIN_TOKEN,
    VITALS_SEAL_GRACE: '0',
    VITALS_COLLECT_ATTEMPTS: '1',
    VITALS_COLLECT_TIMEOUT: '2s',
    VITALS_COLLECT_RECONCILE_INTERVAL: '1s',
    ...env,
  });
  const runtime = await createRuntime(config, pino({ level: 'debug' }, sink), {
    liveStreams: { sse: { heartbeatMs: 300 }, recheckMs: 200 },
  });
  const url = await runtime.listen();
  return { runtime, url, logs };
}

/** `ACL LOG` as `reason object by user (context)` lines: what Redis refused, if anything. */
async function aclLog(redis: RedisServer): Promise<string[]> {
  const entries = (await redis.client().call('ACL', 'LOG', '1000')) as unknown[][];
  return entries.map((flat) => {
    const field = (name: string) => String(flat[flat.indexOf(name) + 1]);
    return `${field('reason')} ${field('object')} by ${field('username')} (${field('context')}, ${field('client-info').replace(/^.* name=(\S*) .* cmd=(\S+) .*$/, '$1: $2')})`;
  });
}

/**
 * Fails at once, naming the command, when the user cannot run what every connection sends first
 * (without it the smoke path would only time out, step by step).
 */
async function whatConnectingNeeds(redis: RedisServer): Promise<void> {
  const user = redis.client({ username: 'vitals', password: PASSWORD, enableReadyCheck: false });
  try {
    await user.call('CLIENT', 'SETNAME', 'vitals:preflight');
    await user.info();
    await user.ping();
  } finally {
    user.disconnect();
  }
}

describe('Vitals as the least-privilege Redis user of docs/operations.md', () => {
  let redis: RedisServer;
  let a: Proc;
  let b: Proc;
  let target: Server;
  let targetUrl = '';
  /** Every answer of the smoke path, to check none was a 5xx and every route was called. */
  const answers: Array<{ method: string; url: string; status: number; body: string }> = [];

  async function call(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    options: { payload?: unknown; headers?: Record<string, string>; token?: string } = {},
  ): Promise<LightResponse> {
    const res = await a.runtime.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${options.token ?? ADMIN_TOKEN}`, ...options.headers },
      ...(options.payload === undefined ? {} : { payload: options.payload as string }),
    });
    answers.push({ method, url, status: res.statusCode, body: res.body.slice(0, 300) });
    return res;
  }

  beforeAll(async () => {
    redis = await startRedis();
    const admin = redis.client();
    await admin.call('ACL', 'SETUSER', ...documentedAcl());
    await whatConnectingNeeds(redis);
    await admin.call('ACL', 'LOG', 'RESET');
    target = createServer((_, res) => res.end('up 1\nload_1 0.5\n'));
    await new Promise<void>((resolve) => target.listen(0, HOST, resolve));
    const address = target.address();
    targetUrl = `http://${HOST}:${typeof address === 'object' && address ? address.port : 0}/metrics`;
    // The built-in agent pushes through the ingest service as well.
    a = await startProcess(redis, {
      VITALS_LOCAL_AGENT: 'true',
      VITALS_LOCAL_AGENT_INTERVAL: '1s',
      // Its own Redis and figures are collected too (INFO, the interval lock, the pushes).
      VITALS_SELF_MONITOR: 'true',
      VITALS_SELF_MONITOR_INTERVAL: '1s',
    });
    b = await startProcess(redis);
  });
  afterAll(async () => {
    await a?.runtime.close();
    await b?.runtime.close();
    await new Promise((resolve) => target?.close(resolve));
    await redis?.close();
  });

  it('bootstraps and manages tokens and hosts', async () => {
    // Both processes raced to bootstrap the default org under the bootstrap lock.
    await waitFor(async () => (await call('GET', '/api/v1/hosts')).statusCode === 200, {
      timeoutMs: 10_000,
      message: 'the bootstrapped admin token to work',
    });
    const created = await call('POST', '/api/v1/tokens', { payload: { name: 'reader', scopes: ['read'] } });
    expect(created.statusCode).toBe(201);
    const reader = created.json() as { id: string; token: string };
    expect((await call('GET', '/api/v1/hosts', { token: reader.token })).statusCode).toBe(200);
    expect((await call('GET', '/api/v1/tokens')).json().tokens.length).toBeGreaterThanOrEqual(2);
    expect((await call('DELETE', `/api/v1/tokens/${reader.id}`)).statusCode).toBe(204);
    // The revocation reached the other process through the tenancy channel (or its cache expired).
    await waitFor(
      async () =>
        (
          await b.runtime.app.inject({
            url: '/api/v1/hosts',
            headers: { authorization: `Bearer ${reader.token}` },
          })
        ).statusCode === 401,
      { timeoutMs: 10_000, message: 'the revoked token refused by the other process' },
    );

    const host = {
      id: 'pulled',
      metricsInterval: 3600,
      collector: { kind: 'prometheus', settings: { url: targetUrl } },
    };
    expect((await call('POST', '/api/v1/hosts', { payload: host })).statusCode).toBe(201);
    const patched = await call('PATCH', '/api/v1/hosts/pulled', { payload: { labels: { role: 'web' } } });
    expect(patched.json()).toMatchObject({ labels: { role: 'web' } });
    expect((await call('GET', '/api/v1/hosts/pulled')).statusCode).toBe(200);
  });

  it('ingests JSON (with an Idempotency-Key), Influx line protocol and Prometheus remote_write', async () => {
    const snapshots = Array.from({ length: 120 }, (_, i) => ({
      timestamp: T0 + i * 60_000,
      metrics: { 'cpu.usage': i % 100, 'mem.used_pct': 50, 'disk.used_pct{mount="/"}': 70 },
    }));
    const body = { hosts: [{ host: 'web-1', snapshots }] };
    const headers = { 'idempotency-key': 'acl-batch-1' };
    const first = await call('POST', '/api/v1/ingest', { payload: body, headers });
    expect(first.json()).toMatchObject({ samples: 360, stored: 'redis' });
    const replay = await call('POST', '/api/v1/ingest', { payload: body, headers });
    expect(replay.json()).toEqual(first.json());
    const lines = [
      `cpu,host=web-1,cpu=cpu-total usage_user=1.5 ${T0 + 30_000}`,
      `mem,host=telegraf-1 used_percent=40 ${Date.now() - 1000}`,
    ].join('\n');
    const write = await call('POST', '/api/v1/write?precision=ms', {
      payload: lines,
      headers: { 'content-type': 'text/plain' },
    });
    expect(write.statusCode).toBe(204);
    const v2 = await call('POST', '/api/v2/write?bucket=b&org=o&precision=ms', {
      payload: `mem,host=telegraf-2 used_percent=41 ${Date.now() - 1000}`,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
    expect(v2.statusCode).toBe(204);
    const remoteWrite = await call('POST', '/api/v1/prom/write', {
      payload: encodeRemoteWrite([
        {
          labels: { __name__: 'node_load1', instance: 'prom-1:9100', job: 'node' },
          samples: [[Date.now() - 1000, 0.5]],
        },
      ]),
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
    });
    expect(remoteWrite.statusCode).toBe(204);
  });

  it('answers latest, recent, range, aggregate, every export format, the overview and federation', async () => {
    expect((await call('GET', '/api/v1/hosts/web-1/metrics/latest?metrics=cpu')).json().rows).toEqual([
      { timestamp: T0 + 119 * 60_000, cpu: 19 },
    ]);
    const recent = (await call('GET', '/api/v1/hosts/web-1/metrics/recent?count=3&metrics=cpu')).json();
    expect(recent.rows.map((r: { cpu: number }) => r.cpu)).toEqual([17, 18, 19]);
    const listed = (await call('GET', '/api/v1/hosts/web-1/series?match=cpu')).json();
    expect(listed.series).toContainEqual({
      key: 'cpu.usage',
      name: 'cpu.usage',
      lastTimestamp: T0 + 119 * 60_000,
    });
    const range = `/api/v1/hosts/web-1/metrics/range?startTime=${T0}&endTime=${T0 + 9 * 60_000}&metrics=cpu`;
    expect((await call('GET', range)).json().count).toBe(10);
    const agg = `/api/v1/hosts/web-1/metrics/aggregate?startTime=${T0}&endTime=${T0 + 3_600_000 - 1}&step=600000&fn=max&metrics=cpu`;
    expect((await call('GET', agg)).json().rows.map((r: { cpu: number }) => r.cpu)).toEqual([
      9, 19, 29, 39, 49, 59,
    ]);
    for (const format of ['csv', 'influx', 'json', 'prometheus', 'openmetrics']) {
      const exported = await call('GET', `/api/v1/hosts/web-1/export?format=${format}&startTime=${T0}`);
      expect(exported.statusCode).toBe(200);
      expect(exported.body.length).toBeGreaterThan(100);
    }
    const overview = (await call('GET', '/api/v1/overview')).json() as { hosts: Array<{ id: string }> };
    expect(overview.hosts.map((h) => h.id)).toContain('web-1');
    expect((await call('GET', '/api/v1/metrics/federate')).statusCode).toBe(200);
    // Prometheus remote_read of what remote_write stored above, with its labels given back.
    const read = await call('POST', '/api/v1/prom/read', {
      payload: readRequest([
        { start: Date.now() - 3_600_000, end: Date.now(), matchers: [[0, '__name__', 'node_load1']] },
      ]),
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
    });
    expect(read.statusCode).toBe(200);
    expect(decodeSamples(read.rawPayload)[0]?.map((s) => [s.labels, s.values])).toEqual([
      [{ __name__: 'node_load1', instance: 'prom-1:9100', job: 'node' }, [0.5]],
    ]);
    // The seed services' routes, aliases of the ones above.
    expect((await call('GET', '/api/hosts/web-1/metrics/recent?count=3&metrics=cpu')).json().count).toBe(3);
    const seedRange = `/api/hosts/web-1/metrics/range?startTime=${T0}&endTime=${T0 + 9 * 60_000}&metrics=cpu`;
    expect((await call('GET', seedRange)).json().count).toBe(10);
    expect((await call('GET', '/api/v1/servers/metrics/aggregate')).statusCode).toBe(200);
  });

  it('records connection events and reads them back from Redis, in the other process too', async () => {
    const posted = await call('POST', '/api/v1/events', { payload: { type: 'custom.acl', status: 'ok' } });
    expect(posted.statusCode).toBe(202);
    await a.runtime.api.events.flush();
    for (const url of [
      '/api/v1/events?type=custom.acl',
      '/api/v1/events/stats',
      '/api/v1/events/series?type=custom.acl',
    ])
      expect((await call('GET', url)).statusCode, url).toBe(200);
    const other = await b.runtime.app.inject({
      method: 'GET',
      url: '/api/v1/events?type=custom.acl',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(other.json().events).toHaveLength(1);
  });

  it('streams live updates from one process to another through Redis pub/sub, with a ticket', async () => {
    const ticket = await call('POST', '/api/v1/live/ticket');
    expect(ticket.statusCode).toBe(201);
    // Redeemed by the other process: the ticket is in Redis, and so are the samples' messages.
    const stream = await openSse(
      `${b.url}/api/v1/live?ticket=${(ticket.json() as { ticket: string }).ticket}`,
    );
    answers.push({ method: 'GET', url: '/api/v1/live', status: stream.status, body: '' });
    try {
      expect(stream.status).toBe(200);
      await stream.next('hello');
      const push = await call('POST', '/api/v1/ingest', {
        payload: {
          hosts: [{ host: 'live-1', snapshots: [{ timestamp: Date.now(), metrics: { 'cpu.usage': 42 } }] }],
        },
      });
      expect(push.statusCode).toBe(200);
      const event = await stream.next('samples', 10_000);
      expect(event.data).toMatchObject({ host: 'live-1' });
    } finally {
      stream.close();
    }
  });

  it('runs collection control: collect now, figures, pause, resume, collect all, failed jobs, clean', async () => {
    const completed = async () => (await call('GET', '/api/v1/queues')).json().queues[0].counts.completed;
    expect((await call('POST', '/api/v1/hosts/pulled/collect')).statusCode).toBe(202);
    await waitFor(async () => (await completed()) >= 1, { timeoutMs: 10_000, message: 'a collection' });
    const latest = (await call('GET', '/api/v1/hosts/pulled/metrics/latest')).json();
    expect(latest.metrics.map((m: { series: string }) => m.series)).toContain('up');

    expect((await call('POST', '/api/v1/queues/collect/pause')).json()).toEqual({ paused: true });
    expect((await call('GET', '/api/v1/queues')).json().queues[0]).toMatchObject({ paused: true });
    expect((await call('POST', '/api/v1/collect')).statusCode).toBe(409);
    expect((await call('POST', '/api/v1/queues/collect/resume')).json()).toEqual({ paused: false });
    expect((await call('POST', '/api/v1/collect')).statusCode).toBe(202);
    // The seed services' queue routes, aliases of the ones above.
    expect((await call('POST', '/api/v1/servers/metrics/queue/pause')).json()).toEqual({ paused: true });
    expect((await call('GET', '/api/v1/servers/metrics/queue/stats')).json().queues[0].paused).toBe(true);
    expect((await call('POST', '/api/v1/servers/metrics/queue/resume')).json()).toEqual({ paused: false });
    expect((await call('POST', '/api/v1/servers/metrics/collect-all')).statusCode).toBe(202);
    expect((await call('POST', '/api/v1/servers/metrics/queue/clean')).statusCode).toBe(200);

    const dead = `http://${HOST}:${await freePort()}/metrics`;
    const host = {
      id: 'dead',
      metricsInterval: 3600,
      collector: { kind: 'prometheus', settings: { url: dead } },
    };
    expect((await call('POST', '/api/v1/hosts', { payload: host })).statusCode).toBe(201);
    const failed = await waitFor(
      async () => {
        const jobs = (await call('GET', '/api/v1/queues/collect/failed?limit=5')).json().jobs;
        return jobs.length > 0 && jobs;
      },
      { timeoutMs: 10_000, message: 'a failed collection' },
    );
    expect(failed[0]).toMatchObject({ host: 'dead', reason: expect.stringContaining('ECONNREFUSED') });
    const cleaned = await call(
      'POST',
      '/api/v1/queues/collect/clean?completedAgeMs=0&completedKeep=0&failedAgeMs=0&failedKeep=0',
    );
    expect(cleaned.json().removed.failed).toBeGreaterThanOrEqual(1);
    expect((await call('DELETE', '/api/v1/hosts/dead')).statusCode).toBe(204);
  });

  it('runs maintenance: seals closed windows, reads them back, and drops what has aged out', async () => {
    const ctx = a.runtime.tsdb.ctx;
    const run = await runMaintenance(ctx);
    expect(run.failureDetails).toEqual([]);
    expect(run.windowsSealed).toBeGreaterThanOrEqual(1);
    expect((await lastMaintenance(ctx))?.lastRunAt).toBe(run.lastRunAt);
    // Read back from the sealed chunks and rollups, by the other process (its hot tier holds none of it).
    const range = `/api/v1/hosts/web-1/metrics/range?startTime=${T0}&endTime=${T0 + 119 * 60_000}&metrics=cpu`;
    const sealed = await b.runtime.app.inject({
      url: range,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(sealed.json().count).toBe(120);
    // Ten years on, everything has aged out: retention drops windows, rollups and whole hosts.
    const later = Date.now() + 10 * 365 * 86_400_000;
    const expired = await runMaintenance({ ...ctx, now: () => later });
    expect(expired.failureDetails).toEqual([]);
    expect(expired.hostsForgotten).toBeGreaterThanOrEqual(1);
  });

  it('monitors its own Redis: series, performance with the slow log, health checks, exports, /metrics', async () => {
    await waitFor(
      async () => (await call('GET', '/api/v1/hosts/vitals-redis/metrics/latest')).statusCode === 200,
      { timeoutMs: 10_000, message: 'own Redis collected' },
    );
    const performance = await call('GET', '/api/v1/redis/performance');
    expect(performance.statusCode).toBe(200);
    expect(performance.json().partial).toBeUndefined();
    const health = await call('GET', '/api/v1/redis/health');
    expect(health.json().checks.configuration).toMatchObject({ status: 'pass' });
    expect((await call('GET', '/api/v1/redis/health/memory')).statusCode).toBe(200);
    expect((await call('GET', '/api/v1/export/grafana')).statusCode).toBe(200);
    expect((await call('GET', '/api/v1/export/prometheus-rules')).statusCode).toBe(200);
    expect((await call('GET', '/metrics')).statusCode).toBe(200);
  });

  it('manages alert rules: create, list, preview, change, delete', async () => {
    const rule = { id: 'acl-rule', name: 'acl', selector: { metric: 'cpu' }, threshold: 50 };
    expect((await call('POST', '/api/v1/alerts/rules', { payload: rule })).statusCode).toBe(201);
    expect((await call('GET', '/api/v1/alerts/rules')).statusCode).toBe(200);
    expect((await call('GET', '/api/v1/alerts/rules/acl-rule')).statusCode).toBe(200);
    expect((await call('GET', '/api/v1/alerts/rules/acl-rule/preview')).statusCode).toBe(200);
    expect((await call('POST', '/api/v1/alerts/rules/preview', { payload: rule })).statusCode).toBe(200);
    expect(
      (await call('PATCH', '/api/v1/alerts/rules/acl-rule', { payload: { enabled: false } })).statusCode,
    ).toBe(200);
    expect((await call('DELETE', '/api/v1/alerts/rules/acl-rule')).statusCode).toBe(204);
  });

  it('manages notification channels and lists deliveries', async () => {
    const channel = {
      id: 'acl-hook',
      name: 'acl',
      kind: 'webhook',
      settings: { url: 'http://127.0.0.1:9/h' },
    };
    expect((await call('POST', '/api/v1/alerts/channels', { payload: channel })).statusCode).toBe(201);
    expect((await call('GET', '/api/v1/alerts/channels')).statusCode).toBe(200);
    expect((await call('GET', '/api/v1/alerts/channels/acl-hook')).statusCode).toBe(200);
    expect(
      (await call('PATCH', '/api/v1/alerts/channels/acl-hook', { payload: { enabled: false } })).statusCode,
    ).toBe(200);
    expect((await call('POST', '/api/v1/alerts/channels/acl-hook/test')).json()).toMatchObject({
      delivered: false,
    });
    expect((await call('GET', '/api/v1/alerts/deliveries?limit=5')).statusCode).toBe(200);
    expect((await call('DELETE', '/api/v1/alerts/channels/acl-hook')).statusCode).toBe(204);
  });

  it('keeps the alert lifecycle: apply, list, summary, history, actions, silences, tick', async () => {
    const states = a.runtime.api.services.alertStates;
    const now = Date.now();
    const rule = {
      ...{ id: 'acl-life', org: 'default', name: 'acl', enabled: true, kind: 'threshold' as const },
      ...{
        selector: { metric: 'cpu' },
        reduction: 'avg' as const,
        windowMs: 60_000,
        comparison: '>' as const,
      },
      ...{ threshold: 50, forMs: 0, severity: 'warning' as const, labels: {}, annotations: { summary: 's' } },
      ...{ createdAt: now, updatedAt: now },
    };
    const observation = { ruleId: rule.id, instance: 'web-1|cpu', host: 'web-1', labels: { host: 'web-1' } };
    await states.apply(rule, [{ ...observation, value: 99, state: 'breaching', at: now }], now);
    const [alert] = (await call('GET', '/api/v1/alerts?host=web-1')).json().alerts;
    expect(alert.status).toBe('firing');
    expect((await call('GET', `/api/v1/alerts/${alert.id}`)).statusCode).toBe(200);
    expect((await call('GET', '/api/v1/alerts/summary')).statusCode).toBe(200);
    expect((await call('GET', '/api/v1/alerts/history')).json().transitions.length).toBeGreaterThan(0);
    const ack = { payload: { action: 'ack', note: 'acl' } };
    expect((await call('POST', `/api/v1/alerts/${alert.id}/action`, ack)).statusCode).toBe(200);
    const silence = {
      matchers: [{ name: 'host', value: 'web-.*', isRegex: true }],
      endsAt: now + 60_000,
      comment: 'acl',
    };
    const made = await call('POST', '/api/v1/alerts/silences', { payload: silence });
    expect(made.statusCode).toBe(201);
    expect((await call('GET', '/api/v1/alerts/silences')).statusCode).toBe(200);
    expect((await call('DELETE', `/api/v1/alerts/silences/${made.json().id}`)).statusCode).toBe(200);
    await states.tick('default', Date.now());
    await states.apply(rule, [{ ...observation, value: 1, state: 'ok', at: Date.now() }], Date.now());
    expect((await call('GET', '/api/v1/alerts?status=resolved')).json().alerts).toHaveLength(1);
  });

  it('manages orgs: creates one with its admin token, lists, deletes it with its data', async () => {
    const me = (await call('GET', '/api/v1/me')).json();
    expect(me).toMatchObject({ org: 'default', scopes: ['admin', 'operator'] });
    const created = await call('POST', '/api/v1/orgs', { payload: { id: 'acl-org', name: 'ACL' } });
    expect(created.statusCode).toBe(201);
    const token = (created.json() as { token: { token: string } }).token.token;
    const snapshots = [{ timestamp: T0, metrics: { 'cpu.usage': 1 } }];
    const push = await call('POST', '/api/v1/ingest', {
      token,
      payload: { hosts: [{ host: 'acl-web', snapshots }] },
      headers: { 'idempotency-key': 'acl-org-1' },
    });
    expect(push.statusCode).toBe(200);
    await sealHost(a.runtime.tsdb.ctx, 'acl-org', 'acl-web', { upTo: Date.now() });
    const rule = { id: 'acl-org-rule', name: 'acl', selector: { metric: 'cpu' }, threshold: 50 };
    expect((await call('POST', '/api/v1/alerts/rules', { token, payload: rule })).statusCode).toBe(201);
    expect(
      (await call('POST', '/api/v1/events', { token, payload: { type: 'custom.org', status: 'ok' } }))
        .statusCode,
    ).toBe(202);
    await a.runtime.api.events.flush();
    const listed = (await call('GET', '/api/v1/orgs')).json() as { orgs: Array<{ id: string }> };
    expect(listed.orgs).toContainEqual(expect.objectContaining({ id: 'acl-org', hosts: 1 }));
    expect((await call('DELETE', '/api/v1/orgs/acl-org')).statusCode).toBe(204);
    expect((await call('GET', '/api/v1/hosts', { token })).statusCode).toBe(401);
    // The event figures (every 1 s here) may have had a push for the org in flight during the
    // deletion: the server's second sweep removes what such a push wrote. Sweep again once a round has
    // passed, then check that no later round writes the deleted org's keys again.
    await sleep(1500);
    expect((await call('DELETE', '/api/v1/orgs/acl-org')).statusCode).toBe(204);
    await sleep(2500);
    // Found through the indexes, not a SCAN (refused to this user): only the idempotency record is left.
    const left = await redis.client().keys('vitals:*acl-org*');
    expect(left).toEqual([expect.stringMatching(/^vitals:idem:acl-org:/)]);
  });

  it('passes /health, and no command was refused: no 5xx, no NOPERM in any log, an empty ACL LOG', async () => {
    const health = await a.runtime.app.inject({ url: '/health' });
    expectHealthy(health.json());
    for (const path of ['/livez', '/readyz']) {
      expect((await a.runtime.app.inject({ url: path })).statusCode).toBe(200);
    }
    expect(answers.filter((answer) => answer.status >= 500)).toEqual([]);
    // Every API route of the app was part of the smoke path (a new route must be added here too).
    const called = (pattern: RegExp) =>
      answers.some((answer) => pattern.test(answer.url.split('?')[0] as string));
    const missed = routeTable(a.runtime.app)
      .filter((route) => route.url.startsWith('/api/') && !called(route.match))
      .map((route) => `${route.method} ${route.url}`);
    expect(missed).toEqual([]);
    for (const proc of [a, b])
      expect(proc.logs.filter((line) => /NOPERM|no permissions/i.test(line))).toEqual([]);
    expect(await aclLog(redis)).toEqual([]);
    // And the processes were indeed logged in as that user, on every connection they opened.
    const clients = String(await redis.client().client('LIST'))
      .split('\n')
      .filter((line) => / name=vitals:/.test(line));
    expect(clients.length).toBeGreaterThanOrEqual(6);
    expect(clients.filter((line) => !line.includes(' user=vitals '))).toEqual([]);
  });

  it('keeps the user to its own keys and channels, and away from dangerous commands', async () => {
    const admin = redis.client();
    await admin.set('other:secret', 'x');
    const user = redis.client({ username: 'vitals', password: PASSWORD });
    const refused = async (...args: string[]) => {
      const [name, ...rest] = args as [string, ...string[]];
      await expect(user.call(name, ...rest), args.join(' ')).rejects.toThrow(/NOPERM/);
    };
    await refused('GET', 'other:secret');
    await refused('SET', 'other:key', 'x');
    await refused('PUBLISH', 'other:channel', 'x');
    await refused('EVAL', "return redis.call('GET', KEYS[1])", '1', 'other:secret');
    for (const command of [
      ['FLUSHALL'],
      ['FLUSHDB'],
      ['KEYS', '*'],
      ['SCAN', '0'],
      ['RANDOMKEY'],
      ['CONFIG', 'GET', 'dir'],
      ['DEBUG', 'SLEEP', '0'],
      ['SHUTDOWN'],
      ['ACL', 'LIST'],
      ['CLIENT', 'LIST'],
      ['CLIENT', 'KILL', 'ID', '1'],
      ['SCRIPT', 'FLUSH'],
      ['FUNCTION', 'FLUSH'],
      ['MONITOR'],
      ['REPLICAOF', 'NO', 'ONE'],
    ]) {
      await refused(...command);
    }
    expect(await user.get('vitals:anything')).toBeNull();
    // ACL LOG does record refusals, so its being empty above means something.
    const refusals = await aclLog(redis);
    expect(refusals).toEqual(
      expect.arrayContaining([
        'command flushall by vitals (toplevel, : flushall)',
        'command function|flush by vitals (toplevel, : function|flush)',
        'key other:key by vitals (toplevel, : set)',
        'channel other:channel by vitals (toplevel, : publish)',
      ]),
    );
  });
});

describe('the documented user in Sentinel and Cluster mode', () => {
  const servers: RedisServer[] = [];
  const clients: RedisClient[] = [];
  afterAll(async () => {
    for (const client of clients) await closeRedis(client, 200);
    for (const server of servers) await server.close();
  });

  /** Every role connects as the user, writes, reads, runs a script and publishes; Redis refuses nothing. */
  async function everyRoleWorks(dataNode: RedisServer, env: Record<string, string>): Promise<void> {
    const config = testConfig({ REDIS_USERNAME: 'vitals', REDIS_PASSWORD: PASSWORD, ...env });
    const keys = new Keys(config.redis.keyPrefix);
    for (const role of ['request', 'worker', 'subscriber'] as Role[]) {
      const client = createRedis(
        { config: config.redis, logger: pino({ level: 'silent' }) },
        role,
        `acl-${role}`,
      );
      clients.push(client);
      await waitFor(() => client.status === 'ready', { timeoutMs: 10_000, message: `${role} ready` });
      if (role === 'subscriber') {
        await client.subscribe(keys.tenancyChannel());
        continue;
      }
      await client.set(keys.bootstrapLock(), '1', 'PX', 1000);
      expect(await client.get(keys.bootstrapLock())).toBe('1');
      expect(await client.eval("return redis.call('GET', KEYS[1])", 1, keys.bootstrapLock())).toBe('1');
      await client.publish(keys.tenancyChannel(), '{}');
    }
    expect(await aclLog(dataNode)).toEqual([]);
  }

  it('finds the master through a Sentinel', async () => {
    const master = await startRedis();
    servers.push(master);
    await master.client().call('ACL', 'SETUSER', ...documentedAcl());
    const sentinel = await startRedis({
      sentinel: true,
      config: `sentinel monitor acl-master ${HOST} ${master.port} 1\n`,
    });
    servers.push(sentinel);
    await everyRoleWorks(master, {
      REDIS_SENTINELS: `${HOST}:${sentinel.port}`,
      REDIS_SENTINEL_NAME: 'acl-master',
    });
  });

  it('follows the slots of a Cluster (CLUSTER SLOTS)', async () => {
    const node = await startRedis({
      pickPort: freeClusterPort,
      args: [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-announce-ip',
        HOST,
      ],
    });
    servers.push(node);
    const admin = node.client();
    await admin.call('ACL', 'SETUSER', ...documentedAcl());
    await admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
    await waitFor(
      async () => parseInfo(String(await admin.call('CLUSTER', 'INFO'))).get('cluster_state') === 'ok',
      {
        timeoutMs: 10_000,
        message: 'cluster_state ok',
      },
    );
    await everyRoleWorks(node, { REDIS_CLUSTER_NODES: `${HOST}:${node.port}` });
  });
});
