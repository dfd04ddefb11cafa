import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keys } from '../src/redis/index.ts';
import type { StoredIn } from '../src/tsdb/options.ts';
import { type RedisServer, sleep, startRedis, uniquePrefix, waitFor } from './harness/index.ts';
import { headPoints, testTsdb } from './support/tsdb.ts';

const root = new URL('..', import.meta.url).pathname;

describe('degraded mode', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => redis?.close());

  it('spools while Redis is down and replays every acknowledged sample exactly once', async () => {
    const prefix = uniquePrefix('outage');
    const db = await testTsdb(
      redis.url,
      prefix,
      { VITALS_FLUSH_INTERVAL_MS: '10' },
      { breakerHalfOpenMs: 300, replayIntervalMs: 100 },
    );
    const acked = new Map<number, StoredIn>();
    let maxPending = 0;
    let running = true;
    const base = Date.now() - 3_600_000;
    const loop = (async () => {
      for (let i = 0; running; i++) {
        const t = base + i * 1000;
        const result = await db.writer.write([
          {
            org: 'acme',
            host: 'h',
            seriesKeys: ['cpu.usage', 'net.rx_bps{iface="eth0"}'],
            series: [0, 1],
            timestamps: [t, t],
            values: [i % 100, i * 1.5],
          },
        ]);
        acked.set(t, result.stored);
        maxPending = Math.max(maxPending, db.writer.stats().pendingSamples);
        await sleep(5);
      }
    })();
    try {
      await waitFor(() => acked.size >= 20, { timeoutMs: 5000 });
      await redis.stop();
      await waitFor(() => [...acked.values()].filter((s) => s === 'spool').length >= 30, {
        timeoutMs: 10_000,
        message: 'spooled acks',
      });
      expect(db.writer.stats().spoolBytes).toBeGreaterThan(0);
      await redis.restart();
      await waitFor(() => [...acked.values()].slice(-5).every((s) => s === 'redis'), {
        timeoutMs: 10_000,
        message: 'writes back on Redis',
      });
      running = false;
      await loop;
      await waitFor(() => db.writer.stats().spoolBytes === 0, {
        timeoutMs: 10_000,
        message: 'spool replayed',
      });
    } finally {
      running = false;
      await loop;
      await db.close();
    }
    const points = await headPoints(redis.client(), new Keys(prefix), 'acme', 'h');
    const expected = [...acked.keys()].sort((a, b) => a - b);
    for (const key of ['cpu.usage', 'net.rx_bps{iface="eth0"}']) {
      expect([...(points.get(key)?.timestamps ?? [])]).toEqual(expected);
    }
    // Durable writers wait for each flush, so the buffer never holds more than one in-flight batch.
    expect(maxPending).toBeLessThanOrEqual(2);
  });

  it('answers every write within the deadline while Redis is frozen, is back on Redis within seconds of the thaw, and keeps every sample once', async () => {
    const prefix = uniquePrefix('freeze');
    // Server defaults: REDIS_SOCKET_TIMEOUT 2000 (the request deadline), breaker probes 500 ms → 4 s.
    const db = await testTsdb(redis.url, prefix, { VITALS_FLUSH_INTERVAL_MS: '10' });
    const writes: Array<{ host: string; t: number; startedAt: number; ms: number; stored: StoredIn }> = [];
    let running = true;
    const base = Date.now() - 3_600_000;
    const writerLoop = async (host: string) => {
      for (let i = 0; running; i++) {
        const t = base + i * 1000;
        const startedAt = performance.now();
        const result = await db.writer.write([
          {
            org: 'acme',
            host,
            seriesKeys: ['cpu.usage', `disk.used{mount="/${i % 3}"}`],
            series: [0, 1],
            timestamps: [t, t],
            values: [i % 100, i * 0.25],
          },
        ]);
        writes.push({ host, t, startedAt, ms: performance.now() - startedAt, stored: result.stored });
        await sleep(20);
      }
    };
    const loops = Promise.all([writerLoop('f1'), writerLoop('f2')]);
    let frozenAt = 0;
    let thawedAt = 0;
    let backAt = 0;
    try {
      await waitFor(() => writes.length >= 20, { timeoutMs: 5000 });
      frozenAt = performance.now();
      redis.freeze();
      await sleep(8000);
      thawedAt = performance.now();
      redis.thaw();
      const back = await waitFor(
        () =>
          writes.find(
            (w) => w.startedAt > thawedAt && w.stored === 'redis' && db.writer.stats().breaker === 'closed',
          ),
        { timeoutMs: 15_000, message: 'writes back on Redis' },
      );
      backAt = back.startedAt + back.ms;
      await sleep(500);
      running = false;
      await loops;
      await waitFor(() => db.writer.stats().spoolBytes === 0, {
        timeoutMs: 10_000,
        message: 'spool replayed',
      });
    } finally {
      redis.thaw();
      running = false;
      await loops;
      await db.close();
    }
    const during = writes.filter((w) => w.startedAt >= frozenAt && w.startedAt < thawedAt);
    const slowest = Math.max(...during.map((w) => w.ms));
    const spooled = during.filter((w) => w.stored === 'spool').length;
    console.info(
      `freeze 8 s: ${during.length} writes during it, slowest ${Math.round(slowest)} ms, ${spooled} spooled; ` +
        `back on Redis ${Math.round(backAt - thawedAt)} ms after the thaw`,
    );
    // No write waits out the freeze: each one resolves within the deadline plus a flush.
    expect(during.length).toBeGreaterThan(20);
    expect(slowest).toBeLessThan(4000);
    // Every write that began with Redis frozen and ended before the thaw went to the spool.
    const endedFrozen = during.filter((w) => w.startedAt + w.ms < thawedAt);
    expect(endedFrozen.every((w) => w.stored === 'spool')).toBe(true);
    expect(backAt - thawedAt).toBeLessThan(5000);
    // Every acknowledged sample is in Redis, once, as readers see it.
    for (const host of ['f1', 'f2']) {
      const points = await headPoints(redis.client(), new Keys(prefix), 'acme', host);
      const expected = writes
        .filter((w) => w.host === host)
        .map((w) => w.t)
        .sort((a, b) => a - b);
      expect([...(points.get('cpu.usage')?.timestamps ?? [])]).toEqual(expected);
      const disk = ['0', '1', '2'].flatMap((m) => [
        ...(points.get(`disk.used{mount="/${m}"}`)?.timestamps ?? []),
      ]);
      expect(disk.sort((a, b) => a - b)).toEqual(expected);
    }
  });

  it('keeps every acknowledged sample when the process is killed with -9 while Redis is down', async () => {
    const prefix = uniquePrefix('kill9');
    const dataDir = mkdtempSync(join(tmpdir(), 'vitals-kill9-'));
    await redis.stop();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(root, 'test/support/writer-child.ts'), redis.url, prefix, dataDir],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const acked: number[] = [];
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) {
        const m = /^ack (\d+) (\w+)$/.exec(line);
        if (m) acked.push(Number(m[1]));
      }
    });
    try {
      await waitFor(() => acked.length >= 100, { timeoutMs: 20_000, message: '100 spooled acks' });
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise((r) => child.once('exit', r));
    await redis.restart();

    const db = await testTsdb(redis.url, prefix, { VITALS_DATA_DIR: dataDir }, { replayIntervalMs: 100 });
    try {
      await waitFor(() => db.writer.stats().spoolBytes === 0, {
        timeoutMs: 15_000,
        message: 'spool replayed after restart',
      });
    } finally {
      await db.close();
    }
    const points = await headPoints(redis.client(), new Keys(prefix), 'acme', 'crash');
    const stored = new Set(points.get('cpu.usage')?.timestamps ?? []);
    const missing = acked.filter((t) => !stored.has(t));
    expect(missing).toEqual([]);
    expect(stored.size).toBe(points.get('cpu.usage')?.timestamps.length);
  });
});
