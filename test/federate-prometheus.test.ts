/**
 * Prometheus conventions on every exposition Vitals writes: federation and the prometheus / openmetrics
 * exports pass `promtool check metrics` without a single remark, federation leaves out series older than
 * 5 minutes, and a real Prometheus (Debian's) scraping federation with `honor_labels` stores no "too old"
 * samples and answers a federated series back under its Prometheus name.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition, type Sample } from '../src/contract/index.ts';
import {
  type RedisServer,
  startPrometheus,
  startRedis,
  type TestPrometheus,
  uniquePrefix,
  waitFor,
} from './harness/index.ts';
import { ADMIN_TOKEN, type ApiEnv, apiEnv } from './support/api.ts';

/** Runs promtool with `stdin`; its exit code and what it printed. */
function promtool(args: string[], stdin = ''): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile('promtool', args, (err, stdout, stderr) => {
      const code = err ? Number((err as { code?: number }).code ?? 1) : 0;
      resolve({ code, output: `${stdout}${stderr}`.trim() });
    });
    child.stdin?.end(stdin);
  });
}

/** What `promtool check metrics` says about an exposition (empty: clean), and its exit code. */
const promtoolCheck = (text: string) => promtool(['check', 'metrics'], text);

/**
 * `promtool check metrics` reads only the Prometheus text format: an OpenMetrics text is linted as that
 * format (no `# EOF`, `unknown` as `untyped`, no timestamps in seconds), and parsed whole by promtool's
 * OpenMetrics importer, which refuses any syntax error.
 */
