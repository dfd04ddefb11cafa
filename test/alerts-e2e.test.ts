import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, sleep, startRedis, uniquePrefix, waitFor } from './harness/index.ts';
import { type ApiEnv, apiEnv } from './support/api.ts';

/**
 * The whole alerting path with nothing stubbed: samples pushed over the API, the evaluation loop (every
 * second here), the lifecycle in Redis, the delivery queue and a real webhook receiver. The pieces are
 * tested one by one elsewhere (alert-evaluate, alert-states, alert-notify); this checks they are wired.
 */

interface Delivery {
  readonly alert: { readonly id: string; readonly status: string; readonly value: number };
  readonly transition: { readonly action: string; readonly seq: number };
}

describe('alerting end to end: data → evaluation → lifecycle → webhook', () => {
  let redis: RedisServer;
  let env: ApiEnv;
  let server: Server;
  let url = '';
  const received: Delivery[] = [];

  /** One sample of `app.load` for host web-1, now. */
  async function push(value: number): Promise<void> {
    const res = await env.call('POST', '/api/v1/ingest', {
      payload: {
        hosts: [{ host: 'web-1', snapshots: [{ timestamp: Date.now(), metrics: { 'app.load': value } }] }],
      },
    });
    expect(res.statusCode, res.body).toBe(200);
  }

  /** Pushes `value` every 200 ms for `ms`. */
  async function hold(value: number, ms: number): Promise<void> {
    for (const end = Date.now() + ms; Date.now() < end; ) {
      await push(value);
      await sleep(200);
    }
  }

  async function alerts(status = ''): Promise<Array<{ id: string; status: string }>> {
    const res = await env.call('GET', `/api/v1/alerts${status ? `?status=${status}` : ''}`);
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { alerts: Array<{ id: string; status: string; ruleId: string }> }).alerts.filter(
      (a) => a.ruleId === 'load',
    );
  }

  beforeAll(async () => {
    redis = await startRedis();
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString()) as Delivery);
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
    env = await apiEnv(redis.url, uniquePrefix('alerts-e2e'), {
      VITALS_ALERTS: 'true',
      VITALS_ALERTS_INTERVAL: '1s',
      VITALS_ALERT_DELIVERY_BACKOFF: '100',
      VITALS_RATE_LIMIT: '100000',
    });
    const channel = await env.call('POST', '/api/v1/alerts/channels', {
      payload: { name: 'hook', kind: 'webhook', settings: { url, secret: 'e2e-secret-0123456789' } },
    });
    expect(channel.statusCode, channel.body).toBe(201);
    await push(10);
    const rule = await env.call('POST', '/api/v1/alerts/rules', {
      payload: {
        id: 'load',
        name: 'Load high',
        selector: { hostIds: ['web-1'], metric: 'app.load' },
        reduction: 'last',
        windowMs: 60_000,
        comparison: '>',
        threshold: 50,
        resolveThreshold: 40,
        forMs: 3000,
        severity: 'critical',
      },
    });
    expect(rule.statusCode, rule.body).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await env?.close();
    await new Promise((resolve) => server?.close(resolve));
    await redis?.close();
  });

  it('fires only after `for`, resolves only past the resolve threshold, and notifies each once', async () => {
    await hold(80, 1500);
    // Breaching for 1.5 s of a 3 s `for`: pending, nothing sent.
    expect((await alerts()).map((a) => a.status)).toEqual(['pending']);
    expect(received).toEqual([]);
    await hold(80, 3500);
    await waitFor(() => received.length >= 1, { timeoutMs: 10_000, message: 'the firing notification' });
    expect(received[0]).toMatchObject({ alert: { status: 'firing' }, transition: { action: 'firing' } });
    // Below the threshold but above the resolve threshold: still firing, nothing new.
    await hold(45, 3000);
    expect((await alerts()).map((a) => a.status)).toEqual(['firing']);
    expect(received).toHaveLength(1);
    // Past the resolve threshold: resolved, notified once.
    await hold(20, 2500);
    await waitFor(() => received.length >= 2, { timeoutMs: 10_000, message: 'the resolved notification' });
    expect(received[1]).toMatchObject({ alert: { status: 'resolved' }, transition: { action: 'resolved' } });
    await hold(20, 2000);
    expect(received).toHaveLength(2);
    expect(received[0]?.alert.id).toBe(received[1]?.alert.id);
  }, 60_000);

  it('stops notifying an acknowledged alert and tells nothing more until it resolves', async () => {
    received.length = 0;
    await hold(90, 4500);
    await waitFor(() => received.length >= 1, { timeoutMs: 10_000, message: 'the second alert firing' });
    const [firing] = await alerts('firing');
    expect(firing).toBeDefined();
    const ack = await env.call('POST', `/api/v1/alerts/${firing?.id}/action`, {
      payload: { action: 'ack', note: 'looking into it' },
    });
    expect(ack.statusCode, ack.body).toBe(200);
    await hold(95, 3000);
    expect((await alerts()).map((a) => a.status)).toEqual(['acknowledged']);
    expect(received).toHaveLength(1);
  }, 60_000);
});
