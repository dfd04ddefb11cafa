import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis, uniquePrefix } from '../harness/index.ts';
import { ADMIN_TOKEN, type ApiEnv, apiEnv } from '../support/api.ts';

/** What the fuzzer (fuzz.test.ts) found, each kept as a plain case. */
describe('regressions found by the API fuzzer', () => {
  let redis: RedisServer;
  let env: ApiEnv;
  beforeAll(async () => {
    redis = await startRedis();
    env = await apiEnv(redis.url, uniquePrefix('fuzz-regress'));
  });
  afterAll(async () => {
    await env?.close();
    await redis?.close();
  });

  const errorCode = (body: string) => (JSON.parse(body) as { error?: { code?: string } }).error?.code;

  it('answers a docs asset name too long for the file system with a 4xx, not a 500', async () => {
    const res = await env.call('GET', `/docs/static/${'x'.repeat(300)}`);
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(errorCode(res.body)).toEqual(expect.any(String));
  });

  it('refuses a malformed percent-encoding in the one error shape, without echoing the URL', async () => {
    const res = await env.call('GET', '/api/v1/hosts/%zz/metrics/latest?metrics=secret-looking-value');
    expect(res.statusCode).toBe(400);
    expect(errorCode(res.body)).toBe('bad_request');
    expect(res.body).not.toContain('secret-looking-value');
    const cut = await env.call('DELETE', '/api/v1/tokens/%E0%A4%A');
    expect(cut.statusCode).toBe(400);
    expect(errorCode(cut.body)).toBe('bad_request');
  });

  it('serves a host whose id has the longest length ids may have (128)', async () => {
    const id = `h${'x'.repeat(127)}`;
    expect((await env.call('POST', '/api/v1/hosts', { payload: { id } })).statusCode).toBe(201);
    const push = await env.call('POST', '/api/v1/ingest', {
      payload: { hosts: [{ host: id, snapshots: [{ timestamp: Date.now() - 1000, metrics: { x: 1 } }] }] },
    });
    expect(push.statusCode).toBe(200);
    expect((await env.call('GET', `/api/v1/hosts/${id}`)).statusCode).toBe(200);
    const latest = await env.call('GET', `/api/v1/hosts/${id}/metrics/latest`);
    expect(latest.statusCode).toBe(200);
    expect(latest.json().count).toBe(1);
  });

  it('answers HEAD on the live stream at once instead of holding a stream that never starts', async () => {
    const url = await env.runtime.listen();
    const res = await fetch(`${url}/api/v1/live`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      signal: AbortSignal.timeout(5000),
    });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toContain('GET');
  });

  it('refuses a path parameter past any id length in the one error shape', async () => {
    const res = await env.call('GET', `/api/v1/hosts/${'x'.repeat(5000)}`);
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(errorCode(res.body)).toEqual(expect.any(String));
  });
});