async function promtoolCheckOpenMetrics(text: string): Promise<{ code: number; output: string }> {
  const asPrometheus = text
    .split('\n')
    .filter((line) => line !== '# EOF')
    .map((line) =>
      line.startsWith('# ') ? line.replace(/ unknown$/, ' untyped') : line.replace(/ \S+$/, ''),
    )
    .join('\n');
  const lint = await promtoolCheck(asPrometheus);
  if (lint.code !== 0) return lint;
  const dir = mkdtempSync(join(tmpdir(), 'vitals-om-'));
  try {
    writeFileSync(join(dir, 'in.om'), text);
    const blocks = await promtool([
      'tsdb',
      'create-blocks-from',
      'openmetrics',
      '-q',
      join(dir, 'in.om'),
      dir,
    ]);
    return blocks.code === 0 ? { code: 0, output: '' } : blocks;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const NOW = Date.now();
/** Newest samples of host web-1: fresh ones, one 10 minutes old and one 3 hours old. */
const FRESH = {
  'cpu.usage': 42.5,
  'mem.used_pct': 61,
  'disk.used_pct{mount="/"}': 70,
  'net.rx_bps{iface="eth0"}': 1234,
  'app.queueDepth': 3,
  'vitals.redis.command.p99_ms': 0.25,
  'redis.stats.instantaneous_ops_per_sec': 900,
  'redis.persistence.last_save_age_sec': 12,
  'redis.stats.expire_cycle_cpu_milliseconds': 7,
};

async function seed(env: ApiEnv): Promise<void> {
  const snapshots = [
    { timestamp: NOW - 3 * 3_600_000, metrics: { 'old.gauge': 1 } },
    { timestamp: NOW - 10 * 60_000, metrics: { 'stale.gauge': 2 } },
    { timestamp: NOW - 1000, metrics: FRESH },
  ];
  const res = await env.call('POST', '/api/v1/ingest', {
    payload: { hosts: [{ host: 'web-1', snapshots }] },
  });
  expect(res.statusCode).toBe(200);
}

describe('Prometheus conventions on federation and exports', () => {
  let redis: RedisServer;
  let env: ApiEnv;
  let prometheus: TestPrometheus | undefined;
  beforeAll(async () => {
    redis = await startRedis();
    // Vitals' own Redis series (host `vitals-redis`) give federation the full set of real names.
    env = await apiEnv(redis.url, uniquePrefix('federate'), {
      VITALS_SELF_MONITOR: 'true',
      VITALS_SELF_MONITOR_INTERVAL: '1000',
    });
    await seed(env);
    await waitFor(
      async () => (await env.call('GET', '/api/v1/metrics/federate')).body.includes('redis_up{'),
      {
        timeoutMs: 15_000,
        message: 'own-Redis series federated',
      },
    );
  }, 30_000);
  afterAll(async () => {
    await prometheus?.close();
    await env?.close();
    await redis?.close();
  });

  it('does federate only series updated within 5 minutes, under Prometheus names, clean for promtool', async () => {
    const res = await env.call('GET', '/api/v1/metrics/federate');
    expect(res.statusCode).toBe(200);
    const text = res.body;
    expect(text).toContain('# HELP cpu_usage Vitals metric cpu.usage\n# TYPE cpu_usage untyped\n');
    expect(text).toContain(`cpu_usage{host="web-1"} 42.5 ${NOW - 1000}\n`);
    expect(text).toContain('app_queue_depth{host="web-1"} 3');
    expect(text).toContain('vitals_redis_command_p99_msec{host="web-1"} 0.25');
    expect(text).toContain('redis_stats_instantaneous_ops_per_second{host="web-1"} 900');
    expect(text).not.toMatch(/stale_gauge|old_gauge/);
    expect(text).not.toMatch(/^[^#][^ {]*:/m);
    expect(await promtoolCheck(text)).toEqual({ code: 0, output: '' });
    // The names come back: parsing the federation gives the Vitals names.
    const names = new Set(parseExposition(text).samples.map((s) => s.name));
    expect(names).toContain('cpu.usage');
    expect(names).toContain('redis.stats.expire_cycle_cpu_milliseconds');
  });

  for (const format of ['prometheus', 'openmetrics'] as const) {
    it(`does export ${format} that promtool finds nothing in and that parses back to the same samples`, async () => {
      const res = await env.call(
        'GET',
        `/api/v1/hosts/web-1/export?format=${format}&startTime=${NOW - 4 * 3_600_000}`,
      );
      expect(res.statusCode).toBe(200);
      const check = format === 'prometheus' ? promtoolCheck : promtoolCheckOpenMetrics;
      expect(await check(res.body)).toEqual({ code: 0, output: '' });
      const parsed = parseExposition(res.body, { flavor: format, hostLabel: true });
      expect(new Set(parsed.samples.map((s) => s.host))).toEqual(new Set(['web-1']));
      expect(parsed.errors).toEqual([]);
      const key = (s: Sample) => `${s.name}${JSON.stringify(s.labels)}@${s.timestamp}=${s.value}`;
      expect(parsed.samples.map(key).sort()).toEqual(
        [
          { name: 'old.gauge', labels: {}, timestamp: NOW - 3 * 3_600_000, value: 1 },
          { name: 'stale.gauge', labels: {}, timestamp: NOW - 10 * 60_000, value: 2 },
          ...Object.entries(FRESH).map(([series, value]) => {
            const [name = '', label] = series.split('{');
            const labels = label
              ? Object.fromEntries([label.slice(0, -2).split('="') as [string, string]])
              : {};
            return { name, labels, timestamp: NOW - 1000, value };
          }),
        ]
          .map(key)
          .sort(),
      );
    });
  }

  it('does let a real Prometheus scrape federation with honor_labels and no sample refused', async () => {
    const base = await env.runtime.listen();
    prometheus = await startPrometheus({
      targets: [{ url: `${base}/api/v1/metrics/federate`, token: ADMIN_TOKEN }],
    });
    const running = prometheus;
    await waitFor(
      async () => {
        const [target] = await running.targets();
        return target?.health === 'up' && target.lastError === '';
      },
      { timeoutMs: 20_000, message: 'federation target up' },
    );
    const [cpu] = await waitFor(
      async () => {
        const result = await running.query('cpu_usage{host="web-1"}');
        return result.length > 0 ? result : undefined;
      },
      { timeoutMs: 20_000, message: 'federated cpu_usage in Prometheus' },
    );
    expect(cpu?.metric).toEqual({
      __name__: 'cpu_usage',
      host: 'web-1',
      job: 'vitals-0',
      instance: new URL(base).host,
    });
    expect(cpu?.value[1]).toBe('42.5');
    // Several scrapes later, Prometheus has refused nothing as too old or out of order.
    await new Promise((r) => setTimeout(r, 3000));
    const own = await (await fetch(`${running.url}/metrics`)).text();
    for (const counter of [
      'prometheus_target_scrapes_sample_out_of_bounds_total',
      'prometheus_target_scrapes_sample_out_of_order_total',
      'prometheus_target_scrapes_sample_duplicate_timestamp_total',
    ]) {
      expect(own).toMatch(new RegExp(`^${counter} 0$`, 'm'));
    }
    expect(await running.query('count(stale_gauge) or count(old_gauge)')).toEqual([]);
  }, 60_000);
});
