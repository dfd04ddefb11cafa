import { createServer, type Server } from 'node:http';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Cache, overviewNamespace } from '../src/cache/index.ts';
import {
  COLLECT_QUEUE,
  CollectControlError,
  type Collection,
  type CollectionEvent,
  type CollectOptions,
  createCollection,
} from '../src/collect/index.ts';
import { createRedis, Keys } from '../src/redis/index.ts';
import { RedisTenancy } from '../src/tenancy/index.ts';
import { latest } from '../src/tsdb/index.ts';
import {
  HOST,
  type RedisServer,
  startRedis,
  startSshd,
  type TestSshd,
  uniquePrefix,
  waitFor,
} from './harness/index.ts';
import { testConfig } from './support/config.ts';
import { silent, type TestTsdb, testTsdb } from './support/tsdb.ts';

const ORG = 'default';

/** A Prometheus target per path: `/ok/<n>` answers, `/fail` answers 500, `/secured` 401, `/hang` never. */
function startTargets(): Promise<{
  server: Server;
  url: (path: string) => string;
  hits: Map<string, number[]>;
}> {
  const hits = new Map<string, number[]>();
  const server = createServer((req, res) => {
    const path = req.url ?? '';
    hits.set(path, [...(hits.get(path) ?? []), Date.now()]);
    if (path === '/hang') return;
    if (path === '/fail') return void res.writeHead(500).end('boom');
    if (path === '/secured') return void res.writeHead(401).end();
    res.end(`# TYPE up gauge\nup 1\nrequests_total{path="${path}"} ${hits.get(path)?.length ?? 0}\n`);
  });
  return new Promise((resolve) =>
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ server, url: (path) => `http://${HOST}:${port}${path}`, hits });
    }),
  );
}

interface World {
  readonly keys: Keys;
  readonly tenancy: RedisTenancy;
  readonly cache: Cache;
  readonly db: TestTsdb;
  readonly events: CollectionEvent[];
  collection(options?: Partial<CollectOptions>): Promise<Collection>;
  close(): Promise<void>;
}

let redis: RedisServer;
let targets: Awaited<ReturnType<typeof startTargets>>;
let sshd: TestSshd;
const worlds: World[] = [];

/** A private prefix with tenancy, storage, cache and as many collection instances as asked for. */
async function world(): Promise<World> {
  const prefix = uniquePrefix('collect');
  const config = testConfig({ REDIS_URL: redis.url, VITALS_KEY_PREFIX: prefix });
  const keys = new Keys(prefix);
  const request = createRedis({ config: config.redis, logger: silent }, 'request');
  // A request-role connection fails fast, even before its first connect.
  await waitFor(() => request.status === 'ready');
  const tenancy = new RedisTenancy({ redis: request, keys });
  await tenancy.bootstrap();
  const cache = new Cache(request, keys.cache('cache:'), 60_000);
  const db = await testTsdb(redis.url, prefix);
  const events: CollectionEvent[] = [];
  const collections: Collection[] = [];
  const w: World = {
    keys,
    tenancy,
    cache,
    db,
    events,
    async collection(options = {}) {
      const deps = {
        connection: { config: config.redis, logger: silent },
        keys,
        hosts: tenancy,
        writer: db.writer,
        cache,
        logger: silent,
      };
      const c = createCollection(deps, {
        backoffMs: 100,
        timeoutMs: 3000,
        reconcileIntervalMs: 0,
        ...options,
      });
      c.onCollection((e) => events.push(e));
      collections.push(c);
      await c.start();
      return c;
    },
    async close() {
      await Promise.all(collections.map((c) => c.close()));
      await db.close();
      request.disconnect();
    },
  };
  worlds.push(w);
  return w;
}

function promHost(id: string, path: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    metricsInterval: 3600,
    collector: { kind: 'prometheus' as const, settings: { url: targets.url(path) } },
    ...extra,
  };
}

beforeAll(async () => {
  [redis, targets, sshd] = await Promise.all([startRedis(), startTargets(), startSshd()]);
});
afterEach(async () => {
  await Promise.all(worlds.splice(0).map((w) => w.close()));
});
afterAll(async () => {
  await Promise.all([redis?.close(), sshd?.close(), new Promise((r) => targets?.server.close(r))]);
});

