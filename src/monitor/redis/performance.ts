import { MAX_COMMAND_LABELS } from '../../collect/index.ts';
import { type FailureKind, parseSeriesKey, VitalsError } from '../../contract/index.ts';
import type { CommandStat, CommandTimings, RedisClient } from '../../redis/index.ts';
import type { TsdbContext } from '../../tsdb/index.ts';
import { INSIGHT_SERIES, type Insight, insights, windowHitRate } from './insights.ts';
import type { LatencyEvent, SlowEntry } from './live.ts';
import {
  type Current,
  currentValues,
  lastHour,
  readOwn,
  readTarget,
  type TargetHost,
} from './performance-read.ts';
import { SELF_ORG, SELF_REDIS_HOST } from './self-monitor.ts';
import { type Point, since, type Trend } from './trend.ts';

/** A refused performance request (unknown host, not a Redis host, another org's own Redis). */
export class RedisMonitorError extends VitalsError {
  override name = 'RedisMonitorError';
  readonly kind: FailureKind = 'not_found';
}

export interface CommandPerformance {
  readonly command: string;
  readonly calls: number;
  /** Calls per second over the last ~10 minutes of stored series, else since the server started. */
  readonly opsPerSec: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly p999Ms: number | null;
  readonly usecPerCall: number;
}

export interface PerformanceReport {
  readonly host: string;
  /** When the answer was made (ms since the epoch). */
  readonly time: number;
  readonly partial?: true;
  readonly commands: CommandPerformance[];
  readonly opsPerSec: number | null;
  readonly hitRatePct: number | null;
  readonly memory: {
    readonly usedBytes: number | null;
    readonly maxBytes: number | null;
    readonly usedPct: number | null;
    readonly fragmentation: number | null;
    readonly trend: Point[];
  };
  readonly slowlog: SlowEntry[];
  readonly latencyLatest: LatencyEvent[];
  readonly client?: { readonly commands: (CommandStat & { readonly command: string })[] };
  readonly insights: Insight[];
}

export interface RedisPerformanceDeps {
  /** Vitals' own Redis (the request connection). */
  readonly redis: RedisClient;
  readonly tsdb: TsdbContext;
  readonly timings: Pick<CommandTimings, 'snapshot'>;
  /** Hosts of an org with their collector settings (tenancy). */
  readonly hosts: { getHost(org: string, id: string): Promise<TargetHost | undefined> };
  /** Deadline of a monitored Redis' connection and commands. @defaultValue 2000 */
  readonly targetTimeoutMs?: number;
  readonly now?: () => number;
}

const MEMORY = 'redis.memory.used_memory';
const callsKey = (command: string) => `redis.commandstats.calls{command="${command}"}`;
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * `GET /api/v1/redis/performance`: per-command figures, hit rate, memory and its trend, the slow log,
 * latency events and insights for Vitals' own Redis (org `default` only) or a `redis` host of the
 * caller's org. Live reads and stored series that cannot be had (Redis away) leave the answer `partial`.
 */
export class RedisPerformance {
  private readonly now: () => number;

  constructor(private readonly deps: RedisPerformanceDeps) {
    this.now = deps.now ?? Date.now;
  }

  async report(org: string, hostId?: string): Promise<PerformanceReport> {
    const self = hostId === undefined || (org === SELF_ORG && hostId === SELF_REDIS_HOST);
    if (self && org !== SELF_ORG)
      throw new RedisMonitorError(
        "Vitals' own Redis is shown to the default org only; name a host with ?host=",
      );
    const target = self ? undefined : await this.target(org, hostId ?? '');
    const host = target?.id ?? SELF_REDIS_HOST;
    const now = this.now();
    const live = target
      ? await readTarget(target, this.deps.targetTimeoutMs ?? 2000)
      : await readOwn(this.deps.redis);
    const current = await currentValues(this.deps.tsdb, org, host, live.info, now);
    const commands = commandNames(current.values);
    const stored = await lastHour(
      this.deps.tsdb,
      org,
      host,
      [...new Set([...INSIGHT_SERIES, MEMORY, ...commands.map(callsKey)])],
      now,
    );
    const partial = live.info === undefined || current.partial || stored.partial;
    const slowlog = [...(live.slowlog ?? [])];
    const latency = [...(live.latency ?? [])];
    return {
      host,
      time: now,
      ...(partial && { partial: true as const }),
      commands: commands.map((c) => commandFigures(c, current, stored.series.get(callsKey(c)) ?? [])),
      opsPerSec: current.values.get('redis.stats.instantaneous_ops_per_sec') ?? null,
      hitRatePct: hitRate(current, stored.series, now),
      memory: memory(current, stored.series.get(MEMORY) ?? []),
      slowlog,
      latencyLatest: latency,
      ...(self && { client: { commands: clientCommands(this.deps.timings) } }),
      insights: insights({ now, series: stored.series, current: current.values, slowlog, latency }),
    };
  }

