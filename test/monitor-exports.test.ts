import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { type RedisServer, startRedis, uniquePrefix, waitFor } from './harness/index.ts';
import { startPrometheus, type TestPrometheus } from './harness/prometheus.ts';
import { ADMIN_TOKEN, type ApiEnv, apiEnv } from './support/api.ts';

/**
 * The Grafana dashboard and Prometheus rules exports: the served rules pass `promtool check rules`
 * and a `promtool test rules` unit test per rule (fires after its `for`, stays quiet on healthy
 * series); the dashboard has what Grafana's import needs; the aliases answer the same as the API.
 */

interface Run {
  readonly code: number;
  readonly out: string;
}

function run(cmd: string, args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

interface RuleOut {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}
interface RulesFile {
  readonly groups: { readonly name: string; readonly rules: RuleOut[] }[];
}

/** One rule's unit test: input series (1-minute samples), the firing alert's labels, `$value` as rendered. */
interface RuleCase {
  readonly series: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly value?: string;
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's placeholder, filled in on import.
const DS_UID = '${DS_PROMETHEUS}';
const at = (instance: string) => `instance="${instance}",job="vitals"`;
const steady = (v: number | string) => `${v}x40`;
const perMinute = (n: number) => `0+${n}x40`;

function gauges(name: string, bad: number, good: number): Record<string, string> {
  return { [`${name}{${at('bad')}}`]: steady(bad), [`${name}{${at('good')}}`]: steady(good) };
}

function ratio(used: string, max: string, bad: number): Record<string, string> {
  return {
    [`${used}{${at('bad')}}`]: steady(bad),
    [`${max}{${at('bad')}}`]: steady(100),
    [`${used}{${at('good')}}`]: steady(50),
    [`${max}{${at('good')}}`]: steady(100),
    // No limit configured (maxmemory 0): never a percentage, never an alert.
    [`${used}{${at('nolimit')}}`]: steady(500),
    [`${max}{${at('nolimit')}}`]: steady(0),
  };
}

function hitRate(hitsPerMin: number): Record<string, string> {
  return {
    [`redis_keyspace_hits_total{${at('bad')}}`]: perMinute(hitsPerMin),
    [`redis_keyspace_misses_total{${at('bad')}}`]: perMinute(100 - hitsPerMin),
    [`redis_keyspace_hits_total{${at('good')}}`]: perMinute(99),
    [`redis_keyspace_misses_total{${at('good')}}`]: perMinute(1),
  };
}

const BOUNDS = ['0.05', '0.1', '0.5', '1', '2', '+Inf'];

/** Buckets of `command` with 100 observations a minute, all in the bucket `le`. */
function buckets(command: string, le: string): Record<string, string> {
  const from = BOUNDS.indexOf(le);
  return Object.fromEntries(
    BOUNDS.map((b, i) => [
      `vitals_redis_command_duration_seconds_bucket{command="${command}",kind="read",le="${b}",job="vitals"}`,
      perMinute(i >= from ? 100 : 0),
    ]),
  );
}

/** `get` slow (its observations in `le`), `set` fast (all under 50 ms). */
function latency(le: string): Record<string, string> {
  return { ...buckets('get', le), ...buckets('set', '0.05') };
}

const GET = { command: 'get', kind: 'read' };

const CASES: Readonly<Record<string, RuleCase>> = {
  RedisDown: { series: gauges('redis_up', 0, 1), labels: { instance: 'bad', job: 'vitals' } },
  RedisMemoryHigh: {
    series: ratio('redis_memory_used_bytes', 'redis_memory_max_bytes', 85),
    labels: { instance: 'bad', job: 'vitals' },
    value: '85.0',
  },
  RedisMemoryCritical: {
    series: ratio('redis_memory_used_bytes', 'redis_memory_max_bytes', 95),
    labels: { instance: 'bad', job: 'vitals' },
    value: '95.0',
  },
  RedisConnectionsHigh: {
    series: ratio('redis_connected_clients', 'redis_config_maxclients', 85),
    labels: { instance: 'bad', job: 'vitals' },
    value: '85.0',
  },
  RedisConnectionsCritical: {
    series: ratio('redis_connected_clients', 'redis_config_maxclients', 96),
    labels: { instance: 'bad', job: 'vitals' },
    value: '96.0',
  },
  RedisHitRateLow: { series: hitRate(75), labels: { instance: 'bad', job: 'vitals' }, value: '75.0' },
  RedisHitRateVeryLow: { series: hitRate(50), labels: { instance: 'bad', job: 'vitals' }, value: '50.0' },
  RedisCommandLatencyP95High: { series: latency('0.5'), labels: GET, value: '480ms' },
  RedisCommandLatencyP95Critical: { series: latency('2'), labels: GET, value: '1.95s' },
  RedisCommandLatencyP99High: { series: latency('0.5'), labels: GET, value: '496ms' },
  RedisCommandLatencyP99Critical: { series: latency('2'), labels: GET, value: '1.99s' },
  RedisCommandErrorRateHigh: {
    series: {
      'vitals_redis_command_errors_total{command="get",kind="read",job="vitals"}': perMinute(10),
      'vitals_redis_command_duration_seconds_count{command="get",kind="read",job="vitals"}': perMinute(100),
      'vitals_redis_command_errors_total{command="set",kind="write",job="vitals"}': perMinute(1),
      'vitals_redis_command_duration_seconds_count{command="set",kind="write",job="vitals"}': perMinute(100),
    },
    labels: GET,
    value: '10.0',
  },
  RedisRdbSaveFailing: {
    series: gauges('redis_rdb_last_bgsave_status', 0, 1),
    labels: { instance: 'bad', job: 'vitals' },
  },
  RedisAofRewriteFailing: {
    series: {
      ...gauges('redis_aof_last_bgrewrite_status', 0, 1),
      ...gauges('redis_aof_enabled', 1, 1),
      // A failed rewrite while AOF is off (turned off since) is no alert.
      [`redis_aof_last_bgrewrite_status{${at('off')}}`]: steady(0),
      [`redis_aof_enabled{${at('off')}}`]: steady(0),
    },
    labels: { instance: 'bad', job: 'vitals' },
  },
  RedisLastSaveTooOld: {
    series: {
      // Saved 10,000 s before the test starts, AOF off.
      ...gauges('redis_rdb_last_save_timestamp_seconds', -10_000, -10_000),
      ...gauges('redis_aof_enabled', 0, 1),
      // Saved every minute: never old.
      [`redis_rdb_last_save_timestamp_seconds{${at('saving')}}`]: '0+60x40',
      [`redis_aof_enabled{${at('saving')}}`]: steady(0),
    },
    labels: { instance: 'bad', job: 'vitals' },
    // At 15 min: 900 s + 10,000 s.
    value: '3h 1m 40s',
  },
  VitalsQueueFailureRatioHigh: {
    series: gauges('vitals_queue_failure_ratio', 0.1, 0.01),
    labels: { instance: 'bad', job: 'vitals' },
    value: '10%',
  },
  VitalsHttp5xxHigh: {
    series: {
      'vitals_http_request_duration_seconds_count{job="bad",status_code="500"}': perMinute(10),
      'vitals_http_request_duration_seconds_count{job="bad",status_code="200"}': perMinute(90),
      'vitals_http_request_duration_seconds_count{job="good",status_code="500"}': perMinute(1),
      'vitals_http_request_duration_seconds_count{job="good",status_code="200"}': perMinute(99),
    },
    labels: { job: 'bad' },
    value: '10.0',
  },
};

function minutes(duration: string): number {
  const m = /^(\d+)([mh])$/.exec(duration);
  if (!m) throw new Error(`unexpected for: ${duration}`);
  return Number(m[1]) * (m[2] === 'h' ? 60 : 1);
}

/** The annotation as Prometheus renders it for this case: labels and `$value` filled in. */
function rendered(template: string, c: RuleCase): string {
  const out = template
    .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => c.labels[name] ?? '')
    .replace(/\{\{ \$value[^}]*\}\}/g, c.value ?? '');
  expect(out, `a template left in: ${out}`).not.toContain('{{');
  return out;
}

