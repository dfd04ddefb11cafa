import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis, uniquePrefix, waitFor } from './harness/index.ts';
import { type ApiEnv, apiEnv } from './support/api.ts';

/**
 * Tokens and hosts are answered from each process' in-process cache; a change in one process reaches
 * the others' caches through pub/sub at once, not after the cache lifetime.
 */
describe('tenancy caches across processes', () => {
  let redis: RedisServer;
  let a: ApiEnv;
  let b: ApiEnv;

  beforeAll(async () => {
    redis = await startRedis();
    const prefix = uniquePrefix('sync');
    a = await apiEnv(redis.url, prefix);
    b = await apiEnv(redis.url, prefix);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.close();
  });

  it('does refuse a token in every process within a second of its revocation in one', async () => {
    const created = (
      await a.call('POST', '/api/v1/tokens', { payload: { name: 'short', scopes: ['read'] } })
    ).json();
    expect((await b.call('GET', '/api/v1/hosts', { token: created.token })).statusCode).toBe(200);
    expect((await a.call('DELETE', `/api/v1/tokens/${created.id}`)).statusCode).toBe(204);
    const started = Date.now();
    await waitFor(
      async () => (await b.call('GET', '/api/v1/hosts', { token: created.token })).statusCode === 401,
      {
        timeoutMs: 2000,
        message: 'revoked token refused by the other process',
      },
    );
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('does show a host change made in one process in the other at once', async () => {
    expect(
      (await a.call('POST', '/api/v1/hosts', { payload: { id: 'shared', name: 'Before' } })).statusCode,
    ).toBe(201);
    expect((await b.call('GET', '/api/v1/hosts/shared')).json().name).toBe('Before');
    // b's host list may be cached: the change reaches it on the tenancy channel, as for the rename below.
    await waitFor(
      async () =>
        (await b.call('GET', '/api/v1/hosts')).json().hosts.some((h: { id: string }) => h.id === 'shared'),
      { timeoutMs: 1000, message: 'created host listed by the other process' },
    );
    expect((await a.call('PATCH', '/api/v1/hosts/shared', { payload: { name: 'After' } })).statusCode).toBe(
      200,
    );
    await waitFor(async () => (await b.call('GET', '/api/v1/hosts/shared')).json().name === 'After', {
      timeoutMs: 1000,
      message: 'renamed host seen by the other process',
    });
    expect((await a.call('DELETE', '/api/v1/hosts/shared')).statusCode).toBe(204);
    await waitFor(async () => (await b.call('GET', '/api/v1/hosts/shared')).statusCode === 404, {
      timeoutMs: 1000,
      message: 'deleted host gone in the other process',
    });
    expect(
      (await b.call('GET', '/api/v1/hosts')).json().hosts.map((h: { id: string }) => h.id),
    ).not.toContain('shared');
  });

  it('does answer host reads from memory, without Redis, while the cache is fresh', async () => {
    await b.call('GET', '/api/v1/hosts');
    const before = b.runtime.timings.snapshot();
    for (let i = 0; i < 5; i++) expect((await b.call('GET', '/api/v1/hosts')).statusCode).toBe(200);
    const after = b.runtime.timings.snapshot();
    expect((after.hvals?.count ?? 0) - (before.hvals?.count ?? 0)).toBe(0);
  });
});
