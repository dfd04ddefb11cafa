import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphiteListener } from '../src/ingest/graphite-listener.ts';
import { Keys } from '../src/redis/index.ts';
import { freePort, type RedisServer, startRedis, uniquePrefix, waitFor } from './harness/index.ts';
import { type ApiEnv, apiEnv } from './support/api.ts';
import { graphiteLine, sendGraphite } from './support/graphite-client.ts';
import { headPoints } from './support/tsdb.ts';

/**
 * Graphite plaintext over real TCP into a full server runtime on a real Redis: lines in exactly the
 * formats collectd's write_graphite and Telegraf's graphite output send by default, read back through
 * the REST API.
 */

const DEADLINE_MS = 1000;

async function graphiteEnv(redis: RedisServer, env: Record<string, string> = {}) {
  const port = await freePort();
  const api = await apiEnv(redis.url, uniquePrefix('graphite'), {
    VITALS_GRAPHITE_PORT: String(port),
    REDIS_SOCKET_TIMEOUT: String(DEADLINE_MS),
    REDIS_CONNECT_TIMEOUT: String(DEADLINE_MS),
    ...env,
  });
  await api.runtime.listen();
  const listener = api.runtime.graphite as GraphiteListener;
  expect(listener).toBeDefined();
  return { api, listener, address: { host: '127.0.0.1', port } };
}

async function latest(api: ApiEnv, host: string): Promise<Record<string, unknown>> {
  const res = await api.call('GET', `/api/v1/hosts/${host}/metrics/latest`);
  if (res.statusCode !== 200) return {};
  return Object.fromEntries(
    res.json().metrics.map((m: { series: string; value: unknown }) => [m.series, m.value]),
  );
}

/** Points of a host read straight from Redis. */
async function stored(api: ApiEnv, redis: RedisServer, host: string): Promise<Map<string, number[]>> {
  const points = await headPoints(redis.client(), new Keys(api.runtime.keys.prefix), 'default', host);
  return new Map([...points].map(([k, p]) => [k, [...p.timestamps]]));
}

