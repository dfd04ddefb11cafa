import { isAuthError, type RedisClient } from '../../redis/index.ts';
import { latest, type TsdbContext } from '../../tsdb/index.ts';
import { type CheckResult, type HealthRegistry, worst } from '../health.ts';
import { ConnectivityProbe, storedConnectivity } from './health-connectivity.ts';
import { LiveInfo, type RedisFigures, storedFigures } from './health-figures.ts';
import { type CommandFigures, judgePerformance, storedCommandFigures } from './health-performance.ts';
import { judgePersistence } from './health-persistence.ts';
import { judgeConfiguration, judgeConnections, judgeMemory } from './health-resources.ts';
import {
  type Judged,
  messageOf,
  REDIS_HEALTH_TYPES,
  type RedisCheckResult,
  type RedisHealthReport,
  type RedisHealthThresholds,
  type RedisHealthType,
  result,
} from './health-types.ts';
import { type CommandHistogram, TimingWindow } from './health-window.ts';
import { SELF_REDIS_HOST } from './self-monitor.ts';

export interface RedisHealthDeps {
  /** Vitals' own Redis (the request-role connection). */
  readonly redis: RedisClient;
  readonly keyPrefix: string;
  /** Client-side timings of every command Vitals sends (`CommandTimings`). */
  readonly timings: { histograms(): CommandHistogram[] };
  readonly tsdb: TsdbContext;
  readonly thresholds: RedisHealthThresholds;
  readonly clock?: () => number;
}

/** A monitored Redis host: its id and pull interval (s). */
export interface RedisHostRef {
  readonly id: string;
  readonly metricsInterval: number;
}

type FigureJudge = (f: RedisFigures, t: RedisHealthThresholds) => Judged;
const FROM_FIGURES: Record<Exclude<RedisHealthType, 'connectivity' | 'performance'>, FigureJudge> = {
  memory: judgeMemory,
  connections: judgeConnections,
  persistence: judgePersistence,
  configuration: (f) => judgeConfiguration(f),
};

/**
 * The six Redis health checks, for Vitals' own Redis (read live: INFO shared between the checks for up
 * to 1 s, client-side command timings over a sliding window) and for monitored Redis hosts (judged
 * from their newest stored `redis.*` series).
 */
export class RedisHealth {
  private readonly probe: ConnectivityProbe;
  private readonly info: LiveInfo;
  private readonly window: TimingWindow;
  private readonly clock: () => number;

  constructor(private readonly deps: RedisHealthDeps) {
    this.clock = deps.clock ?? Date.now;
    const { thresholds: t } = deps;
    this.probe = new ConnectivityProbe(deps.redis, deps.keyPrefix, t.timeoutMs);
    this.info = new LiveInfo(deps.redis, t.timeoutMs, 1000, this.clock);
    this.window = new TimingWindow(deps.timings, t.perfWindowMs, this.clock);
    // Commands that waited through an outage say nothing about Redis' speed once it answers again.
    deps.redis.on('ready', () => this.window.restart());
  }

  /** Every check of Vitals' own Redis. */
  async own(): Promise<RedisHealthReport> {
    // Connectivity first: while Redis does not answer, the other checks say so rather than judge
    // INFO figures cached from before (they are kept a second).
    const connectivity = await this.ownCheck('connectivity');
    const checks = await Promise.all(
      REDIS_HEALTH_TYPES.map((type) =>
        type === 'connectivity'
          ? connectivity
          : connectivity.unreachable
            ? result(
                SELF_REDIS_HOST,
                infoFailure(new Error('no answer to the connectivity probe'), this.deps.thresholds, type),
                new Date(this.clock()),
              )
            : this.ownCheck(type),
      ),
    );
    return report(SELF_REDIS_HOST, checks);
  }

  /** One check of Vitals' own Redis. */
  async ownCheck(type: RedisHealthType): Promise<RedisCheckResult> {
    const now = new Date(this.clock());
    if (type === 'connectivity') return result(SELF_REDIS_HOST, await this.probe.judge(), now);
    let figures: RedisFigures;
    try {
      figures = await this.info.read();
    } catch (err: unknown) {
      return result(SELF_REDIS_HOST, infoFailure(err, this.deps.thresholds, type), now);
    }
    const judged =
      type === 'performance'
        ? judgePerformance(this.ownCommands(), figures, this.deps.thresholds, false)
        : FROM_FIGURES[type](figures, this.deps.thresholds);
    return result(SELF_REDIS_HOST, judged, now);
  }

  /** Every check of a monitored Redis host, from its stored series. */
  async ofHost(org: string, host: RedisHostRef): Promise<RedisHealthReport> {
    const stored = await latest(this.deps.tsdb, org, host.id);
    const checks = REDIS_HEALTH_TYPES.map((type) => this.storedCheck(type, host, stored));
    return report(host.id, checks);
  }

  /** One check of a monitored Redis host. */
  async hostCheck(org: string, host: RedisHostRef, type: RedisHealthType): Promise<RedisCheckResult> {
    return this.storedCheck(type, host, await latest(this.deps.tsdb, org, host.id));
  }

  /**
   * Registers `redis:<type>` for every type in `/health`. A check that only failed because Redis did
   * not answer is `warn` there: the process keeps serving degraded (hot tier, spool) and reconnects.
   */
  registerIn(registry: HealthRegistry): void {
    for (const type of REDIS_HEALTH_TYPES) {
      registry.register(`redis:${type}`, async (): Promise<CheckResult> => {
        const check = await this.ownCheck(type);
        return check.unreachable
          ? { ...check, status: 'warn', output: `${check.output}; running degraded` }
          : check;
      });
    }
  }

  private storedCheck(
    type: RedisHealthType,
    host: RedisHostRef,
    stored: ReadonlyMap<string, { timestamp: number; value: number }>,
  ): RedisCheckResult {
    const now = this.clock();
    const figures = storedFigures(stored, now);
    const t = this.deps.thresholds;
    const judged =
      type === 'connectivity'
        ? storedConnectivity(stored, host.metricsInterval, now)
        : type === 'performance'
          ? judgePerformance(storedCommandFigures(stored), figures, t)
          : FROM_FIGURES[type](figures, t);
    return result(host.id, judged, new Date(now));
  }

  private ownCommands(): CommandFigures {
    const w = this.window.figures();
    const seconds = Math.max(1, Math.round((this.clock() - w.since) / 1000));
    return {
      latencyMs: w.p95Ms,
      latencyOf: `p95 of the commands Vitals sent in the last ${seconds} s`,
      calls: w.calls,
      errors: w.errors,
      ...(w.slowest && { slowest: { command: w.slowest.command, ms: w.slowest.p95Ms } }),
    };
  }
}

function report(host: string, checks: readonly RedisCheckResult[]): RedisHealthReport {
  const byType = Object.fromEntries(REDIS_HEALTH_TYPES.map((type, i) => [type, checks[i]])) as Record<
    RedisHealthType,
    RedisCheckResult
  >;
  return { status: worst(checks.map((c) => c.status)), host, checks: byType };
}

/** INFO could not be read: the check fails, and says whether Redis is away or refused us. */
function infoFailure(err: unknown, t: RedisHealthThresholds, type: RedisHealthType): Judged {
  const thresholds = { warn: null, fail: t.timeoutMs };
  if (isAuthError(err))
    return {
      status: 'fail',
      thresholds,
      output: `Redis refused INFO (${messageOf(err)}); ${type} not judged`,
    };
  return {
    status: 'fail',
    thresholds,
    unreachable: true,
    output: `Redis unreachable (${messageOf(err)}); ${type} not judged`,
  };
}
