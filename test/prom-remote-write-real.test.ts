/**
 * A real Prometheus (Debian's 2.42) scraping a real node exporter every second and remote-writing to
 * Vitals for over half a minute: every sample Prometheus says it sent is stored, none failed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_HOST } from '../src/events/index.ts';
import {
  freePort,
  HOST,
  PROMETHEUS_BIN,
  type RedisServer,
  sleep,
  startPrometheus,
  startRedis,
  type TestPrometheus,
  uniquePrefix,
  waitFor,
} from './harness/index.ts';
import { trackPid, untrackPid } from './harness/reaper.ts';
import { type ApiEnv, apiEnv } from './support/api.ts';

const NODE_EXPORTER = process.env.NODE_EXPORTER_BIN ?? '/usr/bin/prometheus-node-exporter';
const missing = [PROMETHEUS_BIN, NODE_EXPORTER].filter((bin) => !existsSync(bin));
/** How long Prometheus scrapes and writes before the counts are compared (at least 30 s). */
const RUN_MS = 35_000;
const ORG = 'promrw';

interface Child {
  readonly process: ChildProcess;
  log: string;
}

function start(bin: string, args: string[]): Child {
  const child: Child = { process: spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] }), log: '' };
  if (child.process.pid) trackPid(child.process.pid);
  child.process.stderr?.on('data', (chunk: Buffer) => {
    child.log = (child.log + chunk.toString()).slice(-4000);
  });
  return child;
}

