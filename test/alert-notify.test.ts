import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, Notification, Severity, TransitionAction } from '../src/alerts/index.ts';
import { createLogger } from '../src/config/index.ts';
import {
  type RedisServer,
  sleep,
  startAlertmanager,
  startRedis,
  startSmtp,
  type TestAlertmanager,
  type TestSmtp,
  uniquePrefix,
  waitFor,
} from './harness/index.ts';
import { type ApiEnv, apiEnv } from './support/api.ts';

/**
 * Notification delivery against real receivers: HTTP receivers on node:http, an SMTP server
 * (smtp-server), Debian's Alertmanager, and a `vitals server` child process killed mid-delivery.
 * Notifications are built by hand (the state machine is tested elsewhere).
 */

const ORG = 'default';
const FAST = {
  VITALS_ALERT_DELIVERY_BACKOFF: '100',
  VITALS_ALERT_DELIVERY_TIMEOUT: '2000',
  VITALS_RATE_LIMIT: '100000',
};

interface Received {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** The status the receiver answered (undefined: never answered). */
  status?: number;
}

interface Receiver {
  readonly url: string;
  readonly requests: Received[];
  /** Answered 2xx. */
  ok(): Received[];
  close(): Promise<void>;
}

type Handler = (req: Received, n: number, res: ServerResponse) => number | undefined;

