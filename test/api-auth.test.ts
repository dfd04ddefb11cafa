import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ORG } from '../src/tenancy/index.ts';
import { type RedisServer, startRedis, uniquePrefix } from './harness/index.ts';
import {
  assertRouteAuth,
  protectedRoutes,
  scopedTokens,
  type TenancyTestApp,
  tenancyTestApp,
} from './support/auth-suite.ts';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('bearer auth and token routes', () => {
  let server: RedisServer;
  let t: TenancyTestApp | undefined;
  let admin: string;

  async function start(options: Parameters<typeof tenancyTestApp>[2] = {}): Promise<TenancyTestApp> {
    t = await tenancyTestApp(server.url, uniquePrefix('api-auth'), options);
    admin = (await t.tenancy.bootstrap()).generatedAdminToken ?? '';
    expect(admin).toMatch(/^vt_/);
    return t;
  }

  beforeAll(async () => {
    server = await startRedis();
  });
  afterEach(async () => t?.close());
  afterAll(async () => server?.close());

  it('shows a new token once, lists it without secret, and answers 401 once it is revoked', async () => {
    const { app } = await start();
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: bearer(admin),
      payload: { name: 'dashboard', scopes: ['read'] },
    });
    expect(created.statusCode).toBe(201);
    const { token, id } = created.json();
    expect(created.json()).toEqual({
      token,
      id,
      name: 'dashboard',
      scopes: ['read'],
      createdAt: expect.any(Number),
    });
    expect((await app.inject({ url: '/api/v1/hosts', headers: bearer(token) })).statusCode).toBe(200);

    const list = await app.inject({ url: '/api/v1/tokens', headers: bearer(admin) });
    expect(list.json().tokens.map((x: { id: string }) => x.id)).toContain(id);
    expect(list.body).not.toContain(token);
    expect(list.body).not.toContain(admin);
    expect(list.body).not.toMatch(/hash|[0-9a-f]{64}/);

    const revoked = await app.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${id}`,
      headers: bearer(admin),
    });
    expect(revoked.statusCode).toBe(204);
    expect(revoked.body).toBe('');
    const after = await app.inject({ url: '/api/v1/hosts', headers: bearer(token) });
    expect(after.statusCode).toBe(401);
    expect(after.headers['www-authenticate']).toBe('Bearer realm="vitals"');
  });

  it('answers 401 with one message whether the token is missing, malformed, unknown or revoked', async () => {
    const { app, tenancy } = await start();
    const gone = await tenancy.createToken(DEFAULT_ORG, { name: 'gone', scopes: ['read'] });
    await tenancy.revokeToken(DEFAULT_ORG, gone.id);
    const headers = [
      {},
      { authorization: 'Bearer' },
      bearer('nope'),
      bearer(`vt_${'x'.repeat(43)}`),
      bearer(gone.token),
    ];
    const messages = new Set<string>();
    for (const h of headers) {
      const res = await app.inject({ url: '/api/v1/hosts', headers: h });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('unauthorized');
      messages.add(res.json().error.message);
    }
    expect([...messages]).toEqual(['missing or invalid bearer token']);
  });

  it('accepts the Token scheme when a client sends it as Telegraf does', async () => {
    const { app } = await start();
    const res = await app.inject({ url: '/api/v1/hosts', headers: { authorization: `Token ${admin}` } });
    expect(res.statusCode).toBe(200);
  });

  it('answers 403 when an ingest token reads and when a read token uses an admin route', async () => {
    const { app, tenancy } = await start();
    const tokens = await scopedTokens(tenancy, DEFAULT_ORG);
    const read = await app.inject({ url: '/api/v1/hosts', headers: bearer(tokens.ingest) });
    expect(read.statusCode).toBe(403);
    expect(read.json().error).toMatchObject({
      code: 'forbidden',
      message: 'this token lacks the "read" scope',
    });
    const post = await app.inject({
      method: 'POST',
      url: '/api/v1/hosts',
      headers: bearer(tokens.read),
      payload: { id: 'h' },
    });
    expect(post.statusCode).toBe(403);
    expect((await app.inject({ url: '/api/v1/tokens', headers: bearer(tokens.read) })).statusCode).toBe(403);
  });

  it('answers 404 when an admin revokes a token id of another org', async () => {
    const { app, tenancy } = await start();
    await tenancy.createOrg({ id: 'other', name: 'Other' });
    const theirs = await tenancy.createToken('other', { name: 'theirs', scopes: ['read'] });
    const res = await app.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${theirs.id}`,
      headers: bearer(admin),
    });
    expect(res.statusCode).toBe(404);
    expect(await tenancy.authenticate(theirs.token)).toMatchObject({ org: 'other' });
  });

  it('answers 400 naming the field when a token request is bad', async () => {
    const { app } = await start();
    const cases: [unknown, string][] = [
      [{ name: 'x', scopes: ['root'] }, 'body.scopes.0'],
      [{ name: '', scopes: ['read'] }, 'body.name'],
      [{ name: 'x', scopes: ['read'], org: 'other' }, 'body.org: is not a known field'],
    ];
    for (const [payload, field] of cases) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        headers: bearer(admin),
        payload: payload as object,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toContain(field);
    }
    expect((await app.inject({ url: '/api/v1/tokens', headers: bearer(admin) })).json().tokens).toHaveLength(
      1,
    );
  });

  it('refuses to register an /api/ route that declares no scope', async () => {
    const { app } = await start();
    expect(() => app.get('/api/v1/forgotten', async () => 'open')).toThrow(/declares no config.scope/);
    expect(() => app.get('/api/v1/open', { config: { scope: 'public' } }, async () => 'ok')).not.toThrow();
  });

  it('never writes a token into the log while requests succeed and fail', async () => {
    let log = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        log += chunk.toString();
        done();
      },
    });
    const { app } = await start({ logger: pino({ level: 'trace' }, sink) });
    app.get('/api/v1/crash', { config: { scope: 'read' } }, async () => {
      throw new Error('boom');
    });
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: bearer(admin),
      payload: { name: 'x', scopes: ['read'] },
    });
    const { token } = created.json();
    await app.inject({ url: '/api/v1/crash', headers: bearer(token) });
    await app.inject({ url: '/api/v1/hosts', headers: bearer(`${token}x`) });
    expect(log).toContain('boom');
    expect(log).not.toContain(token.slice(3));
    expect(log).not.toContain(admin.slice(3));
  });

  it('passes the shared auth suite on every token and host route', async () => {
    const { app, tenancy } = await start();
    await tenancy.createOrg({ id: 'org-b', name: 'B' });
    const orgA = await scopedTokens(tenancy, DEFAULT_ORG);
    const orgB = await scopedTokens(tenancy, 'org-b');
    await tenancy.createHost(DEFAULT_ORG, { id: 'a-host', name: 'A secret name' });
    const victim = await tenancy.createToken(DEFAULT_ORG, { name: 'victim', scopes: ['read'] });
    // The whole app's table: token and host routes with their fixtures, every other route as it is.
    const routes = protectedRoutes(app, {
      param: (pattern) => (pattern.startsWith('/api/v1/tokens/') ? victim.id : 'a-host'),
      requests: {
        'POST /api/v1/tokens': { payload: { name: 'n', scopes: ['read'] } },
        'POST /api/v1/hosts': { payload: { id: 'b-host' } },
        'PATCH /api/v1/hosts/:id': { payload: { name: 'taken over' } },
      },
    }).filter((r) => r.url.startsWith('/api/v1/tokens') || /^\/api\/v1\/hosts(\/a-host)?$/.test(r.url));
    expect(routes.map((r) => `${r.method} ${r.url}`).sort()).toEqual(
      [
        `DELETE /api/v1/tokens/${victim.id}`,
        'DELETE /api/v1/hosts/a-host',
        'GET /api/v1/hosts',
        'GET /api/v1/hosts/a-host',
        'GET /api/v1/tokens',
        'PATCH /api/v1/hosts/a-host',
        'POST /api/v1/hosts',
        'POST /api/v1/tokens',
      ].sort(),
    );
    await assertRouteAuth(app, routes, { orgA, orgB, orgAMarkers: ['a-host', 'A secret name', victim.id] });
    expect(await tenancy.getHost(DEFAULT_ORG, 'a-host')).toMatchObject({ name: 'A secret name' });
    expect(await tenancy.authenticate(victim.token)).toBeDefined();
    expect((await tenancy.listHosts('org-b')).map((h) => h.id)).toEqual(['b-host']);
  });
});

describe('bearer auth while Redis is unreachable', () => {
  it('answers 503 with Retry-After for a token not verified before', async () => {
    const server = await startRedis();
    const t = await tenancyTestApp(server.url, uniquePrefix('api-auth-down'));
    try {
      await t.tenancy.bootstrap();
      const { token } = await t.tenancy.createToken(DEFAULT_ORG, { name: 'x', scopes: ['read'] });
      await server.stop();
      const res = await t.app.inject({ url: '/api/v1/hosts', headers: bearer(token) });
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('unavailable');
      expect(res.headers['retry-after']).toBe('1');
    } finally {
      await t.close();
      await server.close();
    }
  });
});
