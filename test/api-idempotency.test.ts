import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis, uniquePrefix } from './harness/index.ts';
import { apiEnv } from './support/api.ts';
import { headPoints } from './support/tsdb.ts';

function push(host: string, t: number, metrics: Record<string, unknown>) {
  return { hosts: [{ host, snapshots: [{ timestamp: t, metrics }] }] };
}

async function stored(env: Awaited<ReturnType<typeof apiEnv>>, host: string): Promise<number> {
  const points = await headPoints(env.runtime.redis, env.runtime.keys, 'default', host);
  return [...points.values()].reduce((n, p) => n + p.timestamps.length, 0);
}

describe('Idempotency-Key reused with a different request', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => redis?.close());

  it('answers 422 idempotency_key_reused and writes nothing when a JSON body differs', async () => {
    const env = await apiEnv(redis.url, uniquePrefix('idem-json'));
    try {
      const t = Date.now() - 1000;
      const headers = { 'idempotency-key': 'batch-7' };
      const first = await env.call('POST', '/api/v1/ingest', {
        payload: push('web-1', t, { 'cpu.usage': 1 }),
        headers,
      });
      expect(first.statusCode).toBe(200);
      const other = await env.call('POST', '/api/v1/ingest', {
        payload: push('web-1', t + 1000, { 'cpu.usage': 2, 'mem.used_pct': 3 }),
        headers,
      });
      expect(other.statusCode).toBe(422);
      expect(other.json().error.code).toBe('idempotency_key_reused');
      expect(other.json().error.message).toContain('Idempotency-Key');
      expect(await stored(env, 'web-1')).toBe(1);
      // The same request again is still a retry: the original answer, nothing written.
      const retry = await env.call('POST', '/api/v1/ingest', {
        payload: push('web-1', t, { 'cpu.usage': 1 }),
        headers,
      });
      expect(retry.statusCode).toBe(200);
      expect(retry.json()).toEqual(first.json());
      expect(await stored(env, 'web-1')).toBe(1);
      expect(env.runtime.api.idempotency.stats().reused).toBe(1);
    } finally {
      await env.close();
    }
  });

  it('tells line-protocol requests apart by body and by parameters, and a refused key stays refused for others', async () => {
    const env = await apiEnv(redis.url, uniquePrefix('idem-influx'));
    try {
      const t = Date.now() - 1000;
      const headers = { 'idempotency-key': 'lines-1', 'content-type': 'text/plain' };
      const line = `cpu,host=tg-1 usage=1 ${t}`;
      const first = await env.call('POST', '/api/v1/write?precision=ms', { payload: line, headers });
      expect(first.statusCode).toBe(204);
      const otherBody = await env.call('POST', '/api/v1/write?precision=ms', {
        payload: `cpu,host=tg-1 usage=2 ${t}`,
        headers,
      });
      expect(otherBody.statusCode).toBe(422);
      expect(otherBody.json().error.code).toBe('idempotency_key_reused');
      const otherPrecision = await env.call('POST', '/api/v1/write?precision=s', { payload: line, headers });
      expect(otherPrecision.statusCode).toBe(422);
      const otherRoute = await env.call('POST', '/api/v1/ingest', {
        payload: push('tg-1', t, { 'cpu.usage': 1 }),
        headers: { 'idempotency-key': 'lines-1' },
      });
      expect(otherRoute.statusCode).toBe(422);
      expect(
        (await env.call('POST', '/api/v1/write?precision=ms', { payload: line, headers })).statusCode,
      ).toBe(204);

      // A refused batch keeps its key: a different body under it is reused, the same body gets the 400.
      const bad = { 'idempotency-key': 'bad-1', 'content-type': 'text/plain' };
      expect(
        (await env.call('POST', '/api/v1/write', { payload: 'not line protocol', headers: bad })).statusCode,
      ).toBe(400);
      expect(
        (await env.call('POST', '/api/v1/write', { payload: 'not line protocol', headers: bad })).statusCode,
      ).toBe(400);
      const fixed = await env.call('POST', '/api/v1/write?precision=ms', { payload: line, headers: bad });
      expect(fixed.statusCode).toBe(422);
      expect(fixed.json().error.code).toBe('idempotency_key_reused');
    } finally {
      await env.close();
    }
  });
});
