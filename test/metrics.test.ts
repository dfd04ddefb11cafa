import { execFile } from 'node:child_process';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readQueueStats } from '../src/monitor/telemetry/index.ts';
import { type RedisServer, startPrometheus, startRedis, uniquePrefix, waitFor } from './harness/index.ts';
import { ADMIN_TOKEN, type ApiEnv, apiEnv } from './support/api.ts';

/** What `promtool check metrics` says about an exposition (empty: clean), and its exit code. */
function promtoolCheck(text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile('promtool', ['check', 'metrics'], (err, stdout, stderr) => {
      const code = err ? Number((err as { code?: number }).code ?? 1) : 0;
      resolve({ code, output: `${stdout}${stderr}`.trim() });
    });
    child.stdin?.end(text);
  });
}

/** Value of the one line of `text` for `name{labels}` (labels in any order), or undefined. */
function sampleOf(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** `redis.*` series as the own-Redis collector stores them for host `vitals-redis`. */
const STORED = {
  'redis.up': 1,
  'redis.memory.used_memory': 123_456,
  'redis.memory.maxmemory': 1_000_000,
  'redis.clients.connected_clients': 7,
  'redis.stats.keyspace_hits': 90,
  'redis.persistence.rdb_last_bgsave_ok': 1,
  'redis.keyspace.keys{db="db0"}': 42,
  'redis.keyspace.expires{db="db0"}': 5,
  'redis.commandstats.calls{command="get"}': 1000,
  'redis.commandstats.usec{command="get"}': 2_500_000,
  'redis.latencystats.p50_usec{command="get"}': 3,
  'redis.latencystats.p99_9_usec{command="get"}': 40,
};

describe('/metrics', () => {
  let redis: RedisServer;
  let env: ApiEnv;

  beforeAll(async () => {
    redis = await startRedis();
    env = await apiEnv(redis.url, uniquePrefix('metrics'), { VITALS_SELF_MONITOR: 'false' });
    const push = await env.call('POST', '/api/v1/ingest', {
      payload: { hosts: [{ host: 'vitals-redis', snapshots: [{ timestamp: Date.now(), metrics: STORED }] }] },
    });
    expect(push.statusCode).toBe(200);
  });

  afterAll(async () => {
    await env?.close();
    await redis?.close();
  });

  it('exposes process, HTTP, ingest, writer, spool, queue and command figures, and promtool finds nothing', async () => {
    expect((await env.call('GET', '/api/v1/hosts/vitals-redis')).statusCode).toBe(200);
    const res = await env.call('GET', '/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const text = res.body;
    for (const name of [
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_p99_seconds',
      'vitals_http_request_duration_seconds_bucket',
      'vitals_ingest_samples_total',
      'vitals_writer_flush_duration_seconds_count',
      'vitals_spool_bytes',
      'vitals_queue_jobs',
      'vitals_queue_failure_ratio',
      'vitals_redis_command_duration_seconds_bucket',
      'vitals_redis_command_errors_total',
      'vitals_redis_slow_commands_total',
    ]) {
      expect(sampleOf(text, name), name).toBeDefined();
    }
    // The route pattern, never the raw URL.
    expect(text).toContain('route="/api/v1/hosts/:id"');
    expect(text).not.toContain('route="/api/v1/hosts/vitals-redis"');
    expect(sampleOf(text, 'vitals_ingest_samples_total')).toBeGreaterThanOrEqual(Object.keys(STORED).length);
    expect(sampleOf(text, 'vitals_queue_jobs', { state: 'waiting' })).toBe(0);
    // Every command sent so far, with its kind; the writer's flush runs a Lua script (a write).
    expect(sampleOf(text, 'vitals_redis_command_duration_seconds_count', { kind: 'write' })).toBeGreaterThan(
      0,
    );
    expect(sampleOf(text, 'vitals_redis_command_duration_seconds_bucket', { le: '+Inf' })).toBeGreaterThan(0);
    const check = await promtoolCheck(text);
    expect(check).toEqual({ code: 0, output: '' });
  });

  it("exposes the stored redis.* figures under redis_exporter's names with instance = host id", async () => {
    const text = (await env.call('GET', '/metrics/prometheus')).body;
    const at = { instance: 'vitals-redis' };
    expect(sampleOf(text, 'redis_up', at)).toBe(1);
    expect(sampleOf(text, 'redis_memory_used_bytes', at)).toBe(123_456);
    expect(sampleOf(text, 'redis_memory_max_bytes', at)).toBe(1_000_000);
    expect(sampleOf(text, 'redis_connected_clients', at)).toBe(7);
    expect(sampleOf(text, 'redis_keyspace_hits_total', at)).toBe(90);
    expect(sampleOf(text, 'redis_rdb_last_bgsave_status', at)).toBe(1);
    expect(sampleOf(text, 'redis_db_keys', { ...at, db: 'db0' })).toBe(42);
    expect(sampleOf(text, 'redis_db_keys_expiring', { ...at, db: 'db0' })).toBe(5);
    expect(sampleOf(text, 'redis_commands_total', { ...at, cmd: 'get' })).toBe(1000);
    expect(sampleOf(text, 'redis_commands_duration_seconds_total', { ...at, cmd: 'get' })).toBe(2.5);
    expect(sampleOf(text, 'redis_latency_percentiles_usec', { ...at, cmd: 'get', quantile: '0.5' })).toBe(3);
    expect(sampleOf(text, 'redis_latency_percentiles_usec', { ...at, cmd: 'get', quantile: '0.999' })).toBe(
      40,
    );
    // A series nobody stored is simply not there.
    expect(sampleOf(text, 'redis_evicted_keys_total')).toBeUndefined();
  });

  it('counts refused pushes by reason', async () => {
    const before = sampleOf((await env.call('GET', '/metrics')).body, 'vitals_ingest_rejected_total', {
      reason: 'invalid',
    });
    const bad = await env.call('POST', '/api/v1/ingest', {
      payload: {
        hosts: [{ host: 'web-1', snapshots: [{ timestamp: Date.now(), metrics: { 'bad name!': 1 } }] }],
      },
    });
    expect(bad.statusCode).toBe(400);
    const after = sampleOf((await env.call('GET', '/metrics')).body, 'vitals_ingest_rejected_total', {
      reason: 'invalid',
    });
    expect(after).toBe((before ?? 0) + 1);
  });

  it('needs a read token of the default org', async () => {
    expect((await env.runtime.app.inject({ url: '/metrics' })).statusCode).toBe(401);
    const ingestOnly = await env.call('POST', '/api/v1/tokens', {
      payload: { name: 'agent', scopes: ['ingest'] },
    });
    expect((await env.call('GET', '/metrics', { token: ingestOnly.json().token })).statusCode).toBe(403);
    const read = await env.call('POST', '/api/v1/tokens', { payload: { name: 'prom', scopes: ['read'] } });
    expect((await env.call('GET', '/metrics', { token: read.json().token })).statusCode).toBe(200);
    await env.runtime.api.tenancy.createOrg({ id: 'acme', name: 'Acme' });
    const other = await env.runtime.api.tenancy.createToken('acme', { name: 'prom', scopes: ['read'] });
    const refused = await env.call('GET', '/metrics', { token: other.token });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toContain('default');
    expect((await env.call('GET', '/metrics?x=1')).statusCode).toBe(400);
  });

  it('is scraped by a real Prometheus (honor_labels, bearer token)', async () => {
    const url = await env.runtime.listen();
    const prom = await startPrometheus({ targets: [{ url: `${url}/metrics`, token: ADMIN_TOKEN }] });
    try {
      const has = async (promql: string) => (await prom.query(promql)).length > 0;
      await waitFor(async () => (await prom.query('up == 1')).length === 1, {
        timeoutMs: 20_000,
        message: 'target up',
      });
      expect(await has('vitals_http_request_duration_seconds_count')).toBe(true);
      expect(await has('vitals_redis_command_duration_seconds_bucket{kind="write"}')).toBe(true);
      const memory = await prom.query('redis_memory_used_bytes');
      // honor_labels keeps Vitals' own `instance` label (the host id), not the scrape address.
      expect(memory.map((s) => [s.metric.instance, s.value[1]])).toEqual([['vitals-redis', '123456']]);
    } finally {
      await prom.close();
    }
  }, 40_000);
  it('answers 200 with Redis stopped: own figures, Redis figures from memory, within the deadline', async () => {
    await redis.stop();
    try {
      const started = performance.now();
      const res = await env.call('GET', '/metrics');
      expect(res.statusCode).toBe(200);
      expect(performance.now() - started).toBeLessThan(3000);
      expect(sampleOf(res.body, 'vitals_spool_bytes')).toBeDefined();
      expect(sampleOf(res.body, 'redis_memory_used_bytes', { instance: 'vitals-redis' })).toBe(123_456);
    } finally {
      await redis.restart();
    }
  }, 20_000);
});

describe('self-metrics', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await startRedis();
  });

  afterAll(async () => {
    await redis?.close();
  });

  it('stores host vitals once per interval across two processes, with queue and command series', async () => {
    const prefix = uniquePrefix('self');
    const a = await apiEnv(redis.url, prefix, { VITALS_SELF_MONITOR: 'false' });
    const b = await apiEnv(redis.url, prefix, { VITALS_SELF_MONITOR: 'false' });
    try {
      const rounds = await Promise.all([
        a.runtime.telemetry.selfMetrics?.runOnce(),
        b.runtime.telemetry.selfMetrics?.runOnce(),
      ]);
      expect(rounds.filter(Boolean)).toHaveLength(1);
      const host = await a.call('GET', '/api/v1/hosts/vitals');
      expect(host.statusCode).toBe(200);
      expect(host.json()).toMatchObject({ labels: { role: 'self' }, collector: { kind: 'push' } });
      const latest = await a.call('GET', '/api/v1/hosts/vitals/metrics/latest');
      const keys = JSON.stringify(latest.json());
      for (const name of [
        'vitals.queue.waiting',
        'vitals.queue.failure_rate_pct',
        'vitals.redis.command.p95_ms',
      ]) {
        expect(keys, name).toContain(name);
      }
      expect(keys).toMatch(
        /vitals\.redis\.command\.calls\{command=\\"[a-z]+\\",kind=\\"(read|write|other)\\"\}/,
      );
    } finally {
      await a.close();
      await b.close();
    }
  }, 30_000);

  it('reads wait and processing percentiles and the failure ratio from BullMQ', async () => {
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const prefix = uniquePrefix('queue');
    const queue = new Queue('q', { connection, prefix });
    const worker = new Worker(
      'q',
      async (job) => {
        await new Promise((r) => setTimeout(r, 30));
        if (job.data.fail) throw new Error('boom');
      },
      { connection, prefix, concurrency: 1 },
    );
    try {
      await queue.addBulk([0, 1, 2, 3].map((i) => ({ name: 'j', data: { fail: i === 3 } })));
      await waitFor(async () => (await queue.getJobCounts('completed', 'failed')).failed === 1, {
        timeoutMs: 10_000,
        message: 'jobs finished',
      });
      const stats = await readQueueStats(queue, 60_000);
      expect(stats).toMatchObject({ completed: 3, failed: 1, waiting: 0, active: 0, sampled: 3 });
      expect(stats.failureRatio).toBe(0.25);
      expect(stats.processingMs?.p50).toBeGreaterThanOrEqual(25);
      // One worker, one job at a time: the last job waited for the three before it.
      expect(stats.waitMs?.p99).toBeGreaterThanOrEqual(60);
    } finally {
      await worker.close();
      await queue.close();
      connection.disconnect();
    }
  }, 20_000);
});
