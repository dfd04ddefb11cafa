import type { SampleSet } from './collector.ts';

/**
 * Redis INFO → series named `redis.<section>.<field>` (e.g. `redis.memory.used_memory`,
 * `redis.stats.keyspace_hits`), for the sections that describe health: memory, clients, stats,
 * persistence, replication and keyspace. Numeric fields are stored as they are; a few status fields
 * become 0/1 (`…_ok`, `redis.replication.is_master`, `…master_link_up`); keyspace lines become
 * `redis.keyspace.keys{db="db0"}`, `…expires`, `…avg_ttl`; replica lines `redis.replication.replica_lag{replica}`
 * and `…replica_offset`. Two ratios are derived: `redis.memory.used_pct` (when maxmemory is set) and
 * `redis.stats.hit_rate_pct` (since the server started).
 */
export const INFO_SECTIONS = [
  'memory',
  'clients',
  'stats',
  'persistence',
  'replication',
  'keyspace',
] as const;

const NUMBER = /^-?\d+(?:\.\d+)?(?:e[+-]?\d+)?$/i;
const STATUS_FIELDS = new Set([
  'rdb_last_bgsave_status',
  'aof_last_bgrewrite_status',
  'aof_last_write_status',
]);

/** Section name (lower case) → field → raw value. */
export function parseInfo(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('# ')) {
      current = new Map();
      sections.set(line.slice(2).trim().toLowerCase(), current);
      continue;
    }
    const colon = line.indexOf(':');
    if (current && colon > 0) current.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return sections;
}

/** `keys=1,expires=0,avg_ttl=0` → pairs. */
function pairs(value: string): Map<string, string> {
  return new Map(value.split(',').map((kv) => kv.split('=') as [string, string]));
}

function putSection(set: SampleSet, section: string, fields: ReadonlyMap<string, string>): void {
  for (const [field, value] of fields) {
    const name = `redis.${section}.${field}`;
    if (NUMBER.test(value)) set.put(name, Number(value));
    else if (STATUS_FIELDS.has(field))
      set.put(`redis.${section}.${field.replace(/_status$/, '_ok')}`, value === 'ok' ? 1 : 0);
  }
}

function putReplication(set: SampleSet, fields: ReadonlyMap<string, string>): void {
  set.put('redis.replication.is_master', fields.get('role') === 'master' ? 1 : 0);
  if (fields.has('master_link_status'))
    set.put('redis.replication.master_link_up', fields.get('master_link_status') === 'up' ? 1 : 0);
  for (const [field, value] of fields) {
    if (!/^slave\d+$/.test(field)) continue;
    const replica = pairs(value);
    const labels = { replica: field };
    for (const key of ['offset', 'lag'] as const) {
      const v = replica.get(key);
      if (v !== undefined && NUMBER.test(v)) set.put(`redis.replication.replica_${key}`, Number(v), labels);
    }
    set.put('redis.replication.replica_online', replica.get('state') === 'online' ? 1 : 0, labels);
  }
}

function putKeyspace(set: SampleSet, fields: ReadonlyMap<string, string>): void {
  for (const [db, value] of fields) {
    for (const [key, v] of pairs(value)) {
      if (/^[a-z_]+$/.test(key) && NUMBER.test(v)) set.put(`redis.keyspace.${key}`, Number(v), { db });
    }
  }
}

function putDerived(set: SampleSet, info: ReadonlyMap<string, ReadonlyMap<string, string>>): void {
  const num = (section: string, field: string) => Number(info.get(section)?.get(field) ?? Number.NaN);
  const used = num('memory', 'used_memory');
  const max = num('memory', 'maxmemory');
  if (max > 0 && used >= 0) set.put('redis.memory.used_pct', Math.round((10_000 * used) / max) / 100);
  const hits = num('stats', 'keyspace_hits');
  const misses = num('stats', 'keyspace_misses');
  if (hits + misses > 0)
    set.put('redis.stats.hit_rate_pct', Math.round((10_000 * hits) / (hits + misses)) / 100);
}

/** Adds the series of one INFO reply to `set`; returns how many sections were found. */
export function infoSamples(text: string, set: SampleSet): number {
  const info = parseInfo(text);
  let found = 0;
  for (const section of INFO_SECTIONS) {
    const fields = info.get(section);
    if (!fields) continue;
    found++;
    if (section === 'keyspace') putKeyspace(set, fields);
    else putSection(set, section, fields);
    if (section === 'replication') putReplication(set, fields);
  }
  putDerived(set, info);
  return found;
}
