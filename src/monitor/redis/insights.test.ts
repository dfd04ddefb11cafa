import { describe, expect, it } from 'vitest';
import {
  connectionsRule,
  hitRateRule,
  type InsightInput,
  insights,
  latencyRule,
  memoryGrowthRule,
  memoryRule,
  persistenceRule,
  refusalsRule,
  riskyCommandsRule,
  slowlogRule,
} from './insights.ts';
import type { Trend } from './trend.ts';

const NOW = Date.UTC(2025, 0, 15, 15, 0, 0);
const MIN = 60_000;
const MIB = 1024 * 1024;

/** One point per minute over the last hour (61 points, oldest first): value(i) for minute i. */
function perMinute(value: (minute: number) => number): Trend {
  return Array.from({ length: 61 }, (_, i) => ({ timestamp: NOW - (60 - i) * MIN, value: value(i) }));
}

function input(
  parts: Partial<Omit<InsightInput, 'series' | 'current'>> & {
    series?: Record<string, Trend>;
    current?: Record<string, number>;
  },
): InsightInput {
  return {
    now: NOW,
    series: new Map(Object.entries(parts.series ?? {})),
    current: new Map(Object.entries(parts.current ?? {})),
    slowlog: parts.slowlog ?? [],
    latency: parts.latency ?? [],
  };
}

/** Counters growing by `hits(i)` and `misses(i)` each minute. */
function lookups(hits: (minute: number) => number, misses: (minute: number) => number) {
  let h = 1_000;
  let m = 100;
  const hs: number[] = [];
  const ms: number[] = [];
  for (let i = 0; i <= 60; i++) {
    h += hits(i);
    m += misses(i);
    hs.push(h);
    ms.push(m);
  }
  return {
    'redis.stats.keyspace_hits': perMinute((i) => hs[i] ?? 0),
    'redis.stats.keyspace_misses': perMinute((i) => ms[i] ?? 0),
  };
}

