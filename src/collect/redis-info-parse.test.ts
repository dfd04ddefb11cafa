import { describe, expect, it } from 'vitest';
import { SampleSet } from './collector.ts';
import { jobOwner, manualJobId, schedulerId } from './job-ids.ts';
import { commandFigures, infoSamples, parseInfo } from './redis-info-parse.ts';

const INFO = [
  '# Server',
  'redis_version:7.0.15',
  'server_time_usec:1700000100000000',
  'uptime_in_seconds:100',
  '# Clients',
  'connected_clients:3',
  'maxclients:12',
  '# Memory',
  'used_memory:1000',
  'used_memory_human:1000B',
  'maxmemory:4000',
  'mem_fragmentation_ratio:1.25',
  '# Persistence',
  'rdb_last_save_time:1700000040',
  'rdb_last_bgsave_status:ok',
  'aof_last_write_status:err',
  '# Stats',
  'keyspace_hits:30',
  'keyspace_misses:10',
  '# Replication',
  'role:master',
  'connected_slaves:1',
  'slave0:ip=127.0.0.1,port=7001,state=online,offset=42,lag=1',
  '# Keyspace',
  'db0:keys=5,expires=2,avg_ttl=100',
  '# Commandstats',
  'cmdstat_get:calls=40,usec=80,usec_per_call=2.00,rejected_calls=0,failed_calls=0',
  'cmdstat_set:calls=10,usec=60,usec_per_call=6.00,rejected_calls=1,failed_calls=2',
  'cmdstat_client|setname:calls=1,usec=1,usec_per_call=1.00,rejected_calls=0,failed_calls=0',
  '# Latencystats',
  'latency_percentiles_usec_get:p50=2.007,p99=3.007,p99.9=10.015',
  'latency_percentiles_usec_set:p50=6.015,p99=6.015,p99.9=6.015',
  '',
].join('\r\n');

function values(text: string, options?: { maxCommands?: number }): Record<string, number> {
  const set = new SampleSet(1_700_000_100_000);
  infoSamples(text, set, options);
  return Object.fromEntries(Object.entries(set.latest()).map(([k, s]) => [k, s.value]));
}

describe('infoSamples', () => {
  it('does turn the health sections into redis.* series, with 0/1 status fields and derived ratios', () => {
    const set = new SampleSet(1000);
    expect(infoSamples(INFO, set)).toBe(6);
    const v = Object.fromEntries(Object.entries(set.latest()).map(([k, s]) => [k, s.value]));
    expect(v).toMatchObject({
      'redis.clients.connected_clients': 3,
      'redis.memory.used_memory': 1000,
      'redis.memory.mem_fragmentation_ratio': 1.25,
      'redis.memory.used_pct': 25,
      'redis.persistence.rdb_last_bgsave_ok': 1,
      'redis.persistence.aof_last_write_ok': 0,
      'redis.stats.hit_rate_pct': 75,
      'redis.replication.is_master': 1,
      'redis.replication.connected_slaves': 1,
      'redis.replication.replica_lag{replica="slave0"}': 1,
      'redis.replication.replica_online{replica="slave0"}': 1,
      'redis.keyspace.keys{db="db0"}': 5,
      'redis.keyspace.avg_ttl{db="db0"}': 100,
    });
    expect(v['redis.server.redis_version']).toBeUndefined();
    expect(v['redis.memory.used_memory_human']).toBeUndefined();
  });

  it('does add uptime, connection and save-age ratios, and redis.up', () => {
    expect(values(INFO)).toMatchObject({
      'redis.server.uptime_in_seconds': 100,
      'redis.clients.connected_pct': 25,
      'redis.persistence.last_save_age_sec': 60,
      'redis.up': 1,
    });
  });

  it('does store commandstats and latencystats per command', () => {
    const v = values(INFO);
    expect(v).toMatchObject({
      'redis.commandstats.calls{command="get"}': 40,
      'redis.commandstats.usec{command="get"}': 80,
      'redis.commandstats.usec_per_call{command="set"}': 6,
      'redis.commandstats.failed_calls{command="set"}': 2,
      'redis.commandstats.rejected_calls{command="set"}': 1,
      'redis.commandstats.calls{command="client|setname"}': 1,
      'redis.latencystats.p50_usec{command="get"}': 2.007,
      'redis.latencystats.p99_usec{command="get"}': 3.007,
      'redis.latencystats.p99_9_usec{command="get"}': 10.015,
    });
    // Redis 6 has no latencystats: commandstats alone.
    expect(v['redis.latencystats.p50_usec{command="client|setname"}']).toBeUndefined();
  });

  it('does keep only the busiest commands when asked for fewer', () => {
    const v = values(INFO, { maxCommands: 1 });
    expect(v['redis.commandstats.calls{command="get"}']).toBe(40);
    expect(Object.keys(v).filter((k) => k.includes('command='))).toHaveLength(8);
    const many = [
      '# Memory',
      'used_memory:1',
      '# Commandstats',
      ...Array.from({ length: 200 }, (_, i) => `cmdstat_c${i}:calls=${i},usec=1,usec_per_call=1.00`),
    ].join('\n');
    const calls = Object.keys(values(many)).filter((k) => k.startsWith('redis.commandstats.calls'));
    expect(calls).toHaveLength(50);
    expect(calls).toContain('redis.commandstats.calls{command="c199"}');
    expect(calls).not.toContain('redis.commandstats.calls{command="c149"}');
  });

  it('does answer nothing, not even redis.up, for a reply without a known section', () => {
    const set = new SampleSet(1);
    expect(infoSamples('# Cluster\ncluster_enabled:0\n', set)).toBe(0);
    expect(set.size).toBe(0);
  });

  it('does sort command figures by calls and read the percentiles', () => {
    const figures = commandFigures(parseInfo(INFO));
    expect(figures.map((f) => f.command)).toEqual(['get', 'set', 'client|setname']);
    expect(figures[0]).toEqual({
      command: 'get',
      calls: 40,
      usec: 80,
      usecPerCall: 2,
      failedCalls: 0,
      rejectedCalls: 0,
      p50Usec: 2.007,
      p99Usec: 3.007,
      p999Usec: 10.015,
    });
  });
});

describe('job ids', () => {
  it('does name the org and host of scheduled and manual jobs', () => {
    expect(jobOwner(`repeat:${schedulerId('acme', 'web-1.a')}:1700000000000`)).toEqual({
      org: 'acme',
      host: 'web-1.a',
    });
    expect(jobOwner(manualJobId('acme', 'db', 5))).toEqual({ org: 'acme', host: 'db' });
    expect(jobOwner('42')).toBeUndefined();
    expect(manualJobId('a', 'b', 1)).not.toContain(':');
  });
});
