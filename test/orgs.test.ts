import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrgAdmin } from '../src/orgs/index.ts';
import { DEFAULT_ORG } from '../src/tenancy/index.ts';
import { sealHost } from '../src/tsdb/index.ts';
import { type RedisServer, startRedis, uniquePrefix, waitFor } from './harness/index.ts';
import { ADMIN_TOKEN, type ApiEnv, apiEnv } from './support/api.ts';

// Aligned to the hour and 3 h back: its 2-hour window is closed, so it can be sealed.
const T0 = Math.floor((Date.now() - 3 * 3_600_000) / 3_600_000) * 3_600_000;
const ROOT = new URL('..', import.meta.url).pathname;

/** Every key under the prefix (the test's admin connection may SCAN; Vitals' user may not). */
async function keysUnder(client: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    found.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return found.sort();
}

/** Keys naming the org: its hash tags, its key segments, its job ids. */
function keysOf(all: readonly string[], org: string): string[] {
  const named = new RegExp(`[{:/]${org.replace(/[.-]/g, '\\$&')}[}:/]`);
  return all.filter((key) => named.test(key));
}

function snapshots(metric: string, from: number, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    timestamp: from + i * 60_000,
    metrics: { [metric]: i % 100 },
  }));
}

describe('orgs an operator manages', () => {
  let redis: RedisServer;
  let env: ApiEnv;
  let prefix: string;
  let orgA: { admin: string };
  let orgB: { token: string };

  beforeAll(async () => {
    redis = await startRedis();
    prefix = uniquePrefix('orgs');
    env = await apiEnv(redis.url, prefix, {
      VITALS_SEAL_GRACE: '0',
      VITALS_RATE_LIMIT: '100000',
      VITALS_COLLECT_ATTEMPTS: '1',
      VITALS_COLLECT_TIMEOUT: '1s',
    });
    const tenancy = env.runtime.api.tenancy;
    orgA = {
      admin: (await tenancy.createToken(DEFAULT_ORG, { name: 'plain admin', scopes: ['admin'] })).token,
    };
    const push = await env.call('POST', '/api/v1/ingest', {
      payload: { hosts: [{ host: 'a-web', snapshots: snapshots('cpu.usage', T0, 120) }] },
    });
    expect(push.statusCode).toBe(200);
    await sealHost(env.runtime.tsdb.ctx, DEFAULT_ORG, 'a-web', { upTo: Date.now() });
  });
  afterAll(async () => {
    await env?.close();
    await redis?.close();
  });

  it('creates an org with its first admin token, which works in that org only', async () => {
    const created = await env.call('POST', '/api/v1/orgs', { payload: { id: 'org-b', name: 'Org B' } });
    expect(created.statusCode).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const body = created.json();
    expect(body.org).toMatchObject({ id: 'org-b', name: 'Org B' });
    expect(body.token).toMatchObject({ token: expect.stringMatching(/^vt_/), scopes: ['admin'] });
    orgB = { token: body.token.token };
    expect((await env.call('GET', '/api/v1/me', { token: orgB.token })).json()).toMatchObject({
      org: 'org-b',
      scopes: ['admin'],
    });
    const push = await env.call('POST', '/api/v1/ingest', {
      token: orgB.token,
      payload: { hosts: [{ host: 'b-web', snapshots: snapshots('cpu.usage', T0, 120) }] },
    });
    expect(push.json()).toMatchObject({ stored: 'redis' });
    const hosts = (await env.call('GET', '/api/v1/hosts', { token: orgB.token })).json().hosts;
    expect(hosts.map((h: { id: string }) => h.id)).toEqual(['b-web']);
    expect((await env.call('GET', '/api/v1/hosts/a-web', { token: orgB.token })).statusCode).toBe(404);
    // The operator token is the default org's admin: it sees that org's hosts, never org B's.
    const own = (await env.call('GET', '/api/v1/hosts')).json().hosts;
    expect(own.map((h: { id: string }) => h.id)).toEqual(['a-web']);
  });

  it('lists orgs with their host counts', async () => {
    const list = (await env.call('GET', '/api/v1/orgs')).json();
    expect(list.orgs).toEqual([
      expect.objectContaining({ id: DEFAULT_ORG, hosts: 1 }),
      expect.objectContaining({ id: 'org-b', name: 'Org B', hosts: 1 }),
    ]);
    expect(list.deleting).toEqual([]);
  });

  it('refuses org routes and the operator scope to admins without it', async () => {
    for (const token of [orgA.admin, orgB.token]) {
      expect((await env.call('GET', '/api/v1/orgs', { token })).statusCode).toBe(403);
      const post = await env.call('POST', '/api/v1/orgs', { token, payload: { id: 'sneaky', name: 's' } });
      expect(post.json().error).toMatchObject({
        code: 'forbidden',
        message: expect.stringContaining('operator'),
      });
      expect((await env.call('DELETE', '/api/v1/orgs/org-b', { token })).statusCode).toBe(403);
      const grant = await env.call('POST', '/api/v1/tokens', {
        token,
        payload: { name: 'escalate', scopes: ['operator'] },
      });
      expect(grant.statusCode).toBe(403);
    }
    // The operator may make another operator token (of the default org).
    const made = await env.call('POST', '/api/v1/tokens', {
      payload: { name: 'ci operator', scopes: ['operator'] },
    });
    expect(made.statusCode).toBe(201);
    const operator = made.json().token as string;
    expect((await env.call('GET', '/api/v1/orgs', { token: operator })).statusCode).toBe(200);
    // operator alone implies no org scope.
    expect((await env.call('GET', '/api/v1/hosts', { token: operator })).statusCode).toBe(403);
  });

  it('answers 400 naming the field, 409 for a taken id or the default org, 404 for an unknown one', async () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ name: 'x' }, /id/],
      [{ id: 'has space', name: 'x' }, /id/],
      [{ id: 'x', name: '' }, /name/],
      [{ id: 'x', name: 'x', scopes: ['admin'] }, /scopes: is not a known field/],
    ];
    for (const [payload, message] of bad) {
      const res = await env.call('POST', '/api/v1/orgs', { payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.message).toMatch(message);
    }
    const taken = await env.call('POST', '/api/v1/orgs', { payload: { id: 'org-b', name: 'again' } });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.message).toBe('org "org-b" already exists');
    const dflt = await env.call('DELETE', `/api/v1/orgs/${DEFAULT_ORG}`);
    expect(dflt.statusCode).toBe(409);
    expect(dflt.json().error.message).toMatch(/"default" org cannot be deleted/);
    expect((await env.call('DELETE', '/api/v1/orgs/nobody')).statusCode).toBe(404);
    expect((await env.call('DELETE', '/api/v1/orgs/bad%20id')).statusCode).toBe(400);
    expect((await env.call('GET', '/api/v1/orgs')).json().orgs).toHaveLength(2);
  });

  it('deletes an org with every key it had, and leaves the default org as it was', async () => {
    const admin = redis.client();
    const as = { token: orgB.token };
    // Org B gets a bit of everything: sealed windows, a pulled host with a queued job, alerting,
    // events, cached answers, an idempotency record.
    await sealHost(env.runtime.tsdb.ctx, 'org-b', 'b-web', { upTo: Date.now() });
    const pulled = {
      id: 'b-pulled',
      metricsInterval: 3600,
      collector: { kind: 'prometheus', settings: { url: 'http://127.0.0.1:9/metrics' } },
    };
    expect((await env.call('POST', '/api/v1/hosts', { ...as, payload: pulled })).statusCode).toBe(201);
    expect((await env.call('POST', '/api/v1/hosts/b-pulled/collect', as)).statusCode).toBe(202);
    const rule = { id: 'b-rule', name: 'b', selector: { metric: 'cpu' }, threshold: 50 };
    expect((await env.call('POST', '/api/v1/alerts/rules', { ...as, payload: rule })).statusCode).toBe(201);
    const channel = { id: 'b-hook', name: 'b', kind: 'webhook', settings: { url: 'http://127.0.0.1:9/h' } };
    expect((await env.call('POST', '/api/v1/alerts/channels', { ...as, payload: channel })).statusCode).toBe(
      201,
    );
    const silence = {
      matchers: [{ name: 'host', value: 'nothing' }],
      endsAt: Date.now() + 60_000,
      comment: 'b',
    };
    expect((await env.call('POST', '/api/v1/alerts/silences', { ...as, payload: silence })).statusCode).toBe(
      201,
    );
    const now = Date.now();
    const stored = {
      ...{ id: 'b-rule', org: 'org-b', name: 'b', enabled: true, kind: 'threshold' as const },
      ...{
        selector: { metric: 'cpu' },
        reduction: 'avg' as const,
        windowMs: 60_000,
        comparison: '>' as const,
      },
      ...{
        threshold: 50,
        forMs: 0,
        severity: 'critical' as const,
        labels: {},
        annotations: { summary: 's' },
      },
      ...{ createdAt: now, updatedAt: now },
    };
    const observation = { ruleId: 'b-rule', instance: 'b-web|cpu', host: 'b-web', labels: { host: 'b-web' } };
    await env.runtime.api.services.alertStates.apply(
      stored,
      [{ ...observation, value: 99, state: 'breaching', at: now }],
      now,
    );
    expect((await env.call('GET', '/api/v1/alerts', as)).json().alerts).toHaveLength(1);
    expect(
      (await env.call('POST', '/api/v1/events', { ...as, payload: { type: 'custom.b', status: 'ok' } }))
        .statusCode,
    ).toBe(202);
    await env.runtime.api.events.flush();
    expect((await env.call('GET', '/api/v1/overview', as)).statusCode).toBe(200);
    const closed = `/api/v1/hosts/b-web/metrics/range?startTime=${T0}&endTime=${T0 + 600_000}&metrics=cpu`;
    expect((await env.call('GET', closed, as)).json().count).toBe(11);
    const keyed = await env.call('POST', '/api/v1/ingest', {
      ...as,
      headers: { 'idempotency-key': 'b-1' },
      payload: { hosts: [{ host: 'b-web', snapshots: snapshots('mem.used_pct', Date.now() - 1000, 1) }] },
    });
    expect(keyed.statusCode).toBe(200);
    await waitFor(
      async () => (await env.call('GET', '/api/v1/queues/collect/failed', as)).json().jobs.length > 0,
      {
        timeoutMs: 10_000,
        message: 'the pulled host collected (and failed)',
      },
    );
    expect((await env.call('POST', '/api/v1/queues/collect/pause', as)).statusCode).toBe(200);

    const before = await keysUnder(admin, prefix);
    const families = ['{org-b:b-web}:w:', '{org-b:b-web}:idx:1h', '{alerts:org-b}:', '{ev:org-b:', 'bull:'];
    for (const family of families)
      expect(
        before.some((k) => k.includes(family)),
        family,
      ).toBe(true);
    const defaultKeys = before.filter((k) => k.includes('{default:a-web}'));
    const defaultRange = `/api/v1/hosts/a-web/metrics/range?startTime=${T0}&endTime=${T0 + 600_000}`;
    const defaultAnswer = (await env.call('GET', defaultRange)).body;

    expect((await env.call('DELETE', '/api/v1/orgs/org-b')).statusCode).toBe(204);

    expect((await env.call('GET', '/api/v1/hosts', as)).statusCode).toBe(401);
    const after = await keysUnder(admin, prefix);
    // Idempotency records are listed nowhere: they expire with REDIS_IDEMPOTENCY_TTL.
    const left = keysOf(after, 'org-b').filter((k) => !k.startsWith(`${prefix}idem:org-b:`));
    expect(left).toEqual([]);
    expect(keysOf(after, 'org-b')).toHaveLength(1);
    expect(await admin.ttl(keysOf(after, 'org-b')[0] ?? '')).toBeGreaterThan(0);
    const k = env.runtime.keys;
    expect(await admin.zscore(k.hostsIndex(), 'org-b:b-web')).toBeNull();
    expect(await admin.sismember(k.alertOrgs(), 'org-b')).toBe(0);
    expect(await admin.sismember(k.eventOrgs(), 'org-b')).toBe(0);
    expect(await admin.hexists(k.collectPaused(), 'org-b')).toBe(0);
    expect(JSON.parse((await admin.hget(k.deletedOrgs(), 'org-b')) ?? '{}')).toMatchObject({
      id: 'org-b',
      purgedAt: expect.any(Number),
    });
    expect(after.filter((key) => key.includes('{default:a-web}'))).toEqual(defaultKeys);
    expect((await env.call('GET', defaultRange)).body).toBe(defaultAnswer);
    expect((await env.call('GET', '/api/v1/orgs')).json()).toMatchObject({
      orgs: [expect.objectContaining({ id: DEFAULT_ORG })],
      deleting: [],
    });
    admin.disconnect();
  });

  it('never gives a deleted org id out again, and deletes it again on request', async () => {
    const again = await env.call('POST', '/api/v1/orgs', { payload: { id: 'org-b', name: 'B2' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.message).toMatch(/deleted org: ids are never reused/);
    expect((await env.call('DELETE', '/api/v1/orgs/org-b')).statusCode).toBe(204);
  });

  it('sweeps again after the settle time what was in flight when the org was deleted', async () => {
    const { tenancy } = env.runtime.api;
    const orgs = new OrgAdmin(
      {
        tenancy,
        redis: env.runtime.redis,
        keys: env.runtime.keys,
        cachePrefix: 'cache:',
        logger: pino({ level: 'silent' }),
      },
      { settleMs: 300 },
    );
    const admin = redis.client();
    try {
      await orgs.create({ id: 'org-c', name: 'C' });
      await orgs.delete('org-c');
      // A push another process had accepted before it heard of the deletion lands now.
      const ingest = env.runtime.api.services.ingest;
      await ingest.pushJson('org-c', {
        hosts: [{ host: 'c-web', snapshots: snapshots('cpu.usage', Date.now() - 1000, 1) }],
      });
      expect(keysOf(await keysUnder(admin, prefix), 'org-c').length).toBeGreaterThan(0);
      await waitFor(async () => keysOf(await keysUnder(admin, prefix), 'org-c').length === 0, {
        timeoutMs: 5000,
        message: 'the second sweep',
      });
    } finally {
      await orgs.close();
      admin.disconnect();
    }
  });

  it('manages orgs from the command line: create, list, delete (asking first)', async () => {
    const cli = (args: string[]) =>
      spawnSync(process.execPath, [join(ROOT, 'bin/vitals.js'), 'org', ...args], {
        cwd: ROOT,
        env: { ...process.env, REDIS_URL: redis.url, VITALS_KEY_PREFIX: prefix, LOG_LEVEL: 'warn' },
        encoding: 'utf8',
        timeout: 60_000,
      });
    const created = cli(['create', 'Acme Corp']);
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    expect(created.stdout).toMatch(/^created org acme-corp \(Acme Corp\)\n/);
    const token = /\n {2}(vt_\S+)\n$/.exec(created.stdout)?.[1] ?? '';
    expect((await env.call('GET', '/api/v1/me', { token })).json()).toMatchObject({ org: 'acme-corp' });
    const listed = cli(['list']);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toMatch(/^ID +NAME +HOSTS +CREATED\n/);
    expect(listed.stdout).toMatch(/\nacme-corp +Acme Corp +0 +\d{4}-/);
    const unasked = cli(['delete', 'acme-corp']);
    expect(unasked.status).toBe(1);
    expect(unasked.stderr).toMatch(/not confirmed; nothing deleted \(pass --yes/);
    expect((await env.call('GET', '/api/v1/me', { token })).statusCode).toBe(200);
    const deleted = cli(['delete', 'acme-corp', '--yes']);
    expect(deleted.status).toBe(0);
    expect(deleted.stdout).toMatch(/^deleted org acme-corp: 1 token\(s\), 0 host\(s\)/);
    // The running server heard of the revocation on the tenancy channel.
    await waitFor(async () => (await env.call('GET', '/api/v1/me', { token })).statusCode === 401, {
      timeoutMs: 5000,
      message: 'the revoked token refused by the server',
    });
    const missing = cli(['delete', 'nobody', '--yes']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe('vitals org delete: org "nobody" not found\n');
  }, 120_000);

  it('keeps the operator token working after all this', async () => {
    expect((await env.call('GET', '/api/v1/me', { token: ADMIN_TOKEN })).json()).toMatchObject({
      org: DEFAULT_ORG,
      scopes: ['admin', 'operator'],
    });
  });
});
