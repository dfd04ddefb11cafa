import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CollectContext,
  CollectError,
  type Collector,
  PrometheusCollector,
  RedisInfoCollector,
  SshCollector,
} from '../src/collect/index.ts';
import {
  freePort,
  HOST,
  type RedisServer,
  startRedis,
  startSshd,
  type TestSshd,
  waitFor,
} from './harness/index.ts';

const DAY = 86_400_000;

/** One collection context; the host state is kept in memory here (the service keeps it in Redis). */
function contextFor(settings: Record<string, unknown>, state: { value?: unknown } = {}): CollectContext {
  const now = Date.now();
  return {
    org: 'acme',
    hostId: 'h1',
    settings,
    signal: AbortSignal.timeout(10_000),
    timeoutMs: 5000,
    now: Date.now,
    state: {
      get: async <T>() => state.value as T | undefined,
      set: async (v) => {
        state.value = v;
      },
    },
    bounds: { minTimestamp: now - 30 * DAY, maxTimestamp: now + 60_000 },
  };
}

async function collected(collector: Collector, ctx: CollectContext): Promise<Record<string, number>> {
  const set = await collector.collect(ctx);
  return Object.fromEntries(Object.entries(set.latest()).map(([k, s]) => [k, s.value]));
}

async function refusal(collector: Collector, ctx: CollectContext): Promise<CollectError> {
  const err = await collector.collect(ctx).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof CollectError)) throw new Error(`expected a CollectError, got ${String(err)}`);
  return err;
}

describe('SSH collector against a real sshd', () => {
  let sshd: TestSshd;
  const ssh = new SshCollector();
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => sshd?.close());
  const settings = (extra: Record<string, unknown> = {}) => ({
    host: sshd.host,
    port: sshd.port,
    username: sshd.username,
    privateKey: sshd.privateKey,
    ...extra,
  });

  it('does read /proc and df in one round trip, and rates from the previous collection', async () => {
    const state = {};
    const first = await collected(
      ssh,
      contextFor(settings({ hostFingerprint: sshd.hostFingerprint }), state),
    );
    expect(first['mem.used_pct']).toBeGreaterThan(0);
    expect(first['disk.used_pct{mount="/"}']).toBeGreaterThan(0);
    expect(first['load.1']).toBeGreaterThanOrEqual(0);
    expect(first['uptime.seconds']).toBeGreaterThan(0);
    expect(first['proc.count']).toBeGreaterThan(0);
    expect(first['cpu.usage']).toBeUndefined();
    const second = await collected(ssh, contextFor(settings(), state));
    expect(second['cpu.usage']).toBeGreaterThanOrEqual(0);
    expect(second['cpu.usage']).toBeLessThanOrEqual(100);
  });

  it('does fail without retry when the key or password is refused', async () => {
    const stranger = await refusal(ssh, contextFor(settings({ privateKey: sshd.strangerKey })));
    expect([stranger.reason, stranger.retryable]).toEqual(['auth', false]);
    const password = await refusal(
      ssh,
      contextFor({ ...settings({ password: 'wrong' }), privateKey: undefined }),
    );
    expect([password.reason, password.retryable]).toEqual(['auth', false]);
  });

  it('does fail without retry on a host key that is not the expected one, or unreadable settings', async () => {
    const wrongKey = await refusal(
      ssh,
      contextFor(settings({ hostFingerprint: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })),
    );
    expect([wrongKey.reason, wrongKey.retryable]).toEqual(['settings', false]);
    const badKey = await refusal(ssh, contextFor(settings({ privateKey: 'not a key' })));
    expect(badKey.reason).toBe('settings');
    const missing = await refusal(ssh, contextFor({ host: sshd.host, username: 'root' }));
    expect(missing.message).toContain('password or privateKey');
    const typo = await refusal(ssh, contextFor(settings({ prot: 22 })));
    expect(typo.message).toContain('collector.settings.prot: is not a known field');
  });

  it('does report a closed port as unreachable, which a retry may fix', async () => {
    const err = await refusal(ssh, contextFor(settings({ port: await freePort() })));
    expect([err.reason, err.retryable]).toEqual(['unreachable', true]);
  });
});

const EXPOSITION = `# HELP http_requests_total Requests.
# TYPE http_requests_total counter
http_requests_total{method="get",path="/a \\"quoted\\"\\\\x"} 1027
http_requests_total{method="post",path="/b"} 3 ${Date.now() - 5000}
# TYPE temperature gauge
temperature -3.5
# TYPE latency histogram
latency_bucket{le="0.1"} 2
latency_bucket{le="+Inf"} 5
latency_sum 1.7
latency_count 5
# TYPE rpc summary
rpc{quantile="0.99"} NaN
rpc_sum 12
rpc_count 4
job:up:sum 1
stale 1 1000
`;

