// Issue 17, item 1: on a Redis Cluster the features beyond ingest and queries work too — pull collection
// (BullMQ on its hash-tagged prefix), alert evaluation, connection events, and the live updates'
// pub/sub. (Ingest, sealing and reads through a Cluster: redis-modes.test.ts; failover under load:
// reliability/failover.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, sleep, startCluster, type TestCluster, uniquePrefix, waitFor } from './harness/index.ts';
import { type ApiEnv, apiEnv } from './support/api.ts';

describe('the other features on a Redis Cluster', () => {
  let cluster: TestCluster;
  let env: ApiEnv;
  const prefix = uniquePrefix('cluster-features');

  beforeAll(async () => {
    cluster = await startCluster({ masters: 3, replicasPerMaster: 0 });
    env = await apiEnv('redis://127.0.0.1:1', prefix, {
      REDIS_CLUSTER_NODES: cluster.startupNodes.map((n) => `${n.host}:${n.port}`).join(','),
      VITALS_ALERTS: 'true',
      VITALS_ALERTS_INTERVAL: '1s',
      VITALS_RATE_LIMIT: '100000',
      VITALS_EVENTS_FLUSH_INTERVAL: '200',
    });
  }, 60_000);
  afterAll(async () => {
    await env?.close();
    await cluster?.close();
  });

  const latest = async (host: string) => {
    const res = await env.call('GET', `/api/v1/hosts/${host}/metrics/latest`);
    return res.statusCode === 200 ? (res.json() as { count: number }).count : 0;
  };

  it('does collect a host through the BullMQ queue on the Cluster, on demand', async () => {
    const node = cluster.nodes[0];
    const created = await env.call('POST', '/api/v1/hosts', {
      payload: {
        id: 'cache-1',
        collector: { kind: 'redis', settings: { url: `redis://${node?.host}:${node?.port}` } },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    // Collection talks to Redis on a connection of its own, which may still be reading the Cluster's
    // slots this soon after the start: it answers 503 with Retry-After then, and a client retries.
    let queued = await env.call('POST', '/api/v1/hosts/cache-1/collect');
    await waitFor(
      async () => {
        if (queued.statusCode !== 503) return true;
        expect(queued.headers['retry-after'], queued.body).toBeDefined();
        queued = await env.call('POST', '/api/v1/hosts/cache-1/collect');
        return false;
      },
      { timeoutMs: 10_000, intervalMs: 200, message: 'collection accepting requests' },
    );
    expect(queued.statusCode, queued.body).toBeLessThan(300);
    await waitFor(async () => (await latest('cache-1')) > 10, {
      timeoutMs: 20_000,
      intervalMs: 200,
      message: 'the Redis INFO collection of cache-1 stored',
    });
    const queues = await env.call('GET', '/api/v1/queues');
    expect(queues.statusCode, queues.body).toBe(200);
  }, 30_000);

  it('does evaluate an alert rule over pushed samples and fire it', async () => {
    const rule = await env.call('POST', '/api/v1/alerts/rules', {
      payload: {
        id: 'hot',
        name: 'Load high',
        selector: { hostIds: ['web-1'], metric: 'app.load' },
        reduction: 'last',
        windowMs: 60_000,
        comparison: '>',
        threshold: 50,
        forMs: 0,
        severity: 'critical',
      },
    });
    expect(rule.statusCode, rule.body).toBe(201);
    const firing = async () => {
      const push = await env.call('POST', '/api/v1/ingest', {
        payload: {
          hosts: [{ host: 'web-1', snapshots: [{ timestamp: Date.now(), metrics: { 'app.load': 90 } }] }],
        },
      });
      expect(push.statusCode, push.body).toBe(200);
      const res = await env.call('GET', '/api/v1/alerts');
      const alerts = (res.json() as { alerts: { ruleId: string; status: string }[] }).alerts;
      return alerts.some((a) => a.ruleId === 'hot' && a.status === 'firing');
    };
    await waitFor(firing, { timeoutMs: 20_000, intervalMs: 300, message: 'the alert firing' });
  }, 30_000);

  it('does record connection events and answer the event list', async () => {
    const events = async () => {
      const res = await env.call('GET', '/api/v1/events?limit=50');
      expect(res.statusCode, res.body).toBe(200);
      return (res.json() as { events: unknown[] }).events.length;
    };
    // Pushes over a live socket record connection events; injected requests may not, so accept any
    // event the runtime recorded since start (Redis connections are events too).
    await waitFor(async () => (await events()) > 0, {
      timeoutMs: 15_000,
      intervalMs: 300,
      message: 'connection events listed',
    });
    // And persisted: the batches of some event type are on one of the masters (hash tag {ev:<org>:<type>}).
    const stored = async () => {
      for (const node of cluster.nodes) {
        // `command` answers with the reply as text (an array comma-joined).
        if ((await command(node.port, 'KEYS', `${prefix}{ev:*`)) !== '') return true;
      }
      return false;
    };
    await waitFor(stored, { timeoutMs: 15_000, intervalMs: 300, message: 'connection events persisted' });
  }, 20_000);

  it('does publish live updates where a subscriber on any Cluster node hears them', async () => {
    const received: string[] = [];
    const sub = cluster.client();
    // The live hub publishes each push for the other processes' streams: on a Cluster, PUBLISH
    // reaches subscribers on every node through the cluster bus.
    await sub.psubscribe('*');
    sub.on('pmessage', (_pattern, channel) => received.push(channel));
    await env.call('POST', '/api/v1/ingest', {
      payload: {
        hosts: [{ host: 'web-2', snapshots: [{ timestamp: Date.now(), metrics: { 'cpu.usage': 5 } }] }],
      },
    });
    await waitFor(() => received.some((channel) => channel.startsWith(prefix)), {
      timeoutMs: 10_000,
      message: 'a live message published on a channel of this server',
    });
    await sleep(50);
    sub.disconnect();
  }, 20_000);
});
