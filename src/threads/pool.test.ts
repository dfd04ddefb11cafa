import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { startThread, ThreadPool } from './pool.ts';
import { owned, transferables } from './transfer.ts';

interface Req {
  readonly id: number;
  readonly n: number;
}
interface Reply {
  readonly id: number;
  readonly doubled: number;
  readonly thread: number;
}

/** Doubles n; exits (a crash, for the pool) when n is negative. */
const DOUBLER = `
const { parentPort, threadId } = require('node:worker_threads');
parentPort.on('message', ({ id, n }) => {
  if (n < 0) process.exit(3);
  setTimeout(() => parentPort.postMessage({ id, doubled: n * 2, thread: threadId }), 5);
});`;

function doublers(threads: number): ThreadPool<Req, Reply> {
  return new ThreadPool<Req, Reply>('doubling', threads, () => new Worker(DOUBLER, { eval: true }));
}

const double = (pool: ThreadPool<Req, Reply>, n: number) =>
  pool.run(
    (id) => ({ id, n }),
    (reply) => reply,
    () => ({ id: 0, doubled: n * 2, thread: -1 }),
  );

describe('ThreadPool', () => {
  it('does spread jobs that come together over its threads and no more', async () => {
    const pool = doublers(2);
    const replies = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => double(pool, n)));
    expect(replies.map((r) => r.doubled)).toEqual([2, 4, 6, 8, 10, 12]);
    expect(new Set(replies.map((r) => r.thread)).size).toBe(2);
    expect(pool.ran).toEqual({ threads: 6, inline: 0 });
  });

  it('does fail the jobs of a thread that dies and start another for the next job', async () => {
    const pool = doublers(1);
    const first = await double(pool, 1);
    const crash = await double(pool, -1).catch((err: unknown) => err);
    expect(crash).toBeInstanceOf(Error);
    expect(String(crash)).toContain('exited with code 3');
    const next = await double(pool, 21);
    expect(next.doubled).toBe(42);
    expect(next.thread).not.toBe(first.thread);
    expect(pool.ran.inline).toBe(0);
  });
});

describe('serveJobs', () => {
  it('does answer a reply that cannot be posted with the failure reply, and keep the thread', async () => {
    const fixture = new URL('../../test/fixtures/serve-worker.ts', import.meta.url).href;
    type Answer = { id: number; doubled?: number; error?: string; thread: number };
    const pool = new ThreadPool<Req, Answer>('serving', 1, () => startThread(fixture, 'serve-worker'));
    const ask = (n: number) =>
      pool.run(
        (id) => ({ id, n }),
        (reply) => reply,
        (): Answer => ({ id: 0, error: 'inline', thread: -1 }),
      );
    const answers = [await ask(4), await ask(13), await ask(-2), await ask(5)];
    expect(answers.map((a) => a.doubled ?? a.error)).toEqual([
      8,
      expect.stringMatching(/^DataCloneError: /),
      'Error: negative: -2',
      10,
    ]);
    // One thread answered all four: the reply that could not be posted did not end it.
    expect(new Set(answers.map((a) => a.thread)).size).toBe(1);
    expect(pool.ran).toEqual({ threads: 4, inline: 0 });
  });
});

describe('transferables', () => {
  it('does hand over whole buffers only, once each', () => {
    const whole = new Float64Array(4);
    const pooled = Buffer.from('small');
    const copy = owned(pooled);
    expect(pooled.byteLength).toBeLessThan(pooled.buffer.byteLength);
    expect(transferables({ a: [whole, whole], b: { pooled, copy } })).toEqual([whole.buffer, copy.buffer]);
  });
});

describe('ThreadPool, a request that cannot be sent', () => {
  it('does reject it and keep nothing pending, so the next job is answered', async () => {
    const pool = new ThreadPool<Req & { fn?: () => void }, Reply>(
      'doubling',
      1,
      () => new Worker(DOUBLER, { eval: true }),
    );
    const run = (n: number, fn?: () => void) =>
      pool.run(
        (id) => ({ id, n, ...(fn ? { fn } : {}) }),
        (reply) => reply.doubled,
        () => -1,
      );
    await expect(run(1, () => undefined)).rejects.toThrow(/could not be cloned/);
    expect(pool.pending).toBe(0);
    expect(await run(4)).toBe(8);
    expect(pool.pending).toBe(0);
  });
});