/** A promtool test group per rule: nothing fires before its `for` has passed, only the bad series after. */
function unitTest(rule: RuleOut) {
  const c = CASES[rule.alert];
  if (!c) throw new Error(`no unit test for ${rule.alert}`);
  const forMin = minutes(rule.for);
  return {
    interval: '1m',
    input_series: Object.entries(c.series).map(([series, values]) => ({ series, values })),
    alert_rule_test: [
      { eval_time: `${Math.max(0, forMin - 1)}m`, alertname: rule.alert, exp_alerts: [] },
      {
        eval_time: `${forMin + 5}m`,
        alertname: rule.alert,
        exp_alerts: [
          {
            exp_labels: { ...rule.labels, ...c.labels },
            exp_annotations: Object.fromEntries(
              Object.entries(rule.annotations).map(([k, v]) => [k, rendered(v, c)]),
            ),
          },
        ],
      },
    ],
  };
}

describe('Prometheus rules and Grafana exports', () => {
  let redis: RedisServer;
  let env: ApiEnv;
  let dir: string;
  let rulesText: string;
  let rules: RuleOut[];

  beforeAll(async () => {
    redis = await startRedis();
    env = await apiEnv(redis.url, uniquePrefix('exports'));
    dir = mkdtempSync(join(tmpdir(), 'vitals-rules-'));
    const res = await env.call('GET', '/api/v1/export/prometheus-rules');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/yaml/);
    rulesText = res.body;
    writeFileSync(join(dir, 'rules.yml'), rulesText);
    rules = (parse(rulesText) as RulesFile).groups.flatMap((g) => g.rules);
  });
  afterAll(async () => {
    await env?.close();
    await redis?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves a rules file that promtool check rules accepts', async () => {
    const result = await run('promtool', ['check', 'rules', 'rules.yml'], dir);
    expect(result.out).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(result.code).toBe(0);
  });

  it('covers the built-in alert defaults, each with for, severity, summary and description', () => {
    const names = rules.map((r) => r.alert);
    expect(new Set(names).size).toBe(names.length);
    expect(names.sort()).toEqual(Object.keys(CASES).sort());
    for (const rule of rules) {
      expect(rule.for, rule.alert).toMatch(/^\d+[mh]$/);
      expect(['warning', 'critical'], rule.alert).toContain(rule.labels.severity);
      expect(rule.annotations.summary, rule.alert).toBeTruthy();
      expect(rule.annotations.description, rule.alert).toBeTruthy();
    }
    const byName = new Map(rules.map((r) => [r.alert, r]));
    expect(byName.get('RedisMemoryHigh')?.expr).toMatch(/> 80$/);
    expect(byName.get('RedisMemoryCritical')?.expr).toMatch(/> 90$/);
    expect(byName.get('RedisConnectionsCritical')?.expr).toMatch(/> 95$/);
    expect(byName.get('RedisHitRateVeryLow')?.expr).toMatch(/< 70$/);
    expect(byName.get('RedisCommandLatencyP99Critical')?.expr).toMatch(/> 1$/);
  });

  it('fires every rule after its for and only for the bad series (promtool test rules)', async () => {
    const tests = { rule_files: ['rules.yml'], evaluation_interval: '1m', tests: rules.map(unitTest) };
    writeFileSync(join(dir, 'rules.test.yml'), stringify(tests));
    const result = await run('promtool', ['test', 'rules', 'rules.test.yml'], dir);
    expect(result.out).toContain('SUCCESS');
    expect(result.code, result.out).toBe(0);
  });

  it('fails the unit test when a rule would fire for a healthy series', async () => {
    // The same harness, but expecting RedisDown for the healthy instance: promtool must refuse it,
    // so the passing run above proves something.
    const rule = rules.find((r) => r.alert === 'RedisDown');
    if (!rule) throw new Error('RedisDown missing');
    const wrong = unitTest(rule);
    const firing = wrong.alert_rule_test[1]?.exp_alerts[0];
    if (firing) firing.exp_labels = { ...firing.exp_labels, instance: 'good' };
    writeFileSync(
      join(dir, 'wrong.test.yml'),
      stringify({ rule_files: ['rules.yml'], evaluation_interval: '1m', tests: [wrong] }),
    );
    const result = await run('promtool', ['test', 'rules', 'wrong.test.yml'], dir);
    expect(result.code).not.toBe(0);
  });

  it('serves a Grafana dashboard that Grafana can import', async () => {
    const res = await env.call('GET', '/api/v1/export/grafana');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const d = res.json() as GrafanaJson;
    expect(d.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(d.uid).toMatch(/^[\w-]{1,40}$/);
    expect(d.title).toBeTruthy();
    expect(d.id).toBeNull();
    expect(d.__inputs).toContainEqual(
      expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }),
    );
    expect(d.__requires).toContainEqual(expect.objectContaining({ type: 'datasource', id: 'prometheus' }));
    const instance = d.templating.list.find((v) => v.name === 'instance');
    expect(instance?.definition).toBe('label_values(redis_up, instance)');
    expect(instance?.datasource.uid).toBe(DS_UID);
    const types = new Set(d.__requires.filter((r) => r.type === 'panel').map((r) => r.id));
    const ids = new Set<number>();
    for (const panel of d.panels) {
      expect(types.has(panel.type), `${panel.title}: ${panel.type} not in __requires`).toBe(true);
      expect(panel.datasource.uid, panel.title).toBe(DS_UID);
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const t of panel.targets) {
        expect(t.expr, panel.title).toMatch(/\S/);
        expect(t.datasource.uid, panel.title).toBe(DS_UID);
      }
      expect(new Set(panel.targets.map((t) => t.refId)).size, panel.title).toBe(panel.targets.length);
      const { x, y, w, h } = panel.gridPos;
      expect(x + w, panel.title).toBeLessThanOrEqual(24);
      expect(h > 0 && y >= 0, panel.title).toBe(true);
      ids.add(panel.id);
    }
    expect(ids.size).toBe(d.panels.length);
    expect(overlaps(d.panels)).toEqual([]);
  });

  it('charts every figure the plan names', async () => {
    const d = (await env.call('GET', '/api/v1/export/grafana')).json() as GrafanaJson;
    const exprs = d.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
    for (const name of [
      'redis_up',
      'redis_memory_used_bytes',
      'redis_memory_max_bytes',
      'redis_keyspace_hits_total',
      'redis_keyspace_misses_total',
      'redis_commands_processed_total',
      'redis_commands_total',
      'redis_latency_percentiles_usec',
      'vitals_redis_command_duration_seconds_bucket',
      'redis_connected_clients',
      'redis_config_maxclients',
      'vitals_redis_command_errors_total',
      'redis_rdb_last_bgsave_status',
      'redis_aof_last_bgrewrite_status',
      'redis_rdb_last_save_timestamp_seconds',
      'ALERTS',
      'vitals_http_request_duration_seconds_bucket',
      'vitals_ingest_samples_total',
      'vitals_queue_jobs',
    ]) {
      expect(exprs, name).toContain(name);
    }
  });

  it('answers the same at the /dashboard aliases, never with the web dashboard page', async () => {
    const grafana = await env.call('GET', '/api/v1/export/grafana');
    const alias = await env.call('GET', '/dashboard/grafana');
    expect(alias.statusCode).toBe(200);
    expect(alias.json()).toEqual(grafana.json());
    const rulesAlias = await env.call('GET', '/dashboard/prometheus-rules');
    expect(rulesAlias.statusCode).toBe(200);
    expect(rulesAlias.headers['content-type']).toMatch(/^text\/yaml/);
    expect(rulesAlias.body).toBe(rulesText);
    const both = await env.call('GET', '/dashboard/export');
    expect(both.statusCode).toBe(200);
    expect(both.json()).toEqual({ grafana: grafana.json(), prometheusRules: rulesText });
  });

  it('follows the configured Redis health thresholds (VITALS_REDIS_*) in rules and panels', async () => {
    const other = await apiEnv(redis.url, uniquePrefix('exports-conf'), {
      VITALS_REDIS_MEMORY_WARN_PCT: '70',
      VITALS_REDIS_HIT_RATE_FAIL_PCT: '60',
      VITALS_REDIS_LATENCY_WARN_MS: '50',
    });
    try {
      const text = (await other.call('GET', '/api/v1/export/prometheus-rules')).body;
      const byName = new Map(
        (parse(text) as RulesFile).groups.flatMap((g) => g.rules).map((r) => [r.alert, r]),
      );
      expect(byName.get('RedisMemoryHigh')?.expr).toMatch(/> 70$/);
      expect(byName.get('RedisMemoryCritical')?.expr).toMatch(/> 90$/);
      expect(byName.get('RedisHitRateVeryLow')?.expr).toMatch(/< 60$/);
      expect(byName.get('RedisCommandLatencyP95High')?.expr).toMatch(/> 0.05$/);
      const d = (await other.call('GET', '/api/v1/export/grafana')).json() as {
        panels: {
          title: string;
          fieldConfig: { defaults: { thresholds: { steps: { value: number | null }[] } } };
        }[];
      };
      const memory = d.panels.find((p) => p.title === 'Memory used of maxmemory');
      expect(memory?.fieldConfig.defaults.thresholds.steps.map((step) => step.value)).toEqual([null, 70, 90]);
    } finally {
      await other.close();
    }
  });

  it('needs a read token and refuses unknown parameters', async () => {
    const created = await env.call('POST', '/api/v1/tokens', {
      payload: { name: 'push', scopes: ['ingest'] },
    });
    const ingestOnly = (created.json() as { token: string }).token;
    for (const url of [
      '/api/v1/export/grafana',
      '/api/v1/export/prometheus-rules',
      '/dashboard/grafana',
      '/dashboard/prometheus-rules',
      '/dashboard/export',
    ]) {
      const anonymous = await env.runtime.app.inject({ url });
      expect(anonymous.statusCode, url).toBe(401);
      expect((await env.call('GET', url, { token: ingestOnly })).statusCode, url).toBe(403);
      const unknown = await env.call('GET', `${url}?foo=1`);
      expect(unknown.statusCode, url).toBe(400);
      expect(unknown.body, url).toContain('foo');
    }
  });
});

