import { createHash } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, Keys, type RedisClient } from '../src/redis/index.ts';
import {
  DEFAULT_ORG,
  ENV_ADMIN_TOKEN_ID,
  RedisTenancy,
  type RedisTenancyOptions,
} from '../src/tenancy/index.ts';
import { type RedisServer, startRedis, uniquePrefix, waitFor } from './harness/index.ts';
import { testConfig } from './support/config.ts';

const silent = pino({ level: 'silent' });

/** A request-role connection (fail fast, no offline queue), once it can take commands. */
async function ready(url: string): Promise<RedisClient> {
  const client = createRedis({ config: testConfig({ REDIS_URL: url }).redis, logger: silent }, 'request');
  await waitFor(() => client.status === 'ready', { timeoutMs: 5000 });
  return client;
}

/** Every key under `prefix` with its whole content, as text. */
async function dumpRedis(client: RedisClient, prefix: string): Promise<string> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const parts = await Promise.all(
    keys.map(async (key) => {
      const type = await client.type(key);
      if (type === 'string') return `${key} ${await client.get(key)}`;
      if (type === 'hash') return `${key} ${JSON.stringify(await client.hgetall(key))}`;
      return `${key} (${type})`;
    }),
  );
  return parts.join('\n');
}

describe('tenancy tokens and bootstrap against a real Redis', () => {
  let server: RedisServer;
  const clients: RedisClient[] = [];

  async function connect(): Promise<RedisClient> {
    const client = await ready(server.url);
    clients.push(client);
    return client;
  }

  /** A tenancy as one server process would build it; two with one prefix are two processes. */
  async function startProcess(
    prefix: string,
    options: Partial<RedisTenancyOptions> = {},
  ): Promise<RedisTenancy> {
    return new RedisTenancy({ redis: await connect(), keys: new Keys(prefix), ...options });
  }

  beforeAll(async () => {
    server = await startRedis();
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.disconnect();
  });
  afterAll(async () => server?.close());

  it('stores only the SHA-256 of a token and nowhere the token itself when one is created', async () => {
    const prefix = uniquePrefix('tok-hash');
    const tenancy = await startProcess(prefix);
    const { generatedAdminToken } = await tenancy.bootstrap();
    const created = await tenancy.createToken(DEFAULT_ORG, { name: 'agent', scopes: ['ingest'] });
    expect(created.token).toMatch(/^vt_[A-Za-z0-9_-]{43}$/);
    expect(await tenancy.authenticate(created.token)).toMatchObject({ org: DEFAULT_ORG, scopes: ['ingest'] });

    const hash = createHash('sha256').update(created.token).digest('hex');
    const raw = await (await connect()).get(new Keys(prefix).tokenByHash(hash));
    expect(JSON.parse(raw ?? '{}')).toMatchObject({ id: created.id, org: DEFAULT_ORG, hash });
    const everything = await dumpRedis(await connect(), prefix);
    for (const secret of [created.token, generatedAdminToken ?? 'missing']) {
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(secret.slice(3)); // nor its random part without the prefix
    }
  });

  it('lists tokens without secrets and with lastUsedAt once a token was used', async () => {
    const tenancy = await startProcess(uniquePrefix('tok-list'));
    await tenancy.bootstrap();
    const created = await tenancy.createToken(DEFAULT_ORG, { name: 'reader', scopes: ['read'] });
    await tenancy.authenticate(created.token);
    const listed = await waitFor(async () => {
      const tokens = await tenancy.listTokens(DEFAULT_ORG);
      return tokens.find((t) => t.id === created.id && t.lastUsedAt !== undefined);
    });
    expect(Object.keys(listed).sort()).toEqual(['createdAt', 'id', 'lastUsedAt', 'name', 'scopes']);
  });

  it('refuses a revoked token at once in its process and after the cache lifetime in another', async () => {
    const prefix = uniquePrefix('tok-revoke');
    let now = 1_000_000;
    const a = await startProcess(prefix, { now: () => now });
    const b = await startProcess(prefix, { now: () => now, tokenCache: { ttlMs: 10_000 } });
    await a.bootstrap();
    const { token, id } = await a.createToken(DEFAULT_ORG, { name: 'x', scopes: ['read'] });
    expect(await a.authenticate(token)).toBeDefined();
    expect(await b.authenticate(token)).toBeDefined();
    await a.revokeToken(DEFAULT_ORG, id);
    expect(await a.authenticate(token)).toBeUndefined();
    expect(await b.authenticate(token)).toBeDefined(); // the documented window: b's cache is still fresh
    now += 10_001;
    expect(await b.authenticate(token)).toBeUndefined();
  });

  it('answers undefined when a token is malformed, unknown or of the wrong shape', async () => {
    const tenancy = await startProcess(uniquePrefix('tok-bad'));
    await tenancy.bootstrap();
    for (const bad of [
      '',
      'vt_',
      'vt_short',
      `vt_${'A'.repeat(43)}`,
      `xx_${'A'.repeat(43)}`,
      'vt_a b c d e f g h i j k',
    ]) {
      expect(await tenancy.authenticate(bad)).toBeUndefined();
    }
  });

  it('throws not_found when revoking a token id of another org', async () => {
    const tenancy = await startProcess(uniquePrefix('tok-org'));
    await tenancy.bootstrap();
    await tenancy.createOrg({ id: 'acme', name: 'Acme' });
    const theirs = await tenancy.createToken('acme', { name: 'theirs', scopes: ['admin'] });
    await expect(tenancy.revokeToken(DEFAULT_ORG, theirs.id)).rejects.toMatchObject({ reason: 'not_found' });
    expect(await tenancy.authenticate(theirs.token)).toMatchObject({ org: 'acme' });
  });

  it('generates one admin token at first start and none at the next start', async () => {
    const prefix = uniquePrefix('boot-gen');
    const first = await (await startProcess(prefix)).bootstrap();
    expect(first.generatedAdminToken).toMatch(/^vt_/);
    const again = await startProcess(prefix);
    expect(await again.bootstrap()).toEqual({});
    expect(await again.authenticate(first.generatedAdminToken ?? '')).toMatchObject({
      scopes: ['admin', 'operator'],
    });
    expect(await again.getOrg(DEFAULT_ORG)).toMatchObject({ id: DEFAULT_ORG });
  });

  it('generates a single admin token when two processes start at once', async () => {
    const prefix = uniquePrefix('boot-race');
    const [a, b] = [await startProcess(prefix), await startProcess(prefix)];
    const results = await Promise.all([a.bootstrap(), b.bootstrap()]);
    expect(results.filter((r) => r.generatedAdminToken !== undefined)).toHaveLength(1);
    expect(await (await startProcess(prefix)).listTokens(DEFAULT_ORG)).toHaveLength(1);
  });

  it('registers VITALS_ADMIN_TOKEN idempotently across restarts and replaces it when it changes', async () => {
    const prefix = uniquePrefix('boot-env');
    const envToken = `vt_${'k'.repeat(43)}`;
    expect(await (await startProcess(prefix)).bootstrap({ adminToken: envToken })).toEqual({});
    expect(await (await startProcess(prefix)).bootstrap({ adminToken: envToken })).toEqual({});
    const tenancy = await startProcess(prefix);
    expect((await tenancy.listTokens(DEFAULT_ORG)).map((t) => t.id)).toEqual([ENV_ADMIN_TOKEN_ID]);
    expect(await tenancy.authenticate(envToken)).toMatchObject({
      tokenId: ENV_ADMIN_TOKEN_ID,
      scopes: ['admin', 'operator'],
    });

    const rotated = `vt_${'r'.repeat(43)}`;
    await (await startProcess(prefix)).bootstrap({ adminToken: rotated });
    const fresh = await startProcess(prefix);
    expect(await fresh.authenticate(envToken)).toBeUndefined();
    expect(await fresh.authenticate(rotated)).toMatchObject({ scopes: ['admin', 'operator'] });
    expect(await fresh.listTokens(DEFAULT_ORG)).toHaveLength(1);
  });

  it('gives operator to the bootstrap tokens an earlier version stored, once, and to no other', async () => {
    const prefix = uniquePrefix('boot-upgrade');
    const keys = new Keys(prefix);
    const client = await connect();
    const envToken = `vt_${'e'.repeat(43)}`;
    const generated = `vt_${'g'.repeat(43)}`;
    const lookalike = `vt_${'l'.repeat(43)}`;
    // As an earlier version stored them: admin only, the generated one oldest under its name.
    const store = async (id: string, token: string, name: string, createdAt: number) => {
      const hash = createHash('sha256').update(token).digest('hex');
      const record = JSON.stringify({ id, org: DEFAULT_ORG, name, scopes: ['admin'], createdAt, hash });
      await client.set(keys.tokenByHash(hash), record);
      await client.hset(keys.orgTokens(DEFAULT_ORG), id, record);
    };
    await store(ENV_ADMIN_TOKEN_ID, envToken, 'admin (VITALS_ADMIN_TOKEN)', 1000);
    await store('tok_generated', generated, 'admin (generated at first start)', 2000);
    await store('tok_lookalike', lookalike, 'admin (generated at first start)', 3000);
    await (await startProcess(prefix)).bootstrap({ adminToken: envToken });
    // A process without VITALS_ADMIN_TOKEN reads the env token's record from Redis too.
    const tenancy = await startProcess(prefix);
    expect(await tenancy.authenticate(envToken)).toMatchObject({ scopes: ['admin', 'operator'] });
    expect(await tenancy.authenticate(generated)).toMatchObject({ scopes: ['admin', 'operator'] });
    expect(await tenancy.authenticate(lookalike)).toMatchObject({ scopes: ['admin'] });
    // Once only: a token named so later does not gain it at the next start.
    const later = await tenancy.createToken(DEFAULT_ORG, {
      name: 'admin (generated at first start)',
      scopes: ['admin'],
    });
    await (await startProcess(prefix)).bootstrap();
    expect(await (await startProcess(prefix)).authenticate(later.token)).toMatchObject({ scopes: ['admin'] });
  });

  it('refuses a VITALS_ADMIN_TOKEN without the vt_ prefix', async () => {
    await expect(
      (await startProcess(uniquePrefix('boot-bad'))).bootstrap({ adminToken: 'hunter2' }),
    ).rejects.toMatchObject({
      reason: 'invalid',
    });
  });

  it('throws invalid naming the field when a token request is bad', async () => {
    const tenancy = await startProcess(uniquePrefix('tok-invalid'));
    await tenancy.bootstrap();
    const bad = (input: unknown) => tenancy.createToken(DEFAULT_ORG, input as never);
    await expect(bad({ name: 'x', scopes: ['root'] })).rejects.toThrow(/^scopes\.0: /);
    await expect(bad({ name: 'x', scopes: [] })).rejects.toThrow(/^scopes: /);
    await expect(bad({ scopes: ['read'] })).rejects.toThrow(/name/);
    await expect(bad({ name: 'x', scopes: ['read'], org: 'other' })).rejects.toThrow(
      /^org: is not a known field/,
    );
    await tenancy.createOrg({ id: 'other', name: 'Other' });
    await expect(tenancy.createToken('other', { name: 'x', scopes: ['operator'] })).rejects.toThrow(
      /^scopes: "operator" is only for tokens of the "default" org/,
    );
  });
});

describe('tenancy while Redis is unreachable', () => {
  it('keeps accepting a recently verified token and answers unavailable for an unseen one', async () => {
    const server = await startRedis();
    const client = await ready(server.url);
    let now = 5_000_000;
    const tenancy = new RedisTenancy({ redis: client, keys: new Keys(uniquePrefix('down')), now: () => now });
    try {
      const { generatedAdminToken: admin = '' } = await tenancy.bootstrap();
      const other = await tenancy.createToken(DEFAULT_ORG, { name: 'never used', scopes: ['read'] });
      expect(await tenancy.authenticate(admin)).toBeDefined();
      await server.stop();
      now += 60_000; // past the fresh lifetime, within the stale window
      expect(await tenancy.authenticate(admin)).toMatchObject({ scopes: ['admin', 'operator'] });
      await expect(tenancy.authenticate(other.token)).rejects.toMatchObject({ reason: 'unavailable' });
    } finally {
      client.disconnect();
      await server.close();
    }
  });
});
