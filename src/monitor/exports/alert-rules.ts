import { DEFAULT_REDIS_HEALTH_THRESHOLDS, type RedisHealthThresholds } from '../redis/health-types.ts';

export type AlertSeverity = 'warning' | 'critical';

/** One Prometheus alerting rule, over the names `/metrics` exposes. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  /** How long `expr` must hold before the alert fires (Prometheus duration). */
  readonly for: string;
  readonly severity: AlertSeverity;
  readonly summary: string;
  readonly description: string;
}

export interface AlertGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

/** The rate window of every rule: long enough for a few scrapes of figures that change every 15 s. */
const WINDOW = '5m';

function pctOf(part: string, whole: string): string {
  return `100 * ${part} / (${whole} > 0)`;
}

function hitRatePct(): string {
  const hits = `rate(redis_keyspace_hits_total[${WINDOW}])`;
  const misses = `rate(redis_keyspace_misses_total[${WINDOW}])`;
  return `100 * ${hits} / (${hits} + ${misses} > 0)`;
}

function commandQuantile(q: number): string {
  return `histogram_quantile(${q}, sum by (le, command, kind) (rate(vitals_redis_command_duration_seconds_bucket[${WINDOW}])))`;
}

const LEVELS: readonly {
  readonly key: 'warn' | 'fail';
  readonly severity: AlertSeverity;
  readonly tag: string;
}[] = [
  { key: 'warn', severity: 'warning', tag: 'High' },
  { key: 'fail', severity: 'critical', tag: 'Critical' },
];

function memoryRules(t: RedisHealthThresholds): AlertRule[] {
  return LEVELS.map(({ key, severity, tag }) => ({
    alert: `RedisMemory${tag}`,
    expr: `${pctOf('redis_memory_used_bytes', 'redis_memory_max_bytes')} > ${t.memoryPct[key]}`,
    for: '5m',
    severity,
    summary: `Redis {{ $labels.instance }} uses over ${t.memoryPct[key]} % of maxmemory`,
    description:
      'used_memory is {{ $value | printf "%.1f" }} % of maxmemory. With `noeviction` (which BullMQ needs) Redis refuses writes once it is full.',
  }));
}

function clientRules(t: RedisHealthThresholds): AlertRule[] {
  return LEVELS.map(({ key, severity, tag }) => ({
    alert: `RedisConnections${tag}`,
    expr: `${pctOf('redis_connected_clients', 'redis_config_maxclients')} > ${t.connectionsPct[key]}`,
    for: '5m',
    severity,
    summary: `Redis {{ $labels.instance }} has over ${t.connectionsPct[key]} % of maxclients connected`,
    description:
      'Connected clients are {{ $value | printf "%.1f" }} % of maxclients; past 100 % new connections are refused.',
  }));
}

function hitRateRules(t: RedisHealthThresholds): AlertRule[] {
  return LEVELS.map(({ key, severity, tag }) => ({
    alert: `RedisHitRate${tag === 'High' ? 'Low' : 'VeryLow'}`,
    expr: `${hitRatePct()} < ${t.hitRatePct[key]}`,
    for: '10m',
    severity,
    summary: `Redis {{ $labels.instance }} hit rate is below ${t.hitRatePct[key]} %`,
    description: `keyspace hits over the last ${WINDOW} are {{ $value | printf "%.1f" }} % of lookups.`,
  }));
}

function latencyRules(t: RedisHealthThresholds): AlertRule[] {
  return [0.95, 0.99].flatMap((q) =>
    LEVELS.map(({ key, severity, tag }) => ({
      alert: `RedisCommandLatencyP${q * 100}${tag}`,
      expr: `${commandQuantile(q)} > ${t.latencyMs[key] / 1000}`,
      for: '5m',
      severity,
      summary: `Redis command {{ $labels.command }} p${q * 100} latency is over ${t.latencyMs[key]} ms`,
      description: `The p${q * 100} of {{ $labels.command }} ({{ $labels.kind }}) as Vitals sees it is {{ $value | humanizeDuration }} over the last ${WINDOW}.`,
    })),
  );
}