describe('Prometheus collector against local HTTP servers', () => {
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/secured' && req.headers.authorization !== 'Bearer s3cret')
        return void res.writeHead(401).end();
      if (req.url === '/openmetrics') {
        res.setHeader('content-type', 'application/openmetrics-text; version=1.0.0');
        return void res.end(`# TYPE up gauge\nup 1 ${(Date.now() - 1000) / 1000}\n# EOF\n`);
      }
      if (req.url === '/html')
        return void res.setHeader('content-type', 'text/html').end('<html>hello</html>');
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(EXPOSITION);
    });
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    const address = server.address();
    base = `http://${HOST}:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const prometheus = new PrometheusCollector(1024 * 1024);

  it('does store counters, gauges, histograms and summaries as series with their labels and timestamps', async () => {
    const set = await prometheus.collect(contextFor({ url: `${base}/metrics` }));
    const latest = set.latest();
    expect(latest['http_requests_total{method="get",path="/a \\"quoted\\"\\\\x"}']?.value).toBe(1027);
    expect(latest['http_requests_total{method="post",path="/b"}']?.timestamp).toBeLessThan(Date.now() - 4000);
    expect(latest.temperature?.value).toBe(-3.5);
    expect(latest['latency_bucket{le="+Inf"}']?.value).toBe(5);
    expect(latest.latency_count?.value).toBe(5);
    expect(Number.isNaN(latest['rpc{quantile="0.99"}']?.value)).toBe(true);
    expect(latest['job.up.sum']?.value).toBe(1);
    // A timestamp from 1970 is older than retention: left out, counted.
    expect(latest.stale).toBeUndefined();
    expect(set.dropped).toBe(1);
  });

  it('does read OpenMetrics timestamps in seconds', async () => {
    const set = await prometheus.collect(contextFor({ url: `${base}/openmetrics` }));
    expect(Math.abs((set.latest().up?.timestamp ?? 0) - (Date.now() - 1000))).toBeLessThan(2000);
  });

  it('does send the bearer token and fail without retry when it is refused', async () => {
    expect(
      (await prometheus.collect(contextFor({ url: `${base}/secured`, bearerToken: 's3cret' }))).size,
    ).toBeGreaterThan(0);
    const err = await refusal(prometheus, contextFor({ url: `${base}/secured`, bearerToken: 'wrong' }));
    expect([err.reason, err.retryable]).toEqual(['auth', false]);
    expect(err.message).not.toContain('wrong');
  });

  it('does refuse a page that is not an exposition, and a closed port as unreachable', async () => {
    expect((await refusal(prometheus, contextFor({ url: `${base}/html` }))).reason).toBe('protocol');
    const closed = await refusal(
      prometheus,
      contextFor({ url: `http://${HOST}:${await freePort()}/metrics` }),
    );
    expect([closed.reason, closed.retryable]).toEqual(['unreachable', true]);
  });
});

const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
const haveNodeExporter = existsSync(NODE_EXPORTER);

describe('Prometheus collector against Debian prometheus-node-exporter', () => {
  let exporter: ChildProcess | undefined;
  let port = 0;
  beforeAll(async () => {
    if (!haveNodeExporter) return;
    port = await freePort();
    exporter = spawn(
      NODE_EXPORTER,
      [
        `--web.listen-address=${HOST}:${port}`,
        '--collector.disable-defaults',
        '--collector.loadavg',
        '--collector.meminfo',
        '--collector.cpu',
      ],
      { stdio: 'ignore' },
    );
    await waitFor(() => fetch(`http://${HOST}:${port}/metrics`).then((r) => r.ok), {
      timeoutMs: 10_000,
      message: 'node exporter',
    });
  });
  afterAll(() => {
    exporter?.kill('SIGKILL');
  });

  it.skipIf(!haveNodeExporter)(
    haveNodeExporter
      ? 'does scrape a real node exporter: load, memory and per-CPU counters'
      : `does scrape a real node exporter (skipped: ${NODE_EXPORTER} is not installed; apt-get install prometheus-node-exporter)`,
    async () => {
      const set = await new PrometheusCollector(16 * 1024 * 1024).collect(
        contextFor({ url: `http://${HOST}:${port}/metrics` }),
      );
      const keys = Object.keys(set.latest());
      expect(keys).toContain('node_load1');
      expect(keys).toContain('node_memory_MemTotal_bytes');
      expect(keys.some((k) => k.startsWith('node_cpu_seconds_total{cpu="0",mode="idle"}'))).toBe(true);
      expect(set.invalid).toBe(0);
    },
  );
});

describe('Redis INFO collector against a real redis-server', () => {
  let redis: RedisServer;
  const collector = new RedisInfoCollector();
  beforeAll(async () => {
    redis = await startRedis();
    await redis.client().call('ACL', 'SETUSER', 'watcher', 'on', '>pw', '+info', '+ping', '+client|setname');
  });
  afterAll(async () => redis?.close());

  it('does store memory, clients, stats, persistence, replication and keyspace as redis.* series', async () => {
    await redis.client().set('k', 'v');
    const values = await collected(
      collector,
      contextFor({ url: `redis://watcher:pw@${HOST}:${redis.port}` }),
    );
    expect(values['redis.memory.used_memory']).toBeGreaterThan(0);
    expect(values['redis.clients.connected_clients']).toBeGreaterThan(0);
    expect(values['redis.stats.total_commands_processed']).toBeGreaterThan(0);
    expect(values['redis.persistence.aof_enabled']).toBe(1);
    expect(values['redis.replication.is_master']).toBe(1);
    expect(values['redis.keyspace.keys{db="db0"}']).toBeGreaterThanOrEqual(1);
  });

  it('does fail without retry when the password is refused, and retry a closed port', async () => {
    const refused = await refusal(
      collector,
      contextFor({ host: HOST, port: redis.port, username: 'watcher', password: 'nope' }),
    );
    expect([refused.reason, refused.retryable]).toEqual(['auth', false]);
    const closed = await refusal(collector, contextFor({ host: HOST, port: await freePort() }));
    expect([closed.reason, closed.retryable]).toEqual(['unreachable', true]);
  });
});
