import { createServer, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisTenancy } from '../src/tenancy/index.ts';
import { freePort, HOST, type RedisServer, startRedis, uniquePrefix, waitFor } from './harness/index.ts';
import { type ApiEnv, apiEnv } from './support/api.ts';

let redis: RedisServer;
let target: Server;
let targetUrl = '';
let env: ApiEnv;
let app: FastifyInstance;
let tenancy: RedisTenancy;
const token: Record<'admin' | 'read' | 'otherAdmin' | 'otherRead', string> = {
  admin: '',
  read: '',
  otherAdmin: '',
  otherRead: '',
};

function call(method: 'GET' | 'POST', url: string, as: keyof typeof token | undefined) {
  const headers = as === undefined ? {} : { authorization: `Bearer ${token[as]}` };
  return app.inject({ method, url, headers });
}

beforeAll(async () => {
  redis = await startRedis();
  target = createServer((_, res) => res.end('up 1\n'));
  await new Promise<void>((resolve) => target.listen(0, HOST, resolve));
  const address = target.address();
  targetUrl = `http://${HOST}:${typeof address === 'object' && address ? address.port : 0}/metrics`;

  env = await apiEnv(redis.url, uniquePrefix('collect-api'), {
    VITALS_COLLECT_ATTEMPTS: '1',
    VITALS_COLLECT_TIMEOUT: '2s',
    VITALS_COLLECT_RECONCILE_INTERVAL: '0',
  });
  app = env.runtime.app;
  tenancy = env.runtime.api.tenancy;
  await tenancy.createOrg({ id: 'other', name: 'Other' });
  token.admin = (await tenancy.createToken('default', { name: 'a', scopes: ['admin'] })).token;
  token.read = (await tenancy.createToken('default', { name: 'r', scopes: ['read'] })).token;
  token.otherAdmin = (await tenancy.createToken('other', { name: 'a', scopes: ['admin'] })).token;
  token.otherRead = (await tenancy.createToken('other', { name: 'r', scopes: ['read'] })).token;
});

afterAll(async () => {
  await env?.close();
  await new Promise((resolve) => target?.close(resolve));
  await redis?.close();
});

describe('collection control API', () => {
  it('does ask for a token, admin scope for control and read scope for figures', async () => {
    expect((await call('GET', '/api/v1/queues', undefined)).statusCode).toBe(401);
    expect((await call('POST', '/api/v1/collect', 'read')).statusCode).toBe(403);
    expect((await call('POST', '/api/v1/queues/collect/pause', 'read')).json()).toMatchObject({
      error: { code: 'forbidden' },
    });
    const figures = await call('GET', '/api/v1/queues', 'read');
    expect(figures.statusCode).toBe(200);
    expect(figures.json()).toMatchObject({
      queues: [{ name: 'collect', paused: false, counts: { failed: 0 } }],
    });
  });

  it("does collect one host or all now within the caller's org, and 404 for another org's host", async () => {
    await tenancy.createHost('default', {
      id: 'web',
      metricsInterval: 3600,
      collector: { kind: 'prometheus', settings: { url: targetUrl } },
    });
    await tenancy.createHost('other', {
      id: 'theirs',
      metricsInterval: 3600,
      collector: { kind: 'prometheus', settings: { url: targetUrl } },
    });
    await tenancy.createHost('default', { id: 'agent' });
    const one = await call('POST', '/api/v1/hosts/web/collect', 'admin');
    expect(one.statusCode).toBe(202);
    expect(one.json()).toMatchObject({ host: 'web', jobId: expect.stringMatching(/^now\/default\/web\//) });
    expect((await call('POST', '/api/v1/hosts/theirs/collect', 'admin')).statusCode).toBe(404);
    const pushHost = await call('POST', '/api/v1/hosts/agent/collect', 'admin');
    expect([pushHost.statusCode, pushHost.json().error.code]).toEqual([409, 'conflict']);
    const all = await call('POST', '/api/v1/collect', 'otherAdmin');
    expect(all.json()).toMatchObject({ queued: [{ host: 'theirs' }], skipped: [] });
    await waitFor(
      async () => (await call('GET', '/api/v1/queues', 'otherRead')).json().queues[0].counts.completed >= 2,
      { timeoutMs: 10_000 },
    );
  });

  it('does pause and resume collection of one org only', async () => {
    expect((await call('POST', '/api/v1/queues/collect/pause', 'otherAdmin')).json()).toEqual({
      paused: true,
    });
    expect((await call('GET', '/api/v1/queues', 'otherRead')).json().queues[0]).toMatchObject({
      paused: true,
      schedulers: 0,
    });
    expect((await call('GET', '/api/v1/queues', 'read')).json().queues[0]).toMatchObject({
      paused: false,
      schedulers: 1,
    });
    expect((await call('POST', '/api/v1/collect', 'otherAdmin')).statusCode).toBe(409);
    expect((await call('POST', '/api/v1/queues/collect/resume', 'otherAdmin')).json()).toEqual({
      paused: false,
    });
    expect((await call('GET', '/api/v1/queues', 'otherRead')).json().queues[0]).toMatchObject({
      paused: false,
      schedulers: 1,
    });
    // A resumed schedule runs at once: the first scheduled run, collect-now, and this one.
    await waitFor(
      async () => (await call('GET', '/api/v1/queues', 'otherRead')).json().queues[0].counts.completed === 3,
      { timeoutMs: 10_000 },
    );
  });

  it("does list failed jobs with their reasons to their own org only, and clean the org's finished jobs", async () => {
    const dead = `http://${HOST}:${await freePort()}/metrics`;
    await tenancy.createHost('default', {
      id: 'dead',
      metricsInterval: 3600,
      collector: { kind: 'prometheus', settings: { url: dead } },
    });
    const failed = await waitFor(
      async () => {
        const jobs = (await call('GET', '/api/v1/queues/collect/failed?limit=5', 'read')).json().jobs;
        return jobs.length > 0 && jobs;
      },
      { timeoutMs: 10_000 },
    );
    expect(failed[0]).toMatchObject({
      host: 'dead',
      trigger: 'schedule',
      attemptsMade: 1,
      reason: expect.stringContaining('ECONNREFUSED'),
    });
    expect((await call('GET', '/api/v1/queues/collect/failed', 'otherRead')).json()).toEqual({ jobs: [] });
    expect((await call('GET', '/api/v1/queues/collect/failed?limit=0', 'read')).statusCode).toBe(400);

    const before = (await call('GET', '/api/v1/queues', 'otherRead')).json().queues[0].counts;
    expect((await call('POST', '/api/v1/queues/collect/clean', 'admin')).json()).toEqual({
      removed: { completed: 0, failed: 0 },
    });
    const cleaned = await call(
      'POST',
      '/api/v1/queues/collect/clean?completedAgeMs=0&completedKeep=0&failedAgeMs=0&failedKeep=0',
      'admin',
    );
    expect(cleaned.json().removed.failed).toBe(1);
    expect((await call('GET', '/api/v1/queues', 'read')).json().queues[0].counts).toMatchObject({
      completed: 0,
      failed: 0,
    });
    expect((await call('GET', '/api/v1/queues', 'otherRead')).json().queues[0].counts).toEqual(before);
  });
});