/** An HTTP receiver; `handler` returns the status to answer, or undefined to hold the response. */
async function startReceiver(handler: Handler = () => 200): Promise<Receiver> {
  const requests: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const got: Received = {
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      requests.push(got);
      const status = handler(got, requests.length, res);
      if (status === undefined) return;
      got.status = status;
      res
        .writeHead(status, { 'content-type': 'text/plain' })
        .end(status < 300 ? 'ok' : `Cannot POST ${got.path}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    ok: () => requests.filter((r) => r.status !== undefined && r.status < 300),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let serial = 0;

function notification(
  options: { severity?: Severity; action?: TransitionAction; seq?: number; id?: string } = {},
): Notification {
  const now = Date.now();
  const action = options.action ?? 'firing';
  const status = action === 'resolved' ? 'resolved' : 'firing';
  const severity = options.severity ?? 'warning';
  serial += 1;
  const id = options.id ?? `cpu-high:h${serial}:${now}`;
  const alert: Alert = {
    id,
    org: ORG,
    ruleId: 'cpu-high',
    instance: `web-1|cpu.usage`,
    host: 'web-1',
    series: 'cpu.usage',
    status,
    severity,
    labels: { alertname: 'HostCpuHigh', rule: 'cpu-high', severity, host: 'web-1', team: 'ops' },
    annotations: { summary: 'CPU at 97 % on web-1', description: 'above 90 % for 5 minutes' },
    value: 97,
    threshold: 90,
    startedAt: now - 300_000,
    firedAt: now - 60_000,
    ...(status === 'resolved' && { resolvedAt: now }),
    flapping: false,
    stale: false,
    silencedBy: [],
    updatedAt: now,
  };
  return {
    alert,
    transition: {
      alertId: id,
      org: ORG,
      seq: options.seq ?? 1,
      action,
      from: status === 'resolved' ? 'firing' : 'pending',
      to: status,
      at: now,
    },
  };
}

async function createChannel(env: ApiEnv, body: Record<string, unknown>): Promise<string> {
  const res = await env.call('POST', '/api/v1/alerts/channels', { payload: body });
  expect(res.statusCode, res.body).toBe(201);
  return (res.json() as { id: string }).id;
}

async function deliveries(env: ApiEnv, query = ''): Promise<Record<string, unknown>[]> {
  const res = await env.call('GET', `/api/v1/alerts/deliveries${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { deliveries: Record<string, unknown>[] }).deliveries;
}

describe('alert notification delivery', () => {
  let redis: RedisServer;
  let env: ApiEnv;
  const logLines: string[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    env = await apiEnv(
      redis.url,
      uniquePrefix('notify'),
      FAST,
      {},
      {
        logger: createLogger({ logLevel: 'debug' }, sink),
      },
    );
  });

  afterAll(async () => {
    await env?.close();
    await redis?.close();
  });

  it('delivers exactly once, signed, to a webhook that fails twice then succeeds', async () => {
    const receiver = await startReceiver((_r, n) => (n <= 2 ? 503 : 200));
    const secret = 'whsec-0123456789abcdef';
    try {
      const id = await createChannel(env, {
        name: 'hook',
        kind: 'webhook',
        match: [{ name: 'team', value: 'ops' }],
        settings: { url: `${receiver.url}/hook`, secret },
      });
      const n = notification();
      await env.runtime.api.notifier.notify(ORG, [n]);
      await waitFor(() => receiver.ok().length === 1, { timeoutMs: 15_000, message: 'delivered' });
      // Queued again (a retried evaluation): the job id is the idempotency key, nothing new is sent.
      await env.runtime.api.notifier.notify(ORG, [n]);
      await sleep(1500);
      expect(receiver.requests).toHaveLength(3);
      expect(receiver.ok()).toHaveLength(1);
      const key = `${n.alert.id}:1:${id}`;
      for (const r of receiver.requests) expect(r.headers['idempotency-key']).toBe(key);
      const got = receiver.requests[2];
      const expected = createHmac('sha256', secret)
        .update(got?.body ?? '')
        .digest('hex');
      expect(got?.headers['x-vitals-signature']).toBe(`sha256=${expected}`);
      expect(Number(got?.headers['x-vitals-timestamp'])).toBeGreaterThan(0);
      expect(JSON.parse(got?.body ?? '{}')).toMatchObject({
        version: 1,
        org: ORG,
        alert: { id: n.alert.id, status: 'firing' },
        transition: { seq: 1, action: 'firing' },
      });
      const [record] = (await deliveries(env)).filter((d) => d.key === key);
      expect(record).toMatchObject({ status: 'delivered', attempts: 3, channelId: id });
      await env.call('DELETE', `/api/v1/alerts/channels/${id}`);
    } finally {
      await receiver.close();
    }
  });

  it('sends Slack and Discord incoming-webhook payloads', async () => {
    const receiver = await startReceiver();
    try {
      const slack = await createChannel(env, {
        name: 's',
        kind: 'slack',
        settings: { url: `${receiver.url}/slack` },
      });
      const discord = await createChannel(env, {
        name: 'd',
        kind: 'discord',
        settings: { url: `${receiver.url}/discord` },
      });
      await env.runtime.api.notifier.notify(ORG, [notification({ severity: 'critical' })]);
      await waitFor(() => receiver.ok().length === 2, { timeoutMs: 10_000, message: 'both delivered' });
      const body = (path: string) => JSON.parse(receiver.requests.find((r) => r.path === path)?.body ?? '{}');
      const s = body('/slack') as { text: string; blocks: { type: string }[] };
      expect(s.text).toBe('[FIRING] HostCpuHigh on web-1: CPU at 97 % on web-1');
      expect(s.blocks.map((b) => b.type)).toEqual(['section', 'context']);
      const d = body('/discord') as { content: string; embeds: { title: string; fields: unknown[] }[] };
      expect(d.content).toBe(s.text);
      expect(d.embeds[0]?.title).toBe('HostCpuHigh (critical)');
      expect(d.embeds[0]?.fields).toContainEqual({ name: 'host', value: 'web-1', inline: true });
      for (const id of [slack, discord]) await env.call('DELETE', `/api/v1/alerts/channels/${id}`);
    } finally {
      await receiver.close();
    }
  });

  it('mails exactly once over SMTP with authentication', async () => {
    let smtp: TestSmtp | undefined;
    try {
      smtp = await startSmtp({ user: 'vitals', pass: 'smtp-pass-123' });
      const id = await createChannel(env, {
        name: 'mail',
        kind: 'email',
        settings: {
          host: smtp.host,
          port: smtp.port,
          secure: false,
          user: 'vitals',
          pass: 'smtp-pass-123',
          from: 'vitals@example.test',
          to: ['oncall@example.test'],
        },
      });
      const n = notification();
      await env.runtime.api.notifier.notify(ORG, [n]);
      await env.runtime.api.notifier.notify(ORG, [n]);
      const mails = smtp.mails;
      await waitFor(() => mails.length === 1, { timeoutMs: 10_000, message: 'mail received' });
      await sleep(1000);
      expect(mails).toHaveLength(1);
      expect(mails[0]).toMatchObject({
        from: 'vitals@example.test',
        to: ['oncall@example.test'],
        user: 'vitals',
      });
      expect(mails[0]?.raw).toContain('Subject: [FIRING] HostCpuHigh on web-1');
      expect(mails[0]?.raw).toContain(`X-Vitals-Idempotency-Key: ${n.alert.id}:1:${id}`);
      await env.call('DELETE', `/api/v1/alerts/channels/${id}`);
    } finally {
      await smtp?.close();
    }
  });

  it('fires and then resolves an alert in a real Alertmanager', async () => {
    let am: TestAlertmanager | undefined;
    try {
      am = await startAlertmanager();
      const manager = am;
      const id = await createChannel(env, {
        name: 'am',
        kind: 'alertmanager',
        settings: { url: manager.url },
      });
      const firing = notification({ severity: 'critical' });
      await env.runtime.api.notifier.notify(ORG, [firing]);
      const [alert] = await waitFor(
        async () => {
          const alerts = await manager.alerts();
          return alerts.length > 0 ? alerts : undefined;
        },
        { timeoutMs: 10_000, message: 'alert in alertmanager' },
      );
      expect(alert).toMatchObject({
        labels: { alertname: 'HostCpuHigh', host: 'web-1', severity: 'critical', org: ORG },
        annotations: { summary: 'CPU at 97 % on web-1', vitals_alert_id: firing.alert.id },
        status: { state: 'active' },
      });
      expect(Date.parse(alert?.endsAt ?? '')).toBeGreaterThan(Date.now() + 86_400_000);
      expect(alert?.generatorURL).toContain('/#/alerts/');
      const groups = await manager.groups();
      expect(groups.find((g) => g.labels.alertname === 'HostCpuHigh')?.alerts).toHaveLength(1);
      const resolved = notification({
        severity: 'critical',
        action: 'resolved',
        seq: 2,
        id: firing.alert.id,
      });
      await env.runtime.api.notifier.notify(ORG, [resolved]);
      await waitFor(async () => (await manager.alerts()).length === 0, {
        timeoutMs: 10_000,
        message: 'alert resolved in alertmanager',
      });
      await env.call('DELETE', `/api/v1/alerts/channels/${id}`);
    } finally {
      await am?.close();
    }
  });

  it('defers a warning to the end of quiet hours but sends a critical at once', async () => {
    const receiver = await startReceiver();
    try {
      const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
      const end = Date.now() + 3_600_000;
      const id = await createChannel(env, {
        name: 'quiet',
        kind: 'webhook',
        quietHours: { start: hhmm(Date.now() - 3_600_000), end: hhmm(end), timezone: 'UTC' },
        settings: { url: `${receiver.url}/q` },
      });
      const warning = notification({ severity: 'warning' });
      const critical = notification({ severity: 'critical' });
      await env.runtime.api.notifier.notify(ORG, [warning, critical]);
      await waitFor(() => receiver.ok().length === 1, { timeoutMs: 10_000, message: 'critical delivered' });
      await sleep(1000);
      expect(receiver.requests).toHaveLength(1);
      expect(JSON.parse(receiver.requests[0]?.body ?? '{}').alert.id).toBe(critical.alert.id);
      const deferred = await deliveries(env, '?status=deferred');
      const record = deferred.find((d) => d.alertId === warning.alert.id);
      expect(record).toMatchObject({ channelId: id, status: 'deferred', attempts: 0 });
      expect(Math.abs(Number(record?.notBefore) - (end - (end % 60_000)))).toBeLessThan(61_000);
      await env.call('DELETE', `/api/v1/alerts/channels/${id}`);
    } finally {
      await receiver.close();
    }
  });

  it('never shows a planted secret in answers, reasons or logs', async () => {
    const token = 'XoXbSeCrEtToKeN0123456789';
    const receiver = await startReceiver(() => 404);
    try {
      const id = await createChannel(env, {
        name: 'leaky',
        kind: 'slack',
        settings: { url: `${receiver.url}/services/T0/B0/${token}` },
      });
      const n = notification();
      await env.runtime.api.notifier.notify(ORG, [n]);
      const failed = await waitFor(
        async () => (await deliveries(env, '?status=failed')).find((d) => d.alertId === n.alert.id),
        { timeoutMs: 10_000, message: 'delivery failed' },
      );
      // The receiver's 404 echoed the path (with the token): refused for good after one attempt, redacted.
      expect(receiver.requests[0]?.path).toContain(token);
      expect(failed).toMatchObject({ attempts: 1, status: 'failed' });
      expect(String(failed.reason)).toContain('slack answered 404');
      const answers = [
        (await env.call('GET', '/api/v1/alerts/channels')).body,
        (await env.call('GET', `/api/v1/alerts/channels/${id}`)).body,
        (await env.call('PATCH', `/api/v1/alerts/channels/${id}`, { payload: { name: 'renamed' } })).body,
        (await env.call('POST', `/api/v1/alerts/channels/${id}/test`)).body,
        (await env.call('GET', '/api/v1/alerts/deliveries')).body,
      ];
      for (const body of answers) expect(body).not.toContain(token);
      expect(answers[1]).toContain('"url":"***"');
      // A mask sent back keeps the stored secret: the test notification still reaches the token's path.
      const patched = await env.call('PATCH', `/api/v1/alerts/channels/${id}`, {
        payload: { settings: { url: '***' } },
      });
      expect(patched.statusCode).toBe(200);
      const before = receiver.requests.length;
      await env.call('POST', `/api/v1/alerts/channels/${id}/test`);
      expect(receiver.requests).toHaveLength(before + 1);
      expect(receiver.requests.at(-1)?.path).toBe(`/services/T0/B0/${token}`);
      // Sealed at rest: the stored JSON does not hold it either.
      const stored = await env.runtime.redis.hgetall(`${env.runtime.keys.alerts(ORG)}channels`);
      expect(JSON.stringify(stored)).not.toContain(token);
      expect(logLines.length).toBeGreaterThan(0);
      expect(logLines.join('')).not.toContain(token);
      await env.call('DELETE', `/api/v1/alerts/channels/${id}`);
    } finally {
      await receiver.close();
    }
  });

  it('refuses bad channels with a 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'x', kind: 'webhook', settings: { url: 'ftp://x' } }, 'settings.url'],
      [{ name: 'x', kind: 'email', settings: { host: 'h', port: 25, from: 'a@b', to: [] } }, 'settings.to'],
      [{ name: 'x', kind: 'slack', settings: { url: '***' } }, 'settings.url'],
      [
        {
          name: 'x',
          kind: 'slack',
          quietHours: { start: '22:00', end: '07:00', timezone: 'Mars/Olympus' },
          settings: { url: 'http://127.0.0.1:1/x' },
        },
        'quietHours.timezone',
      ],
      [{ name: 'x', kind: 'pager', settings: {} }, 'body.kind'],
    ];
    for (const [payload, field] of cases) {
      const res = await env.call('POST', '/api/v1/alerts/channels', { payload });
      expect(res.statusCode, res.body).toBe(400);
      expect((res.json() as { error: { message: string } }).error.message).toContain(field);
    }
    expect((await env.call('GET', '/api/v1/alerts/channels/nope')).statusCode).toBe(404);
  });

  it('reports delivery figures in /health as alerts:delivery', async () => {
    const res = await env.runtime.app.inject({ url: '/health' });
    const check = (res.json() as { checks: Record<string, Record<string, unknown>[]> }).checks[
      'alerts:delivery'
    ]?.[0];
    expect(check).toMatchObject({ status: 'pass', observedUnit: 'deliveries' });
    for (const f of ['pending', 'inFlight', 'delivered', 'retried', 'failed'])
      expect(typeof check?.[f]).toBe('number');
    // Earlier tests here: the webhook retried twice, the leaky Slack channel failed once.
    expect(check?.retried).toBeGreaterThanOrEqual(2);
    expect(check?.failed).toBeGreaterThanOrEqual(1);
    expect(check?.delivered).toBeGreaterThanOrEqual(5);
  });
});