describe('Graphite plaintext listener', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => redis?.close());

  it('is off unless VITALS_GRAPHITE_PORT is set', async () => {
    const api = await apiEnv(redis.url, uniquePrefix('graphite-off'));
    try {
      expect(api.runtime.graphite).toBeUndefined();
    } finally {
      await api.close();
    }
  });

  it("stores collectd's and Telegraf's default lines and Graphite 1.1 tags, queryable through the API", async () => {
    const { api, listener, address } = await graphiteEnv(redis);
    try {
      const t = Math.floor(Date.now() / 1000) - 5;
      await sendGraphite(address, [
        // collectd write_graphite, no Prefix: <host>.<plugin>[-<instance>].<type>[-<instance>]
        `db1_example_com.cpu-0.cpu-idle 98.5 ${t}\n`,
        `db1_example_com.load.load.shortterm 0.25 ${t}\n`,
        // Telegraf outputs.graphite, default template host.tags.measurement.field
        `tg1.cpu-total.cpu.usage_idle 97.25 ${t}\n`,
        `tg1.mem.used_percent 41.5 ${t}.5\n`,
        // Telegraf with graphite_tag_support = true
        `disk.used_percent;device=sda1;fstype=ext4;host=tg2;path=/ 63 ${t}\n`,
      ]);
      await listener.settled(5, 10_000);
      expect(listener.stats()).toMatchObject({ stored: 5, dropped: 0 });
      expect(await latest(api, 'db1_example_com')).toEqual({
        'cpu_0.cpu_idle': 98.5,
        'load.load.shortterm': 0.25,
      });
      expect(await latest(api, 'tg1')).toEqual({
        'cpu_total.cpu.usage_idle': 97.25,
        'mem.used_percent': 41.5,
      });
      expect(await latest(api, 'tg2')).toEqual({
        'disk.used_percent{device="sda1",fstype="ext4",path="/"}': 63,
      });
      const range = await api.call(
        'GET',
        `/api/v1/hosts/tg1/metrics/range?startTime=${(t - 10) * 1000}&endTime=${(t + 10) * 1000}&metrics=mem.used_percent`,
      );
      expect(range.statusCode).toBe(200);
      expect(JSON.stringify(range.json())).toContain(String(t * 1000 + 500));
      // The unknown hosts were registered.
      expect((await api.call('GET', '/api/v1/hosts/tg2')).statusCode).toBe(200);
    } finally {
      await api.close();
    }
  });

  it('skips and counts bad lines while the good lines of the same batch land; /metrics shows the counts', async () => {
    const { api, listener, address } = await graphiteEnv(redis);
    try {
      const t = Math.floor(Date.now() / 1000) - 5;
      await sendGraphite(address, [
        `web1.good.a 1 ${t}\n`,
        'not a graphite line at all\n',
        `web1.good.b notanumber ${t}\n`,
        `web1.good.c 3 ${t * 1000}\n`, // milliseconds by mistake: far in the future
        `web1.good.d nan ${t}\n`,
        `web1.good.e 5 ${t}\n`,
      ]);
      const stats = await listener.settled(6, 10_000);
      expect(stats).toMatchObject({ stored: 2, nan: 1 });
      expect(stats.refused).toMatchObject({ format: 1, value: 1, timestamp: 1 });
      expect(await latest(api, 'web1')).toEqual({ 'good.a': 1, 'good.e': 5 });
      const metrics = (await api.call('GET', '/metrics')).body;
      expect(metrics).toContain('vitals_graphite_lines_total{outcome="stored"} 2');
      expect(metrics).toContain('vitals_graphite_refused_lines_total{reason="timestamp"} 1');
    } finally {
      await api.close();
    }
  });

  it('closes a connection that sends a line longer than VITALS_GRAPHITE_MAX_LINE_BYTES, and serves the next', async () => {
    const { api, listener, address } = await graphiteEnv(redis, { VITALS_GRAPHITE_MAX_LINE_BYTES: '512' });
    try {
      const t = Math.floor(Date.now() / 1000) - 5;
      const closed = await new Promise<boolean>((resolve) => {
        const socket = connect(address);
        socket.on('error', () => undefined);
        socket.on('close', () => resolve(true));
        socket.on('connect', () => {
          socket.write(`big.before 1 ${t}\n`);
          // No newline, and never ending: only the server can close it.
          socket.write('big.'.padEnd(2000, 'x'));
        });
      });
      expect(closed).toBe(true);
      const stats = await listener.settled(2, 10_000);
      expect(stats.refused.too_long).toBe(1);
      await sendGraphite(address, [`big.after 2 ${t}\n`]);
      await listener.settled(3, 10_000);
      expect(await latest(api, 'big')).toEqual({ before: 1, after: 2 });
    } finally {
      await api.close();
    }
  });

  it('keeps serving while Redis is stopped, and everything lands once it is back', async () => {
    const { api, listener, address } = await graphiteEnv(redis);
    const t0 = Math.floor(Date.now() / 1000) - 30;
    try {
      await sendGraphite(address, [`out1.m 1 ${t0}\n`]);
      await listener.settled(1, 10_000);
      await redis.stop();
      try {
        // Known and new series, on a new host too, while Redis is away: spooled by the writer.
        await sendGraphite(address, [`out1.m 2 ${t0 + 1}\n`, `out1.n 3 ${t0 + 1}\n`, `out2.m 4 ${t0 + 1}\n`]);
        await listener.settled(4, 20_000);
        expect(listener.stats().dropped).toBe(0);
        // A connection opened during the outage is served as well.
        await sendGraphite(address, [`out1.m 5 ${t0 + 2}\n`]);
        await listener.settled(5, 20_000);
        // They went to the writer's disk spool, not to Redis.
        expect(api.runtime.tsdb.writer.stats().spooledSamples).toBe(4);
      } finally {
        await redis.restart();
      }
      await sendGraphite(address, [`out1.m 6 ${t0 + 3}\n`]);
      await listener.settled(6, 20_000);
      expect(listener.stats()).toMatchObject({ stored: 6, dropped: 0 });
      await waitFor(() => api.runtime.tsdb.writer.stats().spoolBytes === 0, {
        timeoutMs: 20_000,
        message: 'spool replayed',
      });
      await api.runtime.tsdb.writer.flush();
      // Every line exactly once.
      const ms = (s: number) => s * 1000;
      expect(Object.fromEntries(await stored(api, redis, 'out1'))).toEqual({
        m: [ms(t0), ms(t0 + 1), ms(t0 + 2), ms(t0 + 3)],
        n: [ms(t0 + 1)],
      });
      expect(Object.fromEntries(await stored(api, redis, 'out2'))).toEqual({ m: [ms(t0 + 1)] });
      await waitFor(async () => (await api.call('GET', '/api/v1/hosts/out2')).statusCode === 200, {
        timeoutMs: 15_000,
        message: 'out2 registered once Redis answered',
      });
    } finally {
      await api.close();
    }
  }, 90_000);

  it('on shutdown pushes what its connections hold before the writer closes', async () => {
    const { api, listener, address } = await graphiteEnv(redis);
    const prefix = api.runtime.keys.prefix;
    const t = Math.floor(Date.now() / 1000) - 5;
    const socket = connect(address);
    socket.on('error', () => undefined);
    await new Promise((r) => socket.on('connect', r));
    // Fewer lines than a batch, and the connection left open: only the shutdown pushes them.
    socket.write(`bye.m 1 ${t}\nbye.m 2 ${t + 1}\n`);
    await waitFor(() => listener.stats().accepted === 2, { timeoutMs: 5000, message: 'lines read' });
    await api.close();
    expect(listener.stats()).toMatchObject({ stored: 2, connections: 0 });
    const points = await headPoints(redis.client(), new Keys(prefix), 'default', 'bye');
    expect([...(points.get('m')?.values ?? [])]).toEqual([1, 2]);
  });

  it('sends a fleet over one connection with the client helper', async () => {
    const { api, listener, address } = await graphiteEnv(redis);
    try {
      const t = Date.now() - 60_000;
      const lines = function* () {
        for (let s = 0; s < 20; s++)
          for (let h = 0; h < 50; h++)
            yield graphiteLine({
              host: `fleet-${h}`,
              name: 'cpu.usage',
              labels: { core: '0' },
              timestamp: t + s * 1000,
              value: s,
            });
      };
      const sent = await sendGraphite(address, lines());
      expect(sent.lines).toBe(1000);
      await listener.settled(1000, 20_000);
      expect(listener.stats().stored).toBe(1000);
      expect(await latest(api, 'fleet-49')).toEqual({ 'cpu.usage{core="0"}': 19 });
    } finally {
      await api.close();
    }
  });
});

