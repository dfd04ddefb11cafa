import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, sleep, startRedis, uniquePrefix } from './harness/index.ts';
import { ADMIN_TOKEN, type ApiEnv, apiEnv } from './support/api.ts';

const BODY_TIMEOUT_MS = 3000;
const REQUEST_TIMEOUT_MS = 4000;
/** Shorter than the request deadline: the deadline wins (a request waiting for its answer is not idle). */
const IDLE_TIMEOUT_MS = 2000;
const MAX_CONNECTIONS = 3;

/** A raw connection: what it received, and when it was closed (ms on performance.now()). */
interface Raw {
  readonly socket: Socket;
  readonly closed: Promise<number>;
  received(): string;
}

function rawConnection(port: number): Promise<Raw> {
  return new Promise((resolve, reject) => {
    let data = '';
    const socket = connect(port, '127.0.0.1');
    const closed = new Promise<number>((done) => socket.on('close', () => done(performance.now())));
    socket.on('data', (chunk) => {
      data += chunk.toString();
    });
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, closed, received: () => data }));
    socket.once('error', reject);
  });
}

/** Resolves with the close time, or NaN when the connection is still open after `ms`. */
function closedWithin(raw: Raw, ms: number): Promise<number> {
  return Promise.race([raw.closed, sleep(ms).then(() => Number.NaN)]);
}

describe('request deadlines and the connection cap', () => {
  let redis: RedisServer;
  let env: ApiEnv;
  let port: number;

  beforeAll(async () => {
    redis = await startRedis();
    env = await apiEnv(
      redis.url,
      uniquePrefix('timeouts'),
      {
        VITALS_BODY_TIMEOUT: `${BODY_TIMEOUT_MS}ms`,
        VITALS_REQUEST_TIMEOUT: `${REQUEST_TIMEOUT_MS}ms`,
        VITALS_IDLE_TIMEOUT: `${IDLE_TIMEOUT_MS}ms`,
        VITALS_MAX_CONNECTIONS: String(MAX_CONNECTIONS),
        // A durable push waits for the next flush: a minute, far past the request deadline.
        VITALS_FLUSH_INTERVAL_MS: '60000',
      },
      { liveStreams: { sse: { heartbeatMs: 500 } } },
    );
    port = Number(new URL(await env.runtime.listen()).port);
  });
  const connections = () =>
    new Promise<number>((resolve, reject) =>
      env.runtime.app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
    );
  afterAll(async () => {
    await env?.close();
    await redis?.close();
  });

  it('does cut off an authenticated push trickling 10 bytes a second, within the body timeout', async () => {
    const raw = await rawConnection(port);
    const started = performance.now();
    raw.socket.write(
      `POST /api/v1/ingest HTTP/1.1\r\nHost: vitals\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 10000\r\n\r\n{"hosts":[',
    );
    const trickle = setInterval(() => raw.socket.write('          '), 1000);
    try {
      const at = await closedWithin(raw, 15_000);
      expect(Number.isNaN(at), 'still open after 15 s').toBe(false);
      // Node looks for late requests every BODY_TIMEOUT_MS / 10: cut at 3 s, plus that interval.
      expect(at - started).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS - 100);
      expect(at - started).toBeLessThan(BODY_TIMEOUT_MS + 1000);
      expect(raw.received()).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      clearInterval(trickle);
      raw.socket.destroy();
    }
  });

  it('does close a connection that sends nothing, within the body timeout', async () => {
    const raw = await rawConnection(port);
    const started = performance.now();
    const at = await closedWithin(raw, 10_000);
    expect(Number.isNaN(at), 'still open after 10 s').toBe(false);
    expect(at - started).toBeLessThan(BODY_TIMEOUT_MS + 1000);
  });

  it('does answer 503 with Retry-After naming VITALS_REQUEST_TIMEOUT when no answer is ready by the deadline', async () => {
    const started = performance.now();
    const body = JSON.stringify({
      hosts: [{ host: 'slow', snapshots: [{ timestamp: Date.now(), metrics: { x: 1 } }] }],
    });
    // A durable push waits for the next flush, a minute away.
    const res = await new Promise<{ status: number; retryAfter: string; text: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/v1/ingest',
          agent: false,
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        },
        (r) => {
          let text = '';
          r.on('data', (chunk) => {
            text += chunk;
          });
          r.on('end', () =>
            resolve({ status: r.statusCode ?? 0, retryAfter: String(r.headers['retry-after']), text }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(res.status).toBe(503);
    expect(Number(res.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(res.text).error.message).toContain(
      `deadline of ${REQUEST_TIMEOUT_MS} ms (VITALS_REQUEST_TIMEOUT)`,
    );
    expect(performance.now() - started).toBeLessThan(REQUEST_TIMEOUT_MS + 1000);
  });

  it('does refuse the connection past VITALS_MAX_CONNECTIONS and take one again once another closed', async () => {
    const served = async (raw: Raw) => {
      raw.socket.write('GET /livez HTTP/1.1\r\nHost: vitals\r\n\r\n');
      await expect.poll(() => raw.received(), { timeout: 2000 }).toMatch(/^HTTP\/1\.1 200 /);
    };
    await expect.poll(() => connections(), { timeout: 5000 }).toBe(0);
    const held = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, () => rawConnection(port)));
    try {
      for (const raw of held) await served(raw);
      const extra = await rawConnection(port);
      extra.socket.write('GET /livez HTTP/1.1\r\nHost: vitals\r\n\r\n');
      expect(Number.isNaN(await closedWithin(extra, 2000)), 'connection past the cap still open').toBe(false);
      expect(extra.received()).toBe('');
      held.shift()?.socket.destroy();
      await sleep(100);
      const next = await rawConnection(port);
      held.push(next);
      await served(next);
    } finally {
      for (const raw of held) raw.socket.destroy();
      await expect.poll(() => connections(), { timeout: 2000 }).toBe(0);
    }
  });

  it('does keep a live stream open past the body, request and idle timeouts', {
    timeout: 15_000,
  }, async () => {
    const abort = new AbortController();
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/live`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      signal: abort.signal,
    });
    try {
      expect(res.status).toBe(200);
      const reader = res.body?.getReader();
      const decoder = new TextDecoder();
      let text = '';
      const readFor = async (ms: number) => {
        const until = performance.now() + ms;
        while (performance.now() < until) {
          const next = await Promise.race([reader?.read(), sleep(until - performance.now())]);
          if (!next) break;
          if (next.done) throw new Error(`stream ended after: ${text}`);
          text += decoder.decode(next.value, { stream: true });
        }
      };
      await readFor(REQUEST_TIMEOUT_MS + 1500);
      expect(text).toContain('event: hello');
      expect(text).toContain('event: ping');
      const push = await env.call('POST', '/api/v1/ingest?ack=buffered', {
        payload: {
          hosts: [{ host: 'live-1', snapshots: [{ timestamp: Date.now(), metrics: { 'cpu.usage': 1 } }] }],
        },
      });
      expect(push.statusCode).toBe(200);
      await env.runtime.tsdb.writer.flush(); // flushes wait a minute here (see above)
      await readFor(1500);
      expect(text).toMatch(/event: (samples|host)/);
    } finally {
      abort.abort();
    }
  });
});