function errorRule(t: RedisHealthThresholds): AlertRule {
  const errors = `sum by (command, kind) (rate(vitals_redis_command_errors_total[${WINDOW}]))`;
  const calls = `sum by (command, kind) (rate(vitals_redis_command_duration_seconds_count[${WINDOW}]))`;
  return {
    alert: 'RedisCommandErrorRateHigh',
    expr: `100 * ${errors} / (${calls} > 0) > ${t.errorRateWarnPct}`,
    for: '5m',
    severity: 'critical',
    summary: `Over ${t.errorRateWarnPct} % of Redis {{ $labels.command }} commands fail`,
    description:
      '{{ $value | printf "%.1f" }} % of {{ $labels.command }} commands sent by Vitals failed (error reply, timeout or lost connection).',
  };
}

function persistenceRules(t: RedisHealthThresholds): AlertRule[] {
  const ageSec = t.saveAgeWarnMs / 1000;
  return [
    {
      alert: 'RedisRdbSaveFailing',
      expr: 'redis_rdb_last_bgsave_status == 0',
      for: '1m',
      severity: 'critical',
      summary: 'Redis {{ $labels.instance }}: the last RDB background save failed',
      description:
        'rdb_last_bgsave_status is err. By default (stop-writes-on-bgsave-error) Redis refuses writes until a save succeeds.',
    },
    {
      alert: 'RedisAofRewriteFailing',
      expr: 'redis_aof_last_bgrewrite_status == 0 and redis_aof_enabled == 1',
      for: '1m',
      severity: 'critical',
      summary: 'Redis {{ $labels.instance }}: the last AOF rewrite failed',
      description:
        'aof_last_bgrewrite_status is err while AOF is on: the append-only file keeps growing; check disk space and the Redis log.',
    },
    {
      alert: 'RedisLastSaveTooOld',
      expr: `time() - redis_rdb_last_save_timestamp_seconds > ${ageSec} and redis_aof_enabled == 0`,
      for: '10m',
      severity: 'warning',
      summary: `Redis {{ $labels.instance }} has not saved for over ${ageSec / 3600} h without AOF`,
      description:
        'The last RDB save was {{ $value | humanizeDuration }} ago and AOF is off: a crash now loses everything written since.',
    },
  ];
}

function redisRules(t: RedisHealthThresholds): AlertRule[] {
  return [
    {
      alert: 'RedisDown',
      expr: 'redis_up == 0',
      for: '1m',
      severity: 'critical',
      summary: 'Redis {{ $labels.instance }} does not answer',
      description: 'The last INFO collection of {{ $labels.instance }} got no answer.',
    },
    ...memoryRules(t),
    ...clientRules(t),
    ...hitRateRules(t),
    ...latencyRules(t),
    errorRule(t),
    ...persistenceRules(t),
  ];
}

const SELF_RULES: readonly AlertRule[] = [
  {
    alert: 'VitalsQueueFailureRatioHigh',
    expr: 'vitals_queue_failure_ratio > 0.05',
    for: '10m',
    severity: 'warning',
    summary: 'Over 5 % of collection jobs fail',
    description:
      'The collection queue failure ratio is {{ $value | humanizePercentage }}; see GET /api/v1/collect/queue and the host events.',
  },
  {
    alert: 'VitalsHttp5xxHigh',
    expr:
      '100 * sum by (job) (rate(vitals_http_request_duration_seconds_count{status_code=~"5.."}[5m]))' +
      ' / (sum by (job) (rate(vitals_http_request_duration_seconds_count[5m])) > 0) > 5',
    for: '5m',
    severity: 'critical',
    summary: 'Over 5 % of Vitals HTTP requests answer 5xx',
    description:
      '{{ $value | printf "%.1f" }} % of requests got a 5xx; 503s come with Retry-After while Redis is away, 500s are bugs (see the log).',
  },
];

/**
 * The built-in alert defaults as Prometheus rule groups, judged against the same thresholds as the
 * Redis health checks, so an alert and `GET /api/v1/redis/health` agree.
 */
export function alertGroups(
  thresholds: RedisHealthThresholds = DEFAULT_REDIS_HEALTH_THRESHOLDS,
): AlertGroup[] {
  return [
    { name: 'vitals-redis', rules: redisRules(thresholds) },
    { name: 'vitals-self', rules: SELF_RULES },
  ];
}