const COLLECTD_BIN = '/usr/sbin/collectd';

function collectdAvailable(): boolean {
  try {
    accessSync(COLLECTD_BIN, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The real collectd (Debian package `collectd`), when installed: its write_graphite with no Prefix. */
describe.skipIf(!collectdAvailable())('collectd write_graphite', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => redis?.close());

  it('stores what a real collectd sends with its default naming', async () => {
    const { api, address } = await graphiteEnv(redis);
    const dir = mkdtempSync(join(tmpdir(), 'vitals-collectd-'));
    const conf = join(dir, 'collectd.conf');
    writeFileSync(
      conf,
      [
        'Hostname "collectd-test"',
        'FQDNLookup false',
        'Interval 1',
        `BaseDir "${dir}"`,
        `PIDFile "${join(dir, 'collectd.pid')}"`,
        'LoadPlugin load',
        'LoadPlugin memory',
        'LoadPlugin cpu',
        'LoadPlugin write_graphite',
        '<Plugin write_graphite>',
        '  <Node "vitals">',
        '    Host "127.0.0.1"',
        `    Port "${address.port}"`,
        '    Protocol "tcp"',
        '  </Node>',
        '</Plugin>',
        '',
      ].join('\n'),
    );
    const child = spawn(COLLECTD_BIN, ['-f', '-C', conf], { stdio: 'ignore' });
    try {
      await waitFor(async () => 'load.load.shortterm' in (await latest(api, 'collectd-test')), {
        timeoutMs: 60_000,
        message: 'collectd load series stored',
      });
    } finally {
      child.kill('SIGTERM');
      await api.close();
    }
  }, 90_000);
});
