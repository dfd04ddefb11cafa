import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { HealthRegistry } from '../monitor/index.ts';
import { buildApp } from './app.ts';
import { PublicError } from './errors.ts';

async function appWith(checkStatus: 'pass' | 'warn' | 'fail', ready = true) {
  const health = new HealthRegistry({ serviceId: 'vitals', releaseId: 'test' });
  health.register('thing:state', async () => ({
    componentType: 'component',
    status: checkStatus,
    time: new Date().toISOString(),
  }));
  const app = await buildApp({ logger: pino({ level: 'silent' }), health, isReady: () => ready });
  app.get('/boom', async () => {
    throw new PublicError('unavailable', 'storage is full', { retryAfterSec: 2.2 });
  });
  app.get('/crash', async () => {
    throw new Error('secret internals');
  });
  return app;
}

describe('HTTP app', () => {
  let app: Awaited<ReturnType<typeof appWith>> | undefined;
  afterEach(async () => app?.close());

  it('answers /health as application/health+json with the worst check status', async () => {
    app = await appWith('warn');
    const res = await app.inject({ url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/health+json');
    expect(res.json()).toMatchObject({ status: 'warn', checks: { 'thing:state': [{ status: 'warn' }] } });
  });

  it('answers /health with 503 when a check fails', async () => {
    app = await appWith('fail');
    expect((await app.inject({ url: '/health' })).statusCode).toBe(503);
  });

  it('answers /readyz with 503 once shutdown began and /livez with 200', async () => {
    app = await appWith('pass', false);
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(503);
    expect((await app.inject({ url: '/livez' })).statusCode).toBe(200);
  });

  it('sends public errors in the one error shape with Retry-After', async () => {
    app = await appWith('pass');
    const res = await app.inject({ url: '/boom' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('3');
    const body = res.json();
    expect(body).toEqual({
      error: { code: 'unavailable', message: 'storage is full', requestId: res.headers['x-request-id'] },
    });
  });

  it('hides internal error messages behind the internal code', async () => {
    app = await appWith('pass');
    const res = await app.inject({ url: '/crash' });
    expect(res.statusCode).toBe(500);
    expect(res.json().error.code).toBe('internal');
    expect(res.body).not.toContain('secret');
  });

  it('answers unknown routes with not_found naming the path', async () => {
    app = await appWith('pass');
    const res = await app.inject({ url: '/nope?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({ code: 'not_found', message: 'no route for GET /nope' });
  });
});
