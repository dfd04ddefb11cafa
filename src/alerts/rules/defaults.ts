import type { AlertRule, Comparison, Severity } from '../contract.ts';
import { ANY_METRIC } from './schema.ts';

/** What the defaults need of a host (tenancy's `Host` has this shape). */
export interface RuleHost {
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly metricsInterval: number;
  readonly collector: { readonly kind: string };
  readonly thresholds: { readonly cpu: number; readonly memory: number; readonly disk: number };
  readonly createdAt: number;
}

/** The Redis thresholds the Redis defaults take (`config.redisHealth` has this shape). */
export interface RedisRuleThresholds {
  readonly memoryPct: { readonly warn: number; readonly fail: number };
  readonly connectionsPct: { readonly warn: number; readonly fail: number };
  readonly latencyMs: { readonly warn: number; readonly fail: number };
  readonly hitRatePct: { readonly warn: number; readonly fail: number };
  readonly errorRateWarnPct: number;
}

type Authored = Omit<AlertRule, 'id' | 'org' | 'createdAt' | 'updatedAt' | 'builtIn'>;

const MIN = 60_000;
const HOUR = 60 * MIN;
/** How far past its threshold a host rule's value must fall back before it resolves. */
const HOST_HYSTERESIS = 5;

function threshold(
  name: string,
  metric: string,
  comparison: Comparison,
  value: number,
  resolve: number,
  severity: Severity,
  summary: string,
  hostIds?: readonly string[],
): Authored {
  return {
    name,
    enabled: true,
    kind: 'threshold',
    selector: hostIds ? { hostIds, metric } : { metric },
    reduction: 'avg',
    windowMs: 5 * MIN,
    comparison,
    threshold: value,
    resolveThreshold: resolve,
    forMs: 5 * MIN,
    severity,
    labels: {},
    annotations: { summary },
  };
}

/**
 * Per-host defaults, one rule per host each (id `<key>.<host id>`), from the host's own thresholds
 * (`thresholds.cpu/memory/disk`): a change of the host's thresholds changes its rules.
 */
export const HOST_DEFAULTS: ReadonlyArray<{ key: string; build: (host: RuleHost) => Authored }> = [
  {
    key: 'host-cpu',
    build: (h) =>
      threshold(
        'High CPU',
        'cpu.usage',
        '>',
        h.thresholds.cpu,
        h.thresholds.cpu - HOST_HYSTERESIS,
        'warning',
        'CPU of {{host}} at {{value}} % (threshold {{threshold}} %)',
        [h.id],
      ),
  },
  {
    key: 'host-memory',
    build: (h) =>
      threshold(
        'High memory',
        'mem.used_pct',
        '>',
        h.thresholds.memory,
        h.thresholds.memory - HOST_HYSTERESIS,
        'warning',
        'Memory of {{host}} at {{value}} % (threshold {{threshold}} %)',
        [h.id],
      ),
  },
  {
    key: 'host-disk',
    build: (h) =>
      threshold(
        'Disk almost full',
        'disk.used_pct',
        '>',
        h.thresholds.disk,
        h.thresholds.disk - HOST_HYSTERESIS,
        'warning',
        'Disk {{labels.mount}} of {{host}} at {{value}} % (threshold {{threshold}} %)',
        [h.id],
      ),
  },
  {
    key: 'host-down',
    build: (h) => ({
      name: 'Host down',
      enabled: true,
      kind: 'nodata',
      selector: { hostIds: [h.id], metric: ANY_METRIC },
      reduction: 'last',
      windowMs: MIN,
      comparison: '>',
      threshold: 0,
      forMs: 0,
      severity: 'critical',
      noData: { intervals: 3 },
      labels: {},
      annotations: { summary: '{{host}} stopped reporting' },
    }),
  },
  {
    key: 'host-disk-full',
    build: (h) => ({
      name: 'Disk full within 24 h',
      enabled: true,
      kind: 'predictive',
      selector: { hostIds: [h.id], metric: 'disk.used_pct' },
      reduction: 'last',
      windowMs: 6 * HOUR,
      comparison: '>=',
      threshold: 100,
      forMs: 15 * MIN,
      severity: 'warning',
      predict: { lookbackMs: 6 * HOUR, horizonMs: 24 * HOUR },
      labels: {},
      annotations: {
        summary: 'Disk {{labels.mount}} of {{host}} predicted at {{value}} % within 24 h',
      },
    }),
  },
];

/**
 * Org-wide Redis defaults. They name no host: they match every host that has the series, which are the
 * hosts of collector kind `redis` and Vitals' own Redis (`vitals-redis`), plus the client-side command
 * figures of the server itself (host `vitals`). Thresholds from `VITALS_REDIS_*` (config.redisHealth).
 */
