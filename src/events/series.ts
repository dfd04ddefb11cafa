import { randomUUID } from 'node:crypto';
import type { Logger } from '../config/index.ts';
import type { IngestRequest } from '../contract/index.ts';
import { isUnavailable, type Keys, type RedisClient } from '../redis/index.ts';
import type { EventType } from './contract.ts';
import { errorRatePct, quantile } from './figures.ts';
import type { EventLog } from './log.ts';
import type { StoredEvent } from './record.ts';

/** Host id the event figures are stored under, in each org (as the process' own figures). */
export const EVENTS_HOST = 'vitals';
const MINUTE = 60_000;

/**
 * A type as a series name part: every character outside `[a-zA-Z0-9_]` becomes `_`, so
 * `http-target` → `http_target` and `custom.deploy-hook` → `custom_deploy_hook`. Types that map to
 * the same part (`custom.a-b`, `custom.a_b`) share its series: their figures are added up.
 */
export function seriesPart(type: EventType): string {
  return type.replace(/[^a-zA-Z0-9_]/g, '_');
}

export interface EventFiguresDeps {
  readonly log: EventLog;
  readonly redis: RedisClient;
  readonly keys: Keys;
  readonly logger: Logger;
  /** `VITALS_SELF_MONITOR_INTERVAL`. @defaultValue 15000 */
  readonly intervalMs: number;
  /** Where the figures go: the ingest service (`services.ingest.pushJson`). */
  readonly push: (org: string, request: IngestRequest) => Promise<unknown>;
  /**
   * Whether the org still exists (asked of Redis each round, not of a cache): a deleted org's figures
   * are not pushed, which would write its keys again after its data was purged.
   */
  readonly orgExists: (org: string) => Promise<boolean>;
  readonly now?: () => number;
}

export type FiguresOutcome = 'pushed' | 'locked' | 'skipped' | 'failed';

/**
 * Event figures as series, so alert rules can use them: every interval one process (SET NX PX lock
 * per interval slot) pushes, per org and type, over the last minute: `events.<type>.count` (events
 * per minute), `events.<type>.errors` (errors per minute), `events.<type>.error_rate_pct`,
 * `events.<type>.latency_p50_ms` and `…_p95_ms` (when any event had a latency), as host `vitals`.
 */
export class EventFigures {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<FiguresOutcome> | undefined;
  private readonly owner = randomUUID();
  private readonly now: () => number;

  constructor(private readonly deps: EventFiguresDeps) {
    this.now = deps.now ?? Date.now;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.deps.intervalMs);
    this.timer.unref();
  }

  /**
   * Stops the timer. A push in flight is not waited for: it is acknowledged by the shutdown's flush,
   * which runs after the timers stop (waiting here would wait for ever). Safe to call twice.
   */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  tick(): Promise<FiguresOutcome> {
    this.inFlight ??= this.claimAndPush().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async claimAndPush(): Promise<FiguresOutcome> {
    const { redis, keys, intervalMs, logger } = this.deps;
    if (redis.status !== 'ready') return 'skipped';
    try {
      const slot = Math.floor(this.now() / intervalMs);
      const won = await redis.set(keys.monitorLock('events', slot), this.owner, 'PX', intervalMs, 'NX');
      if (won === null) return 'locked';
      await this.pushAll();
      return 'pushed';
    } catch (err: unknown) {
      if (isUnavailable(err)) logger.debug({ err }, 'event figures not stored this interval: Redis away');
      else logger.warn({ err }, 'event figures not stored this interval');
      return 'failed';
    }
  }

  /**
   * One round without the lock: the figures of every org and type over the last minute. An org that
   * no longer exists is skipped and its events dropped from this process' memory; the existence check
   * comes last, just before the push, so a deletion is seen unless it lands during the push itself
   * (the org's second sweep, `src/orgs`, removes what such a push wrote).
   */
  async pushAll(): Promise<number> {
    const { log } = this.deps;
    const now = this.now();
    const orgs = new Set(log.memoryOrgs());
    if (log.options.persistence) for (const org of await log.store.orgs()) orgs.add(org);
    let pushed = 0;
    for (const org of orgs) {
      const stats = await log.stats(org);
      const byPart = new Map<string, StoredEvent[]>();
      for (const { type } of stats) {
        const found = await log.queries.eventsIn(org, type, now - MINUTE, now);
        byPart.set(seriesPart(type), [...(byPart.get(seriesPart(type)) ?? []), ...found.events]);
      }
      const metrics: Record<string, number> = {};
      for (const [part, events] of byPart) addFigures(metrics, part, events);
      if (Object.keys(metrics).length === 0) continue;
      if (!(await this.deps.orgExists(org))) {
        log.forgetOrg(org);
        continue;
      }
      await this.deps.push(org, { hosts: [{ host: EVENTS_HOST, snapshots: [{ timestamp: now, metrics }] }] });
      pushed += Object.keys(metrics).length;
    }
    return pushed;
  }
}

function addFigures(metrics: Record<string, number>, part: string, events: readonly StoredEvent[]): void {
  const base = `events.${part}`;
  const count = events.length;
  const errors = events.filter((e) => e.isError).length;
  metrics[`${base}.count`] = count;
  metrics[`${base}.errors`] = errors;
  metrics[`${base}.error_rate_pct`] = errorRatePct(count, errors);
  const latencies = events
    .flatMap((e) => (e.latencyMs === undefined ? [] : [e.latencyMs]))
    .sort((a, b) => a - b);
  const p50 = quantile(latencies, 0.5);
  const p95 = quantile(latencies, 0.95);
  if (p50 !== null) metrics[`${base}.latency_p50_ms`] = p50;
  if (p95 !== null) metrics[`${base}.latency_p95_ms`] = p95;
}
