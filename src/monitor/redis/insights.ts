import type { LatencyEvent, SlowEntry } from './live.ts';
import {
  amount,
  bytes,
  clock,
  counterIncrease,
  since,
  spanMinutes,
  type Trend,
  type TrendSet,
} from './trend.ts';

export type InsightLevel = 'info' | 'warn' | 'critical';

/** One finding, in plain language. */
export interface Insight {
  readonly level: InsightLevel;
  readonly text: string;
}

/** What the rules look at. Series keys are the stored ones (`redis.stats.keyspace_hits`, …). */
export interface InsightInput {
  readonly now: number;
  /** Stored series of the last hour, one point per minute (the last value of each minute). */
  readonly series: TrendSet;
  /** The newest value of each series: live INFO when it answered, else the newest stored samples. */
  readonly current: ReadonlyMap<string, number>;
  readonly slowlog: readonly SlowEntry[];
  readonly latency: readonly LatencyEvent[];
}

export type InsightRule = (input: InsightInput) => Insight[];

const HOUR_MS = 3_600_000;
const MIB = 1024 * 1024;
/** Commands that block Redis or wipe it: worth naming whenever they run. */
export const RISKY_COMMANDS = ['keys', 'flushall', 'flushdb', 'save', 'debug', 'monitor'] as const;
/** Slow-log entries at least this long are reported. */
const SLOW_MICROS = 10_000;
/** Lookups a hit rate needs per window before it means anything. */
const MIN_LOOKUPS = 20;

const callsKey = (command: string) => `redis.commandstats.calls{command="${command}"}`;
/** Every stored series the rules read (the service asks for these). */
export const INSIGHT_SERIES: readonly string[] = [
  'redis.stats.keyspace_hits',
  'redis.stats.keyspace_misses',
  'redis.stats.evicted_keys',
  'redis.stats.rejected_connections',
  'redis.persistence.aof_last_bgrewrite_ok',
  'redis.persistence.rdb_last_bgsave_ok',
  'redis.persistence.aof_last_write_ok',
  'redis.memory.used_memory',
  ...RISKY_COMMANDS.map(callsKey),
];

const trend = (input: InsightInput, key: string): Trend => input.series.get(key) ?? [];

/** Hit rate from the growth of hits and misses over a window, or undefined with too few lookups. */
export function windowHitRate(hits: Trend, misses: Trend): number | undefined {
  const h = counterIncrease(hits);
  const m = counterIncrease(misses);
  return h + m >= MIN_LOOKUPS ? (100 * h) / (h + m) : undefined;
}

/** "hit rate fell from 93 % to 61 % in the last hour": first vs last quarter hour of the stored series. */
export const hitRateRule: InsightRule = (input) => {
  const hits = trend(input, 'redis.stats.keyspace_hits');
  const misses = trend(input, 'redis.stats.keyspace_misses');
  const first = hits[0]?.timestamp ?? input.now;
  const window = (t: Trend, from: number, to: number) =>
    t.filter((p) => p.timestamp >= from && p.timestamp <= to);
  const early = windowHitRate(
    window(hits, first, first + 15 * 60_000),
    window(misses, first, first + 15 * 60_000),
  );
  const lateFrom = input.now - 15 * 60_000;
  const late = windowHitRate(since(hits, lateFrom), since(misses, lateFrom));
  if (late === undefined) return [];
  const level: InsightLevel | undefined = late < 70 ? 'critical' : late < 80 ? 'warn' : undefined;
  if (early !== undefined && early - late >= 10 && first < lateFrom - 15 * 60_000) {
    return [
      {
        level: level ?? 'info',
        text: `hit rate fell from ${Math.round(early)} % to ${Math.round(late)} % in the last hour`,
      },
    ];
  }
  if (level) return [{ level, text: `hit rate is ${Math.round(late)} % over the last 15 minutes` }];
  return [];
};

/** "KEYS called 40×/min": commands that block or wipe Redis, from the growth of their call counters. */
export const riskyCommandsRule: InsightRule = (input) =>
  RISKY_COMMANDS.flatMap((command): Insight[] => {
    const calls = trend(input, callsKey(command));
    const count = counterIncrease(calls);
    if (count <= 0) return [];
    const perMin = count / Math.max(1, spanMinutes(calls));
    const name = command.toUpperCase();
    return perMin >= 1
      ? [{ level: 'warn', text: `${name} called ${amount(perMin)}×/min over the last hour` }]
      : [{ level: 'info', text: `${name} called ${amount(count)}× in the last hour` }];
  });

const PERSISTENCE: readonly [string, string][] = [
  ['redis.persistence.aof_last_bgrewrite_ok', 'AOF rewrite'],
  ['redis.persistence.aof_last_write_ok', 'AOF write'],
  ['redis.persistence.rdb_last_bgsave_ok', 'RDB background save'],
];

/** "AOF rewrite failing since 14:02 UTC": a status now 0, since the start of its run of zeros. */
export const persistenceRule: InsightRule = (input) =>
  PERSISTENCE.flatMap(([key, what]): Insight[] => {
    const points = trend(input, key);
    const now = input.current.get(key) ?? points.at(-1)?.value;
    if (now !== 0) return [];
    let start = points.length;
    while (start > 0 && points[start - 1]?.value === 0) start--;
    const since = points[start];
    if (!since) return [{ level: 'critical', text: `${what} failing` }];
    const atLeast = start === 0 && points.length > 1 ? 'at least ' : '';
    return [{ level: 'critical', text: `${what} failing since ${atLeast}${clock(since.timestamp)}` }];
  });

