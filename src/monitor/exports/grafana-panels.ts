import { DEFAULT_REDIS_HEALTH_THRESHOLDS, type RedisHealthThresholds } from '../redis/health-types.ts';
import { VITALS_PANELS } from './grafana-vitals-panels.ts';
import { type PanelSpec, type QuerySpec, RATE, type ValueText } from './panel-spec.ts';

export type { PanelSpec, QuerySpec, ValueText } from './panel-spec.ts';

/** The Redis chosen in the dashboard's `instance` variable. */
const I = '{instance="$instance"}';
const UP_DOWN: readonly ValueText[] = [
  { value: 1, text: 'UP', color: 'green' },
  { value: 0, text: 'DOWN', color: 'red' },
];
const OK_FAILING: readonly ValueText[] = [
  { value: 1, text: 'OK', color: 'green' },
  { value: 0, text: 'FAILING', color: 'red' },
];

function rate(metric: string): string {
  return `rate(${metric}${I}[${RATE}])`;
}

function clientQuantile(q: number): QuerySpec {
  return {
    expr: `histogram_quantile(${q}, sum by (le, command) (rate(vitals_redis_command_duration_seconds_bucket[${RATE}])))`,
    legend: `{{command}} p${q * 100}`,
  };
}

const redisStats = (T: RedisHealthThresholds): PanelSpec[] => [
  {
    title: 'Status',
    type: 'stat',
    width: 4,
    height: 4,
    mappings: UP_DOWN,
    queries: [{ expr: `redis_up${I}` }],
  },
  {
    title: 'Uptime',
    type: 'stat',
    width: 4,
    height: 4,
    unit: 's',
    queries: [{ expr: `redis_uptime_in_seconds${I}` }],
  },
  {
    title: 'Memory used of maxmemory',
    type: 'stat',
    width: 4,
    height: 4,
    unit: 'percent',
    description: 'No value when maxmemory is 0 (no limit).',
    levels: { warn: T.memoryPct.warn, fail: T.memoryPct.fail },
    queries: [{ expr: `100 * redis_memory_used_bytes${I} / (redis_memory_max_bytes${I} > 0)` }],
  },
  {
    title: 'Fragmentation ratio',
    type: 'stat',
    width: 4,
    height: 4,
    levels: { warn: T.fragmentation.warn, fail: T.fragmentation.fail },
    queries: [{ expr: `redis_mem_fragmentation_ratio${I}` }],
  },
  {
    title: 'Clients of maxclients',
    type: 'stat',
    width: 4,
    height: 4,
    unit: 'percent',
    levels: { warn: T.connectionsPct.warn, fail: T.connectionsPct.fail },
    queries: [{ expr: `100 * redis_connected_clients${I} / (redis_config_maxclients${I} > 0)` }],
  },
  {
    title: 'Operations per second',
    type: 'stat',
    width: 4,
    height: 4,
    unit: 'ops',
    queries: [{ expr: `redis_instantaneous_ops_per_sec${I}` }],
  },
];

