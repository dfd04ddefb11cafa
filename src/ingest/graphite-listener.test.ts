import { connect } from 'node:net';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { graphiteLine, sendGraphite } from '../../test/support/graphite-client.ts';
import type { IngestResponse } from '../contract/index.ts';
import { StorageUnavailableError } from '../tsdb/errors.ts';
import type { WriteBatch } from '../tsdb/index.ts';
import { IngestRejectedError } from './errors.ts';
import { GraphiteListener, type GraphiteListenerOptions } from './graphite-listener.ts';
import type { PushedHost } from './push-json.ts';

/**
 * The listener over real TCP with an ingest that records what it is given (the storage path is
 * exercised with a real Redis in test/graphite.test.ts).
 */
class RecordingIngest {
  readonly writes: WriteBatch[][] = [];
  /** Fails the next pushes with this error (then succeeds again). */
  failures: unknown[] = [];
  /** Hosts refused as a registrar would refuse them. */
  refusedHosts = new Set<string>();
  delayMs = 0;
  inFlight = 0;
  maxInFlight = 0;

  push = async (
    _org: string,
    _fingerprint: () => string,
    parse: () => { batches: WriteBatch[]; hosts: PushedHost[] },
  ): Promise<IngestResponse> => {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
      const failure = this.failures.shift();
      if (failure) throw failure;
      const { batches, hosts } = parse();
      const refused = hosts.find((h) => this.refusedHosts.has(h.id));
      if (refused) throw new IngestRejectedError('bad_request', `unknown host ${refused.id}`);
      this.writes.push(batches);
      const samples = batches.reduce((n, b) => n + b.values.length, 0);
      return { samples, hosts: batches.length, stored: 'redis' };
    } finally {
      this.inFlight -= 1;
    }
  };

  samples(): { host: string; key: string; t: number; v: number }[] {
    return this.writes.flat().flatMap((b) =>
      Array.from(b.values, (v, i) => ({
        host: b.host,
        key: b.seriesKeys[b.series[i] as number] as string,
        t: b.timestamps[i] as number,
        v,
      })),
    );
  }
}

const T = Math.floor(Date.now() / 1000) - 10;
let listeners: GraphiteListener[] = [];

async function start(ingest: RecordingIngest, options: Partial<GraphiteListenerOptions> = {}) {
  const listener = new GraphiteListener({
    port: 0,
    host: '127.0.0.1',
    org: 'default',
    mapping: { hostSegment: 1 },
    maxLineBytes: 1024,
    limits: { maxSamplesPerRequest: 250_000, maxLabels: 16, maxLabelLength: 256 },
    ingest,
    timeBounds: (now) => ({ minTimestamp: now - 86_400_000, maxTimestamp: now + 300_000 }),
    logger: pino({ level: 'silent' }),
    batchMs: 20,
    retryMs: { initial: 10, max: 50 },
    ...options,
  });
  await listener.listen();
  listeners.push(listener);
  return listener;
}

/** Writes raw bytes on one connection and waits until the server closed it (or `ms` passed). */
function sendRaw(port: number, chunks: readonly Buffer[], ms = 2000): Promise<'closed' | 'open'> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.on('error', () => undefined);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('open');
    }, ms);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
    socket.on('connect', () => {
      for (const c of chunks) socket.write(c);
      socket.end();
    });
  });
}

afterEach(async () => {
  await Promise.all(listeners.map((l) => l.close()));
  listeners = [];
});