/** A panel query as Grafana would send it, for the Redis `instance` chosen. */
function concrete(expr: string, instance: string): string {
  return expr
    .replaceAll('$instance', instance)
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '15s');
}

describe('every Grafana panel against a real Prometheus scraping Vitals', () => {
  const SELF = 'vitals-redis';
  const MONITORED = 'cache-1';
  let redis: RedisServer;
  let env: ApiEnv;
  let prometheus: TestPrometheus;
  let traffic: ReturnType<typeof setInterval> | undefined;
  let dashboard: GrafanaJson;

  beforeAll(async () => {
    // maxmemory set, so that "Memory used of maxmemory" has a value (0 means no limit: no percentage).
    redis = await startRedis({ args: ['--maxmemory', '1gb', '--maxmemory-policy', 'noeviction'] });
    env = await apiEnv(redis.url, uniquePrefix('grafana'), {
      VITALS_SELF_MONITOR: 'true',
      VITALS_SELF_MONITOR_INTERVAL: '1000',
      VITALS_SELF_METRICS_INTERVAL: '1000',
      VITALS_RATE_LIMIT: '100000',
    });
    const address = await env.runtime.listen();
    // A monitored Redis (the same server), collected through the queue every 10 s.
    const host = await env.call('POST', '/api/v1/hosts', {
      payload: {
        id: MONITORED,
        metricsInterval: 10,
        collector: { kind: 'redis', settings: { url: redis.url } },
      },
    });
    expect(host.statusCode).toBe(201);
    expect((await env.call('POST', `/api/v1/hosts/${MONITORED}/collect`)).statusCode).toBeLessThan(300);
    const rules = await env.call('GET', '/api/v1/export/prometheus-rules');
    dashboard = (await env.call('GET', '/api/v1/export/grafana')).json() as GrafanaJson;
    prometheus = await startPrometheus({
      targets: [{ url: `${address}/metrics`, token: ADMIN_TOKEN }],
      scrapeIntervalSec: 1,
      rules: rules.body,
    });
    const client = redis.client();
    await client.set('exports:hit', '1');
    // Traffic of a working server: pushes (one refused), lookups that mostly miss (a low hit rate,
    // so a hit-rate alert is pending and ALERTS has data).
    traffic = setInterval(() => {
      const t = Date.now();
      void env.call('POST', '/api/v1/ingest', {
        payload: { hosts: [{ host: 'web-1', snapshots: [{ timestamp: t, metrics: { cpu: 1 + (t % 7) } }] }] },
      });
      void env.call('POST', '/api/v1/ingest', {
        payload: {
          hosts: [{ host: 'web-1', snapshots: [{ timestamp: t + 86_400_000, metrics: { cpu: 1 } }] }],
        },
      });
      const lookups = client.pipeline();
      lookups.get('exports:hit');
      for (let i = 0; i < 20; i++) lookups.get(`exports:miss:${i}`);
      void lookups.exec();
    }, 250);
  }, 60_000);
  afterAll(async () => {
    if (traffic) clearInterval(traffic);
    await prometheus?.close();
    await env?.close();
    await redis?.close();
  });

  /** Panel targets whose query returns no finite value yet, as `panel: expr`. */
  async function withoutData(instance: string): Promise<string[]> {
    const missing: string[] = [];
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        const promql = concrete(target.expr, instance);
        const result = await prometheus.query(promql);
        const finite = result.some((r) => Number.isFinite(Number(r.value[1])));
        if (!finite) missing.push(`${panel.title}: ${promql}`);
      }
    }
    return missing;
  }

  /** Waits (up to `ms`) until every panel query has data for `instance`; returns what still has none. */
  async function waitForData(instance: string, ms: number): Promise<string[]> {
    let missing: string[] = [];
    const deadline = Date.now() + ms;
    do {
      missing = await withoutData(instance);
      if (missing.length === 0) break;
      await new Promise((r) => setTimeout(r, 2000));
    } while (Date.now() < deadline);
    return missing;
  }

  it('scrapes /metrics with the read token', async () => {
    await waitFor(
      async () => {
        const targets = await prometheus.targets();
        return targets.length === 1 && targets.every((t) => t.health === 'up');
      },
      { timeoutMs: 15_000, message: 'scrape target up' },
    );
    const [target] = await prometheus.targets();
    expect(target?.lastError).toBe('');
  });

  it('lists Vitals own Redis and the monitored one in the instance variable', async () => {
    // label_values(redis_up, instance), as Grafana asks it.
    let instances: string[] = [];
    await waitFor(
      async () => {
        instances = (await prometheus.query('count by (instance) (redis_up)')).map(
          (r) => r.metric.instance ?? '',
        );
        return instances.includes(SELF) && instances.includes(MONITORED);
      },
      { timeoutMs: 40_000, message: `instances ${SELF} and ${MONITORED}` },
    ).catch(() => undefined);
    expect(instances.sort()).toEqual([MONITORED, SELF].sort());
  }, 60_000);

  it('returns data for every panel query', async () => {
    expect(await waitForData(SELF, 90_000)).toEqual([]);
  }, 120_000);

  it('returns data for every panel query of a monitored Redis too (collected every 10 s)', async () => {
    expect(await waitForData(MONITORED, 60_000)).toEqual([]);
  }, 90_000);
});

interface Target {
  readonly refId: string;
  readonly expr: string;
  readonly datasource: { readonly uid: string };
}
interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly datasource: { readonly uid: string };
  readonly gridPos: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly targets: readonly Target[];
}
interface GrafanaJson {
  readonly __inputs: unknown[];
  readonly __requires: { readonly type: string; readonly id: string }[];
  readonly schemaVersion: number;
  readonly uid: string;
  readonly title: string;
  readonly id: null;
  readonly templating: {
    readonly list: { name: string; definition: string; datasource: { uid: string } }[];
  };
  readonly panels: readonly Panel[];
}

/** Pairs of panels whose grid cells overlap. */
function overlaps(panels: readonly Panel[]): string[] {
  const out: string[] = [];
  panels.forEach((a, i) => {
    for (const b of panels.slice(i + 1)) {
      const p = a.gridPos;
      const q = b.gridPos;
      if (p.x < q.x + q.w && q.x < p.x + p.w && p.y < q.y + q.h && q.y < p.y + p.h) {
        out.push(`${a.title} / ${b.title}`);
      }
    }
  });
  return out;
}
