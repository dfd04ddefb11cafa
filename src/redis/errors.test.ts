import { BrokenCircuitError } from 'cockatiel';
import { Redis, ReplyError } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, HOST, type RedisServer, startRedis, waitFor } from '../../test/harness/index.ts';
import { loadConfig } from '../config/index.ts';
import { createRedis, type RedisClient } from './connection.ts';
import { isAuthError, isUnavailable } from './errors.ts';
import { execGrouped } from './pipeline.ts';

const silent = pino({ level: 'silent' });
const SOCKET_TIMEOUT_MS = 500;

/** A request-role connection as the server builds it, with a short deadline. */
function requestClient(url: string): RedisClient {
  const config = loadConfig({ REDIS_URL: url, REDIS_SOCKET_TIMEOUT: String(SOCKET_TIMEOUT_MS) });
  return createRedis({ config: config.redis, logger: silent }, 'request');
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
    },
    (err: unknown) => err,
  );
}

async function ready(client: RedisClient): Promise<void> {
  await waitFor(() => client.status === 'ready', { timeoutMs: 5000, message: 'client ready' });
}

describe('isUnavailable against a real redis-server', () => {
  let server: RedisServer;
  let admin: Redis;
  beforeAll(async () => {
    server = await startRedis();
    admin = server.client();
  });
  afterAll(async () => server?.close());

  it('is false for command errors: WRONGTYPE, NOSCRIPT, syntax, unknown command, Lua errors, NOPERM', async () => {
    await admin.set('str', 'x');
    const errors = [
      await failure(admin.lpush('str', 'a')),
      await failure(admin.evalsha('0'.repeat(40), 0)),
      await failure(admin.call('SET', 'k', 'v', 'BOGUS')),
      await failure(admin.call('NOSUCHCOMMAND')),
      await failure(admin.eval("return redis.call('INCR', KEYS[1])", 1, 'str')),
      await failure(admin.eval('return +', 0)),
      await failure(admin.eval("error('boom')", 0)),
      await failure(execGrouped(admin, [{ key: 'str', add: (p) => p.lpush('str', 'a') }])),
    ];
    expect(errors.map((e) => String(e).slice(0, 40))).toEqual([
      expect.stringContaining('WRONGTYPE'),
      expect.stringContaining('NOSCRIPT'),
      expect.stringContaining('syntax error'),
      expect.stringContaining('unknown command'),
      expect.stringContaining('ERR'),
      expect.stringContaining('ERR'),
      expect.stringContaining('boom'),
      expect.stringContaining('PipelineError'),
    ]);
    for (const err of errors) expect([String(err), isUnavailable(err)]).toEqual([String(err), false]);
    for (const err of errors) expect(isAuthError(err)).toBe(false);

    await admin.call(
      'ACL',
      'SETUSER',
      'pinger',
      'on',
      '>pw',
      '~*',
      '-@all',
      '+ping',
      '+hello',
      '+client',
      '+info',
    );
    const limited = server.client({ username: 'pinger', password: 'pw' });
    const noperm = await failure(limited.get('str'));
    expect(String(noperm)).toContain('NOPERM');
    expect(isUnavailable(noperm)).toBe(false);
    expect(isAuthError(noperm)).toBe(true);
  });

  it('is false for errors that are not Redis failures, the open circuit included', () => {
    expect(isUnavailable(new BrokenCircuitError())).toBe(false);
    expect(isUnavailable(new Error('boom'))).toBe(false);
    expect(isUnavailable(new TypeError('x is undefined'))).toBe(false);
    expect(isUnavailable('Connection is closed.')).toBe(false);
    expect(isUnavailable(undefined)).toBe(false);
  });

  it('is true for OOM, READONLY, MASTERDOWN and BUSY replies', async () => {
    await admin.config('SET', 'maxmemory', '1');
    const oom = await failure(admin.set('big', 'x'));
    await admin.config('SET', 'maxmemory', '0');
    expect(String(oom)).toContain('OOM command not allowed');

    const closedPort = await freePort();
    await admin.config('SET', 'replica-serve-stale-data', 'no');
    await admin.replicaof(HOST, closedPort);
    const readonly = await failure(admin.set('k', 'v'));
    const masterdown = await failure(admin.get('k'));
    await admin.replicaof('NO', 'ONE');
    await admin.config('SET', 'replica-serve-stale-data', 'yes');
    expect(String(readonly)).toMatch(/READONLY|MASTERDOWN/);
    expect(String(masterdown)).toContain('MASTERDOWN');

    await admin.config('SET', 'busy-reply-threshold', '100');
    const looping = server.client();
    const loop = looping.eval('while true do end', 0).catch((err: unknown) => err);
    const other = server.client();
    const busy = await waitFor(async () => {
      const err = await other.get('k').then(
        () => undefined,
        (e: unknown) => e,
      );
      return String(err).includes('BUSY') ? err : undefined;
    });
    await other.call('SCRIPT', 'KILL');
    const killed = await loop;

    for (const err of [oom, readonly, masterdown, busy]) expect(isUnavailable(err)).toBe(true);
    // The script that was killed failed for its own reason: a command error.
    expect(isUnavailable(killed)).toBe(false);
  });

  it('is true for LOADING while the dataset is reloaded', async () => {
    await admin.call('DEBUG', 'POPULATE', '300000', 'load', '64');
    const probe = server.client();
    await probe.ping();
    let reloaded = false;
    const reload = admin.call('DEBUG', 'RELOAD').finally(() => {
      reloaded = true;
    });
    let loading: unknown;
    // Once the reload is over there is nothing more to see.
    while (!loading && !reloaded) {
      const result = await probe.get('load:1').then(
        () => undefined,
        (err: unknown) => err,
      );
      if (String(result).includes('LOADING')) loading = result;
    }
    await reload;
    await admin.flushall();
    // Loading 300 k keys takes long enough here (~1 s) for several probes to see it.
    expect(String(loading)).toContain('LOADING');
    expect(isUnavailable(loading)).toBe(true);
  });

  it('is true for a request that passes its deadline on a frozen Redis, pipelined or not', async () => {
    const client = requestClient(server.url);
    try {
      await ready(client);
      server.freeze();
      const started = performance.now();
      const [single, pipelined] = await Promise.all([
        failure(client.get('k')),
        failure(execGrouped(client, [{ key: 'k', add: (p) => p.get('k') }])),
      ]);
      const elapsed = performance.now() - started;
      expect(String(single)).toContain('Command timed out');
      expect(String((pipelined as Error).cause)).toContain('Command timed out');
      expect(elapsed).toBeLessThan(SOCKET_TIMEOUT_MS + 1000);
      // The socket timeout has closed the connection meanwhile: the next command fails at once.
      await waitFor(() => client.status !== 'ready', { timeoutMs: 3000 });
      const notWritable = await failure(client.get('k'));
      expect(String(notWritable)).toContain("Stream isn't writeable");
      for (const err of [single, pipelined, notWritable]) expect(isUnavailable(err)).toBe(true);
    } finally {
      server.thaw();
      client.disconnect();
    }
  });

  it('is true for a command cut off by a closing connection and for the socket timeout itself', async () => {
    const client = server.client({ socketTimeout: SOCKET_TIMEOUT_MS, retryStrategy: () => null });
    const emitted: unknown[] = [];
    client.on('error', (err: unknown) => emitted.push(err));
    try {
      await client.ping();
      server.freeze();
      const closed = await failure(client.get('k'));
      expect(String(closed)).toContain('Connection is closed');
      expect(isUnavailable(closed)).toBe(true);
      const timeout = emitted.find((e) => String(e).includes('Socket timeout'));
      expect(timeout).toBeDefined();
      expect(isUnavailable(timeout)).toBe(true);
    } finally {
      server.thaw();
      client.disconnect();
    }
  });

  it('is true while Redis is stopped: refused connection, no offline queue, retries exhausted', async () => {
    const request = requestClient(server.url);
    const queued = server.client({ maxRetriesPerRequest: 1 });
    const direct = new Redis({ host: HOST, port: server.port, lazyConnect: true, retryStrategy: () => null });
    const emitted: unknown[] = [];
    direct.on('error', (err: unknown) => emitted.push(err));
    try {
      await ready(request);
      await queued.ping();
      await server.stop();
      // The socket error is emitted; the connect() promise rejects with "Connection is closed."
      const closed = await failure(direct.connect());
      const refused = emitted.find((e) => (e as { code?: string }).code === 'ECONNREFUSED');
      expect(refused).toBeDefined();
      expect(String(closed)).toContain('Connection is closed');
      await waitFor(() => request.status !== 'ready', { timeoutMs: 3000 });
      const notWritable = await failure(request.get('k'));
      expect(String(notWritable)).toContain("Stream isn't writeable");
      const exhausted = await failure(queued.get('k'));
      expect((exhausted as Error).name).toBe('MaxRetriesPerRequestError');
      for (const err of [refused, closed, notWritable, exhausted]) expect(isUnavailable(err)).toBe(true);
    } finally {
      request.disconnect();
      direct.disconnect();
      await server.restart();
    }
  });
});

