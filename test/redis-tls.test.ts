import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../src/cli/runtime.ts';
import { loadConfig } from '../src/config/index.ts';
import { closeRedis, createRedis, type RedisClient, type Role } from '../src/redis/index.ts';
import {
  freeClusterPort,
  HOST,
  makeTestPki,
  opensslAvailable,
  parseInfo,
  type RedisServer,
  type RedisTlsFiles,
  sleep,
  startRedis,
  type TestPki,
  uniquePrefix,
  waitFor,
} from './harness/index.ts';
import { type ApiEnv, apiEnv } from './support/api.ts';
import { testConfig } from './support/config.ts';
import { expectHealthy } from './support/health.ts';

// Debian's redis-server 7.0 is built with TLS; the PKI is made here with the openssl CLI.
const root = new URL('..', import.meta.url).pathname;

interface Health {
  status: string;
  checks: Record<string, Array<{ status: string; output?: string }>>;
}

async function health(runtime: Runtime): Promise<Health> {
  return (await runtime.app.inject({ url: '/health' })).json() as Health;
}

/** A runtime whose log lines are kept, for the "says what to fix" assertions. */
async function loggedRuntime(
  env: Record<string, string>,
): Promise<{ runtime: Runtime; lines: Array<Record<string, unknown>> }> {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  // Start-up waits up to REDIS_CONNECT_TIMEOUT for Redis before carrying on degraded.
  const config = testConfig({
    VITALS_KEY_PREFIX: uniquePrefix('tls-refused'),
    REDIS_CONNECT_TIMEOUT: '500',
    ...env,
  });
  const runtime = await createRuntime(config, pino({ level: 'warn' }, sink), { bootstrap: false });
  return { runtime, lines };
}

