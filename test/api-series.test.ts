import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis, uniquePrefix } from './harness/index.ts';
import { type ApiEnv, apiEnv } from './support/api.ts';

const NOW = Date.now();

/** Two node_exporter scrapes 15 s apart: 2 CPUs 40 % busy in between, RAM 75 % used, / 60 % full. */
function nodeScrapes() {
  const scrape = (t: number, idle: number, busy: number) => {
    const metrics: Record<string, number> = {
      node_memory_MemAvailable_bytes: 2e9,
      node_memory_MemTotal_bytes: 8e9,
      'node_filesystem_avail_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"}': 40e9,
      'node_filesystem_size_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"}': 100e9,
      'node_filesystem_avail_bytes{device="tmpfs",fstype="tmpfs",mountpoint="/run"}': 0,
      'node_filesystem_size_bytes{device="tmpfs",fstype="tmpfs",mountpoint="/run"}': 1e9,
      node_load1: 0.5,
    };
    for (const cpu of ['0', '1']) {
      metrics[`node_cpu_seconds_total{cpu="${cpu}",mode="idle"}`] = idle;
      metrics[`node_cpu_seconds_total{cpu="${cpu}",mode="user"}`] = busy;
    }
    return { timestamp: t, metrics };
  };
  return [scrape(NOW - 20_000, 1000, 500), scrape(NOW - 5_000, 1009, 506)];
}

describe('the series of a host, and figures derived from other names', () => {
  let redis: RedisServer;
  let env: ApiEnv;
  beforeAll(async () => {
    redis = await startRedis();
    env = await apiEnv(redis.url, uniquePrefix('series'));
    const hosts = [
      { host: 'node-1', snapshots: nodeScrapes() },
      {
        host: 'cache-1',
        snapshots: [
          { timestamp: NOW - 5_000, metrics: { 'redis.memory.used_pct': 42, redis_connected_clients: 3 } },
        ],
      },
    ];
    const res = await env.call('POST', '/api/v1/ingest', { payload: { hosts } });
    expect(res.statusCode).toBe(200);
    expect((await env.call('POST', '/api/v1/hosts', { payload: { id: 'silent' } })).statusCode).toBe(201);
  });
  afterAll(async () => {
    await env?.close();
    await redis?.close();
  });

  it('does list every series sorted by key with its newest timestamp', async () => {
    const body = (await env.call('GET', '/api/v1/hosts/node-1/series')).json();
    expect(body).toMatchObject({ host: 'node-1', total: 11, count: 11 });
    expect(body.next).toBeUndefined();
    const keys = body.series.map((s: { key: string }) => s.key);
    expect(keys).toEqual([...keys].sort());
    expect(body.series[0]).toEqual({
      key: 'node_cpu_seconds_total{cpu="0",mode="idle"}',
      name: 'node_cpu_seconds_total',
      lastTimestamp: NOW - 5_000,
    });
    const none = (await env.call('GET', '/api/v1/hosts/silent/series')).json();
    expect(none).toEqual({ host: 'silent', total: 0, count: 0, series: [] });
  });

  it('does page with limit and after, and filter with match', async () => {
    const first = (await env.call('GET', '/api/v1/hosts/node-1/series?limit=4')).json();
    expect(first).toMatchObject({ total: 11, count: 4 });
    expect(first.next).toBe(first.series[3].key);
    const second = (
      await env.call('GET', `/api/v1/hosts/node-1/series?limit=4&after=${encodeURIComponent(first.next)}`)
    ).json();
    expect(second.series[0].key > first.next).toBe(true);
    expect(second.count).toBe(4);
    const memory = (await env.call('GET', '/api/v1/hosts/node-1/series?match=MEMORY')).json();
    expect(memory.series.map((s: { key: string }) => s.key)).toEqual([
      'node_memory_MemAvailable_bytes',
      'node_memory_MemTotal_bytes',
    ]);
    expect(memory.total).toBe(2);
  });

  it('does answer 404 for an unknown host and 400 naming a bad parameter', async () => {
    expect((await env.call('GET', '/api/v1/hosts/nope/series')).statusCode).toBe(404);
    for (const [query, name] of [
      ['limit=0', 'limit'],
      ['limit=10001', 'limit'],
      ['matches=x', 'matches'],
    ]) {
      const res = await env.call('GET', `/api/v1/hosts/node-1/series?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error.message, query).toContain(name);
    }
  });

  it('does give the overview CPU, memory and root disk of a node_exporter host and Redis memory', async () => {
    const overview = (await env.call('GET', '/api/v1/overview')).json() as {
      hosts: Array<{ id: string; latest: Record<string, unknown> }>;
    };
    const node = overview.hosts.find((h) => h.id === 'node-1');
    // Per CPU 15 s passed, 9 of them idle: 40 % busy.
    expect(node?.latest).toMatchObject({ cpu: 40, memory: 75, disk: 60 });
    const cache = overview.hosts.find((h) => h.id === 'cache-1');
    expect(cache?.latest).toMatchObject({ memory: 42 });
    expect(cache?.latest.cpu).toBeUndefined();
  });
});
