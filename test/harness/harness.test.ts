import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type FaultProxy,
  type RedisServer,
  startCluster,
  startFaultProxy,
  startRedis,
  startSentinel,
  uniquePrefix,
  waitFor,
} from './index.ts';

const cleanups: (() => Promise<void>)[] = [];
function later<T extends { close(): Promise<void> }>(resource: T): T {
  cleanups.push(() => resource.close());
  return resource;
}
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

describe('startRedis', () => {
  it('does keep AOF data when the server is restarted after a kill', async () => {
    const server = later(await startRedis());
    const key = `${uniquePrefix('aof')}k`;
    const client = server.client();
    // The AOF is written before the reply is sent; only an OS crash would need the fsync.
    await client.set(key, 'kept');
    const { port, dir } = server;
    await server.kill();
    await server.restart();
    expect([server.port, server.dir]).toEqual([port, dir]);
    expect(await server.client().get(key)).toBe('kept');
  });

  it('does time out a command when frozen and answer again when thawed', async () => {
    const server = later(await startRedis({ appendonly: false }));
    const client = server.client({ commandTimeout: 300, maxRetriesPerRequest: 1 });
    await client.ping();
    server.freeze();
    await expect(client.ping()).rejects.toThrow(/timed out/i);
    server.thaw();
    await waitFor(async () => (await client.ping()) === 'PONG', { timeoutMs: 5000 });
  });

  it('does reject with the log tail when the server cannot start', async () => {
    await expect(startRedis({ args: ['--no-such-directive', 'x'] })).rejects.toThrow(/Bad directive/);
  });

  it('does remove its directory when closed twice', async () => {
    const server = await startRedis({ appendonly: false });
    await Promise.all([server.close(), server.close()]);
    expect(existsSync(server.dir)).toBe(false);
    expect(server.running).toBe(false);
  });
});

describe('startFaultProxy', () => {
  let server: RedisServer;
  let proxy: FaultProxy;
  async function setUp() {
    server = later(await startRedis({ appendonly: false }));
    proxy = later(await startFaultProxy({ targetPort: server.port }));
  }

  it('does add latency when a delay is set', async () => {
    await setUp();
    const client = server.client({ port: proxy.port });
    await client.ping();
    proxy.setDelay(100);
    const started = Date.now();
    await client.ping();
    expect(Date.now() - started).toBeGreaterThanOrEqual(190); // 100 ms each way
  });

  it('does hold replies when frozen and deliver them when thawed', async () => {
    await setUp();
    const client = server.client({ port: proxy.port });
    await client.ping();
    proxy.freeze();
    const reply = client.ping();
    const raced = await Promise.race([reply, new Promise((resolve) => setTimeout(resolve, 300, 'silent'))]);
    expect(raced).toBe('silent');
    proxy.thaw();
    expect(await reply).toBe('PONG');
  });

  it('does cut connections when dropped and reset new ones when refusing', async () => {
    await setUp();
    const client = server.client({ port: proxy.port, retryStrategy: () => null });
    await client.ping();
    const ended = new Promise((resolve) => client.once('end', resolve));
    proxy.drop();
    await ended;
    proxy.refuse(true);
    const refused = server.client({ port: proxy.port, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    await expect(refused.ping()).rejects.toThrow();
  });
});

describe('startCluster', () => {
  it('does accept writes to keys in different slots when used through a Cluster client', async () => {
    const cluster = later(await startCluster());
    expect(cluster.masters()).toHaveLength(3);
    expect(cluster.replicas()).toHaveLength(3);
    const client = cluster.client();
    const prefix = uniquePrefix('cluster');
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => `${prefix}${name}`);
    await Promise.all(keys.map((key) => client.set(key, key)));
    expect(await Promise.all(keys.map((key) => client.get(key)))).toEqual(keys);
    const owners = await Promise.all(keys.map((key) => cluster.masterForKey(key)));
    expect(new Set(owners.map((node) => node.port)).size).toBeGreaterThan(1);
  });
  it('does promote a replica and serve the key again when its master is killed', async () => {
    const cluster = later(await startCluster());
    const client = cluster.client({ slotsRefreshInterval: 1000 });
    const key = `${uniquePrefix('cluster-failover')}k`;
    await client.set(key, 'before');
    const victim = await cluster.masterForKey(key);
    await victim.kill();
    const promoted = await waitFor(
      async () => {
        const node = await cluster.masterForKey(key);
        return node.port !== victim.port && node;
      },
      { timeoutMs: 15_000, intervalMs: 200, message: 'a replica to take over the slot' },
    );
    await cluster.waitHealthy();
    expect(promoted.role).toBe('master');
    await waitFor(async () => (await client.set(key, 'after')) === 'OK', { timeoutMs: 10_000 });
    expect(await client.get(key)).toBe('after');
  });
});

describe('startSentinel', () => {
  it('does resolve the master and follow a failover when the master is killed', async () => {
    const setup = later(await startSentinel());
    const client = setup.client({ sentinelRetryStrategy: () => 100 });
    const key = `${uniquePrefix('sentinel')}k`;
    await client.set(key, 'before');
    expect(await setup.currentMaster()).toEqual({ host: setup.master.host, port: setup.master.port });
    await client.wait(1, 1000); // the replica has the write before the master dies
    await setup.master.kill();
    const promoted = await setup.waitForFailover();
    expect(promoted.port).toBe(setup.replicas[0]?.port);
    await waitFor(async () => (await client.get(key)) === 'before', { timeoutMs: 10_000 });
  });
});
