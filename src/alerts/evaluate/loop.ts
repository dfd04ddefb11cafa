import { randomUUID } from 'node:crypto';
import type { Logger } from '../../config/index.ts';
import { isUnavailable, type Keys, type RedisClient } from '../../redis/index.ts';
import type { AlertRule, AlertStateMachine, Notification, NotificationSink } from '../contract.ts';
import type { RuleEvaluator } from './evaluator.ts';
import { pool } from './read.ts';

/** Rules whose observations are handed to the state machine at once. */
const APPLY_CONCURRENCY = 16;

export interface EvaluationLoopDeps {
  readonly redis: RedisClient;
  readonly keys: Keys;
  readonly logger: Logger;
  /** `VITALS_ALERTS_INTERVAL`. @defaultValue 15000 */
  readonly intervalMs: number;
  /** Every org to evaluate (tenancy's orgs). */
  readonly orgs: () => Promise<readonly string[]>;
  readonly rules: { list(org: string): Promise<AlertRule[]> };
  readonly evaluator: RuleEvaluator;
  readonly states: AlertStateMachine;
  /**
   * Where the notifications the state machine returns go. Unset when the state machine delivers them
   * itself (`AlertStates` with a sink: through its outbox, so none is lost between commit and queue).
   */
  readonly sink?: NotificationSink;
  readonly now?: () => number;
}

/** What one tick did: `locked` = another process has this interval; `skipped` = Redis away. */
export type RoundOutcome = 'evaluated' | 'locked' | 'skipped' | 'failed';

/** Figures of one evaluation round. */
export interface RoundFigures {
  readonly orgs: number;
  readonly rules: number;
  readonly observations: number;
  readonly notifications: number;
  readonly ms: number;
}

export interface EvaluationStatus {
  readonly running: boolean;
  readonly intervalMs: number;
  /** Rounds this process evaluated (won the interval's lock). */
  readonly rounds: number;
  readonly lastRound: (RoundFigures & { readonly at: number }) | null;
  readonly lastError: string | null;
}

/**
 * Evaluates every org's enabled rules once per interval, in one server process at a time: each
 * interval slot (⌊now / interval⌋) is claimed with `SET NX PX` on `alertEvalLock(slot)`, so with
 * several processes exactly one evaluates it. Observations go to the state machine rule by rule, what
 * it returns to the notification sink; `tick` of the state machine runs once per org and round. While
 * Redis is away rounds are skipped quietly.
 */
export class EvaluationLoop {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<RoundOutcome> | undefined;
  private rounds = 0;
  private lastRound: EvaluationStatus['lastRound'] = null;
  private lastError: string | null = null;
  private readonly owner = randomUUID();
  private readonly now: () => number;

  constructor(private readonly deps: EvaluationLoopDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Starts the timer (idempotent); the first tick runs at once. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.deps.intervalMs);
    this.timer.unref();
    void this.tick();
  }

  /**
   * Stops the timer. A round in flight is not waited for: its writes are acknowledged by the
   * shutdown's flush, which runs after the timers stop (waiting here could wait for ever).
   */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  status(): EvaluationStatus {
    return {
      running: this.timer !== undefined,
      intervalMs: this.deps.intervalMs,
      rounds: this.rounds,
      lastRound: this.lastRound,
      lastError: this.lastError,
    };
  }

  /** One interval: skipped while Redis is away, left to another process that holds the lock. */
  tick(): Promise<RoundOutcome> {
    this.inFlight ??= this.claimAndRun().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async claimAndRun(): Promise<RoundOutcome> {
    const { redis, keys, intervalMs, logger } = this.deps;
    if (redis.status !== 'ready') return 'skipped';
    try {
      const now = this.now();
      const slot = Math.floor(now / intervalMs);
      const won = await redis.set(keys.alertEvalLock(slot), this.owner, 'PX', intervalMs, 'NX');
      if (won === null) return 'locked';
      const figures = await this.runOnce(now);
      this.rounds++;
      this.lastRound = { ...figures, at: now };
      this.lastError = null;
      if (figures.ms > intervalMs)
        logger.warn({ ...figures, intervalMs }, 'alert evaluation took longer than its interval');
      return 'evaluated';
    } catch (err: unknown) {
      this.lastError = err instanceof Error ? err.message : String(err);
      // Redis went away after the status check (the client notices a stopped server a moment late).
      if (isUnavailable(err)) {
        logger.debug({ err }, 'alert rules not evaluated this interval: Redis away');
        return 'skipped';
      }
      logger.warn({ err }, 'alert rules not evaluated this interval');
      return 'failed';
    }
  }

  /** One full round over every org, without the lock (tests and the benchmark call it). */
  async runOnce(now: number = this.now()): Promise<RoundFigures> {
    const started = performance.now();
    const orgs = await this.deps.orgs();
    let rules = 0;
    let observations = 0;
    let notifications = 0;
    for (const org of orgs) {
      const r = await this.evaluateOrg(org, now);
      rules += r.rules;
      observations += r.observations;
      notifications += r.notifications;
    }
    return { orgs: orgs.length, rules, observations, notifications, ms: performance.now() - started };
  }

  private async evaluateOrg(org: string, now: number) {
    const { states, sink } = this.deps;
    const rules = (await this.deps.rules.list(org)).filter((r) => r.enabled);
    const observed = await this.deps.evaluator.evaluate(org, rules, now);
    let observations = 0;
    let notifications = 0;
    const send = async (list: readonly Notification[]) => {
      if (list.length === 0) return;
      notifications += list.length;
      if (sink) await sink.notify(org, list);
    };
    await pool(rules, APPLY_CONCURRENCY, async (rule) => {
      const obs = observed.get(rule.id) ?? [];
      observations += obs.length;
      await send(await states.apply(rule, obs, now));
    });
    await send(await states.tick(org, now));
    return { rules: rules.length, observations, notifications };
  }
}
