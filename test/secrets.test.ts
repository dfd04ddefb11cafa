import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CollectionEvent } from '../src/collect/index.ts';
import { createLogger } from '../src/config/index.ts';
import { Keys } from '../src/redis/index.ts';
import {
  freePort,
  HOST,
  type RedisServer,
  startRedis,
  startSshd,
  type TestSshd,
  uniquePrefix,
  waitFor,
} from './harness/index.ts';
import { ADMIN_TOKEN, type ApiEnv, apiEnv } from './support/api.ts';

/**
 * "Secrets never leave": a unique secret planted in every secret-bearing setting, every failure path
 * driven, and then every API answer, every log line and every key in Redis searched for it.
 */
const secret = (label: string) => `S3CR3T-${label}-${randomBytes(8).toString('hex')}`;
const S = {
  sshPassword: secret('ssh-pw'),
  sshPassphrase: secret('ssh-passphrase'),
  sshKeyMarker: secret('ssh-key'),
  // Characters a URL must encode: both forms are searched for.
  promUrlPassword: `${secret('prom-url')}@:/`,
  promPassword: secret('prom-pw'),
  promBearer: secret('prom-bearer'),
  legacyUrlPassword: secret('legacy-url'),
  redisUrlPassword: secret('redis-url'),
  redisPassword: secret('redis-pw'),
  rejectedToken: `vt_${secret('token')}`,
  bodyPassword: secret('body-pw'),
};
const PROM_USER = 'promuser';
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

let redis: RedisServer;
/** A monitored Redis with a password none of the hosts knows. */
let guarded: RedisServer;
let sshd: TestSshd;
let keyDir = '';
let encryptedKey = '';
const servers: (Server | TcpServer)[] = [];
const sockets = new Set<Socket>();
let promBase = '';
let slowBase = '';
let hangingSshPort = 0;
const dataDir = mkdtempSync(join(tmpdir(), 'vitals-secrets-'));
const prefix = uniquePrefix('secrets');
const keys = new Keys(prefix);

/** Everything that left the process: API answers and log lines. */
const answers: string[] = [];
let log = '';
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    log += chunk.toString();
    done();
  },
});
const logger = createLogger({ logLevel: 'trace' }, sink);
const events: CollectionEvent[] = [];

function needles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(S)) {
    out[name] = value;
    out[`${name} (URL-encoded)`] = encodeURIComponent(value);
  }
  out['prometheus basic credentials'] = basic(PROM_USER, S.promUrlPassword).slice(6);
  out['prometheus field basic credentials'] = basic(PROM_USER, S.promPassword).slice(6);
  // The encrypted private key's body, line by line.
  encryptedKey
    .split('\n')
    .filter((line) => line.length > 20 && !line.startsWith('-----'))
    .forEach((line, i) => {
      out[`ssh private key line ${i}`] = line;
    });
  return out;
}

function expectClean(text: string, where: string): void {
  for (const [name, value] of Object.entries(needles())) {
    if (text.includes(value)) throw new Error(`${name} leaked into ${where}:\n${text.slice(0, 4000)}`);
  }
}

async function listening(server: Server | TcpServer): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

async function start(env: Record<string, string> = {}): Promise<ApiEnv> {
  const api = await apiEnv(
    redis.url,
    prefix,
    {
      VITALS_DATA_DIR: dataDir,
      VITALS_COLLECT_ATTEMPTS: '1',
      VITALS_COLLECT_TIMEOUT: '3s',
      VITALS_COLLECT_RECONCILE_INTERVAL: '0',
      ...env,
    },
    {},
    { logger },
  );
  api.runtime.api.collection.onCollection((event) => events.push(event));
  return api;
}

/** A request whose answer is kept for the final search. */
async function call(
  api: ApiEnv,
  method: 'GET' | 'POST' | 'PATCH',
  url: string,
  options: { payload?: unknown; token?: string; headers?: Record<string, string> } = {},
) {
  const response = await api.call(method, url, options);
  // The path only: a query may hold a planted secret the test itself sent.
  answers.push(`${method} ${url.split('?')[0]} → ${response.statusCode} ${response.body}`);
  return response;
}

function collector(kind: string, settings: Record<string, unknown>) {
  return { collector: { kind, settings }, metricsInterval: 3600 };
}

