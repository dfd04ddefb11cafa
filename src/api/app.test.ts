import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis, uniquePrefix } from '../../test/harness/index.ts';
import { type ApiEnv, apiEnv } from '../../test/support/api.ts';
import { PublicError } from './errors.ts';

describe('HTTP app', () => {
  let redis: RedisServer;
  let env: ApiEnv;
  let state: 'pass' | 'warn' | 'fail' = 'pass';

  beforeAll(async () => {
    redis = await startRedis();
    env = await apiEnv(redis.url, uniquePrefix('app'));
    env.runtime.api.services.health.register('thing:state', async () => ({
      componentType: 'component',
      status: state,
      time: new Date().toISOString(),
    }));
    env.runtime.app.get('/boom', async () => {
      throw new PublicError('unavailable', 'storage is full', { retryAfterSec: 2.2 });
    });
    env.runtime.app.get('/crash', async () => {
      throw new Error('secret internals');
    });
  });
  afterAll(async () => {
    await env?.close();
    await redis?.close();
  });

  it('answers /health as application/health+json with the worst check status', async () => {
    state = 'warn';
    const res = await env.runtime.app.inject({ url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/health+json');
    expect(res.json()).toMatchObject({ status: 'warn', checks: { 'thing:state': [{ status: 'warn' }] } });
  });

  it('answers /health with 503 when a check fails', async () => {
    state = 'fail';
    expect((await env.runtime.app.inject({ url: '/health' })).statusCode).toBe(503);
    state = 'pass';
  });

  it('answers /readyz and /livez with 200 while serving', async () => {
    expect((await env.runtime.app.inject({ url: '/readyz' })).statusCode).toBe(200);
    expect((await env.runtime.app.inject({ url: '/livez' })).statusCode).toBe(200);
  });

  it('sends public errors in the one error shape with Retry-After', async () => {
    const res = await env.runtime.app.inject({ url: '/boom' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('3');
    expect(res.json()).toEqual({
      error: { code: 'unavailable', message: 'storage is full', requestId: res.headers['x-request-id'] },
    });
  });

  it('hides internal error messages behind the internal code', async () => {
    const res = await env.runtime.app.inject({ url: '/crash' });
    expect(res.statusCode).toBe(500);
    expect(res.json().error.code).toBe('internal');
    expect(res.body).not.toContain('secret');
  });

  it('answers unknown routes with not_found naming the path', async () => {
    const res = await env.runtime.app.inject({ url: '/nope?x=1', method: 'POST' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({ code: 'not_found', message: 'no route for POST /nope' });
  });

  it('answers a wrong method with 405 method_not_allowed and an Allow header', async () => {
    const res = await env.call('PUT', '/api/v1/hosts/web-1');
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('DELETE, GET, PATCH');
    expect(res.json().error).toMatchObject({ code: 'method_not_allowed' });
    expect(res.json().error.message).toContain('PUT is not allowed on /api/v1/hosts/web-1');
    const post = await env.call('POST', '/api/v1/overview');
    expect(post.statusCode).toBe(405);
    expect(post.headers.allow).toBe('GET');
  });
});