/** "memory at 91 % of maxmemory", and fragmentation worth a look on a Redis of some size. */
export const memoryRule: InsightRule = (input) => {
  const out: Insight[] = [];
  const pct = input.current.get('redis.memory.used_pct');
  const used = input.current.get('redis.memory.used_memory') ?? 0;
  const max = input.current.get('redis.memory.maxmemory') ?? 0;
  if (pct !== undefined && pct >= 80) {
    out.push({
      level: pct >= 90 ? 'critical' : 'warn',
      text: `memory at ${Math.round(pct)} % of maxmemory (${bytes(used)} of ${bytes(max)})`,
    });
  }
  const frag = input.current.get('redis.memory.mem_fragmentation_ratio');
  if (frag !== undefined && frag >= 1.5 && used >= 64 * MIB) {
    const rss = input.current.get('redis.memory.used_memory_rss') ?? used * frag;
    out.push({
      level: 'warn',
      text: `memory fragmentation ${frag.toFixed(2)}: ${bytes(rss)} resident for ${bytes(used)} used`,
    });
  }
  return out;
};

/** "memory grew from 1.2 GiB to 1.6 GiB in the last hour", with the time left before maxmemory. */
export const memoryGrowthRule: InsightRule = (input) => {
  const points = trend(input, 'redis.memory.used_memory');
  const first = points[0];
  const last = points.at(-1);
  if (!first || !last || spanMinutes(points) < 10) return [];
  const grown = last.value - first.value;
  if (grown < 10 * MIB || grown < 0.2 * first.value) return [];
  const text = `memory grew from ${bytes(first.value)} to ${bytes(last.value)} in the last hour`;
  const max = input.current.get('redis.memory.maxmemory') ?? 0;
  const perHour = (grown / (last.timestamp - first.timestamp)) * HOUR_MS;
  if (max > last.value) {
    const hours = (max - last.value) / perHour;
    if (hours < 24)
      return [
        { level: 'warn', text: `${text}; at this rate maxmemory is reached in about ${amount(hours)} h` },
      ];
  }
  return [{ level: 'info', text }];
};

/** "3 slow commands over 10 ms in the slow log (top: KEYS, 1 argument, 120 ms)", last hour only. */
export const slowlogRule: InsightRule = (input) => {
  const slow = input.slowlog.filter(
    (e) => e.durationMicros >= SLOW_MICROS && e.timestamp >= input.now - HOUR_MS,
  );
  const top = slow.reduce<SlowEntry | undefined>(
    (a, e) => (!a || e.durationMicros > a.durationMicros ? e : a),
    undefined,
  );
  if (!top) return [];
  const args = `${top.args} argument${top.args === 1 ? '' : 's'}`;
  const n = slow.length;
  return [
    {
      level: 'warn',
      text: `${n} slow command${n === 1 ? '' : 's'} over 10 ms in the slow log in the last hour (top: ${top.command}, ${args}, ${amount(top.durationMicros / 1000)} ms)`,
    },
  ];
};

/** Latency spikes Redis itself recorded (LATENCY LATEST) in the last hour. */
export const latencyRule: InsightRule = (input) => {
  const recent = input.latency.filter((e) => e.timestamp >= input.now - HOUR_MS);
  const worst = recent.reduce<LatencyEvent | undefined>(
    (a, e) => (!a || e.maxMs > a.maxMs ? e : a),
    undefined,
  );
  if (!worst) return [];
  const more = recent.length > 1 ? ` and ${recent.length - 1} more event${recent.length > 2 ? 's' : ''}` : '';
  return [
    {
      level: worst.latestMs >= 100 ? 'warn' : 'info',
      text: `Redis recorded a ${worst.latestMs} ms latency spike (${worst.event}) at ${clock(worst.timestamp)}${more}`,
    },
  ];
};

/** "412 clients connected, 82 % of maxclients". */
export const connectionsRule: InsightRule = (input) => {
  const pct = input.current.get('redis.clients.connected_pct');
  if (pct === undefined || pct < 80) return [];
  const clients = input.current.get('redis.clients.connected_clients') ?? 0;
  return [
    {
      level: pct >= 95 ? 'critical' : 'warn',
      text: `${amount(clients)} clients connected, ${Math.round(pct)} % of maxclients`,
    },
  ];
};

/** Keys evicted and connections rejected in the last hour: Redis hit maxmemory or maxclients. */
export const refusalsRule: InsightRule = (input) => {
  const out: Insight[] = [];
  const evicted = counterIncrease(trend(input, 'redis.stats.evicted_keys'));
  if (evicted > 0)
    out.push({ level: 'warn', text: `${amount(evicted)} keys evicted in the last hour (maxmemory reached)` });
  const rejected = counterIncrease(trend(input, 'redis.stats.rejected_connections'));
  if (rejected > 0)
    out.push({
      level: 'warn',
      text: `${amount(rejected)} connections rejected in the last hour (maxclients reached)`,
    });
  return out;
};

export const INSIGHT_RULES: readonly InsightRule[] = [
  persistenceRule,
  memoryRule,
  connectionsRule,
  hitRateRule,
  refusalsRule,
  riskyCommandsRule,
  slowlogRule,
  latencyRule,
  memoryGrowthRule,
];

const RANK: Record<InsightLevel, number> = { critical: 0, warn: 1, info: 2 };

/** Every rule's findings, the most severe first. */
export function insights(input: InsightInput, rules: readonly InsightRule[] = INSIGHT_RULES): Insight[] {
  return rules.flatMap((rule) => rule(input)).sort((a, b) => RANK[a.level] - RANK[b.level]);
}
