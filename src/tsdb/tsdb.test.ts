import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RedisServer,
  sleep,
  startFaultProxy,
  startRedis,
  uniquePrefix,
  waitFor,
} from '../../test/harness/index.ts';
import { loadConfig } from '../config/index.ts';
import { closeRedis, createRedis, Keys, type RedisClient } from '../redis/index.ts';
import { openTsdb, type Tsdb } from './tsdb.ts';

/** A logger whose lines the test can read. */
function capturingLogger() {
  const lines: Array<{ msg: string; level: number }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

describe('openTsdb', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => server?.close());

  async function open(
    prefix: string,
    logger = pino({ level: 'silent' }),
    url = server.url,
  ): Promise<{ tsdb: Tsdb; redis: RedisClient }> {
    const config = loadConfig({
      REDIS_URL: url,
      VITALS_KEY_PREFIX: prefix,
      VITALS_DATA_DIR: mkdtempSync(join(tmpdir(), 'vitals-tsdb-')),
      LOG_LEVEL: 'silent',
    });
    // A fresh request connection, not yet connected: as at server start.
    const redis = createRedis({ config: config.redis, logger }, 'request');
    const tsdb = await openTsdb({ config, redis, keys: new Keys(prefix), logger });
    return { tsdb, redis };
  }

  async function writeOne(prefix: string, t: number): Promise<void> {
    const { tsdb, redis } = await open(prefix);
    try {
      await waitFor(() => redis.status === 'ready');
      const result = await tsdb.writer.write([
        { org: 'o', host: 'h', seriesKeys: ['cpu.usage'], series: [0], timestamps: [t], values: [42] },
      ]);
      expect(result.stored).toBe('redis');
    } finally {
      await tsdb.close();
      await closeRedis(redis);
    }
  }

  it('keeps decoded blocks as configured, and none for a one-shot job', async () => {
    const config = (bytes: string) =>
      loadConfig({
        REDIS_URL: server.url,
        VITALS_DATA_DIR: mkdtempSync(join(tmpdir(), 'vitals-tsdb-')),
        LOG_LEVEL: 'silent',
        VITALS_READ_CACHE_BYTES: '0',
        VITALS_DECODE_CACHE_BYTES: bytes,
      });
    const logger = pino({ level: 'silent' });
    const cases = [
      { config: config('1000000'), decodedBlocks: undefined, want: 1_000_000 },
      { config: config('1000000'), decodedBlocks: false, want: undefined },
      { config: config('0'), decodedBlocks: undefined, want: undefined },
    ];
    for (const c of cases) {
      const redis = createRedis({ config: c.config.redis, logger }, 'request');
      const tsdb = await openTsdb({
        config: c.config,
        redis,
        keys: new Keys(uniquePrefix('decoded')),
        logger,
        decodedBlocks: c.decodedBlocks,
      });
      try {
        expect(tsdb.ctx.decoded?.maxBytes).toBe(c.want);
      } finally {
        await tsdb.close();
        await closeRedis(redis);
      }
    }
  });

  it('reloads the hot tier on a connection that is still connecting when it opens', async () => {
    const prefix = uniquePrefix('reload-connecting');
    const t = Date.now() - 60_000;
    await writeOne(prefix, t);
    // 100 ms each way: the handshake outlasts openTsdb, so the reload starts before the connection is
    // ready (what made it fail with "Stream isn't writeable" at some starts).
    const proxy = await startFaultProxy({ targetPort: server.port });
    proxy.setDelay(100);
    const { tsdb, redis } = await open(prefix, undefined, proxy.url);
    try {
      expect(redis.status).not.toBe('ready');
      await waitFor(() => tsdb.ctx.hot.newest('o', 'h', 'cpu.usage'), { timeoutMs: 5000 });
      expect(tsdb.ctx.hot.newest('o', 'h', 'cpu.usage')).toEqual({ timestamp: t, value: 42 });
    } finally {
      await tsdb.close();
      await closeRedis(redis);
      await proxy.close();
    }
  });

  it('reloads the hot tier once a Redis that was stopped at start-up is started', async () => {
    const prefix = uniquePrefix('reload-late');
    const t = Date.now() - 60_000;
    await writeOne(prefix, t);
    await server.stop();
    const { logger, lines } = capturingLogger();
    const { tsdb, redis } = await open(prefix, logger);
    try {
      await sleep(1500);
      expect(tsdb.ctx.hot.seriesCount).toBe(0);
      await server.restart();
      await waitFor(() => tsdb.ctx.hot.newest('o', 'h', 'cpu.usage'), {
        timeoutMs: 10_000,
        message: 'hot tier reloaded after the start',
      });
      expect(tsdb.ctx.hot.newest('o', 'h', 'cpu.usage')).toEqual({ timestamp: t, value: 42 });
      expect(lines.some((l) => l.msg === 'hot tier reloaded from Redis')).toBe(true);
    } finally {
      await tsdb.close();
      await closeRedis(redis);
    }
  });

  it('stops retrying the reload when it is closed', async () => {
    const prefix = uniquePrefix('reload-closed');
    await server.stop();
    const { logger, lines } = capturingLogger();
    const { tsdb, redis } = await open(prefix, logger);
    try {
      await sleep(300);
      await tsdb.close();
      await server.restart();
      await waitFor(() => redis.status === 'ready', { timeoutMs: 10_000 });
      await sleep(500);
      expect(lines.some((l) => l.msg === 'hot tier reloaded from Redis')).toBe(false);
    } finally {
      await tsdb.close();
      await closeRedis(redis);
    }
  });
});
