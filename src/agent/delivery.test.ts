import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Snapshot } from '../contract/wire.ts';
import { Delivery } from './delivery.ts';
import { type Outcome, postIngest } from './ingest-client.ts';
import { silentLogger } from './logger.ts';
import { Spool } from './spool.ts';
import { FakeIngest } from './test-support.ts';

const meta = { host: 'web-1', name: 'Web 1' };
const snap = (timestamp: number): Snapshot => ({ timestamp, metrics: { 'cpu.usage': timestamp % 100 } });
const backoff = { baseMs: 20, maxMs: 200 };

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Rig {
  spool: Spool;
  delivery: Delivery;
  fatal: Outcome[];
  push: (...timestamps: number[]) => void;
  stop: () => Promise<void>;
}

const open: Rig[] = [];
const peers: FakeIngest[] = [];

function rig(peer: FakeIngest, dir = mkdtempSync(join(tmpdir(), 'vitals-delivery-')), timeoutMs = 2000): Rig {
  const spool = new Spool({ dir, maxBytes: 1024 * 1024, logger: silentLogger });
  const fatal: Outcome[] = [];
  const target = { server: peer.url, token: 'vt_test', timeoutMs };
  const delivery = new Delivery({
    spool,
    logger: silentLogger,
    backoff,
    send: (body, key, signal) => postIngest(target, body, key, signal),
    onFatal: (o) => void fatal.push(o),
  });
  const r: Rig = {
    spool,
    delivery,
    fatal,
    push: (...timestamps) => {
      for (const t of timestamps) spool.append(meta, snap(t), 4);
      delivery.kick();
    },
    stop: async () => {
      await delivery.close(100);
      spool.close();
    },
  };
  open.push(r);
  return r;
}

async function peer(): Promise<FakeIngest> {
  const p = await new FakeIngest().listen(0);
  peers.push(p);
  return p;
}

afterEach(async () => {
  for (const r of open.splice(0)) await r.stop();
  for (const p of peers.splice(0)) await p.close().catch(() => undefined);
});

const times = (list: Snapshot[]) => list.map((s) => s.timestamp);