const redisCharts = (T: RedisHealthThresholds): PanelSpec[] => [
  {
    title: 'Memory',
    type: 'timeseries',
    width: 12,
    height: 8,
    unit: 'bytes',
    queries: [
      { expr: `redis_memory_used_bytes${I}`, legend: 'used' },
      { expr: `redis_memory_used_rss_bytes${I}`, legend: 'rss' },
      { expr: `redis_memory_used_peak_bytes${I}`, legend: 'peak' },
      { expr: `redis_memory_max_bytes${I}`, legend: 'maxmemory' },
    ],
  },
  {
    title: 'Hit rate',
    type: 'timeseries',
    width: 12,
    height: 8,
    unit: 'percent',
    description: 'Keyspace hits of all lookups over the rate interval.',
    levels: { warn: T.hitRatePct.warn, fail: T.hitRatePct.fail, below: true },
    queries: [
      {
        expr: `100 * ${rate('redis_keyspace_hits_total')} / (${rate('redis_keyspace_hits_total')} + ${rate('redis_keyspace_misses_total')})`,
        legend: 'hit rate',
      },
    ],
  },
  {
    title: 'Commands per second',
    type: 'timeseries',
    width: 12,
    height: 8,
    unit: 'ops',
    queries: [
      { expr: rate('redis_commands_processed_total'), legend: 'all' },
      { expr: `topk(10, ${rate('redis_commands_total')})`, legend: '{{cmd}}' },
    ],
  },
  {
    title: 'Server-side latency percentiles',
    type: 'timeseries',
    width: 12,
    height: 8,
    unit: 'µs',
    description: 'From INFO latencystats (Redis 7 and later).',
    queries: [{ expr: `redis_latency_percentiles_usec${I}`, legend: '{{cmd}} quantile {{quantile}}' }],
  },
  {
    title: 'Average time per call (server side)',
    type: 'timeseries',
    width: 12,
    height: 8,
    unit: 's',
    description: 'From INFO commandstats: time spent in each command over its calls.',
    queries: [
      {
        expr: `topk(10, ${rate('redis_commands_duration_seconds_total')} / (${rate('redis_commands_total')} > 0))`,
        legend: '{{cmd}}',
      },
    ],
  },
  {
    title: 'Vitals → Redis command latency (client side)',
    type: 'timeseries',
    width: 12,
    height: 8,
    unit: 's',
    description:
      'Every command Vitals sends to its own Redis, as the client timed it (the instance variable does not apply).',
    levels: { warn: T.latencyMs.warn / 1000, fail: T.latencyMs.fail / 1000 },
    queries: [clientQuantile(0.5), clientQuantile(0.95), clientQuantile(0.99)],
  },
  {
    title: 'Connections',
    type: 'timeseries',
    width: 12,
    height: 8,
    queries: [
      { expr: `redis_connected_clients${I}`, legend: 'connected' },
      { expr: `redis_blocked_clients${I}`, legend: 'blocked' },
      { expr: `redis_config_maxclients${I}`, legend: 'maxclients' },
    ],
  },
  {
    title: 'Errors, slow commands and refusals',
    type: 'timeseries',
    width: 12,
    height: 8,
    unit: 'ops',
    description:
      'Client side: commands of Vitals that failed or took at least VITALS_REDIS_SLOW_MS. Server side: rejected connections.',
    queries: [
      {
        expr: `sum by (command, kind) (rate(vitals_redis_command_errors_total[${RATE}]))`,
        legend: 'errors {{command}}',
      },
      {
        expr: `sum by (command, kind) (rate(vitals_redis_slow_commands_total[${RATE}]))`,
        legend: 'slow {{command}}',
      },
      { expr: rate('redis_rejected_connections_total'), legend: 'rejected connections' },
    ],
  },
  {
    title: 'Keys per database',
    type: 'timeseries',
    width: 12,
    height: 8,
    queries: [
      { expr: `redis_db_keys${I}`, legend: '{{db}} keys' },
      { expr: `redis_db_keys_expiring${I}`, legend: '{{db}} expiring' },
    ],
  },
  {
    title: 'Evicted and expired keys',
    type: 'timeseries',
    width: 12,
    height: 8,
    unit: 'ops',
    description: 'BullMQ needs noeviction: any eviction is a configuration problem.',
    queries: [
      { expr: rate('redis_evicted_keys_total'), legend: 'evicted' },
      { expr: rate('redis_expired_keys_total'), legend: 'expired' },
    ],
  },
];

const redisState = (T: RedisHealthThresholds): PanelSpec[] => [
  {
    title: 'Persistence',
    type: 'stat',
    width: 8,
    height: 4,
    mappings: OK_FAILING,
    queries: [
      { expr: `redis_rdb_last_bgsave_status${I}`, legend: 'last RDB save' },
      { expr: `redis_aof_last_bgrewrite_status${I}`, legend: 'last AOF rewrite' },
    ],
  },
  {
    title: 'AOF',
    type: 'stat',
    width: 4,
    height: 4,
    mappings: [
      { value: 1, text: 'ON', color: 'green' },
      { value: 0, text: 'OFF', color: 'orange' },
    ],
    queries: [{ expr: `redis_aof_enabled${I}` }],
  },
  {
    title: 'Since last save',
    type: 'stat',
    width: 4,
    height: 4,
    unit: 's',
    levels: { warn: T.saveAgeWarnMs / 1000 },
    queries: [{ expr: `time() - redis_rdb_last_save_timestamp_seconds${I}` }],
  },
  {
    title: 'Connected replicas',
    type: 'stat',
    width: 4,
    height: 4,
    queries: [{ expr: `redis_connected_slaves${I}` }],
  },
  {
    title: 'Keys',
    type: 'stat',
    width: 4,
    height: 4,
    queries: [{ expr: `sum(redis_db_keys${I})` }],
  },
  {
    title: 'Alerts',
    type: 'table',
    width: 24,
    height: 6,
    description: 'Pending and firing alerts of the Vitals rules (GET /api/v1/export/prometheus-rules).',
    queries: [{ expr: 'ALERTS' }],
  },
];

/**
 * Every panel, in the order the dashboard lays them out (left to right, then down), coloured by the
 * same thresholds as the Redis health checks and the exported alert rules.
 */
export function dashboardPanels(t: RedisHealthThresholds = DEFAULT_REDIS_HEALTH_THRESHOLDS): PanelSpec[] {
  return [...redisStats(t), ...redisCharts(t), ...redisState(t), ...VITALS_PANELS];
}