describe('insight rules', () => {
  it('does say the hit rate fell from the first to the last quarter hour', () => {
    const series = lookups(
      (i) => (i < 30 ? 93 : 61),
      (i) => (i < 30 ? 7 : 39),
    );
    expect(hitRateRule(input({ series }))).toEqual([
      { level: 'critical', text: 'hit rate fell from 93 % to 61 % in the last hour' },
    ]);
    const steady = lookups(
      () => 95,
      () => 5,
    );
    expect(hitRateRule(input({ series: steady }))).toEqual([]);
    const low = lookups(
      () => 75,
      () => 25,
    );
    expect(hitRateRule(input({ series: low }))).toEqual([
      { level: 'warn', text: 'hit rate is 75 % over the last 15 minutes' },
    ]);
    // Too few lookups to judge.
    expect(
      hitRateRule(
        input({
          series: lookups(
            () => 0,
            () => 1,
          ),
        }),
      ),
    ).toEqual([]);
  });

  it('does name KEYS called 40×/min from the growth of its call counter, across a restart', () => {
    const keys = perMinute((i) => (i < 30 ? 5_000 + 40 * i : 40 * (i - 29)));
    expect(
      riskyCommandsRule(input({ series: { 'redis.commandstats.calls{command="keys"}': keys } })),
    ).toEqual([{ level: 'warn', text: 'KEYS called 40×/min over the last hour' }]);
    const flush = perMinute((i) => (i < 50 ? 0 : 2));
    expect(
      riskyCommandsRule(input({ series: { 'redis.commandstats.calls{command="flushall"}': flush } })),
    ).toEqual([{ level: 'info', text: 'FLUSHALL called 2× in the last hour' }]);
    expect(
      riskyCommandsRule(
        input({ series: { 'redis.commandstats.calls{command="keys"}': perMinute(() => 7) } }),
      ),
    ).toEqual([]);
  });

  it('does date a failing AOF rewrite from the start of its run of failures', () => {
    const aof = perMinute((i) => (i < 2 ? 1 : 0));
    expect(persistenceRule(input({ series: { 'redis.persistence.aof_last_bgrewrite_ok': aof } }))).toEqual([
      { level: 'critical', text: 'AOF rewrite failing since 14:02 UTC' },
    ]);
    const always = perMinute(() => 0);
    expect(persistenceRule(input({ series: { 'redis.persistence.rdb_last_bgsave_ok': always } }))).toEqual([
      { level: 'critical', text: 'RDB background save failing since at least 14:00 UTC' },
    ]);
    // Recovered now (live INFO says ok): nothing to say.
    expect(
      persistenceRule(
        input({
          series: { 'redis.persistence.aof_last_bgrewrite_ok': aof },
          current: { 'redis.persistence.aof_last_bgrewrite_ok': 1 },
        }),
      ),
    ).toEqual([]);
  });

  it('does report memory against maxmemory and fragmentation of a sizeable Redis', () => {
    const current = {
      'redis.memory.used_pct': 91.2,
      'redis.memory.used_memory': 1.82 * 1024 * MIB,
      'redis.memory.maxmemory': 2 * 1024 * MIB,
    };
    expect(memoryRule(input({ current }))).toEqual([
      { level: 'critical', text: 'memory at 91 % of maxmemory (1.8 GiB of 2.0 GiB)' },
    ]);
    expect(memoryRule(input({ current: { ...current, 'redis.memory.used_pct': 82 } }))[0]?.level).toBe(
      'warn',
    );
    expect(memoryRule(input({ current: { ...current, 'redis.memory.used_pct': 50 } }))).toEqual([]);
    const fragmented = {
      'redis.memory.used_memory': 200 * MIB,
      'redis.memory.used_memory_rss': 400 * MIB,
      'redis.memory.mem_fragmentation_ratio': 2,
    };
    expect(memoryRule(input({ current: fragmented }))).toEqual([
      { level: 'warn', text: 'memory fragmentation 2.00: 400.0 MiB resident for 200.0 MiB used' },
    ]);
    // A tiny Redis always looks fragmented: not worth a word.
    expect(
      memoryRule(
        input({
          current: {
            ...fragmented,
            'redis.memory.used_memory': MIB,
            'redis.memory.mem_fragmentation_ratio': 7,
          },
        }),
      ),
    ).toEqual([]);
  });

  it('does tell memory growth, and when it reaches maxmemory at this rate', () => {
    const used = perMinute((i) => 100 * MIB + i * MIB);
    expect(memoryGrowthRule(input({ series: { 'redis.memory.used_memory': used } }))).toEqual([
      { level: 'info', text: 'memory grew from 100.0 MiB to 160.0 MiB in the last hour' },
    ]);
    expect(
      memoryGrowthRule(
        input({
          series: { 'redis.memory.used_memory': used },
          current: { 'redis.memory.maxmemory': 400 * MIB },
        }),
      ),
    ).toEqual([
      {
        level: 'warn',
        text: 'memory grew from 100.0 MiB to 160.0 MiB in the last hour; at this rate maxmemory is reached in about 4 h',
      },
    ]);
    expect(
      memoryGrowthRule(input({ series: { 'redis.memory.used_memory': perMinute(() => 100 * MIB) } })),
    ).toEqual([]);
  });

  it('does count slow-log entries over 10 ms of the last hour and name the slowest', () => {
    const slowlog = [
      { id: 3, timestamp: NOW - 5 * MIN, durationMicros: 120_000, command: 'KEYS', args: 1 },
      { id: 2, timestamp: NOW - 6 * MIN, durationMicros: 15_000, command: 'HGETALL', args: 1 },
      { id: 1, timestamp: NOW - 7 * MIN, durationMicros: 11_000, command: 'SMEMBERS', args: 1 },
      { id: 0, timestamp: NOW - 8 * MIN, durationMicros: 500, command: 'GET', args: 1 },
      { id: -1, timestamp: NOW - 2 * 60 * MIN, durationMicros: 900_000, command: 'SAVE', args: 0 },
    ];
    expect(slowlogRule(input({ slowlog }))).toEqual([
      {
        level: 'warn',
        text: '3 slow commands over 10 ms in the slow log in the last hour (top: KEYS, 1 argument, 120 ms)',
      },
    ]);
    expect(slowlogRule(input({ slowlog: slowlog.slice(3) }))).toEqual([]);
  });

  it('does report latency spikes Redis recorded in the last hour', () => {
    const latency = [
      { event: 'command', timestamp: NOW - 55 * MIN, latestMs: 250, maxMs: 300 },
      { event: 'fast-command', timestamp: NOW - 10 * MIN, latestMs: 12, maxMs: 12 },
      { event: 'aof-fsync-always', timestamp: NOW - 3 * 60 * MIN, latestMs: 900, maxMs: 900 },
    ];
    expect(latencyRule(input({ latency }))).toEqual([
      {
        level: 'warn',
        text: 'Redis recorded a 250 ms latency spike (command) at 14:05 UTC and 1 more event',
      },
    ]);
    expect(latencyRule(input({ latency: latency.slice(2) }))).toEqual([]);
  });

  it('does warn when connections near maxclients', () => {
    const current = { 'redis.clients.connected_clients': 8_200, 'redis.clients.connected_pct': 82 };
    expect(connectionsRule(input({ current }))).toEqual([
      { level: 'warn', text: '8,200 clients connected, 82 % of maxclients' },
    ]);
    expect(
      connectionsRule(input({ current: { ...current, 'redis.clients.connected_pct': 96 } }))[0]?.level,
    ).toBe('critical');
    expect(connectionsRule(input({ current: { ...current, 'redis.clients.connected_pct': 10 } }))).toEqual(
      [],
    );
  });

  it('does count evictions and rejected connections of the last hour', () => {
    const series = {
      'redis.stats.evicted_keys': perMinute((i) => (i < 40 ? 0 : (i - 40) * 60)),
      'redis.stats.rejected_connections': perMinute((i) => (i < 59 ? 3 : 5)),
    };
    expect(refusalsRule(input({ series }))).toEqual([
      { level: 'warn', text: '1,200 keys evicted in the last hour (maxmemory reached)' },
      { level: 'warn', text: '2 connections rejected in the last hour (maxclients reached)' },
    ]);
    expect(refusalsRule(input({ series: { 'redis.stats.evicted_keys': perMinute(() => 9) } }))).toEqual([]);
  });

  it('does list every finding, the most severe first', () => {
    const found = insights(
      input({
        series: { 'redis.persistence.aof_last_bgrewrite_ok': perMinute((i) => (i < 2 ? 1 : 0)) },
        current: { 'redis.clients.connected_clients': 8_200, 'redis.clients.connected_pct': 82 },
        latency: [{ event: 'command', timestamp: NOW - MIN, latestMs: 20, maxMs: 20 }],
      }),
    );
    expect(found.map((f) => f.level)).toEqual(['critical', 'warn', 'info']);
  });
});
