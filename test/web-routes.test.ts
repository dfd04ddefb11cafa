import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis, uniquePrefix } from './harness/index.ts';
import { type ApiEnv, apiEnv } from './support/api.ts';

const INDEX =
  '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head></html>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(2000))});`;

let redis: RedisServer;
const envs: ApiEnv[] = [];

/** The whole app (as the server builds it) serving the dashboard from `distDir`. */
async function appWith(distDir: string): Promise<FastifyInstance> {
  const env = await apiEnv(redis.url, uniquePrefix('web-routes'), {}, { webDir: distDir });
  envs.push(env);
  return env.runtime.app;
}

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const env of envs) await env.close();
  await redis?.close();
});

describe('the dashboard route', () => {
  let dist: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'vitals-web-routes-'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), INDEX);
    writeFileSync(join(dist, 'assets', 'index-abc123.js'), SCRIPT);
    writeFileSync(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(dist, '.vitals-build.json'), '{"stamp":"x"}\n');
    app = await appWith(dist);
  });
  afterAll(async () => {
    rmSync(dist, { recursive: true, force: true });
  });

  it('does serve index.html at / with no-cache, an ETag and a content security policy', async () => {
    const res = await app.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.body).toBe(INDEX);
  });

  it('does serve hashed assets as immutable for a year, gzipped when the client accepts it', async () => {
    const res = await app.inject({
      url: '/assets/index-abc123.js',
      headers: { 'accept-encoding': 'gzip, br' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(res.rawPayload).toString()).toBe(SCRIPT);
    const plain = await app.inject({ url: '/assets/index-abc123.js' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(SCRIPT);
  });

  it('does answer 304 when the ETag matches', async () => {
    const first = await app.inject({ url: '/favicon.svg' });
    const again = await app.inject({
      url: '/favicon.svg',
      headers: { 'if-none-match': String(first.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('does answer index.html for page paths, so client routes survive a reload', async () => {
    for (const url of ['/hosts/web-1', '/settings/tokens?x=1', '/queue']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.body).toBe(INDEX);
    }
  });

  it('does answer the JSON 404 for missing files, dot-files and unknown API paths, never the page', async () => {
    for (const url of [
      '/assets/missing.js',
      '/.vitals-build.json',
      '/api/v1/nope',
      '/api',
      '/docs/nothing-here.png',
    ]) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    expect((await app.inject({ url: '/livez' })).json()).toEqual({ status: 'pass' });
  });

  it('does show how to build the dashboard when the bundle is missing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'vitals-web-empty-'));
    const bare = await appWith(empty);
    const res = await bare.inject({ url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('npm run build:web');
    // Built later: served without a restart.
    writeFileSync(join(empty, 'index.html'), INDEX);
    expect((await bare.inject({ url: '/hosts/x' })).body).toBe(INDEX);
    rmSync(empty, { recursive: true, force: true });
  });
});
