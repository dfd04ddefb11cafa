import type { Registry } from 'prom-client';
import { parseSeriesKey } from '../../contract/index.ts';
import { registerScraped, type ScrapedValue } from './custom-metric.ts';

/** The newest value of every stored series of each host: host id → series key → value. */
export type NewestValues = ReadonlyMap<string, ReadonlyMap<string, number>>;

interface Mapping {
  /** Stored series name (`redis.<section>.<field>`). */
  readonly series: string;
  readonly type: 'gauge' | 'counter' | 'summary';
  readonly help: string;
  /** Stored label → exposed label (`command` → `cmd`). */
  readonly labels?: Readonly<Record<string, string>>;
  /** Extra constant labels (the quantile of a latency percentile). */
  readonly extra?: Readonly<Record<string, string>>;
  readonly scale?: number;
}

const g = (series: string, help: string): Mapping => ({ series, type: 'gauge', help });
const c = (series: string, help: string): Mapping => ({ series, type: 'counter', help });
const percentile = (field: string, quantile: string): Mapping => ({
  series: `redis.latencystats.${field}`,
  // A summary without _sum and _count, as redis_exporter exposes it.
  type: 'summary',
  help: 'Server-side latency percentiles per command (INFO latencystats, Redis 7+), in microseconds.',
  labels: { command: 'cmd' },
  extra: { quantile },
});

/**
 * Stored `redis.*` series → redis_exporter's metric names, so its dashboards and alerts work on
 * Vitals' figures. Several stored series may feed one name (latency percentiles by quantile).
 */
export const REDIS_EXPORTER_NAMES: Readonly<Record<string, readonly Mapping[]>> = {
  redis_up: [g('redis.up', '1 when the last INFO collection answered.')],
  redis_uptime_in_seconds: [g('redis.server.uptime_in_seconds', 'Seconds since the Redis server started.')],
  redis_memory_used_bytes: [g('redis.memory.used_memory', 'Memory Redis allocated (used_memory).')],
  redis_memory_used_rss_bytes: [g('redis.memory.used_memory_rss', 'Resident set size of Redis.')],
  redis_memory_used_peak_bytes: [g('redis.memory.used_memory_peak', 'Peak of used_memory.')],
  redis_memory_max_bytes: [g('redis.memory.maxmemory', 'maxmemory setting (0: no limit).')],
  redis_mem_fragmentation_ratio: [g('redis.memory.mem_fragmentation_ratio', 'RSS ÷ used_memory.')],
  redis_connected_clients: [g('redis.clients.connected_clients', 'Client connections.')],
  redis_blocked_clients: [g('redis.clients.blocked_clients', 'Clients blocked in a blocking command.')],
  redis_config_maxclients: [g('redis.clients.maxclients', 'maxclients setting.')],
  redis_commands_processed_total: [
    c('redis.stats.total_commands_processed', 'Commands processed since the server started.'),
  ],
  redis_commands_total: [
    {
      ...c('redis.commandstats.calls', 'Calls per command (INFO commandstats).'),
      labels: { command: 'cmd' },
    },
  ],
  redis_commands_duration_seconds_total: [
    {
      ...c('redis.commandstats.usec', 'Time spent per command (INFO commandstats), in seconds.'),
      labels: { command: 'cmd' },
      scale: 1e-6,
    },
  ],
  redis_instantaneous_ops_per_sec: [g('redis.stats.instantaneous_ops_per_sec', 'Commands per second.')],
  redis_keyspace_hits_total: [c('redis.stats.keyspace_hits', 'Successful key lookups.')],
  redis_keyspace_misses_total: [c('redis.stats.keyspace_misses', 'Failed key lookups.')],
  redis_evicted_keys_total: [c('redis.stats.evicted_keys', 'Keys evicted for maxmemory.')],
  redis_expired_keys_total: [c('redis.stats.expired_keys', 'Keys expired.')],
  redis_rejected_connections_total: [
    c('redis.stats.rejected_connections', 'Connections refused for maxclients.'),
  ],
  redis_rdb_last_bgsave_status: [
    g('redis.persistence.rdb_last_bgsave_ok', '1 when the last BGSAVE succeeded.'),
  ],
  redis_aof_last_bgrewrite_status: [
    g('redis.persistence.aof_last_bgrewrite_ok', '1 when the last AOF rewrite succeeded.'),
  ],
  redis_rdb_last_save_timestamp_seconds: [
    g('redis.persistence.rdb_last_save_time', 'Unix time of the last successful RDB save.'),
  ],
  redis_aof_enabled: [g('redis.persistence.aof_enabled', '1 when AOF is on.')],
  redis_connected_slaves: [g('redis.replication.connected_slaves', 'Connected replicas.')],
  redis_db_keys: [{ ...g('redis.keyspace.keys', 'Keys per database.'), labels: { db: 'db' } }],
  redis_db_keys_expiring: [
    { ...g('redis.keyspace.expires', 'Keys with an expiry per database.'), labels: { db: 'db' } },
  ],
  redis_latency_percentiles_usec: [
    percentile('p50_usec', '0.5'),
    percentile('p99_usec', '0.99'),
    percentile('p99_9_usec', '0.999'),
  ],
};

/** The exposed values of one redis_exporter name over every host (`instance` = host id). */
export function exporterValues(name: string, newest: NewestValues): ScrapedValue[] {
  const out: ScrapedValue[] = [];
  for (const mapping of REDIS_EXPORTER_NAMES[name] ?? []) {
    for (const [host, series] of newest) {
      for (const [key, value] of series) {
        if (!key.startsWith(mapping.series)) continue;
        const parsed = parseSeriesKey(key);
        if (parsed.name !== mapping.series) continue;
        const labels: Record<string, string> = { instance: host, ...mapping.extra };
        for (const [from, to] of Object.entries(mapping.labels ?? {})) labels[to] = parsed.labels[from] ?? '';
        out.push({ labels, value: value * (mapping.scale ?? 1) });
      }
    }
  }
  return out;
}

/** Registers every redis_exporter name; all of them read one shared `newest()` per scrape. */
export function registerRedisExporterMetrics(registry: Registry, newest: () => Promise<NewestValues>): void {
  for (const [name, mappings] of Object.entries(REDIS_EXPORTER_NAMES)) {
    const first = mappings[0];
    if (!first) continue;
    registerScraped(registry, {
      name,
      help: `${first.help} From the newest stored ${first.series} series; instance = host id.`,
      type: first.type,
      read: async () => exporterValues(name, await newest()),
    });
  }
}