  private async target(org: string, id: string): Promise<TargetHost> {
    const host = await this.deps.hosts.getHost(org, id);
    if (host?.collector.kind !== 'redis')
      throw new RedisMonitorError(`no Redis host "${id}" in this org (a host with collector kind "redis")`);
    return host;
  }
}

/** Commands with stored figures, busiest first (as many as INFO collection keeps). */
function commandNames(values: ReadonlyMap<string, number>): string[] {
  const calls: [string, number][] = [];
  for (const [key, value] of values) {
    if (!key.startsWith('redis.commandstats.calls{')) continue;
    const command = parseSeriesKey(key).labels.command;
    if (command !== undefined) calls.push([command, value]);
  }
  calls.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return calls.slice(0, MAX_COMMAND_LABELS).map(([c]) => c);
}

function commandFigures(command: string, current: Current, history: Trend): CommandPerformance {
  const get = (name: string) => current.values.get(`${name}{command="${command}"}`);
  const ms = (usec: number | undefined) => (usec === undefined ? null : round(usec / 1000, 4));
  const calls = get('redis.commandstats.calls') ?? 0;
  return {
    command,
    calls,
    opsPerSec: round(opsPerSec(calls, current, history), 2),
    p50Ms: ms(get('redis.latencystats.p50_usec')),
    p99Ms: ms(get('redis.latencystats.p99_usec')),
    p999Ms: ms(get('redis.latencystats.p99_9_usec')),
    usecPerCall: get('redis.commandstats.usec_per_call') ?? 0,
  };
}

/** From the stored call count about 10 minutes back; without one, the average since the server started. */
function opsPerSec(calls: number, current: Current, history: Trend): number {
  const at = current.at ?? 0;
  const older = history.filter((p) => p.timestamp < at - 30_000);
  const base = older.find((p) => p.timestamp >= at - 600_000) ?? older.at(-1);
  if (base && base.value <= calls) return (calls - base.value) / ((at - base.timestamp) / 1000);
  const uptime = current.values.get('redis.server.uptime_in_seconds') ?? 0;
  return uptime > 0 ? calls / uptime : 0;
}

/** Over the last 15 minutes of stored series when they hold enough lookups, else since the server started. */
function hitRate(current: Current, series: ReadonlyMap<string, Trend>, now: number): number | null {
  const from = now - 15 * 60_000;
  const recent = windowHitRate(
    since(series.get('redis.stats.keyspace_hits') ?? [], from),
    since(series.get('redis.stats.keyspace_misses') ?? [], from),
  );
  const value = recent ?? current.values.get('redis.stats.hit_rate_pct');
  return value === undefined ? null : round(value, 2);
}

function memory(current: Current, trend: Trend): PerformanceReport['memory'] {
  const get = (key: string) => current.values.get(key) ?? null;
  const max = get('redis.memory.maxmemory');
  return {
    usedBytes: get(MEMORY),
    maxBytes: max,
    usedPct: max ? get('redis.memory.used_pct') : null,
    fragmentation: get('redis.memory.mem_fragmentation_ratio'),
    trend: [...trend],
  };
}

function clientCommands(timings: Pick<CommandTimings, 'snapshot'>) {
  return Object.entries(timings.snapshot())
    .map(([command, stat]) => ({ command, ...stat }))
    .sort((a, b) => b.count - a.count);
}