async function stop(child: Child | undefined): Promise<void> {
  if (!child) return;
  const { process: p } = child;
  if (p.exitCode === null && p.signalCode === null) {
    const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    p.kill('SIGTERM');
    const timer = setTimeout(() => p.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  if (p.pid) untrackPid(p.pid);
}

/** Prometheus' own counters of one metric name, summed over its series (remote_name, url…). */
function counter(metrics: string, name: string): number | undefined {
  let sum: number | undefined;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    sum = (sum ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

describe('Prometheus remote_write into Vitals (real Prometheus and node exporter)', () => {
  let redis: RedisServer;
  let env: ApiEnv;
  let exporter: Child | undefined;
  let prometheus: TestPrometheus | undefined;
  let readToken = '';
  /** prometheus.yml with the node job's scrape interval. */
  let config: (scrapeInterval: string) => string = () => '';

  beforeAll(async () => {
    if (missing.length > 0) return;
    redis = await startRedis();
    env = await apiEnv(redis.url, uniquePrefix('promrw-real'));
    const base = await env.runtime.listen();
    const { tenancy } = env.runtime.api;
    await tenancy.createOrg({ id: ORG, name: 'Prometheus' });
    // Prometheus gets a token that may only push; the counting reads with another.
    const ingest = await tenancy.createToken(ORG, { name: 'prometheus', scopes: ['ingest'] });
    readToken = (await tenancy.createToken(ORG, { name: 'reader', scopes: ['read'] })).token;

    const exporterPort = await freePort();
    exporter = start(NODE_EXPORTER, [`--web.listen-address=${HOST}:${exporterPort}`]);
    await waitFor(
      () =>
        fetch(`http://${HOST}:${exporterPort}/metrics`).then(
          (r) => r.ok,
          () => false,
        ),
      {
        timeoutMs: 10_000,
        message: 'node exporter',
      },
    );

    config = (scrapeInterval: string) =>
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'scrape_configs:',
        '  - job_name: node',
        `    scrape_interval: ${scrapeInterval}`,
        `    static_configs: [{ targets: ["${HOST}:${exporterPort}"] }]`,
        'remote_write:',
        `  - url: ${base}/api/v1/prom/write`,
        '    authorization:',
        `      credentials: ${JSON.stringify(ingest.token)}`,
        '    queue_config: { batch_send_deadline: 1s }',
        '',
      ].join('\n');
    prometheus = await startPrometheus({ config: config('1s') });
  });

  afterAll(async () => {
    await prometheus?.close();
    await stop(exporter);
    await env?.close();
    await redis?.close();
  });

  /**
   * The org's hosts but the one its connection events are counted on (`vitals`: one point a minute of
   * Prometheus' pushes as `events.agent_push.*`), which are Vitals' own series, not samples Prometheus sent.
   */
  const scrapedHosts = (body: unknown) =>
    (body as { hosts: { id: string; name: string }[] }).hosts.filter((h) => h.id !== EVENTS_HOST);

  /** Every sample Prometheus' host holds: the JSON export of each of its hosts, one line per sample. */
  async function storedSamples(from: number, to: number): Promise<number> {
    const hosts = await env.call('GET', '/api/v1/hosts', { token: readToken });
    expect(hosts.statusCode, hosts.body).toBe(200);
    let n = 0;
    for (const { id } of scrapedHosts(hosts.json())) {
      const res = await env.call(
        'GET',
        `/api/v1/hosts/${id}/export?format=json&startTime=${from}&endTime=${to}`,
        {
          token: readToken,
        },
      );
      expect(res.statusCode, res.body).toBe(200);
      n += res.body.split('\n').filter((l) => l !== '').length;
    }
    return n;
  }

  it.skipIf(missing.length > 0)(
    missing.length === 0
      ? 'does store every sample Prometheus sent, stale markers aside, with none failed'
      : `does store every sample Prometheus sent (skipped: ${missing.join(', ')} not found; apt-get install prometheus prometheus-node-exporter)`,
    async () => {
      const from = Date.now() - 60_000;
      await sleep(RUN_MS);
      const metrics = async () => (await fetch(`${prometheus?.url}/metrics`)).text();
      const first = await metrics();
      // 2.42 counts sent samples as prometheus_remote_storage_samples_total; older ones had another name.
      const sentName = [
        'prometheus_remote_storage_samples_total',
        'prometheus_remote_storage_succeeded_samples_total',
      ].find((name) => counter(first, name) !== undefined);
      const failedName = [
        'prometheus_remote_storage_samples_failed_total',
        'prometheus_remote_storage_failed_samples_total',
      ].find((name) => counter(first, name) !== undefined);
      expect(sentName, 'a sent-samples counter on /metrics').toBeDefined();
      expect(failedName, 'a failed-samples counter on /metrics').toBeDefined();

      // Scraping stops so that the counts hold still while they are compared: a reload with a scrape
      // interval of a day replaces the scrape loop, and the remote-write queue (its configuration
      // unchanged) drains. The old loop ends with one stale marker per series, which Prometheus sends
      // and counts, and Vitals drops by design.
      await prometheus?.reload(config('24h'));
      let last = { before: -1, stored: -2, after: -3 };
      await waitFor(
        async () => {
          const before = counter(await metrics(), sentName as string) ?? 0;
          const stored = await storedSamples(from, Date.now() + 60_000);
          await sleep(1500);
          const text = await metrics();
          const after = counter(text, sentName as string) ?? 0;
          last = { before, stored, after };
          const pending = counter(text, 'prometheus_remote_storage_samples_pending') ?? 0;
          return pending === 0 && before === after && after > 0;
        },
        { timeoutMs: 30_000, intervalMs: 100, message: 'the counts holding still' },
      );
      // What Prometheus itself stored of the job (a range selector leaves stale markers out).
      const own = await fetch(
        `${prometheus?.url}/api/v1/query?query=${encodeURIComponent('{job="node"}[15m]')}`,
      );
      const result = ((await own.json()) as { data: { result: { values: unknown[] }[] } }).data.result;
      const final = await metrics();
      // The stale markers Vitals left out, as it counts them itself.
      const vitalsMetrics = await env.call('GET', '/metrics');
      const figures = {
        sent: last.after,
        stored: last.stored,
        storedByPrometheus: result.reduce((n, s) => n + s.values.length, 0),
        staleMarkersSkipped:
          counter(vitalsMetrics.body, 'vitals_ingest_skipped_samples_total{reason="stale_marker"}') ?? 0,
        failed: counter(final, failedName as string),
        retried: counter(final, 'prometheus_remote_storage_samples_retried_total') ?? 0,
        dropped: counter(final, 'prometheus_remote_storage_samples_dropped_total') ?? 0,
      };
      const text = JSON.stringify(figures);
      expect(figures.sent, text).toBeGreaterThan(30 * result.length);
      // Every sample Prometheus sent is stored, or is a stale marker Vitals counted as left out.
      expect(figures.stored + figures.staleMarkersSkipped, text).toBe(figures.sent);
      // The reload ended the scrape loop: its series' stale markers were among them.
      expect(figures.staleMarkersSkipped, text).toBeGreaterThan(0);
      // Whatever Prometheus stored itself is in Vitals too.
      expect(figures.stored, text).toBeGreaterThanOrEqual(figures.storedByPrometheus);
      expect([figures.failed, figures.retried, figures.dropped], text).toEqual([0, 0, 0]);
      // node_exporter's series arrived under the scraped instance, with the job label kept.
      const hosts = scrapedHosts((await env.call('GET', '/api/v1/hosts', { token: readToken })).json());
      expect(hosts).toHaveLength(1);
      expect(hosts[0]?.name).toMatch(/^127\.0\.0\.1:\d+$/);
      const series = await env.call('GET', `/api/v1/hosts/${hosts[0]?.id}/series`, {
        token: readToken,
      });
      expect(series.body).toContain('node_load1{job=\\"node\\"}');
    },
    RUN_MS + 90_000,
  );
});
