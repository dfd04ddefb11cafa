import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInfo, type RedisServer, startRedis, uniquePrefix, waitFor } from '../../test/harness/index.ts';
import { Keys } from '../redis/index.ts';
import { createTsdbContext } from './context.ts';
import { TEST_OPTIONS } from './query/test-support.ts';
import { openSpool } from './spool/index.ts';
import { SampleWriter } from './writer.ts';

const silent = pino({ level: 'silent' });

describe('VITALS_DURABLE_REPLICAS: flushes wait for replicas before durable writes are acknowledged', () => {
  let master: RedisServer;
  let replica: RedisServer;
  let admin: Redis;

  beforeAll(async () => {
    master = await startRedis();
    replica = await startRedis({ args: ['--replicaof', master.host, String(master.port)] });
    const probe = replica.client();
    await waitFor(async () => parseInfo(await probe.info('replication')).get('master_link_status') === 'up', {
      timeoutMs: 20_000,
      message: 'replica link up',
    });
    probe.disconnect();
    admin = master.client();
  });
  afterAll(async () => {
    admin?.disconnect();
    await replica?.close();
    await master?.close();
  });

  async function writerWith(count: number) {
    const dir = mkdtempSync(join(tmpdir(), 'vitals-replicas-'));
    const keys = new Keys(uniquePrefix('replicas'));
    const options = {
      ...TEST_OPTIONS,
      flushIntervalMs: 5,
      spoolDir: dir,
      durableReplicas: { count, timeoutMs: 1000 },
    };
    const ctx = createTsdbContext(master.client(), keys, options);
    const spool = await openSpool({ dir });
    const writer = new SampleWriter(ctx, spool, { logger: silent, replayIntervalMs: 100 });
    const write = (host: string, t: number) =>
      writer.write(
        [{ org: 'o', host, seriesKeys: ['a'], series: [0], timestamps: [t], values: [1.5] }],
        'durable',
      );
    return { ctx, keys, writer, spool, write };
  }

  const waits = async () =>
    Number(
      parseInfo(await admin.info('commandstats'))
        .get('cmdstat_wait')
        ?.match(/calls=(\d+)/)?.[1] ?? 0,
    );

  it('does acknowledge from Redis once the replica has the writes, and read them on the replica', async () => {
    const { keys, writer, write } = await writerWith(1);
    const before = await waits();
    // The writer's own connection may still be connecting for the first flush (which then goes to the
    // spool): write until one is acknowledged from Redis.
    let t = Date.now();
    await waitFor(
      async () => {
        t += 1;
        return (await write('h1', t)).stored === 'redis';
      },
      { timeoutMs: 10_000, intervalMs: 50, message: 'a write acknowledged from Redis' },
    );
    expect(await waits()).toBeGreaterThan(before);
    // WAIT returned 1: the replica holds the head already, without waiting for it.
    expect(await replica.client().exists(keys.head('o', 'h1', t - (t % 7_200_000)))).toBe(1);
    await writer.close();
  });

  it('does spool a flush the replica does not confirm in time, and replay it once the replica is back', async () => {
    const { ctx, keys, writer, spool, write } = await writerWith(1);
    const t0 = Date.now() - 1000;
    await waitFor(async () => (await write('h2', t0)).stored === 'redis', {
      timeoutMs: 10_000,
      intervalMs: 50,
      message: 'the writer connected',
    });
    replica.freeze();
    try {
      const t = Date.now();
      const result = await write('h2', t);
      expect(result.stored).toBe('spool');
      // The master has the writes all the same: only the acknowledgement waited for the replica.
      expect(await ctx.redis.exists(keys.head('o', 'h2', t - (t % 7_200_000)))).toBe(1);
    } finally {
      replica.thaw();
    }
    const replayed = async () => {
      await writer.replaySpool().catch(() => undefined);
      return spool.isEmpty();
    };
    await waitFor(replayed, {
      timeoutMs: 20_000,
      intervalMs: 200,
      message: 'spool replayed once the replica answers',
    });
    await writer.close();
  });

  it('does send no WAIT when VITALS_DURABLE_REPLICAS is 0', async () => {
    const { writer, write } = await writerWith(0);
    const before = await waits();
    // Without durable replicas flushes share the request connection, which is connected already.
    expect((await write('h3', Date.now())).stored).toBe('redis');
    expect(await waits()).toBe(before);
    await writer.close();
  });
});
