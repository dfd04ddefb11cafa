import type { SampleSet } from './collector.ts';

/**
 * Redis INFO → series named `redis.<section>.<field>` (e.g. `redis.memory.used_memory`,
 * `redis.stats.keyspace_hits`), for the sections that describe health: server (uptime), memory,
 * clients, stats, persistence, replication, keyspace, and per command commandstats and latencystats.
 * Numeric fields are stored as they are; a few status fields become 0/1 (`…_ok`,
 * `redis.replication.is_master`, `…master_link_up`); keyspace lines become `redis.keyspace.keys{db="db0"}`,
 * `…expires`, `…avg_ttl`; replica lines `redis.replication.replica_lag{replica}` and `…replica_offset`.
 * Derived: `redis.memory.used_pct` (when maxmemory is set), `redis.clients.connected_pct` (of
 * maxclients), `redis.stats.hit_rate_pct` (since the server started), `redis.persistence.last_save_age_sec`
 * and `redis.up` (1: the collection answered). Per command (the busiest `maxCommands` by calls, so a
 * Redis with many commands cannot exhaust the series limit): `redis.commandstats.calls{command}`, `…usec`,
 * `…usec_per_call`, `…failed_calls`, `…rejected_calls` and, on Redis ≥ 7, `redis.latencystats.p50_usec{command}`,
 * `…p99_usec`, `…p99_9_usec`.
 */
export const INFO_SECTIONS = [
  'memory',
  'clients',
  'stats',
  'persistence',
  'replication',
  'keyspace',
] as const;

/** Commands with their own series per collection at most (the busiest by calls). @defaultValue 50 */
export const MAX_COMMAND_LABELS = 50;

const NUMBER = /^-?\d+(?:\.\d+)?(?:e[+-]?\d+)?$/i;
const STATUS_FIELDS = new Set([
  'rdb_last_bgsave_status',
  'aof_last_bgrewrite_status',
  'aof_last_write_status',
]);
const SERVER_FIELDS = ['uptime_in_seconds'] as const;

export type InfoSections = ReadonlyMap<string, ReadonlyMap<string, string>>;

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

/** One command's figures from `cmdstat_<cmd>` and `latency_percentiles_usec_<cmd>` (Redis ≥ 7). */
export interface CommandFigures {
  /** Lower case, subcommands as Redis names them (`client|setname`). */
  readonly command: string;
  readonly calls: number;
  readonly usec: number;
  readonly usecPerCall: number;
  readonly failedCalls: number;
  readonly rejectedCalls: number;
  readonly p50Usec?: number;
  readonly p99Usec?: number;
  readonly p999Usec?: number;
}

function num(value: string | undefined): number {
  return value !== undefined && NUMBER.test(value) ? Number(value) : 0;
}

function optional(value: string | undefined): number | undefined {
  return value !== undefined && NUMBER.test(value) ? Number(value) : undefined;
}

/** Every command of the commandstats section, busiest (by calls) first, with its latency percentiles. */
export function commandFigures(info: InfoSections, limit = Number.POSITIVE_INFINITY): CommandFigures[] {
  const latency = info.get('latencystats');
  const out: CommandFigures[] = [];
  for (const [field, value] of info.get('commandstats') ?? []) {
    if (!field.startsWith('cmdstat_')) continue;
    const command = field.slice('cmdstat_'.length).toLowerCase();
    const stat = pairs(value);
    const percentiles = pairs(latency?.get(`latency_percentiles_usec_${command}`) ?? '');
    out.push({
      command,
      calls: num(stat.get('calls')),
      usec: num(stat.get('usec')),
      usecPerCall: num(stat.get('usec_per_call')),
      failedCalls: num(stat.get('failed_calls')),
      rejectedCalls: num(stat.get('rejected_calls')),
      ...withValue('p50Usec', optional(percentiles.get('p50'))),
      ...withValue('p99Usec', optional(percentiles.get('p99'))),
      ...withValue('p999Usec', optional(percentiles.get('p99.9'))),
    });
  }
  out.sort((a, b) => b.calls - a.calls || a.command.localeCompare(b.command));
  return out.slice(0, limit);
}