describe.skipIf(!opensslAvailable())('Redis over TLS', () => {
  let pki: TestPki;
  /** Demands a client certificate (`tls-auth-clients yes`). */
  let strict: RedisServer;
  /** Checks a client certificate only if one is sent (`tls-auth-clients optional`). */
  let optional: RedisServer;
  let target: Server;
  let targetUrl = '';

  beforeAll(async () => {
    pki = makeTestPki();
    const files = {
      caFile: pki.caCert,
      certFile: pki.serverCert,
      keyFile: pki.serverKey,
      clientCertFile: pki.clientCert,
      clientKeyFile: pki.clientKey,
    };
    strict = await startRedis({ tls: { ...files, authClients: 'yes' } });
    optional = await startRedis({ tls: { ...files, authClients: 'optional' } });
    target = createServer((_, res) => res.end('up 1\nload_1 0.5\n'));
    await new Promise<void>((resolve) => target.listen(0, HOST, resolve));
    const address = target.address();
    targetUrl = `http://${HOST}:${typeof address === 'object' && address ? address.port : 0}/metrics`;
  });
  afterAll(async () => {
    await new Promise((resolve) => target?.close(resolve));
    await strict?.close();
    await optional?.close();
    pki?.remove();
  });

  it('starts a TLS-only harness server that refuses plain TCP', async () => {
    expect(strict.url).toMatch(/^rediss:\/\//);
    expect(await strict.client().ping()).toBe('PONG');
    const plain = strict.client({ tls: undefined, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    await expect(plain.ping()).rejects.toThrow();
  });

  it('runs the full server with a CA and client certificate: push, range query, collection, /health', async () => {
    let env: ApiEnv | undefined;
    try {
      env = await apiEnv(strict.url, uniquePrefix('tls'), {
        REDIS_TLS_CA: pki.caCert,
        REDIS_TLS_CERT: pki.clientCert,
        REDIS_TLS_KEY: pki.clientKey,
        VITALS_COLLECT_ATTEMPTS: '1',
        VITALS_COLLECT_RECONCILE_INTERVAL: '0',
      });
      const t0 = Date.now() - 60_000;
      const push = await env.call('POST', '/api/v1/ingest', {
        payload: {
          hosts: [
            {
              host: 'tls-1',
              snapshots: [0, 1, 2].map((i) => ({ timestamp: t0 + i * 10_000, metrics: { 'cpu.usage': i } })),
            },
          ],
        },
      });
      expect(push.json()).toMatchObject({ samples: 3, stored: 'redis' });
      const range = await env.call(
        'GET',
        `/api/v1/hosts/tls-1/metrics/range?startTime=${t0}&endTime=${t0 + 60_000}&metrics=cpu`,
      );
      expect(range.json()).toMatchObject({ count: 3, rows: [{ cpu: 0 }, { cpu: 1 }, { cpu: 2 }] });

      // BullMQ's queue and worker connections (the worker's blocking one too) speak TLS as well.
      await env.runtime.api.tenancy.createHost('default', {
        id: 'pulled',
        metricsInterval: 3600,
        collector: { kind: 'prometheus', settings: { url: targetUrl } },
      });
      expect((await env.call('POST', '/api/v1/hosts/pulled/collect')).statusCode).toBe(202);
      await waitFor(
        async () => (await env?.call('GET', '/api/v1/queues'))?.json().queues[0].counts.completed >= 1,
        { timeoutMs: 10_000, message: 'a collection over TLS' },
      );
      const pulled = (await env.call('GET', '/api/v1/hosts/pulled/metrics/latest')).json();
      expect(pulled.metrics.map((m: { series: string }) => m.series)).toContain('up');

      const body = await health(env.runtime);
      expectHealthy(body);
      // Every connection of the process went through TLS: the server has no plain port at all.
      const names = (await strict.client().client('LIST')) as string;
      expect(names).toMatch(/name=vitals:request/);
      expect(names).toMatch(/name=vitals:collect-worker/);
    } finally {
      await env?.close();
    }
  });

  it('connects with only REDIS_TLS_CA (which turns TLS on) to a server that does not demand client certificates', async () => {
    let env: ApiEnv | undefined;
    try {
      env = await apiEnv(optional.url.replace('rediss://', 'redis://'), uniquePrefix('tls-ca-only'), {
        REDIS_TLS_CA: pki.caCert,
      });
      expect(env.runtime.config.redis.tls).toBe(true);
      const push = await env.call('POST', '/api/v1/write?precision=ms', {
        payload: `cpu,host=tls-2 usage=5 ${Date.now() - 1000}`,
        headers: { 'content-type': 'text/plain' },
      });
      expect(push.statusCode).toBe(204);
      expectHealthy(await health(env.runtime));
    } finally {
      await env?.close();
    }
  });

  it('does not connect without the CA: /health warns and the log says to set REDIS_TLS_CA', async () => {
    const { runtime, lines } = await loggedRuntime({ REDIS_URL: optional.url });
    try {
      const body = await waitFor(
        async () => {
          const h = await health(runtime);
          return h.checks['redis:connectivity']?.[0]?.output?.includes('REDIS_TLS_CA') && h;
        },
        { timeoutMs: 10_000, message: 'a health check naming REDIS_TLS_CA' },
      );
      expect(body.status).toBe('warn');
      expect(body.checks['redis:connectivity']?.[0]).toMatchObject({
        status: 'warn',
        output: expect.stringMatching(/TLS: self-signed certificate in certificate chain/),
      });
      expect(runtime.redis.status).not.toBe('ready');
      const logged = lines.find((l) => String(l.msg).startsWith('redis TLS handshake failed'));
      expect(logged).toMatchObject({ level: 40, hint: expect.stringContaining('set REDIS_TLS_CA') });
    } finally {
      await runtime.close();
    }
  });

  it('does not connect without a client certificate when the server demands one, and says which settings', async () => {
    const { runtime, lines } = await loggedRuntime({ REDIS_URL: strict.url, REDIS_TLS_CA: pki.caCert });
    try {
      const body = await waitFor(
        async () => {
          const h = await health(runtime);
          return h.checks['redis:connectivity']?.[0]?.output?.includes('REDIS_TLS_CERT') && h;
        },
        { timeoutMs: 10_000, message: 'a health check naming REDIS_TLS_CERT' },
      );
      expect(body.status).toBe('warn');
      expect(runtime.redis.status).not.toBe('ready');
      expect(lines.some((l) => String(l.hint).includes('REDIS_TLS_CERT and REDIS_TLS_KEY'))).toBe(true);
      expect(strict.log()).toMatch(/peer did not return a certificate/);
    } finally {
      await runtime.close();
    }
  });

  it('exits with code 2 naming the variable when a TLS file cannot be read', () => {
    const run = spawnSync(process.execPath, [`${root}bin/vitals.js`, 'server'], {
      cwd: root,
      env: { ...process.env, REDIS_URL: strict.url, REDIS_TLS_CA: `${pki.dir}/nope.pem` },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`REDIS_TLS_CA="${pki.dir}/nope.pem": cannot read the file (ENOENT)`);
  });
});

describe.skipIf(!opensslAvailable())('Sentinel and Cluster over TLS', () => {
  let pki: TestPki;
  let files: RedisTlsFiles;
  const servers: RedisServer[] = [];
  const clients: RedisClient[] = [];
  const silent = pino({ level: 'silent' });

  beforeAll(() => {
    pki = makeTestPki();
    files = { caFile: pki.caCert, certFile: pki.serverCert, keyFile: pki.serverKey, authClients: 'optional' };
  });
  afterAll(async () => {
    for (const client of clients) await closeRedis(client, 200);
    for (const server of servers) await server.close();
    pki?.remove();
  });

  /** Every role's connection, as the server makes them, answers over TLS; the request one writes and reads. */
  async function everyRoleWorks(env: Record<string, string>): Promise<void> {
    const config = loadConfig({ REDIS_TLS_CA: pki.caCert, ...env });
    for (const role of ['request', 'worker', 'subscriber'] as Role[]) {
      const client = createRedis({ config: config.redis, logger: silent }, role, `tls-${role}`);
      clients.push(client);
      await waitFor(() => client.status === 'ready', {
        timeoutMs: 10_000,
        message: `${role} ready over TLS`,
      });
      expect(await client.ping()).toBe('PONG');
      if (role === 'request') {
        await client.set('tls:{k}', 'v');
        expect(await client.get('tls:{k}')).toBe('v');
      }
    }
  }

  /**
   * Without the CA the connection never gets ready, the log says to set REDIS_TLS_CA, and the process
   * survives the failed handshakes (a second TLS error on a socket would be an uncaught exception,
   * which fails this run).
   */
  async function refusedWithoutCa(env: Record<string, string>): Promise<void> {
    const hints: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
          const hint = (JSON.parse(line) as { hint?: string }).hint;
          if (hint) hints.push(hint);
        }
        done();
      },
    });
    const config = loadConfig({ REDIS_TLS: 'true', ...env });
    const client = createRedis({ config: config.redis, logger: pino({ level: 'warn' }, sink) }, 'request');
    clients.push(client);
    await waitFor(() => hints.some((h) => h.includes('set REDIS_TLS_CA')), {
      timeoutMs: 30_000,
      message: 'a log line saying to set REDIS_TLS_CA',
    });
    await sleep(1000);
    expect(client.status).not.toBe('ready');
  }

  // Each role may take up to 10 s to be ready and the refusal up to 30 s to be logged: more than the
  // default 30 s of a test (a clean-clone CI run under load timed the Cluster test out once).
  it('finds the master through a TLS-only Sentinel and talks TLS to it', { timeout: 90_000 }, async () => {
    const master = await startRedis({ tls: files });
    servers.push(master);
    const sentinel = await startRedis({
      sentinel: true,
      tls: files,
      // The sentinel reaches the master over TLS too.
      args: ['--tls-replication', 'yes'],
      config: `sentinel monitor tls-master ${HOST} ${master.port} 1\n`,
    });
    servers.push(sentinel);
    await everyRoleWorks({
      REDIS_SENTINELS: `${HOST}:${sentinel.port}`,
      REDIS_SENTINEL_NAME: 'tls-master',
    });
    // Neither has a plain port: the data connections reached the master over TLS.
    const list = String(await master.client().client('LIST'));
    expect(list).toMatch(/name=vitals:tls-request/);
    await refusedWithoutCa({
      REDIS_SENTINELS: `${HOST}:${sentinel.port}`,
      REDIS_SENTINEL_NAME: 'tls-master',
    });
  });

  it('talks TLS to every node of a Cluster', { timeout: 90_000 }, async () => {
    const node = await startRedis({
      tls: files,
      pickPort: freeClusterPort,
      args: [
        ...['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--tls-cluster', 'yes'],
        // A lone node does not know its own address until it meets another; clients need it in CLUSTER SLOTS.
        ...['--cluster-announce-ip', HOST],
      ],
    });
    servers.push(node);
    const admin = node.client();
    await admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
    await waitFor(
      async () => parseInfo(String(await admin.call('CLUSTER', 'INFO'))).get('cluster_state') === 'ok',
      {
        timeoutMs: 10_000,
        message: 'cluster_state ok',
      },
    );
    await everyRoleWorks({ REDIS_CLUSTER_NODES: `${HOST}:${node.port}` });
    await refusedWithoutCa({ REDIS_CLUSTER_NODES: `${HOST}:${node.port}` });
  });
});
