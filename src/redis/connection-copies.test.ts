import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort, type RedisServer, startRedis, waitFor } from '../../test/harness/index.ts';
import { loadConfig } from '../config/index.ts';
import { closeRedis, createRedis } from './connection.ts';
import { endedForGood, whenReady } from './watch.ts';

const silent = pino({ level: 'silent' });

/** A logger whose lines the test reads. */
function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pino({ level: 'warn' }, stream) };
}

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.close();
});

describe('duplicates of a connection', () => {
  it('does log the errors of a duplicate as its own, with its role, and print no unhandled error', async () => {
    const unhandled = vi.spyOn(console, 'error');
    const { lines, logger } = capture();
    const url = `redis://127.0.0.1:${await freePort()}`;
    const client = createRedis({ config: loadConfig({ REDIS_URL: url }).redis, logger }, 'request', 'probe');
    client.on('error', () => undefined);
    const copy = client.duplicate();
    try {
      // Nothing listens there: both connections fail, the copy with nobody else listening.
      await waitFor(() => lines.filter((l) => l.role === 'probe').length >= 2, { timeoutMs: 10_000 });
      expect(lines.every((l) => l.msg === 'redis connection error')).toBe(true);
      expect(unhandled.mock.calls.filter((c) => String(c[0]).includes('Unhandled error event'))).toEqual([]);
    } finally {
      unhandled.mockRestore();
      copy.disconnect();
      await closeRedis(client);
    }
  });

  it('does not log a duplicate its owner closed while it was connecting', async () => {
    const { lines, logger } = capture();
    const client = createRedis(
      { config: loadConfig({ REDIS_URL: redis.url }).redis, logger },
      'request',
      'probe',
    );
    await waitFor(() => client.status === 'ready', { timeoutMs: 10_000 });
    for (let i = 0; i < 20; i++) {
      const copy = client.duplicate();
      await new Promise<void>((resolve) => copy.once('connect', () => resolve()));
      // Closed between its socket's connect and its ready check, as one-shot jobs close theirs.
      copy.disconnect();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(lines).toEqual([]);
    await closeRedis(client);
  });
});

describe('waiting for a connection that ended unasked', () => {
  it('does reject a wait for ready once the owner closes the client, before it connected again', async () => {
    const client = createRedis(
      { config: loadConfig({ REDIS_URL: redis.url }).redis, logger: silent },
      'request',
    );
    await waitFor(() => client.status === 'ready', { timeoutMs: 10_000 });
    const internals = client as unknown as { connector: { disconnect(): void }; stream: { destroy(): void } };
    const waited = new Promise<{ waiting: Promise<void> }>((resolve) => {
      client.once('end', () => {
        // Ended unasked: it would connect again, so a wait for ready waits on…
        expect(endedForGood(client)).toBe(false);
        const waiting = whenReady(client);
        waiting.catch(() => undefined);
        // …until its owner closes it, before the reconnect (no second 'end' comes).
        client.disconnect();
        resolve({ waiting });
      });
    });
    // The connector closed while the client connects again: ioredis ends the client.
    client.once('connecting', () => internals.connector.disconnect());
    internals.stream.destroy();
    const { waiting } = await waited;
    await expect(waiting).rejects.toThrow(/Connection is closed/);
    expect(endedForGood(client)).toBe(true);
    await closeRedis(client);
  });
});
