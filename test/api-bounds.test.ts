import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, sleep, startRedis, uniquePrefix, waitFor } from './harness/index.ts';
import { ADMIN_TOKEN, type ApiEnv, apiEnv } from './support/api.ts';

/** Every request is bounded: a slow body is cut off, connections are capped, exports span a limit. */
describe('bounded requests', () => {
  let redis: RedisServer;
  let env: ApiEnv;
  let port = 0;

  beforeAll(async () => {
    redis = await startRedis();
    env = await apiEnv(redis.url, uniquePrefix('bounds'), {
      VITALS_BODY_TIMEOUT: '2s',
      VITALS_REQUEST_TIMEOUT: '2s',
      VITALS_MAX_CONNECTIONS: '4',
      VITALS_LIVE_STREAMS_PER_ORG: '2',
    });
    port = Number(new URL(await env.runtime.listen()).port);
  });
  afterAll(async () => {
    await env?.close();
    await redis?.close();
  });

  /** A raw socket to the server, with when it closed (if it did). */
  function open(): Promise<{ socket: Socket; closed: Promise<number>; data: () => string }> {
    return new Promise((resolve, reject) => {
      let data = '';
      const socket = connect(port, '127.0.0.1');
      const closed = new Promise<number>((done) => socket.on('close', () => done(performance.now())));
      socket.on('data', (chunk) => {
        data += chunk.toString();
      });
      socket.on('error', () => undefined);
      socket.once('connect', () => resolve({ socket, closed, data: () => data }));
      socket.once('error', reject);
    });
  }

  it('does cut off an authenticated push whose body trickles in, within the body timeout', async () => {
    const { socket, closed, data } = await open();
    const started = performance.now();
    socket.write(
      `POST /api/v1/ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n',
    );
    const trickle = setInterval(() => {
      if (!socket.destroyed) socket.write('          ');
    }, 500);
    try {
      const at = await Promise.race([closed, sleep(15_000).then(() => Number.NaN)]);
      expect(Number.isNaN(at), 'connection still open after 15 s').toBe(false);
      // Cut off within the 2 s body timeout plus Node's check interval, not after the whole trickle.
      expect(at - started).toBeLessThan(5000);
      expect(data()).toMatch(/^HTTP\/1\.1 (408|503)|^$/);
    } finally {
      clearInterval(trickle);
      socket.destroy();
    }
  });

  it('does refuse connections past VITALS_MAX_CONNECTIONS and take new ones once some close', async () => {
    const held = await Promise.all([open(), open(), open(), open()]);
    const extra = await open();
    const closedAt = await Promise.race([extra.closed, sleep(3000).then(() => Number.NaN)]);
    expect(Number.isNaN(closedAt), 'the connection past the cap was not closed').toBe(false);
    for (const c of held) c.socket.destroy();
    const livez = () => fetch(`http://127.0.0.1:${port}/livez`, { signal: AbortSignal.timeout(1000) });
    await waitFor(async () => (await livez()).status === 200, {
      timeoutMs: 5000,
      message: 'connections accepted again',
    });
  });

  it('does refuse an export past VITALS_MAX_EXPORT_SPAN with a 400 naming the limit', async () => {
    const res = await env.call('GET', `/api/v1/hosts/web-1/export?startTime=0&endTime=${Date.now()}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/VITALS_MAX_EXPORT_SPAN|VITALS_RETENTION_RAW/);
  });

  it("does refuse an org's live stream past its share with 429, keep another org's, and keep streams open past the request timeout", async () => {
    const tenancy = env.runtime.api.tenancy;
    await tenancy.createOrg({ id: 'other', name: 'Other' });
    const other = (await tenancy.createToken('other', { name: 'r', scopes: ['read'] })).token;
    const aborts: AbortController[] = [];
    const stream = async (token: string) => {
      const abort = new AbortController();
      aborts.push(abort);
      return fetch(`http://127.0.0.1:${port}/api/v1/live`, {
        headers: { authorization: `Bearer ${token}` },
        signal: abort.signal,
      });
    };
    try {
      const [a, b] = [await stream(ADMIN_TOKEN), await stream(ADMIN_TOKEN)];
      expect([a.status, b.status]).toEqual([200, 200]);
      const third = await stream(ADMIN_TOKEN);
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).not.toBeNull();
      expect(await third.text()).toMatch(/VITALS_LIVE_STREAMS_PER_(ORG|TOKEN)/);
      expect((await stream(other)).status).toBe(200);
      // Past the 2 s request and body timeouts the open stream still delivers new events.
      const reader = a.body?.getReader();
      expect((await reader?.read())?.done).toBe(false); // hello
      await sleep(3000);
      const push = await env.call('POST', '/api/v1/ingest', {
        payload: {
          hosts: [{ host: 'live-1', snapshots: [{ timestamp: Date.now() - 100, metrics: { x: 1 } }] }],
        },
      });
      expect(push.statusCode).toBe(200);
      const next = await Promise.race([reader?.read(), sleep(5000).then(() => undefined)]);
      expect(next?.done, 'no event after the timeouts').toBe(false);
      expect(new TextDecoder().decode(next?.value)).toMatch(/event: (samples|host)/);
    } finally {
      for (const abort of aborts) abort.abort();
    }
  }, 30_000);
});