describe('Delivery', () => {
  it('delivers each batch once with its idempotency key and the bearer token when the server answers 200', async () => {
    const server = await peer();
    const r = rig(server);
    r.push(1);
    await until(() => server.stored.length === 1);
    r.push(2);
    await until(() => server.stored.length === 2 && r.spool.pendingSnapshots === 0);
    expect(times(server.stored)).toEqual([1, 2]);
    expect(server.received.map((x) => x.authorization)).toEqual(['Bearer vt_test', 'Bearer vt_test']);
    expect(new Set(server.received.map((x) => x.key)).size).toBe(2);
    expect(server.received[0]?.body.hosts[0]).toMatchObject({ host: 'web-1', name: 'Web 1' });
  });

  it('retries the same batch with the same key when the server answers 503, and keeps order', async () => {
    const server = await peer();
    server.answers.push({ status: 503 }, { status: 503, headers: { 'retry-after': '0' } });
    const r = rig(server);
    r.push(1);
    await until(() => server.received.length >= 1);
    r.push(2, 3);
    await until(() => server.stored.length === 3);
    expect(times(server.stored)).toEqual([1, 2, 3]);
    const [a, b, c] = server.received.map((x) => x.key);
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(r.delivery.stats.retries).toBe(2);
  });

  it('waits what Retry-After says when the server answers 429', async () => {
    const server = await peer();
    server.answers.push({ status: 429, headers: { 'retry-after': '1' } });
    const spool = new Spool({
      dir: mkdtempSync(join(tmpdir(), 'vitals-delivery-')),
      maxBytes: 1 << 20,
      logger: silentLogger,
    });
    const at: number[] = [];
    const target = { server: server.url, token: 't', timeoutMs: 2000 };
    const delivery = new Delivery({
      spool,
      logger: silentLogger,
      backoff: { baseMs: 10, maxMs: 5000 },
      send: (body, key, signal) => {
        at.push(Date.now());
        return postIngest(target, body, key, signal);
      },
      onFatal: () => undefined,
    });
    spool.append(meta, snap(1), 4);
    delivery.kick();
    await until(() => server.stored.length === 1);
    expect((at[1] ?? 0) - (at[0] ?? 0)).toBeGreaterThanOrEqual(990);
    await delivery.close();
    spool.close();
  });

  it('stops, keeping the data, when the server answers 401', async () => {
    const server = await peer();
    server.fallback = { status: 401, body: { error: { code: 'unauthorized', message: 'bad token' } } };
    const r = rig(server);
    r.push(1, 2);
    await until(() => r.fatal.length === 1);
    expect(r.fatal[0]).toMatchObject({ kind: 'fatal', status: 401, reason: 'unauthorized: bad token' });
    r.push(3);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.received.length).toBe(1);
    expect(r.spool.pendingSnapshots).toBe(3);
  });

  it('stops when the server answers 403 (a token without the ingest scope)', async () => {
    const server = await peer();
    server.fallback = { status: 403 };
    const r = rig(server);
    r.push(1);
    await until(() => r.fatal.length === 1);
    expect(r.fatal[0]).toMatchObject({ status: 403 });
  });

  it('drops a batch the server refuses with 400, 413 or 422 and carries on with the next', async () => {
    const server = await peer();
    const r = rig(server);
    for (const status of [400, 413, 422]) {
      server.answers.push({ status, body: { error: { code: 'bad', message: 'no' } } });
      const before = server.received.length;
      r.push(status);
      await until(() => server.received.length === before + 1 && r.spool.pendingSnapshots === 0);
    }
    r.push(1);
    await until(() => server.stored.length === 1);
    expect(times(server.stored)).toEqual([1]);
    expect(r.delivery.stats).toMatchObject({ rejected: 3, delivered: 1, retries: 0 });
  });

  it('spools while the connection is refused and replays in order, several snapshots per request, when the server is back', async () => {
    const server = await peer();
    await server.close();
    const r = rig(server);
    for (let t = 1; t <= 10; t++) {
      r.push(t);
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    expect(server.received.length).toBe(0);
    expect(r.spool.pendingSnapshots).toBe(10);
    await server.listen();
    await until(() => server.stored.length === 10);
    expect(times(server.stored)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(server.received.length).toBeLessThan(10);
    // The server stores a batch before its answer reaches the agent, which only then drops it from its spool.
    await until(() => r.spool.pendingSnapshots === 0);
    expect(server.stored.length).toBe(10);
  });

  it('stores a batch once when its first answer was lost and it was sent again', async () => {
    const server = await peer();
    server.answers.push('lost');
    const r = rig(server, undefined, 300);
    r.push(1, 2);
    await until(() => r.spool.pendingSnapshots === 0);
    expect(server.received.length).toBe(2);
    expect(server.received[0]?.key).toBe(server.received[1]?.key);
    expect(times(server.stored)).toEqual([1, 2]);
  });

  it('sends an unacknowledged batch again with the same key after a restart', async () => {
    const server = await peer();
    server.answers.push('lost');
    const dir = mkdtempSync(join(tmpdir(), 'vitals-delivery-'));
    const first = rig(server, dir, 60_000);
    first.push(1, 2);
    await until(() => server.received.length === 1);
    await first.stop();
    const second = rig(server, dir);
    second.delivery.kick();
    await until(() => second.spool.pendingSnapshots === 0);
    expect(server.received.map((x) => x.key)).toEqual([server.received[0]?.key, server.received[0]?.key]);
    expect(times(server.stored)).toEqual([1, 2]);
  });

  it('gzips a request body when it is large', async () => {
    const server = await peer();
    await server.close();
    const r = rig(server);
    r.push(1, 2, 3, 4);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const big: Snapshot = {
      timestamp: 5,
      metrics: Object.fromEntries(
        Array.from({ length: 300 }, (_, i) => [`disk.used_bytes{mount="/m${i}"}`, i]),
      ),
    };
    r.spool.append(meta, big, 4);
    await server.listen();
    await until(() => server.stored.length === 5);
    expect(server.received.map((x) => x.encoding)).toContain('gzip');
  });
});