/** Every key on the private server, with its value read by type (binary-safe), as one text. */
async function dumpRedis(client: Redis): Promise<{ text: string; keys: string[] }> {
  const names: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'COUNT', 1000);
    cursor = next;
    names.push(...batch);
  } while (cursor !== '0');
  const parts: string[] = [];
  for (const key of names) {
    const type = await client.type(key);
    const values: (string | Buffer)[] =
      type === 'string'
        ? [(await client.getBuffer(key)) ?? '']
        : type === 'hash'
          ? await client.hgetallBuffer(key).then((h) => Object.entries(h).flat())
          : type === 'list'
            ? await client.lrangeBuffer(key, 0, -1)
            : type === 'set'
              ? await client.smembersBuffer(key)
              : type === 'zset'
                ? await client.zrangeBuffer(key, 0, -1)
                : type === 'stream'
                  ? (await client.xrangeBuffer(key, '-', '+')).flat(3)
                  : [];
    parts.push(key, ...values.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v))));
  }
  return { text: parts.join('\n'), keys: names };
}

async function failedJobs(api: ApiEnv): Promise<{ host: string; reason: string }[]> {
  const read = (await api.runtime.api.tenancy.createToken('default', { name: 'r', scopes: ['read'] })).token;
  return (await call(api, 'GET', '/api/v1/queues/collect/failed?limit=1000', { token: read })).json().jobs;
}

beforeAll(async () => {
  redis = await startRedis();
  guarded = await startRedis({ password: secret('not-planted'), appendonly: false });
  sshd = await startSshd();
  keyDir = mkdtempSync(join(tmpdir(), 'vitals-secrets-key-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', S.sshPassphrase, '-f', join(keyDir, 'k')]);
  encryptedKey = readFileSync(join(keyDir, 'k'), 'utf8');
  const prom = createServer((req, res) => {
    const expected =
      req.url === '/legacy' ? basic(PROM_USER, S.legacyUrlPassword) : basic(PROM_USER, S.promUrlPassword);
    if (req.headers.authorization !== expected) return void res.writeHead(401).end('who are you?');
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end('up 1\n');
  });
  promBase = `${HOST}:${await listening(prom)}`;
  // Takes requests and never answers.
  slowBase = `${HOST}:${await listening(createServer(() => undefined))}`;
  // Takes SSH connections and never sends a banner.
  hangingSshPort = await listening(
    createTcpServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }),
  );
}, 30_000);

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  for (const server of servers) {
    if ('closeAllConnections' in server) server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await sshd?.close();
  await guarded?.close();
  await redis?.close();
});

