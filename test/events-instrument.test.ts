import { createServer, type Server } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel } from '../src/alerts/notify/channel-schema.ts';
import { send } from '../src/alerts/notify/senders.ts';
import { testNotification } from '../src/alerts/notify/test-notification.ts';
import type { EventInput, EventRecorder } from '../src/events/contract.ts';
import { EventLog } from '../src/events/index.ts';
import {
  collectionEvent,
  type LiveConnectionEvent,
  LiveEventFeed,
  liveClientOpened,
  pushEvent,
  timedSender,
  toMs,
  watchRedisEvents,
} from '../src/events/instrument.ts';
import { encodeOtlpGauges } from '../src/ingest/push-otlp.ts';
import { encodeRemoteWrite } from '../src/ingest/push-prom-remote.ts';
import { closeRedis, createRedis, Keys } from '../src/redis/index.ts';
import { openSse } from './browser/sse-client.ts';
import {
  HOST,
  type RedisServer,
  sshdAvailable,
  startRedis,
  startSmtp,
  startSshd,
  type TestSmtp,
  type TestSshd,
  uniquePrefix,
  waitFor,
} from './harness/index.ts';
import { ADMIN_TOKEN, type ApiEnv, apiEnv } from './support/api.ts';
import { testConfig } from './support/config.ts';

/** An in-memory recorder: the instrumentation is tested against the interface, the log elsewhere. */
class Recording implements EventRecorder {
  readonly events: EventInput[] = [];
  record(event: EventInput): void {
    this.events.push(event);
  }
  of(type: string): EventInput[] {
    return this.events.filter((e) => e.type === type);
  }
}

function channel(kind: Channel['kind'], settings: Record<string, unknown>): Channel {
  return {
    id: `${kind}-1`,
    name: kind,
    kind,
    enabled: true,
    match: [],
    minSeverity: 'warning',
    quietHours: null,
    settings,
    createdAt: 0,
    updatedAt: 0,
  } as Channel;
}

function sendContext(org: string, channelId: string) {
  const now = Date.now();
  return {
    org,
    key: `test:${now}:${channelId}`,
    notification: testNotification(org, channelId, now),
    linkBase: 'http://vitals.test',
    timeoutMs: 2000,
    now,
  };
}

let target: RedisServer;
beforeAll(async () => {
  target = await startRedis();
});
afterAll(async () => target?.close());

describe('redis connection events', () => {
  it('does record connect and ready with latency, errors while down, ready again, and end on close', async () => {
    const recording = new Recording();
    const config = testConfig({ REDIS_URL: target.url, VITALS_KEY_PREFIX: 'ev:' }).redis;
    const client = createRedis({ config, logger: pino({ level: 'silent' }) }, 'request', 'probe');
    watchRedisEvents(client, recording, { role: 'probe' });
    await waitFor(() => recording.events.some((e) => e.meta?.event === 'ready'));
    const ready = recording.events.find((e) => e.meta?.event === 'ready');
    expect(ready).toMatchObject({ type: 'redis', org: 'default', status: 'ok', meta: { role: 'probe' } });
    expect(ready?.latencyMs).toBeGreaterThanOrEqual(0);

    await target.stop();
    await waitFor(() => recording.events.some((e) => e.meta?.event === 'reconnecting'), {
      timeoutMs: 10_000,
    });
    expect(recording.events.some((e) => e.meta?.event === 'close' && e.status === 'error')).toBe(true);
    await target.restart(); // same port: stop() already stopped it
    await waitFor(() => recording.events.filter((e) => e.meta?.event === 'ready').length === 2, {
      timeoutMs: 10_000,
    });
    const before = recording.events.length;
    await closeRedis(client);
    await waitFor(() => recording.events.some((e) => e.meta?.event === 'end'));
    // A close that was asked for is no lost connection.
    expect(recording.events.slice(before).map((e) => e.meta?.event)).toEqual(['end']);
    expect(recording.events.at(-1)?.status).toBe('ok');
  });

  it('does record an end nobody asked for as an error, and ready again once it connected again', async () => {
    const recording = new Recording();
    const config = testConfig({ REDIS_URL: target.url, VITALS_KEY_PREFIX: 'ev:' }).redis;
    const client = createRedis({ config, logger: pino({ level: 'silent' }) }, 'request', 'probe');
    try {
      watchRedisEvents(client, recording, { role: 'probe' });
      await waitFor(() => client.status === 'ready');
      const internals = client as unknown as {
        connector: { disconnect(): void };
        stream: { destroy(): void };
      };
      // The connector closed while the client connects again: ioredis ends the client.
      client.once('connecting', () => internals.connector.disconnect());
      internals.stream.destroy();
      await waitFor(() => recording.events.some((e) => e.meta?.event === 'end'), { timeoutMs: 10_000 });
      expect(recording.events.find((e) => e.meta?.event === 'end')).toMatchObject({
        status: 'error',
        message: 'connection ended unasked; connecting again',
      });
      await waitFor(() => client.status === 'ready', { timeoutMs: 10_000 });
      expect(await client.ping()).toBe('PONG');
    } finally {
      await closeRedis(client);
    }
  });
});