describe('GraphiteListener', () => {
  it('batches lines, skips and counts bad ones, and keeps the good ones of the same batch', async () => {
    const ingest = new RecordingIngest();
    const listener = await start(ingest);
    const lines = [
      `web1.cpu-0.cpu-idle 98 ${T}\n`,
      'garbage\n',
      `web1.load 0.5 ${T}\n`,
      `web2.load nan ${T}\n`,
      `web2.load x ${T}\n`,
      `web2.load 1 ${T}`, // unterminated last line: still read at the end
    ];
    await sendGraphite(listener.address(), lines);
    const stats = await listener.settled(6, 5000);
    expect(stats).toMatchObject({ stored: 3, nan: 1, dropped: 0 });
    expect(stats.refused).toMatchObject({ format: 1, value: 1 });
    expect(ingest.samples()).toEqual([
      { host: 'web1', key: 'cpu_0.cpu_idle', t: T * 1000, v: 98 },
      { host: 'web1', key: 'load', t: T * 1000, v: 0.5 },
      { host: 'web2', key: 'load', t: T * 1000, v: 1 },
    ]);
  });

  it('splits a large stream into batches of at most maxBatchLines, one push in flight per connection', async () => {
    const ingest = new RecordingIngest();
    ingest.delayMs = 5;
    const listener = await start(ingest, { batchLines: 50, maxBatchLines: 100 });
    const lines = Array.from({ length: 5000 }, (_, i) =>
      graphiteLine({ host: 'h', name: 'm', timestamp: (T - 5000 + i) * 1000, value: i }),
    );
    await sendGraphite(listener.address(), lines);
    await listener.settled(5000, 10_000);
    expect(ingest.samples().map((s) => s.v)).toEqual(lines.map((_, i) => i));
    expect(Math.max(...ingest.writes.map((w) => w.reduce((n, b) => n + b.values.length, 0)))).toBe(100);
    expect(ingest.maxInFlight).toBe(1);
  });

  it('closes a connection that sends a line longer than the limit; lines before it land', async () => {
    const ingest = new RecordingIngest();
    const listener = await start(ingest, { maxLineBytes: 256 });
    const state = await sendRaw(listener.address().port, [
      Buffer.from(`h.before 1 ${T}\n`),
      Buffer.from('h.long'.padEnd(300, 'x')),
    ]);
    expect(state).toBe('closed');
    const stats = await listener.settled(2, 5000);
    expect(stats.refused.too_long).toBe(1);
    expect(ingest.samples().map((s) => s.key)).toEqual(['before']);
    // An over-long line that arrives whole is refused the same way.
    await sendRaw(listener.address().port, [Buffer.from(`h.${'y'.repeat(400)} 1 ${T}\nh.after 1 ${T}\n`)]);
    expect((await listener.settled(3, 5000)).refused.too_long).toBe(2);
  });

  it('retries a push that failed for a passing reason, then stores it', async () => {
    const ingest = new RecordingIngest();
    ingest.failures = [
      new StorageUnavailableError('spool full', 1),
      Object.assign(new Error('Connection is closed.'), { name: 'Error' }),
    ];
    const listener = await start(ingest);
    await sendGraphite(listener.address(), [`h.m 1 ${T}\n`]);
    const stats = await listener.settled(1, 5000);
    expect(stats).toMatchObject({ stored: 1, retries: 2 });
  });

  it('refuses a refused host alone, the batch’s other hosts land', async () => {
    const ingest = new RecordingIngest();
    ingest.refusedHosts.add('bad');
    const listener = await start(ingest);
    await sendGraphite(listener.address(), [`good.m 1 ${T}\n`, `bad.m 1 ${T}\n`, `good.n 2 ${T}\n`]);
    const stats = await listener.settled(3, 5000);
    expect(stats.stored).toBe(2);
    expect(stats.refused.refused).toBe(1);
    expect(ingest.samples().map((s) => s.host)).toEqual(['good', 'good']);
  });

  it('pushes pending lines on close and drops what cannot be stored, counted', async () => {
    const ingest = new RecordingIngest();
    const listener = await start(ingest, { batchMs: 60_000 });
    const socket = connect({ port: listener.address().port, host: '127.0.0.1' });
    socket.on('error', () => undefined);
    await new Promise((r) => socket.on('connect', r));
    socket.write(`h.m 1 ${T}\nh.m 2 ${T + 1}\n`);
    while (listener.stats().accepted < 2) await new Promise((r) => setTimeout(r, 5));
    await listener.close();
    expect(listener.stats()).toMatchObject({ stored: 2, connections: 0 });

    const failing = new RecordingIngest();
    failing.failures = Array.from({ length: 1000 }, () => new StorageUnavailableError('down', 1));
    const second = await start(failing, { batchMs: 5 });
    await sendGraphite(second.address(), [`h.m 1 ${T}\n`]);
    while (second.stats().retries < 1) await new Promise((r) => setTimeout(r, 5));
    await second.close();
    expect(second.stats()).toMatchObject({ stored: 0, dropped: 1 });
  });

  it('survives any bytes: no exception escapes, and it keeps serving (fuzz)', async () => {
    const ingest = new RecordingIngest();
    const listener = await start(ingest, { maxLineBytes: 512 });
    const port = listener.address().port;
    const interesting = fc.constantFrom(
      '\n',
      '\r\n',
      ' ',
      ';',
      '=',
      '.',
      'host=',
      'nan',
      '-1',
      `${T}`,
      '\u0000',
      '\uFFFD',
      'é',
    );
    const chunk = fc.oneof(
      fc.uint8Array({ maxLength: 700 }).map((b) => Buffer.from(b)),
      fc
        .array(fc.oneof(fc.string({ maxLength: 30 }), interesting), { maxLength: 40 })
        .map((p) => Buffer.from(p.join(''))),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(chunk, { minLength: 1, maxLength: 5 }), async (chunks) => {
        await sendRaw(port, chunks);
      }),
      { numRuns: 60 },
    );
    const before = listener.stats().stored;
    await sendGraphite(listener.address(), [`still.serving 1 ${T}\n`]);
    const deadline = Date.now() + 5000;
    while (listener.stats().stored === before && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 5));
    expect(listener.stats().stored).toBe(before + 1);
    expect(ingest.samples().at(-1)).toMatchObject({ host: 'still', key: 'serving' });
  });
});