describe('secrets never leave', () => {
  it('does collect a Prometheus endpoint whose URL carries basic-auth credentials', async () => {
    const api = await start();
    try {
      const url = `http://${PROM_USER}:${encodeURIComponent(S.promUrlPassword)}@${promBase}/metrics`;
      const created = await call(api, 'POST', '/api/v1/hosts', {
        payload: { id: 'prom-ok', ...collector('prometheus', { url }) },
      });
      expect(created.statusCode).toBe(201);
      expect(created.json().collector.settings).toEqual({
        url: `http://${promBase}/metrics`,
        username: PROM_USER,
        password: '***',
      });
      await waitFor(() => events.some((e) => e.host === 'prom-ok' && e.status === 'ok'), {
        timeoutMs: 10_000,
        message: 'prom-ok collected',
      });
      const stored = JSON.parse((await redis.client().hget(keys.orgHosts('default'), 'prom-ok')) ?? '{}');
      expect(stored.collector.settings).toMatchObject({
        url: `http://${promBase}/metrics`,
        username: PROM_USER,
      });
      expect(stored.collector.settings.password).toMatch(/^enc:v1:/);
    } finally {
      await api.close();
    }
  });

  it('does keep every planted secret out of answers, logs and Redis on every failure path', async () => {
    const api = await start();
    try {
      const closed = await freePort();
      const promUrl = (base: string) =>
        `http://${PROM_USER}:${encodeURIComponent(S.promUrlPassword)}@${base}/metrics`;
      const ssh = { host: sshd.host, port: sshd.port, username: sshd.username };
      const failing: Record<string, ReturnType<typeof collector>> = {
        'prom-refused': collector('prometheus', {
          url: `http://${promBase}/metrics`,
          username: PROM_USER,
          password: S.promPassword,
        }),
        'prom-bearer': collector('prometheus', {
          url: `http://${promBase}/metrics`,
          bearerToken: S.promBearer,
        }),
        'prom-down': collector('prometheus', { url: promUrl(`${HOST}:${closed}`) }),
        'prom-slow': collector('prometheus', { url: promUrl(slowBase), timeoutMs: 1000 }),
        'ssh-password': collector('ssh', { ...ssh, password: S.sshPassword }),
        'ssh-key': collector('ssh', { ...ssh, privateKey: encryptedKey, passphrase: S.sshPassphrase }),
        'ssh-bad-key': collector('ssh', {
          ...ssh,
          privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${S.sshKeyMarker}\n-----END OPENSSH PRIVATE KEY-----\n`,
        }),
        'ssh-down': collector('ssh', { ...ssh, port: closed, password: S.sshPassword }),
        'ssh-slow': collector('ssh', {
          ...ssh,
          port: hangingSshPort,
          password: S.sshPassword,
          timeoutMs: 1000,
        }),
        'redis-url': collector('redis', { url: `redis://:${S.redisUrlPassword}@${HOST}:${guarded.port}` }),
        'redis-password': collector('redis', { host: HOST, port: guarded.port, password: S.redisPassword }),
        'redis-down': collector('redis', { url: `redis://:${S.redisUrlPassword}@${HOST}:${closed}` }),
      };
      for (const [id, body] of Object.entries(failing)) {
        const created = await call(api, 'POST', '/api/v1/hosts', { payload: { id, ...body } });
        expect(created.statusCode, id).toBe(201);
      }
      const failed = await waitFor(
        async () => {
          const jobs = await failedJobs(api);
          return Object.keys(failing).every((id) => jobs.some((j) => j.host === id)) && jobs;
        },
        { timeoutMs: 20_000, message: 'a failed job for every failing host' },
      );
      const reasons = Object.fromEntries(failed.map((j) => [j.host, j.reason]));
      expect(reasons).toMatchObject({
        'prom-refused': expect.stringContaining('authentication refused'),
        'prom-bearer': expect.stringContaining('authentication refused'),
        'prom-down': expect.stringContaining('ECONNREFUSED'),
        'prom-slow': expect.stringContaining('within'),
        'ssh-password': expect.stringContaining('authentication refused'),
        'ssh-key': expect.stringContaining('authentication refused'),
        'ssh-down': expect.stringContaining('ECONNREFUSED'),
        'redis-url': expect.stringContaining('authentication refused'),
        'redis-password': expect.stringContaining('authentication refused'),
        'redis-down': expect.stringContaining('ECONNREFUSED'),
      });
      expect(reasons['ssh-slow']).toMatch(/timed out|within/i);

      // A record from before secrets were sealed (credentials in the URL, in plaintext) still collects,
      // and is sealed at its next write.
      const legacyUrl = `http://${PROM_USER}:${S.legacyUrlPassword}@${promBase}/legacy`;
      const legacy = {
        id: 'legacy',
        name: 'legacy',
        labels: {},
        metricsEnabled: true,
        metricsInterval: 3600,
        collector: { kind: 'prometheus', settings: { url: legacyUrl } },
        thresholds: { cpu: 90, memory: 95, disk: 90 },
        createdAt: Date.now(),
        updatedAt: Date.now(),
      };
      await redis.client().hset(keys.orgHosts('default'), 'legacy', JSON.stringify(legacy));
      expect((await call(api, 'POST', '/api/v1/hosts/legacy/collect')).statusCode).toBe(202);
      await waitFor(() => events.some((e) => e.host === 'legacy' && e.status === 'ok'), {
        timeoutMs: 10_000,
        message: 'the legacy host collected',
      });
      const renamed = await call(api, 'PATCH', '/api/v1/hosts/legacy', { payload: { name: 'Legacy' } });
      expect(renamed.json().collector.settings.url).toBe(`http://${PROM_USER}:***@${promBase}/legacy`);

      // Bad input: refusals name fields, never values.
      const refusals = [
        await call(api, 'POST', '/api/v1/hosts', {
          payload: {
            id: 'twice',
            ...collector('prometheus', { url: promUrl(promBase), bearerToken: S.promBearer }),
          },
        }),
        await call(api, 'POST', '/api/v1/hosts', {
          payload: `{"id":"broken","collector":{"kind":"ssh","settings":{"password":"${S.bodyPassword}", "e"}}}`,
          headers: { 'content-type': 'application/json' },
        }),
        await call(api, 'POST', '/api/v1/hosts', {
          payload: { id: 'big', ...collector('ssh', { ...ssh, password: S.bodyPassword.repeat(1000) }) },
        }),
        await call(api, 'POST', '/api/v1/hosts', {
          payload: { id: 'masked', ...collector('ssh', { ...ssh, password: '***' }) },
        }),
        await call(api, 'PATCH', '/api/v1/hosts/ssh-password', {
          payload: { collector: { settings: { ...ssh, password: S.bodyPassword, passphrase: '***' } } },
        }),
        await call(api, 'POST', '/api/v1/hosts', {
          payload: {
            id: 'typo',
            ...collector('ssh', { ...ssh, passwrd: S.bodyPassword }),
            metricsInterval: 1,
          },
        }),
        await call(api, 'GET', `/api/v1/hosts?password=${S.bodyPassword}`),
      ];
      for (const refusal of refusals) expect(refusal.statusCode, refusal.body).toBe(400);
      expect(refusals[1]?.json().error.message).toMatch(/not valid JSON/);
      expect((await call(api, 'GET', '/api/v1/hosts', { token: S.rejectedToken })).statusCode).toBe(401);
      expect(
        (await call(api, 'GET', '/api/v1/hosts', { headers: { authorization: `Bearer ${S.promBearer}` } }))
          .statusCode,
      ).toBe(401);

      // Host answers: list, each host, and a PATCH sending the masked settings back unchanged.
      const list = (await call(api, 'GET', '/api/v1/hosts')).json().hosts as { id: string }[];
      expect(list.length).toBeGreaterThanOrEqual(Object.keys(failing).length + 2);
      for (const { id } of list) await call(api, 'GET', `/api/v1/hosts/${id}`);
      const shown = (await call(api, 'GET', '/api/v1/hosts/ssh-key')).json();
      expect(shown.collector.settings).toMatchObject({ privateKey: '***', passphrase: '***' });
      const kept = await call(api, 'PATCH', '/api/v1/hosts/ssh-key', {
        payload: { name: 'with key', collector: { settings: shown.collector.settings } },
      });
      expect(kept.statusCode).toBe(200);
      expect((await api.runtime.api.tenancy.getHost('default', 'ssh-key'))?.collector.settings).toMatchObject(
        {
          privateKey: encryptedKey,
          passphrase: S.sshPassphrase,
        },
      );
      await call(api, 'GET', '/api/v1/queues');
      await failedJobs(api);

      // Stored hosts hold ciphertext only where secrets were.
      const stored = await redis.client().hvals(keys.orgHosts('default'));
      expect(stored.join('\n')).toContain('"password":"enc:v1:');
      const { text, keys: names } = await dumpRedis(redis.client());
      expect(names.some((k) => k.startsWith(`${prefix}bull:`))).toBe(true);
      expect(text).toContain('authentication refused');
      expectClean(text, 'Redis');
    } finally {
      await api.close();
    }
    expect(log).toContain('collection failed');
    expectClean(answers.join('\n'), 'API answers');
    expectClean(log, 'the log');
  }, 60_000);

  it('does reuse the generated key after a restart, and ask for secrets again when the key is lost', async () => {
    const elsewhere = await start({ VITALS_SECRET_KEY: randomBytes(32).toString('base64') });
    try {
      const host = (await call(elsewhere, 'GET', '/api/v1/hosts/prom-ok')).json();
      expect(host.collector.settings.password).toBe('***');
      expect((await call(elsewhere, 'POST', '/api/v1/hosts/prom-ok/collect')).statusCode).toBe(202);
      await waitFor(
        async () =>
          (await failedJobs(elsewhere)).some(
            (j) => j.host === 'prom-ok' && j.reason.includes('cannot be decrypted'),
          ),
        { timeoutMs: 10_000, message: 'the undecryptable host refused' },
      );
    } finally {
      await elsewhere.close();
    }
    const again = await start();
    try {
      const before = events.filter((e) => e.host === 'prom-ok' && e.status === 'ok').length;
      expect((await call(again, 'POST', '/api/v1/hosts/prom-ok/collect')).statusCode).toBe(202);
      await waitFor(() => events.filter((e) => e.host === 'prom-ok' && e.status === 'ok').length > before, {
        timeoutMs: 10_000,
        message: 'prom-ok collected with the reused key',
      });
    } finally {
      await again.close();
    }
    expect(ADMIN_TOKEN).toMatch(/^vt_/);
    expectClean(answers.join('\n'), 'API answers');
    expectClean(log, 'the log');
    expectClean((await dumpRedis(redis.client())).text, 'Redis');
  }, 60_000);
});
