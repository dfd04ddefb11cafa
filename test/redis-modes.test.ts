import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.ts';
import {
  CommandTimings,
  closeRedis,
  createRedis,
  deleteKeys,
  endedForGood,
  execGrouped,
  isUnavailable,
  Keys,
  pingMs,
  type RedisClient,
  type Role,
  whenReady,
} from '../src/redis/index.ts';
import { createTsdbContext, tsdbOptions } from '../src/tsdb/context.ts';
import { sealHost } from '../src/tsdb/index.ts';
import { aggregate, latestMany, range } from '../src/tsdb/query/index.ts';
import { openSpool } from '../src/tsdb/spool/index.ts';
import { SampleWriter } from '../src/tsdb/writer.ts';
import {
  SENTINEL_MASTER_NAME,
  startCluster,
  startSentinel,
  type TestCluster,
  type TestSentinel,
  uniquePrefix,
  waitFor,
} from './harness/index.ts';

const logger = pino({ level: 'silent' });

describe('connecting through Sentinel', () => {
  let setup: TestSentinel;
  let client: RedisClient | undefined;
  beforeAll(async () => {
    setup = await startSentinel({ replicas: 1, sentinels: 3 });
  });
  afterAll(async () => {
    if (client) await closeRedis(client);
    await setup?.close();
  });

  it('finds the master from REDIS_SENTINELS and writes to it', async () => {
    const config = loadConfig({
      REDIS_SENTINELS: setup.sentinels.map((s) => `${s.host}:${s.port}`).join(','),
      REDIS_SENTINEL_NAME: SENTINEL_MASTER_NAME,
    });
    client = createRedis({ config: config.redis, logger }, 'request');
    await waitFor(() => client?.status === 'ready', { timeoutMs: 10_000 });
    const key = `${uniquePrefix('sentinel')}k`;
    await client.set(key, 'v');
    expect(await setup.master.client().get(key)).toBe('v');
  });

  // ioredis ends a Sentinel client for good when its connector is closed while it asks a sentinel for
  // the master: a failover detector left from the connection before does that on +switch-master. The
  // client then answered every command with "Connection is closed." until the process restarted.
  it.each<Role>(['request', 'worker'])(
    'connects again when its connector is closed while it resolves the master (%s)',
    async (role) => {
      const config = loadConfig({
        REDIS_SENTINELS: setup.sentinels.map((s) => `${s.host}:${s.port}`).join(','),
        REDIS_SENTINEL_NAME: SENTINEL_MASTER_NAME,
      });
      const c = createRedis({ config: config.redis, logger }, role);
      try {
        await waitFor(() => c.status === 'ready', { timeoutMs: 10_000 });
        const internals = c as unknown as { connector: { disconnect(): void }; stream: { destroy(): void } };
        const statuses: string[] = [];
        c.on('end', () => statuses.push('end'));
        // 'connecting' is emitted a tick after the connector started resolving: close it then.
        c.once('connecting', () => internals.connector.disconnect());
        internals.stream.destroy();
        await waitFor(() => statuses.includes('end'), { timeoutMs: 10_000 });
        // Ended, yet not for good: what waits for the connection waits on.
        expect(endedForGood(c)).toBe(false);
        await whenReady(c, AbortSignal.timeout(10_000));
        expect(c.status).toBe('ready');
        const key = `${uniquePrefix('sentinel-revive')}k`;
        await c.set(key, role);
        expect(await setup.master.client().get(key)).toBe(role);
      } finally {
        await closeRedis(c);
      }
      // Closed by its owner, it stays closed.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(c.status).toBe('end');
      expect(endedForGood(c)).toBe(true);
      await expect(whenReady(c)).rejects.toThrow(/Connection is closed/);
    },
    30_000,
  );
});