describe('isUnavailable and isAuthError for cluster and credential failures', () => {
  it('is true for CLUSTERDOWN from a cluster node that serves no slots', async () => {
    const node = await startRedis({ args: ['--cluster-enabled', 'yes'] });
    try {
      const err = await failure(node.client().get('k'));
      expect(String(err)).toContain('CLUSTERDOWN');
      expect(isUnavailable(err)).toBe(true);
    } finally {
      await node.close();
    }
  });

  it('tells a refused password from an outage', async () => {
    const server = await startRedis({ password: 'right' });
    const wrong = requestClient(`redis://:wrong@${HOST}:${server.port}`);
    const none = requestClient(`redis://${HOST}:${server.port}`);
    const seen: unknown[] = [];
    wrong.on('error', (err: unknown) => seen.push(err));
    none.on('error', (err: unknown) => seen.push(err));
    try {
      const wrongpass = await waitFor(() => seen.find((e) => String(e).includes('WRONGPASS')));
      const noauth = await waitFor(() => seen.find((e) => String(e).includes('NOAUTH')));
      const command = await failure(server.client({ password: undefined }).get('k'));
      expect(String(command)).toContain('NOAUTH');
      for (const err of [wrongpass, noauth, command]) {
        expect(isAuthError(err)).toBe(true);
        expect(isUnavailable(err)).toBe(true);
      }
      // What a request connection's own commands see meanwhile: not ready, not the reason.
      const notReady = await failure(wrong.get('k'));
      expect(isAuthError(notReady)).toBe(false);
      expect(isUnavailable(notReady)).toBe(true);
    } finally {
      wrong.disconnect();
      none.disconnect();
      await server.close();
    }
  });

  it('classifies replies and socket errors it cannot provoke reliably by their code', () => {
    for (const code of ['ECONNRESET', 'ETIMEDOUT', 'EPIPE'])
      expect(isUnavailable(Object.assign(new Error(`read ${code}`), { code }))).toBe(true);
    for (const reply of [
      'TRYAGAIN Multiple keys request during rehashing of slot',
      'MISCONF Redis is configured to save RDB snapshots, but it is currently not able to persist on disk.',
      'NOREPLICAS Not enough good replicas to write.',
    ])
      expect(isUnavailable(new ReplyError(reply))).toBe(true);
    expect(isUnavailable(new ReplyError('ERR Error running script: Connection is closed.'))).toBe(false);
  });
});