describe('scheduled collection', () => {
  it('does collect a new host through its scheduler at once into the store and drop the overview', async () => {
    const w = await world();
    await w.cache.set(overviewNamespace(ORG), 'all', { stale: true });
    await w.collection();
    await w.tenancy.createHost(ORG, promHost('web', '/ok/web'));
    const event = await waitFor(() => w.events.find((e) => e.host === 'web'), { timeoutMs: 10_000 });
    expect((await latest(w.db.ctx, ORG, 'web', ['up'])).get('up')?.value).toBe(1);
    expect(await w.cache.get(overviewNamespace(ORG), 'all')).toBeUndefined();
    expect(event).toMatchObject({
      type: 'http',
      org: ORG,
      status: 'ok',
      meta: { trigger: 'schedule', attempt: 1, final: true, samples: 2 },
    });
    expect(event.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('does collect an SSH host over a real sshd, with rates kept in Redis between collections', async () => {
    const w = await world();
    const collection = await w.collection();
    const settings = {
      host: sshd.host,
      port: sshd.port,
      username: sshd.username,
      privateKey: sshd.privateKey,
    };
    await w.tenancy.createHost(ORG, {
      id: 'box',
      metricsInterval: 3600,
      collector: { kind: 'ssh', settings },
    });
    await waitFor(() => w.events.length === 1, { timeoutMs: 10_000 });
    expect((await latest(w.db.ctx, ORG, 'box', ['mem.used_pct'])).size).toBe(1);
    await collection.control.collectHost(ORG, 'box');
    await waitFor(() => w.events.length === 2, { timeoutMs: 10_000 });
    expect(
      (await latest(w.db.ctx, ORG, 'box', ['cpu.usage'])).get('cpu.usage')?.value,
    ).toBeGreaterThanOrEqual(0);
    expect(await redis.client().exists(w.keys.collectState(ORG, 'box'))).toBe(1);
    expect(w.events.filter((e) => e.host === 'box').map((e) => [e.type, e.status])).toEqual([
      ['ssh', 'ok'],
      ['ssh', 'ok'],
    ]);
  });
});

describe('retries', () => {
  it('does retry with exponential backoff and fail the job after 3 attempts, with the reason', async () => {
    const w = await world();
    const collection = await w.collection();
    await w.tenancy.createHost(ORG, promHost('flaky', '/fail'));
    const [failed] = await waitFor(
      async () => {
        const jobs = await collection.control.failed(ORG, 10);
        return jobs.length > 0 && jobs;
      },
      { timeoutMs: 10_000 },
    );
    expect(failed).toMatchObject({ host: 'flaky', trigger: 'schedule', attemptsMade: 3 });
    expect(failed?.reason).toContain('answered 500');
    const times = targets.hits.get('/fail') ?? [];
    expect(times).toHaveLength(3);
    const [t0 = 0, t1 = 0, t2 = 0] = times;
    // backoffMs 100: 100 ms before the 2nd attempt, 200 ms before the 3rd.
    expect(t1 - t0).toBeGreaterThanOrEqual(95);
    expect(t2 - t1).toBeGreaterThanOrEqual(195);
    expect(w.events.map((e) => [e.status, e.meta.attempt, e.meta.final])).toEqual([
      ['error', 1, false],
      ['error', 2, false],
      ['error', 3, true],
    ]);
  });

  it('does fail at once, without retrying, when authentication is refused', async () => {
    const w = await world();
    const collection = await w.collection();
    await w.tenancy.createHost(ORG, promHost('locked', '/secured'));
    const [failed] = await waitFor(
      async () => {
        const jobs = await collection.control.failed(ORG, 10);
        return jobs.length > 0 && jobs;
      },
      { timeoutMs: 10_000 },
    );
    expect(failed?.attemptsMade).toBe(1);
    expect(failed?.reason).toContain('authentication refused');
    expect(w.events.map((e) => [e.meta.reason, e.meta.final])).toEqual([['auth', true]]);
  });

  it('does not hold up other hosts while one hangs until its time limit', async () => {
    const w = await world();
    await w.collection({ concurrency: 2, timeoutMs: 2500, attempts: 1 });
    await w.tenancy.createHost(ORG, promHost('stuck', '/hang'));
    for (const id of ['a', 'b', 'c', 'd']) await w.tenancy.createHost(ORG, promHost(id, `/ok/${id}`));
    const timedOut = await waitFor(() => w.events.find((e) => e.host === 'stuck'), { timeoutMs: 10_000 });
    expect(timedOut.meta.reason).toBe('timeout');
    const done = w.events.filter((e) => e.status === 'ok');
    expect(done.map((e) => e.host).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(Math.max(...done.map((e) => e.at))).toBeLessThan(timedOut.at);
  });
});

describe('queue control', () => {
  it('does run collect-now ahead of scheduled runs, deduplicate it, and pause, resume and clean per org', async () => {
    const w = await world();
    const control = (await w.collection({ runWorkers: false })).control;
    await w.tenancy.createHost(ORG, promHost('h1', '/ok/h1'));
    await w.tenancy.createHost(ORG, { id: 'pushed' });
    await waitFor(async () => (await control.figures(ORG)).counts.waiting === 1, {
      message: 'the first scheduled run',
    });
    const first = await control.collectHost(ORG, 'h1');
    const again = await control.collectHost(ORG, 'h1');
    expect(again).toEqual({ host: 'h1', jobId: first.jobId, deduplicated: true });
    await expect(control.collectHost(ORG, 'pushed')).rejects.toMatchObject({ reason: 'conflict' });
    await expect(control.collectHost(ORG, 'nope')).rejects.toBeInstanceOf(CollectControlError);
    expect((await control.figures(ORG)).counts.waiting).toBe(2);

    await w.collection({ concurrency: 1 });
    await waitFor(async () => (await control.figures(ORG)).counts.completed === 2, { timeoutMs: 10_000 });
    expect(w.events.map((e) => e.meta.trigger)).toEqual(['manual', 'schedule']);

    await control.pause(ORG);
    expect(await control.figures(ORG)).toMatchObject({ paused: true, schedulers: 0 });
    await expect(control.collectAll(ORG)).rejects.toMatchObject({ reason: 'conflict' });
    await control.resume(ORG);
    const figures = await control.figures(ORG);
    expect(figures).toMatchObject({ paused: false, schedulers: 1, counts: { completed: 2, failed: 0 } });
    expect(figures.throughput.completed).toBe(2);

    // Paused again, so no scheduled run completes between the clean and the count below. A run the
    // scheduler queued on resume may still be queued or running: a paused org's jobs end as skipped
    // (completed), so wait for them before cleaning.
    await control.pause(ORG);
    await waitFor(
      async () => {
        const { counts } = await control.figures(ORG);
        return counts.waiting + counts.active + counts.delayed === 0;
      },
      { timeoutMs: 10_000, message: 'queued runs done after the pause' },
    );
    const completed = (await control.figures(ORG)).counts.completed;
    expect(completed).toBeGreaterThanOrEqual(2);
    expect(await control.clean(ORG)).toEqual({ completed: 0, failed: 0 });
    expect(await control.clean(ORG, { completed: { ageMs: 0, count: 1 } })).toEqual({
      completed: completed - 1,
      failed: 0,
    });
    expect((await control.figures(ORG)).counts.completed).toBe(1);
  });

  it('does queue every pulled host of the org only, listing the skipped ones', async () => {
    const w = await world();
    const control = (await w.collection({ runWorkers: false })).control;
    await w.tenancy.createOrg({ id: 'other', name: 'Other' });
    await w.tenancy.createHost('other', promHost('theirs', '/ok/theirs'));
    await w.tenancy.createHost(ORG, promHost('mine', '/ok/mine'));
    await w.tenancy.createHost(ORG, promHost('off', '/ok/off', { metricsEnabled: false }));
    const result = await control.collectAll(ORG);
    expect(result.queued.map((q) => q.host)).toEqual(['mine']);
    expect(result.skipped).toEqual([{ host: 'off', reason: 'metrics are disabled for the host' }]);
    expect((await control.figures('other')).counts.waiting).toBe(1);
  });
});

describe('schedule reconciliation', () => {
  it('does follow a host being created, changed, disabled, enabled and deleted', async () => {
    const w = await world();
    const collection = await w.collection({ runWorkers: false });
    const every = async () => (await collection.control.figures(ORG)).schedulers;
    const queue = new Queue(new Keys('').bullQueue(COLLECT_QUEUE), {
      connection: redis.client(),
      prefix: w.keys.bullPrefix(),
    });
    const interval = async () => (await queue.getJobScheduler(`${ORG}/h`))?.every;
    await w.tenancy.createHost(ORG, promHost('h', '/ok/h', { metricsInterval: 60 }));
    await waitFor(async () => (await interval()) === 60_000);
    await w.tenancy.updateHost(ORG, 'h', { metricsEnabled: false });
    await waitFor(async () => (await every()) === 0);
    await w.tenancy.updateHost(ORG, 'h', { metricsEnabled: true, metricsInterval: 120 });
    await waitFor(async () => (await interval()) === 120_000);
    await w.tenancy.updateHost(ORG, 'h', { collector: { kind: 'push' } });
    await waitFor(async () => (await every()) === 0);
    await w.tenancy.updateHost(ORG, 'h', {
      collector: { kind: 'prometheus', settings: { url: targets.url('/ok/h') } },
    });
    await waitFor(async () => (await every()) === 1);
    await w.tenancy.deleteHost(ORG, 'h');
    await waitFor(async () => (await every()) === 0);
    await collection.reconcile();
    expect(await every()).toBe(0);
    await queue.close();
  });

  it('does catch up at start-up with changes it was not told about', async () => {
    const w = await world();
    // Changes made before this process started, or by one that died before reconciling.
    await w.tenancy.createHost(ORG, promHost('early', '/ok/early', { metricsInterval: 60 }));
    await w.tenancy.createHost(ORG, promHost('gone', '/ok/gone', { metricsInterval: 60 }));
    const collection = await w.collection({ runWorkers: false });
    await collection.reconcile();
    expect((await collection.control.figures(ORG)).schedulers).toBe(2);
    const elsewhere = new RedisTenancy({ redis: redis.client(), keys: w.keys });
    await elsewhere.deleteHost(ORG, 'gone');
    expect(await collection.reconcile()).toEqual({ scheduled: 1, removed: 1 });
    expect((await collection.control.figures(ORG)).schedulers).toBe(1);
  });
});
