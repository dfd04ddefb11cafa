import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, Keys, type RedisClient } from '../src/redis/index.ts';
import { type HostChange, RedisTenancy, type RedisTenancyOptions } from '../src/tenancy/index.ts';
import { type RedisServer, startRedis, uniquePrefix, waitFor } from './harness/index.ts';
import { testConfig } from './support/config.ts';

const silent = pino({ level: 'silent' });

describe('tenancy hosts against a real Redis', () => {
  let server: RedisServer;
  let client: RedisClient;

  function tenancy(prefix: string, options: Partial<RedisTenancyOptions> = {}): RedisTenancy {
    return new RedisTenancy({ redis: client, keys: new Keys(prefix), ...options });
  }

  beforeAll(async () => {
    server = await startRedis();
    client = createRedis({ config: testConfig({ REDIS_URL: server.url }).redis, logger: silent }, 'request');
    await waitFor(() => client.status === 'ready', { timeoutMs: 5000 });
  });
  afterAll(async () => {
    client?.disconnect();
    await server?.close();
  });

  describe('with one tenancy per test', () => {
    let prefix: string;
    let t: RedisTenancy;
    let changes: HostChange[];

    const fresh = (options: Partial<RedisTenancyOptions> = {}) => {
      prefix = uniquePrefix('hosts');
      t = tenancy(prefix, options);
      changes = [];
      t.onHostChange((c) => changes.push(c));
      return t;
    };

    it('fills in every default when a host is created with only its id', async () => {
      const host = await fresh().createHost('a', { id: 'web-1' });
      expect(host).toEqual({
        id: 'web-1',
        name: 'web-1',
        labels: {},
        metricsEnabled: true,
        metricsInterval: 900,
        collector: { kind: 'push', settings: {} },
        thresholds: { cpu: 90, memory: 95, disk: 90 },
        createdAt: expect.any(Number),
        updatedAt: host.createdAt,
      });
      expect(await t.getHost('a', 'web-1')).toEqual(host);
    });

    it('throws conflict when the host id exists in the org, and not when it exists in another org', async () => {
      await fresh().createHost('a', { id: 'web-1' });
      await expect(t.createHost('a', { id: 'web-1' })).rejects.toMatchObject({ reason: 'conflict' });
      await expect(t.createHost('b', { id: 'web-1', name: 'theirs' })).resolves.toMatchObject({
        name: 'theirs',
      });
      expect((await t.getHost('a', 'web-1'))?.name).toBe('web-1');
    });

    it("keeps one org's hosts out of another's reach when ids are the same or different", async () => {
      await fresh().createHost('a', { id: 'db-1' });
      expect(await t.getHost('b', 'db-1')).toBeUndefined();
      expect(await t.listHosts('b')).toEqual([]);
      await expect(t.updateHost('b', 'db-1', { name: 'x' })).rejects.toMatchObject({ reason: 'not_found' });
      await expect(t.deleteHost('b', 'db-1')).rejects.toMatchObject({ reason: 'not_found' });
      expect((await t.listHosts('a')).map((h) => h.id)).toEqual(['db-1']);
    });

    it('merges thresholds, replaces labels and bumps updatedAt when a host is patched', async () => {
      let now = 1000;
      fresh({ now: () => now });
      await t.createHost('a', { id: 'h', labels: { role: 'web', dc: 'x' }, thresholds: { cpu: 80 } });
      now = 2000;
      const next = await t.updateHost('a', 'h', { labels: { role: 'db' }, thresholds: { disk: 70 } });
      expect(next).toMatchObject({ labels: { role: 'db' }, thresholds: { cpu: 80, memory: 95, disk: 70 } });
      expect(next).toMatchObject({ createdAt: 1000, updatedAt: 2000 });
    });

    it('applies every one of three concurrent updates when they change different fields', async () => {
      await fresh().createHost('a', { id: 'h' });
      await Promise.all([
        t.updateHost('a', 'h', { name: 'renamed' }),
        t.updateHost('a', 'h', { metricsInterval: 60 }),
        t.updateHost('a', 'h', { metricsEnabled: false }),
      ]);
      expect(await t.getHost('a', 'h')).toMatchObject({
        name: 'renamed',
        metricsInterval: 60,
        metricsEnabled: false,
      });
    });

    it('throws invalid naming the field and stores nothing when host input is bad', async () => {
      fresh();
      const cases: [unknown, RegExp][] = [
        [{ id: 'bad id' }, /^id: /],
        [{ id: 'h', metricsInterval: 5 }, /^metricsInterval: /],
        [{ id: 'h', thresholds: { cpu: 101 } }, /^thresholds\.cpu: /],
        [{ id: 'h', labels: { 'bad-name': 'x' } }, /^labels\.bad-name: /],
        [{ id: 'h', collector: { kind: 'telnet' } }, /^collector\.kind: /],
        [{ id: 'h', colour: 'red' }, /^colour: is not a known field/],
        [
          { id: 'h', collector: { kind: 'ssh', settings: { password: '***' } } },
          /^collector\.settings\.password: /,
        ],
      ];
      for (const [input, message] of cases) {
        await expect(t.createHost('a', input as never)).rejects.toThrow(message);
      }
      expect(await t.listHosts('a')).toEqual([]);
      expect(changes).toEqual([]);
    });

    it('tells listeners about created, updated and deleted hosts, and not about no-op patches', async () => {
      fresh();
      await t.createHost('a', { id: 'h' });
      await t.updateHost('a', 'h', { metricsInterval: 60 });
      await t.updateHost('a', 'h', { metricsInterval: 60 });
      await t.deleteHost('a', 'h');
      expect(changes.map((c) => [c.type, c.org, c.host.id])).toEqual([
        ['created', 'a', 'h'],
        ['updated', 'a', 'h'],
        ['deleted', 'a', 'h'],
      ]);
      const updated = changes[1];
      expect(updated?.type === 'updated' && updated.previous.metricsInterval).toBe(900);
    });

    it('completes the change when a listener throws', async () => {
      fresh({ logger: silent }).onHostChange(() => {
        throw new Error('listener bug');
      });
      await expect(t.createHost('a', { id: 'h' })).resolves.toMatchObject({ id: 'h' });
      expect(changes).toHaveLength(1);
    });

    it('stops telling a listener once it is removed', async () => {
      const seen: string[] = [];
      const remove = fresh().onHostChange((c) => seen.push(c.type));
      await t.createHost('a', { id: 'h1' });
      remove();
      await t.createHost('a', { id: 'h2' });
      expect(seen).toEqual(['created']);
    });

    it('registers an unknown host once on push and answers from memory afterwards', async () => {
      fresh();
      expect(await t.ensureHost('a', 'agent-1', { name: 'Agent 1', labels: { os: 'linux' } })).toBe(
        'created',
      );
      expect(await t.getHost('a', 'agent-1')).toMatchObject({ name: 'Agent 1', labels: { os: 'linux' } });
      expect(await t.ensureHost('a', 'agent-1')).toBe('existing');
      // Removed behind the service's back: the in-memory answer shows no Redis call was made.
      await client.hdel(new Keys(prefix).orgHosts('a'), 'agent-1');
      expect(await t.ensureHost('a', 'agent-1')).toBe('existing');
      // Answered from memory: the host removed behind Vitals' back was not registered again.
      expect(await client.hexists(new Keys(prefix).orgHosts('a'), 'agent-1')).toBe(0);
      expect(changes.map((c) => c.type)).toEqual(['created']);
    });

    it('registers the host again after the known-host lifetime when it was deleted elsewhere', async () => {
      let now = 0;
      fresh({ now: () => now, hosts: { cacheTtlMs: 1000 } });
      await t.ensureHost('a', 'agent-1');
      await client.hdel(new Keys(prefix).orgHosts('a'), 'agent-1');
      now = 1001;
      expect(await t.ensureHost('a', 'agent-1')).toBe('created');
    });

    it('refuses an unknown host on push when auto-registration is off', async () => {
      fresh({ hosts: { autoRegister: false } });
      expect(await t.ensureHost('a', 'agent-1')).toBe('refused');
      expect(await t.listHosts('a')).toEqual([]);
      await t.createHost('a', { id: 'agent-1' });
      expect(await t.ensureHost('a', 'agent-1')).toBe('existing');
    });

    it('throws invalid when a push names a host id that is not allowed', async () => {
      await expect(fresh().ensureHost('a', 'no/slashes')).rejects.toMatchObject({ reason: 'invalid' });
    });
  });
});
