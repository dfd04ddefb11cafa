import { describe, expect, it } from 'vitest';
import { SampleSet } from './collector.ts';
import { jobOwner, manualJobId, schedulerId } from './job-ids.ts';
import { infoSamples } from './redis-info-parse.ts';

const INFO = [
  '# Server',
  'redis_version:7.0.15',
  'uptime_in_seconds:100',
  '# Clients',
  'connected_clients:3',
  '# Memory',
  'used_memory:1000',
  'used_memory_human:1000B',
  'maxmemory:4000',
  'mem_fragmentation_ratio:1.25',
  '# Persistence',
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
  '',
].join('\r\n');

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
    expect(v['redis.server.uptime_in_seconds']).toBeUndefined();
    expect(v['redis.memory.used_memory_human']).toBeUndefined();
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