export function redisDefaults(t: RedisRuleThresholds): ReadonlyArray<{ key: string; rule: Authored }> {
  const pair = (
    key: string,
    name: string,
    metric: string,
    comparison: Comparison,
    warn: number,
    fail: number,
    gap: number,
    summary: string,
    scale = 1,
  ) => {
    const back = upwardsOf(comparison) ? -gap : gap;
    return [
      {
        key: `${key}-warning`,
        rule: threshold(name, metric, comparison, warn * scale, (warn + back) * scale, 'warning', summary),
      },
      {
        key: `${key}-critical`,
        rule: threshold(name, metric, comparison, fail * scale, (fail + back) * scale, 'critical', summary),
      },
    ];
  };
  return [
    ...pair(
      'redis-memory',
      'Redis memory',
      'redis.memory.used_pct',
      '>',
      t.memoryPct.warn,
      t.memoryPct.fail,
      5,
      'Redis {{host}} uses {{value}} % of maxmemory (threshold {{threshold}} %)',
    ),
    ...pair(
      'redis-latency',
      'Redis command latency',
      'redis.latencystats.p99_usec',
      '>',
      t.latencyMs.warn,
      t.latencyMs.fail,
      t.latencyMs.warn / 2,
      'Redis {{host}}: p99 of {{labels.command}} at {{value}} µs (threshold {{threshold}} µs)',
      1000,
    ),
    ...pair(
      'vitals-redis-latency',
      "Vitals' Redis command latency",
      'vitals.redis.command.p95_ms',
      '>',
      t.latencyMs.warn,
      t.latencyMs.fail,
      t.latencyMs.warn / 2,
      "Vitals' Redis commands {{labels.command}} ({{labels.kind}}): p95 {{value}} ms (threshold {{threshold}} ms)",
    ),
    ...pair(
      'redis-hit-rate',
      'Redis hit rate',
      'redis.stats.hit_rate_pct',
      '<',
      t.hitRatePct.warn,
      t.hitRatePct.fail,
      5,
      'Redis {{host}} hit rate {{value}} % (below {{threshold}} %)',
    ),
    ...pair(
      'redis-clients',
      'Redis clients',
      'redis.clients.connected_pct',
      '>',
      t.connectionsPct.warn,
      t.connectionsPct.fail,
      5,
      'Redis {{host}} has {{value}} % of maxclients connected (threshold {{threshold}} %)',
    ),
    {
      key: 'vitals-redis-errors',
      rule: threshold(
        "Vitals' Redis error rate",
        'vitals.redis.command.error_rate_pct',
        '>',
        t.errorRateWarnPct,
        t.errorRateWarnPct / 2,
        'warning',
        "Vitals' Redis commands {{labels.command}} ({{labels.kind}}) fail at {{value}} % (threshold {{threshold}} %)",
      ),
    },
    {
      key: 'redis-errors',
      rule: threshold(
        'Redis error rate',
        'redis.stats.error_rate_pct',
        '>',
        t.errorRateWarnPct,
        t.errorRateWarnPct / 2,
        'warning',
        'Redis {{host}} answers {{value}} % of commands with an error (threshold {{threshold}} %)',
      ),
    },
  ];
}

function upwardsOf(c: Comparison): boolean {
  return c === '>' || c === '>=';
}

/** The id of a per-host default. */
export function hostDefaultId(key: string, host: string): string {
  return `${key}.${host}`;
}

/** True when `id` is, or would be, the id of a built-in default (taken for custom rules). */
export function isReservedId(id: string, t: RedisRuleThresholds): boolean {
  if (HOST_DEFAULTS.some((d) => id.startsWith(`${d.key}.`))) return true;
  return redisDefaults(t).some((d) => d.key === id);
}

/** Every built-in rule of an org, computed from its hosts (overrides are applied by the store). */
export function builtInRules(org: string, hosts: readonly RuleHost[], t: RedisRuleThresholds): AlertRule[] {
  const out: AlertRule[] = [];
  for (const d of redisDefaults(t))
    out.push({ ...d.rule, id: d.key, org, builtIn: d.key, createdAt: 0, updatedAt: 0 });
  for (const host of hosts) {
    for (const d of HOST_DEFAULTS) {
      const { createdAt } = host;
      out.push({
        ...d.build(host),
        id: hostDefaultId(d.key, host.id),
        org,
        builtIn: d.key,
        createdAt,
        updatedAt: createdAt,
      });
    }
  }
  return out;
}
