import type { InjectOptions } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_ORG } from '../src/tenancy/index.ts';
import { type RedisServer, startRedis, uniquePrefix } from './harness/index.ts';
import { scopedTokens, type TenancyTestApp, tenancyTestApp } from './support/auth-suite.ts';

describe('host routes', () => {
  let server: RedisServer;
  let t: TenancyTestApp;
  let admin: string;
  let otherAdmin: string;

  /** A request as org A's admin (or with the given token). */
  const as = (options: InjectOptions, token = admin) =>
    t.app.inject({ ...options, headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    server = await startRedis();
  });
  beforeEach(async () => {
    t = await tenancyTestApp(server.url, uniquePrefix('api-hosts'));
    admin = (await t.tenancy.bootstrap()).generatedAdminToken ?? '';
    await t.tenancy.createOrg({ id: 'org-b', name: 'B' });
    otherAdmin = (await scopedTokens(t.tenancy, 'org-b')).admin;
  });
  afterEach(async () => t?.close());
  afterAll(async () => server?.close());

  it('answers 201 with every default when a host is created with only its id', async () => {
    const res = await as({ method: 'POST', url: '/api/v1/hosts', payload: { id: 'web-1' } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({
      id: 'web-1',
      name: 'web-1',
      labels: {},
      metricsEnabled: true,
      metricsInterval: 900,
      collector: { kind: 'push', settings: {} },
      thresholds: { cpu: 90, memory: 95, disk: 90 },
      createdAt: expect.any(Number),
      updatedAt: expect.any(Number),
    });
    expect((await as({ url: '/api/v1/hosts/web-1' })).json()).toEqual(res.json());
    expect((await as({ url: '/api/v1/hosts' })).json()).toEqual({ hosts: [res.json()] });
  });

  it('answers 409 conflict when the host id exists', async () => {
    await as({ method: 'POST', url: '/api/v1/hosts', payload: { id: 'web-1', name: 'first' } });
    const res = await as({ method: 'POST', url: '/api/v1/hosts', payload: { id: 'web-1', name: 'second' } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('conflict');
    expect((await as({ url: '/api/v1/hosts/web-1' })).json().name).toBe('first');
  });

  it("answers 404 for another org's host exactly as for a missing one", async () => {
    await as({ method: 'POST', url: '/api/v1/hosts', payload: { id: 'web-1' } });
    await as({ method: 'POST', url: '/api/v1/hosts', payload: { id: 'web-2' } }, otherAdmin);
    const theirs = await as({ url: '/api/v1/hosts/web-2' });
    await as({ method: 'DELETE', url: '/api/v1/hosts/web-2' }, otherAdmin);
    const missing = await as({ url: '/api/v1/hosts/web-2' });
    const strip = (body: string) => ({ ...JSON.parse(body).error, requestId: undefined });
    expect(theirs.statusCode).toBe(404);
    expect(strip(theirs.body)).toEqual(strip(missing.body));
    expect((await as({ url: '/api/v1/hosts' }, otherAdmin)).json()).toEqual({ hosts: [] });
  });

  it('masks collector secrets in every answer and keeps them when the mask is sent back', async () => {
    const settings = {
      host: '10.0.0.5',
      username: 'root',
      password: 'pw-1',
      url: 'redis://:s3cr3t@db:6379/0',
    };
    const created = await as({
      method: 'POST',
      url: '/api/v1/hosts',
      payload: { id: 'db', collector: { kind: 'ssh', settings } },
    });
    const masked = { ...settings, password: '***', url: 'redis://:***@db:6379/0' };
    expect(created.json().collector.settings).toEqual(masked);
    for (const res of [await as({ url: '/api/v1/hosts/db' }), await as({ url: '/api/v1/hosts' })]) {
      expect(res.body).not.toContain('pw-1');
      expect(res.body).not.toContain('s3cr3t');
    }
    const patched = await as({
      method: 'PATCH',
      url: '/api/v1/hosts/db',
      payload: { collector: { settings: { ...masked, username: 'admin' } } },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().collector.settings).toEqual({ ...masked, username: 'admin' });
    const stored = await t.tenancy.getHost(DEFAULT_ORG, 'db');
    expect(stored?.collector.settings).toEqual({ ...settings, username: 'admin' });
  });

  it('drops stored secrets when the collector kind changes and refuses a mask with nothing behind it', async () => {
    const settings = { password: 'pw-1' };
    await as({
      method: 'POST',
      url: '/api/v1/hosts',
      payload: { id: 'db', collector: { kind: 'ssh', settings } },
    });
    const res = await as({
      method: 'PATCH',
      url: '/api/v1/hosts/db',
      payload: { collector: { kind: 'redis', settings: { password: '***' } } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/^collector\.settings\.password: /);
    expect((await t.tenancy.getHost(DEFAULT_ORG, 'db'))?.collector).toEqual({ kind: 'ssh', settings });
  });

  it('answers 400 naming the field and stores nothing when host input is bad', async () => {
    const cases: [unknown, string][] = [
      [{ id: 'has space' }, 'body.id'],
      [{ id: 'h', metricsInterval: 1 }, 'body.metricsInterval'],
      [{ id: 'h', metricsInterval: '60' }, 'body.metricsInterval'],
      [{ id: 'h', thresholds: { cpu: 150 } }, 'body.thresholds.cpu'],
      [{ id: 'h', thresholds: { gpu: 50 } }, 'body.thresholds.gpu: is not a known field'],
      [{ id: 'h', collector: { kind: 'telnet', settings: {} } }, 'body.collector.kind'],
      [{ id: 'h', labels: { 'no-dash': 'x' } }, 'labels.no-dash'],
      [{ id: 'h', metricsEnabled: 'yes' }, 'body.metricsEnabled'],
      [{ name: 'no id' }, 'body.id'],
    ];
    for (const [payload, field] of cases) {
      const res = await as({ method: 'POST', url: '/api/v1/hosts', payload: payload as object });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.message).toContain(field);
    }
    expect((await as({ url: '/api/v1/hosts' })).json()).toEqual({ hosts: [] });
    await as({ method: 'POST', url: '/api/v1/hosts', payload: { id: 'h' } });
    const patch = await as({ method: 'PATCH', url: '/api/v1/hosts/h', payload: { name: 'ok', interval: 5 } });
    expect(patch.json().error.message).toBe('body.interval: is not a known field');
    expect((await as({ url: '/api/v1/hosts/h' })).json().name).toBe('h');
  });

  it('changes only the fields a PATCH names', async () => {
    await as({
      method: 'POST',
      url: '/api/v1/hosts',
      payload: { id: 'h', labels: { role: 'web' }, thresholds: { memory: 80 } },
    });
    const res = await as({
      method: 'PATCH',
      url: '/api/v1/hosts/h',
      payload: { metricsEnabled: false, thresholds: { cpu: 70 } },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      labels: { role: 'web' },
      metricsEnabled: false,
      metricsInterval: 900,
      thresholds: { cpu: 70, memory: 80, disk: 90 },
    });
  });

  it('answers 204 on delete and 404 for the host afterwards', async () => {
    await as({ method: 'POST', url: '/api/v1/hosts', payload: { id: 'h' } });
    const res = await as({ method: 'DELETE', url: '/api/v1/hosts/h' });
    expect(res.statusCode).toBe(204);
    expect((await as({ url: '/api/v1/hosts/h' })).statusCode).toBe(404);
    expect((await as({ method: 'DELETE', url: '/api/v1/hosts/h' })).statusCode).toBe(404);
    expect((await as({ method: 'PATCH', url: '/api/v1/hosts/h', payload: {} })).statusCode).toBe(404);
  });

  it('describes the token and host routes in OpenAPI', async () => {
    const doc = (await t.app.inject({ url: '/docs/json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/tokens',
        '/api/v1/tokens/{id}',
        '/api/v1/hosts',
        '/api/v1/hosts/{id}',
      ]),
    );
    expect(Object.keys(doc.paths['/api/v1/hosts/{id}'])).toEqual(
      expect.arrayContaining(['get', 'patch', 'delete']),
    );
  });
});