describe('delivery across processes', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => redis?.close());

  it('delivers once when two runtimes queue the same notification', async () => {
    const prefix = uniquePrefix('notify2');
    const a = await apiEnv(redis.url, prefix, FAST);
    const b = await apiEnv(redis.url, prefix, FAST);
    const receiver = await startReceiver();
    try {
      await createChannel(a, { name: 'hook', kind: 'webhook', settings: { url: `${receiver.url}/h` } });
      const n = notification();
      await Promise.all([a.runtime.api.notifier.notify(ORG, [n]), b.runtime.api.notifier.notify(ORG, [n])]);
      await waitFor(() => receiver.ok().length === 1, { timeoutMs: 10_000, message: 'delivered' });
      await sleep(1500);
      expect(receiver.requests).toHaveLength(1);
    } finally {
      await receiver.close();
      await a.close();
      await b.close();
    }
  });

  it('delivers once after a server killed mid-delivery restarts', async () => {
    const prefix = uniquePrefix('notifykill');
    // This runtime only queues; the child server runs the delivery worker.
    const queuer = await apiEnv(redis.url, prefix, { ...FAST, VITALS_ALERT_DELIVERY_WORKERS: 'false' });
    let hold = true;
    const receiver = await startReceiver(() => (hold ? undefined : 200));
    const children: ChildProcess[] = [];
    const startChild = () => {
      const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'bin/vitals.js'), 'server'], {
        env: {
          ...process.env,
          ...FAST,
          REDIS_URL: redis.url,
          VITALS_KEY_PREFIX: prefix,
          PORT: '0',
          HOST: '127.0.0.1',
          LOG_LEVEL: 'warn',
          VITALS_LOCAL_AGENT: 'false',
          VITALS_SELF_MONITOR: 'false',
          VITALS_ALERTS: 'false',
          VITALS_DATA_DIR: `/tmp/vitals-notifykill-${process.pid}-${children.length}`,
          // The job's lock lasts max(5 s, 2 × timeout): then the restarted server takes it over.
          VITALS_ALERT_DELIVERY_TIMEOUT: '1000',
        },
        stdio: 'ignore',
      });
      children.push(child);
      return child;
    };
    try {
      await createChannel(queuer, { name: 'hook', kind: 'webhook', settings: { url: `${receiver.url}/k` } });
      const n = notification();
      await queuer.runtime.api.notifier.notify(ORG, [n]);
      const first = startChild();
      await waitFor(() => receiver.requests.length === 1, { timeoutMs: 30_000, message: 'first attempt' });
      first.kill('SIGKILL');
      await new Promise((resolve) => first.once('exit', resolve));
      hold = false;
      startChild();
      await waitFor(() => receiver.ok().length === 1, {
        timeoutMs: 40_000,
        message: 'delivered after restart',
      });
      await sleep(1500);
      // The first request was never answered (the sender died holding it): one delivery, one key.
      expect(receiver.ok()).toHaveLength(1);
      expect(receiver.requests).toHaveLength(2);
      expect(new Set(receiver.requests.map((r) => r.headers['idempotency-key'])).size).toBe(1);
      const record = (await deliveries(queuer)).find((d) => d.alertId === n.alert.id);
      expect(record).toMatchObject({ status: 'delivered' });
    } finally {
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
      await receiver.close();
      await queuer.close();
    }
  }, 90_000);
});