describe('connecting through Cluster', () => {
  let cluster: TestCluster;
  let client: RedisClient | undefined;
  beforeAll(async () => {
    cluster = await startCluster({ masters: 3, replicasPerMaster: 1 });
  });
  afterAll(async () => {
    if (client) await closeRedis(client);
    await cluster?.close();
  });

  it('writes hash-tagged keys of many hosts and times every command', async () => {
    const config = loadConfig({
      REDIS_CLUSTER_NODES: cluster.startupNodes.map((n) => `${n.host}:${n.port}`).join(','),
      VITALS_KEY_PREFIX: uniquePrefix('cluster'),
    });
    const timings = new CommandTimings();
    const c = createRedis({ config: config.redis, logger, timings }, 'request');
    client = c;
    await waitFor(() => c.status === 'ready', { timeoutMs: 10_000 });
    const keys = new Keys(config.redis.keyPrefix);
    for (let i = 0; i < 20; i++) {
      const base = keys.host('org1', `host${i}`);
      // Two keys of one host share a slot, so a MULTI over them is allowed on Cluster.
      await c.multi().set(`${base}a`, String(i)).set(`${base}b`, String(i)).exec();
    }
    expect(await c.get(`${keys.host('org1', 'host7')}b`)).toBe('7');
    expect(await pingMs(c, 1000)).toBeGreaterThan(0);
    const stats = timings.snapshot();
    expect(stats.set?.count).toBeGreaterThanOrEqual(40);
    expect(stats.get?.count).toBe(1);
    expect(stats.set?.p99Ms).toBeGreaterThan(0);
    // deleteKeys over keys of 20 slots: one DEL per key, pipelined per slot (one DEL would be CROSSSLOT).
    const doomed = Array.from({ length: 20 }, (_, i) => `${keys.host('org1', `host${i}`)}a`);
    await deleteKeys(c, doomed);
    expect(await Promise.all(doomed.map((k) => c.exists(k)))).toEqual(doomed.map(() => 0));
    expect(await c.get(`${keys.host('org1', 'host7')}b`)).toBe('7');
  });

  it('writes, seals and reads back samples of many hosts through the cluster', async () => {
    const config = loadConfig({
      REDIS_CLUSTER_NODES: cluster.startupNodes.map((n) => `${n.host}:${n.port}`).join(','),
      VITALS_KEY_PREFIX: uniquePrefix('cluster-tsdb'),
    });
    const c = createRedis({ config: config.redis, logger }, 'request');
    const ctx = createTsdbContext(c, new Keys(config.redis.keyPrefix), tsdbOptions(config.storage, '/tmp'));
    const spool = await openSpool({ dir: mkdtempSync(join(tmpdir(), 'vitals-cluster-spool-')) });
    const writer = new SampleWriter(ctx, spool, { logger });
    try {
      await waitFor(() => c.status === 'ready', { timeoutMs: 10_000 });
      const t0 = Date.now() - 5 * 3_600_000;
      const batches = Array.from({ length: 20 }, (_, h) => ({
        org: 'acme',
        host: `host${h}`,
        seriesKeys: ['cpu.usage', 'load.1'],
        series: Array.from({ length: 200 }, (_, i) => i % 2),
        timestamps: Array.from({ length: 200 }, (_, i) => t0 + Math.floor(i / 2) * 60_000),
        values: Array.from({ length: 200 }, (_, i) => h + i / 10),
      }));
      expect((await writer.write(batches)).stored).toBe('redis');
      const sealed = await sealHost(ctx, 'acme', 'host3', { upTo: Date.now() });
      expect(sealed.windows).toBeGreaterThan(0);
      expect(sealed.failures).toEqual([]);
      for (const h of [0, 3, 19]) {
        const got = await range(ctx, 'acme', `host${h}`, ['load.1'], t0, Date.now(), 1000);
        expect(got.get('load.1')?.points.timestamps.length).toBe(100);
      }
      const cold = createTsdbContext(c, new Keys(config.redis.keyPrefix), ctx.options);
      const latest = await latestMany(cold, 'acme', ['host0', 'host3', 'host19']);
      expect(latest.get('host19')?.get('load.1')?.value).toBe(19 + 199 / 10);
      // 40 hours sealed (20 windows): the index and rollup reads go as script calls on the host's slot.
      const t1 = Math.floor((Date.now() - 45 * 3_600_000) / 7_200_000) * 7_200_000;
      const long = {
        org: 'acme',
        host: 'long',
        seriesKeys: ['cpu.usage'],
        series: Array.from({ length: 240 }, () => 0),
        timestamps: Array.from({ length: 240 }, (_, i) => t1 + i * 600_000),
        values: Array.from({ length: 240 }, (_, i) => i),
      };
      expect((await writer.write([long])).stored).toBe('redis');
      expect((await sealHost(ctx, 'acme', 'long', { upTo: Date.now() })).failures).toEqual([]);
      const agg = await aggregate(
        cold,
        'acme',
        'long',
        ['cpu.usage'],
        t1,
        t1 + 40 * 3_600_000 - 1,
        1_800_000,
        'count',
      );
      expect(agg.tiers).toEqual(['1m']);
      expect(Array.from(agg.series.get('cpu.usage')?.values ?? []).reduce((a, b) => a + b, 0)).toBe(240);
    } finally {
      await writer.close();
      await closeRedis(c);
    }
  });

  it('gives request commands on a frozen master their deadline, pipelined ones too', async () => {
    const config = loadConfig({
      REDIS_CLUSTER_NODES: cluster.startupNodes.map((n) => `${n.host}:${n.port}`).join(','),
      REDIS_SOCKET_TIMEOUT: '1000',
    });
    const c = createRedis({ config: config.redis, logger }, 'request');
    const key = `${uniquePrefix('cluster-frozen')}{h}k`;
    const master = await cluster.masterForKey(key);
    try {
      await waitFor(() => c.status === 'ready', { timeoutMs: 10_000 });
      await c.set(key, 'v');
      master.freeze();
      const started = performance.now();
      const [single, pipelined] = await Promise.all([
        c.get(key).catch((err: unknown) => err),
        execGrouped(c, [{ key, add: (p) => p.get(key) }]).catch((err: unknown) => err),
      ]);
      const elapsed = performance.now() - started;
      // Without the deadline these waited for the failover (node timeout 2 s + election) or the thaw.
      expect(elapsed).toBeLessThan(1800);
      expect(String(single)).toContain('Command timed out');
      expect(isUnavailable(single)).toBe(true);
      expect(isUnavailable(pipelined)).toBe(true);
    } finally {
      master.thaw();
      await closeRedis(c);
      await cluster.waitHealthy(30_000);
    }
  });
});