function withValue<K extends string>(key: K, value: number | undefined): { [P in K]?: number } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: number };
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

function putServer(set: SampleSet, fields: ReadonlyMap<string, string> | undefined): void {
  for (const field of SERVER_FIELDS) {
    const value = fields?.get(field);
    if (value !== undefined && NUMBER.test(value)) set.put(`redis.server.${field}`, Number(value));
  }
}

function putCommands(set: SampleSet, info: InfoSections, limit: number): void {
  for (const c of commandFigures(info, limit)) {
    const labels = { command: c.command };
    set.put('redis.commandstats.calls', c.calls, labels);
    set.put('redis.commandstats.usec', c.usec, labels);
    set.put('redis.commandstats.usec_per_call', c.usecPerCall, labels);
    set.put('redis.commandstats.failed_calls', c.failedCalls, labels);
    set.put('redis.commandstats.rejected_calls', c.rejectedCalls, labels);
    if (c.p50Usec !== undefined) set.put('redis.latencystats.p50_usec', c.p50Usec, labels);
    if (c.p99Usec !== undefined) set.put('redis.latencystats.p99_usec', c.p99Usec, labels);
    if (c.p999Usec !== undefined) set.put('redis.latencystats.p99_9_usec', c.p999Usec, labels);
  }
}

const pct = (part: number, whole: number) => Math.round((10_000 * part) / whole) / 100;

function putDerived(set: SampleSet, info: InfoSections): void {
  const get = (section: string, field: string) => Number(info.get(section)?.get(field) ?? Number.NaN);
  const used = get('memory', 'used_memory');
  const max = get('memory', 'maxmemory');
  if (max > 0 && used >= 0) set.put('redis.memory.used_pct', pct(used, max));
  const clients = get('clients', 'connected_clients');
  const maxClients = get('clients', 'maxclients');
  if (maxClients > 0 && clients >= 0) set.put('redis.clients.connected_pct', pct(clients, maxClients));
  // The eviction policy is text: stored as whether it is the one BullMQ's keys need.
  const policy = info.get('memory')?.get('maxmemory_policy');
  if (policy !== undefined) set.put('redis.memory.noeviction', policy === 'noeviction' ? 1 : 0);
  const hits = get('stats', 'keyspace_hits');
  const misses = get('stats', 'keyspace_misses');
  if (hits + misses > 0) set.put('redis.stats.hit_rate_pct', pct(hits, hits + misses));
  const lastSave = get('persistence', 'rdb_last_save_time');
  // The server's own clock, so a skewed clock here does not age the save.
  const serverUsec = get('server', 'server_time_usec');
  const nowSec = serverUsec > 0 ? serverUsec / 1e6 : set.defaultTimestamp / 1000;
  if (lastSave > 0)
    set.put('redis.persistence.last_save_age_sec', Math.max(0, Math.round(nowSec - lastSave)));
}

export interface InfoSampleOptions {
  /** Commands given series (the busiest by calls). @defaultValue MAX_COMMAND_LABELS */
  readonly maxCommands?: number;
}

/**
 * Adds the series of one INFO reply (ask for `INFO everything`: the default sections leave out
 * commandstats and latencystats) to `set`, with `redis.up` = 1; returns how many health sections were found.
 */
export function infoSamples(text: string, set: SampleSet, options: InfoSampleOptions = {}): number {
  return sectionSamples(parseInfo(text), set, options);
}

/** `infoSamples` for an INFO reply already parsed. */
export function sectionSamples(info: InfoSections, set: SampleSet, options: InfoSampleOptions = {}): number {
  let found = 0;
  for (const section of INFO_SECTIONS) {
    const fields = info.get(section);
    if (!fields) continue;
    found++;
    if (section === 'keyspace') putKeyspace(set, fields);
    else putSection(set, section, fields);
    if (section === 'replication') putReplication(set, fields);
  }
  if (found === 0) return 0;
  putServer(set, info.get('server'));
  putCommands(set, info, options.maxCommands ?? MAX_COMMAND_LABELS);
  putDerived(set, info);
  set.put('redis.up', 1);
  return found;
}