describe('notification delivery events', () => {
  let receiver: Server;
  let base = '';
  let smtp: TestSmtp;
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      req.resume();
      res.statusCode = req.url === '/fail' ? 500 : 200;
      res.end(req.url === '/fail' ? 'broken' : 'ok');
    });
    await new Promise<void>((resolve) => receiver.listen(0, HOST, resolve));
    const address = receiver.address();
    base = `http://${HOST}:${typeof address === 'object' && address ? address.port : 0}`;
    smtp = await startSmtp();
  });
  afterAll(async () => {
    await new Promise((resolve) => receiver?.close(resolve));
    await smtp?.close();
  });

  it('does record webhook deliveries (webhook, slack) as webhook events, ok and failed', async () => {
    const recording = new Recording();
    const timed = timedSender(recording, send);
    await timed(channel('webhook', { url: `${base}/hook` }), sendContext('acme', 'webhook-1'));
    await timed(channel('slack', { url: `${base}/slack` }), sendContext('acme', 'slack-1'));
    await expect(
      timed(channel('webhook', { url: `${base}/fail` }), sendContext('acme', 'w')),
    ).rejects.toThrow(/500/);
    expect(recording.events.map((e) => [e.type, e.status, e.org, e.meta?.kind])).toEqual([
      ['webhook', 'ok', 'acme', 'webhook'],
      ['webhook', 'ok', 'acme', 'slack'],
      ['webhook', 'error', 'acme', 'webhook'],
    ]);
    expect(recording.events[2]?.message).toMatch(/answered 500/);
    for (const e of recording.events) expect(e.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('does record mail deliveries as smtp events, and a refused connection as an error', async () => {
    const recording = new Recording();
    const timed = timedSender(recording, send);
    const mail = { from: 'vitals@example.com', to: ['ops@example.com'] };
    await timed(channel('email', { host: smtp.host, port: smtp.port, ...mail }), sendContext('acme', 'm'));
    expect(smtp.mails).toHaveLength(1);
    const closed = channel('email', { host: HOST, port: 1, ...mail });
    await expect(timed(closed, sendContext('acme', 'm'))).rejects.toThrow(/smtp/);
    expect(recording.events.map((e) => [e.type, e.status])).toEqual([
      ['smtp', 'ok'],
      ['smtp', 'error'],
    ]);
  });
});

describe('mappings', () => {
  it('does map collection attempts to ssh, http-target and redis-target events of the host org', () => {
    const base = {
      org: 'acme',
      host: 'web-1',
      at: 1_790_000_000_000,
      latencyMs: 12,
      meta: { jobId: 'j', trigger: 'manual', attempt: 1, attempts: 3, final: false },
    } as const;
    expect(collectionEvent({ ...base, type: 'http', status: 'ok' })).toMatchObject({
      type: 'http-target',
      org: 'acme',
      status: 'ok',
      latencyMs: 12,
      meta: { host: 'web-1', trigger: 'manual', final: false },
    });
    expect(
      collectionEvent({
        ...base,
        type: 'redis',
        status: 'error',
        message: 'refused',
        meta: { ...base.meta, reason: 'unreachable' },
      }),
    ).toMatchObject({
      type: 'redis-target',
      status: 'error',
      message: 'refused',
      meta: { reason: 'unreachable' },
    });
    expect(collectionEvent({ ...base, type: 'ssh', status: 'ok' }).type).toBe('ssh');
  });

  it('does map pushes to agent-push events: refused ones as errors naming the problem', () => {
    const body = { hosts: [{ host: 'web-1' }, { host: 'web-2' }] };
    expect(pushEvent({ org: 'acme', format: 'json', statusCode: 200, latencyMs: 3.456, body })).toEqual({
      type: 'agent-push',
      org: 'acme',
      status: 'ok',
      latencyMs: 3.46,
      meta: { format: 'json', code: 200, host: 'web-1', hosts: 2 },
    });
    expect(
      pushEvent({
        org: 'acme',
        format: 'influx',
        statusCode: 422,
        latencyMs: 1,
        queryHost: 'h',
        error: 'no',
      }),
    ).toMatchObject({ org: 'acme', status: 'error', message: 'no', meta: { host: 'h', code: 422 } });
  });

  it('does read timestamps below 1e11 as seconds and others as ms', () => {
    expect(toMs(1_790_000_000)).toBe(1_790_000_000_000);
    expect(toMs(1_790_000_000.5)).toBe(1_790_000_000_500);
    expect(toMs(1_790_000_000_123)).toBe(1_790_000_000_123);
  });
});

describe('live feed and live clients', () => {
  it('does send recorded events per org, redacted, with ms and ISO times, once per interval', async () => {
    const redis = createRedis(
      { config: testConfig({ REDIS_URL: target.url }).redis, logger: pino({ level: 'silent' }) },
      'request',
    );
    const log = new EventLog({
      redis,
      keys: new Keys('ev-feed:'),
      logger: pino({ level: 'silent' }),
      options: { persistence: false },
    });
    const sent: Array<[string, LiveConnectionEvent[]]> = [];
    const feed = new LiveEventFeed((org, events) => sent.push([org, events]), {
      intervalMs: 60_000,
      maxPerMessage: 2,
    });
    log.subscribe((e) => feed.add(e));
    const at = 1_790_000_000_000;
    log.record({ type: 'ssh', org: 'acme', status: 'error', at, message: 'password=hunter22 refused' });
    log.record({ type: 'ssh', org: 'acme', status: 'ok', at });
    log.record({ type: 'ssh', org: 'acme', status: 'ok', at });
    log.record({ type: 'redis', status: 'ok', at: 1_790_000_000 });
    expect(sent).toEqual([]);
    feed.close();
    expect(sent.map(([org, events]) => [org, events.length])).toEqual([
      ['acme', 2],
      ['default', 1],
    ]);
    expect(sent[0]?.[1][0]).toMatchObject({ type: 'ssh', at, time: '2026-09-21T14:13:20.000Z' });
    expect(sent[0]?.[1][0]?.id).toMatch(/^\d+-/);
    expect(sent[1]?.[1][0]).toMatchObject({ type: 'redis', at, time: '2026-09-21T14:13:20.000Z' });
    expect(JSON.stringify(sent)).not.toContain('hunter22');
    expect(feed.dropped).toBe(1);
    await log.close();
    redis.disconnect();
  });

  it('does record a live client opening and closing once, with how long it was open', () => {
    const recording = new Recording();
    let now = 1000;
    const closed = liveClientOpened(recording, 'acme', { transport: 'sse' }, () => now);
    now = 4000;
    closed();
    closed();
    expect(recording.events.map((e) => [e.type, e.org, e.meta?.event, e.meta?.openMs])).toEqual([
      ['live-client', 'acme', 'open', undefined],
      ['live-client', 'acme', 'close', 3000],
    ]);
  });
});

describe('every connection type through a running server', () => {
  let env: ApiEnv;
  let url = '';
  let metrics: Server;
  let metricsUrl = '';
  let hooks: Server;
  let hookUrl = '';
  let sshd: TestSshd | undefined;
  let smtp: TestSmtp;

  async function events(type: string): Promise<EventOut[]> {
    const res = await env.call('GET', `/api/v1/events?type=${type}&limit=1000`);
    expect(res.statusCode).toBe(200);
    return res.json().events;
  }

  beforeAll(async () => {
    metrics = createServer((_, res) => res.end('up 1\n'));
    metricsUrl = `${await listen(metrics)}/metrics`;
    hooks = createServer((req, res) => {
      req.resume();
      res.end('ok');
    });
    hookUrl = `${await listen(hooks)}/hook`;
    smtp = await startSmtp();
    if (sshdAvailable()) sshd = await startSshd();
    env = await apiEnv(target.url, uniquePrefix('events-instrument'), {
      VITALS_COLLECT_ATTEMPTS: '1',
      VITALS_COLLECT_TIMEOUT: '5s',
      VITALS_COLLECT_RECONCILE_INTERVAL: '0',
    });
    url = await env.runtime.listen();
  });
  afterAll(async () => {
    await env?.close();
    await new Promise((resolve) => metrics?.close(resolve));
    await new Promise((resolve) => hooks?.close(resolve));
    await smtp?.close();
    await sshd?.close();
  });

  it('does record collections of Prometheus, Redis and SSH hosts as http-target, redis-target and ssh', async () => {
    const hosts: Array<[string, unknown]> = [
      ['prom', { kind: 'prometheus', settings: { url: metricsUrl } }],
      ['cache', { kind: 'redis', settings: { url: target.url } }],
      ['dead', { kind: 'redis', settings: { url: 'redis://127.0.0.1:1' } }],
    ];
    if (sshd) {
      const { host, port, username, privateKey, hostFingerprint } = sshd;
      hosts.push(['box', { kind: 'ssh', settings: { host, port, username, privateKey, hostFingerprint } }]);
    }
    for (const [id, collector] of hosts) {
      expect((await env.call('POST', '/api/v1/hosts', { payload: { id, collector } })).statusCode).toBe(201);
      expect((await env.call('POST', `/api/v1/hosts/${id}/collect`)).statusCode).toBeLessThan(300);
    }
    const prom = await waitFor(
      async () => (await events('http-target')).find((e) => e.meta?.host === 'prom'),
      {
        timeoutMs: 15_000,
      },
    );
    expect(prom).toMatchObject({ status: 'ok', meta: { attempt: 1 } });
    expect(['schedule', 'manual']).toContain(prom.meta?.trigger);
    expect(prom.latencyMs).toBeGreaterThan(0);
    const cache = await waitFor(
      async () => (await events('redis-target')).find((e) => e.meta?.host === 'cache'),
      {
        timeoutMs: 15_000,
      },
    );
    expect(cache.status).toBe('ok');
    const dead = await waitFor(
      async () => (await events('redis-target')).find((e) => e.meta?.host === 'dead'),
      {
        timeoutMs: 15_000,
      },
    );
    expect(dead).toMatchObject({ status: 'error', meta: { reason: 'unreachable' } });
    expect(dead.message).toBeTruthy();
    if (sshd) {
      const box = await waitFor(async () => (await events('ssh')).find((e) => e.meta?.host === 'box'), {
        timeoutMs: 20_000,
      });
      expect(box.status).toBe('ok');
    }
  });

  it('does record channel deliveries as webhook and smtp events', async () => {
    const channels = [
      { id: 'hook', name: 'hook', kind: 'webhook', settings: { url: hookUrl } },
      {
        id: 'mail',
        name: 'mail',
        kind: 'email',
        settings: { host: smtp.host, port: smtp.port, from: 'vitals@example.com', to: ['ops@example.com'] },
      },
    ];
    for (const payload of channels) {
      expect((await env.call('POST', '/api/v1/alerts/channels', { payload })).statusCode).toBe(201);
      const tested = await env.call('POST', `/api/v1/alerts/channels/${payload.id}/test`);
      expect(tested.json()).toMatchObject({ delivered: true });
    }
    expect((await events('webhook')).map((e) => [e.status, e.meta?.channel])).toEqual([['ok', 'hook']]);
    expect((await events('smtp')).map((e) => [e.status, e.meta?.channel])).toEqual([['ok', 'mail']]);
  });

  it('does record agent pushes over HTTP, refused ones as errors naming the problem', async () => {
    const push = (body: unknown, token = ADMIN_TOKEN) =>
      fetch(`${url}/api/v1/ingest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const snapshot = { timestamp: Date.now(), metrics: { 'cpu.usage': 5 } };
    expect((await push({ hosts: [{ host: 'agent-1', snapshots: [snapshot] }] })).status).toBe(200);
    expect((await push({ hosts: [{ host: 'agent-2', snapshots: [{ timestamp: 'x' }] }] })).status).toBe(400);
    // No accepted token, no org to record it for.
    expect(
      (await push({ hosts: [{ host: 'agent-3', snapshots: [snapshot] }] }, `vt_${'z'.repeat(43)}`)).status,
    ).toBe(401);
    // The other protocols' pushes are recorded too, with their format.
    const other = (path: string, body: Uint8Array, headers: Record<string, string>) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers },
        body: Buffer.from(body),
      });
    const remote = encodeRemoteWrite([
      { labels: { __name__: 'up', instance: 'prom-1:9100' }, samples: [[Date.now(), 1]] },
    ]);
    expect(
      (
        await other('/api/v1/prom/write', remote, {
          'content-type': 'application/x-protobuf',
          'content-encoding': 'snappy',
        })
      ).status,
    ).toBe(204);
    const otlp = encodeOtlpGauges([
      { host: 'otel-1', series: [{ name: 'load.1', labels: {}, points: [[Date.now(), 1]] }] },
    ]);
    expect((await other('/v1/metrics', otlp, { 'content-type': 'application/x-protobuf' })).status).toBe(200);
    // InfluxDB 1.x's error shape on /write: the event keeps Vitals' own message, read before the reshaping.
    const refused = await other('/write', Buffer.from('cpu,host=influx-1 usage=\n'), {});
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toMatch(/^unable to parse/);
    const pushes = await events('agent-push');
    expect(pushes[0]).toMatchObject({ status: 'error', meta: { format: 'influx', code: 400 } });
    expect(pushes[0]?.message).toMatch(/^line 1: /);
    expect(pushes.slice(1).map((e) => [e.status, e.meta?.host, e.meta?.format, e.meta?.code])).toEqual([
      ['ok', undefined, 'otlp', 200],
      ['ok', undefined, 'prom-remote-write', 204],
      ['error', 'agent-2', 'json', 400],
      ['ok', 'agent-1', 'json', 200],
    ]);
    expect(pushes[3]?.message).toMatch(/body\.hosts\.0\.snapshots\.0/);
    expect(pushes[4]?.latencyMs).toBeGreaterThan(0);
  });

  it('does record live clients opening and closing, and stream events to clients that ask', async () => {
    const stream = await openSse(`${url}/api/v1/live?events=true`, {
      authorization: `Bearer ${ADMIN_TOKEN}`,
    });
    await stream.next('hello');
    await env.call('POST', '/api/v1/events', {
      payload: { type: 'custom.live', status: 'error', message: 'x' },
    });
    // Events of other kinds (the stream's own live-client open, Redis connections) may fill an earlier
    // message: read on until the one that carries this event.
    const live = await waitFor(
      () =>
        stream.events
          .flatMap((m) => (m.event === 'events' ? (m.data as { events: EventOut[] }).events : []))
          .find((e) => e.type === 'custom.live'),
      { timeoutMs: 5000, message: 'the posted event on the live stream' },
    );
    expect(live).toMatchObject({ status: 'error', message: 'x' });
    expect(live?.time).toBe(new Date(live?.at ?? 0).toISOString());
    stream.close();
    const clients = await waitFor(async () => {
      const list = await events('live-client');
      return list.some((e) => e.meta?.event === 'close') && list;
    });
    expect(clients.map((e) => e.meta?.event)).toEqual(['close', 'open']);
    expect(clients[0]?.meta?.openMs).toBeGreaterThanOrEqual(0);
  });

  it("does record the server's own Redis connections, workers included, as redis events of default", async () => {
    const redisEvents = await waitFor(async () => {
      const list = await events('redis');
      const roles = new Set(list.map((e) => e.meta?.role));
      return roles.has('request') && roles.size > 2 && list;
    });
    expect(redisEvents.every((e) => e.status === 'ok' || e.meta?.event !== 'ready')).toBe(true);
  });
});

interface EventOut {
  type: string;
  status: 'ok' | 'error';
  at: number;
  time: string | null;
  latencyMs?: number;
  message?: string;
  meta?: Record<string, string | number | boolean>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const address = server.address();
  return `http://${HOST}:${typeof address === 'object' && address ? address.port : 0}`;
}
