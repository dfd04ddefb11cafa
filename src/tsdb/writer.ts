import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  type IBackoff,
  type IBackoffFactory,
} from 'cockatiel';
import type { Logger } from '../config/index.ts';
import { isUnavailable, type RedisClient } from '../redis/index.ts';
import { batchSize, type TimeBounds, validateBatch, type WriteBatch } from './batch.ts';
import { StorageUnavailableError } from './errors.ts';
import {
  applyFlush,
  decodeSpoolRecord,
  encodeSpoolRecord,
  type FlushPayload,
  type SpoolRecord,
} from './flush-payload.ts';
import type { Ack, StoredIn, TsdbContext } from './options.ts';
import { PendingWrites } from './pending.ts';
import type { ReplayResult, Spool } from './spool/index.ts';

export interface WriteResult {
  readonly stored: StoredIn;
  readonly samples: number;
}

export interface WriterStats {
  readonly pendingSamples: number;
  readonly inFlightSamples: number;
  readonly writtenSamples: number;
  readonly spooledSamples: number;
  readonly replayedRecords: number;
  readonly failedFlushes: number;
  readonly breaker: 'closed' | 'open' | 'half-open';
  readonly spoolBytes: number;
}

export interface WriterOptions {
  readonly logger: Logger;
  /**
   * How long the breaker stays open before its first probe; each failed probe doubles the wait, up
   * to `breakerHalfOpenMaxMs`. A connection that becomes ready again ends the wait at once.
   * @defaultValue 500
   */
  readonly breakerHalfOpenMs?: number;
  /** The longest wait between two probes of an open breaker. @defaultValue 4000 */
  readonly breakerHalfOpenMaxMs?: number;
  /** Consecutive failures that open the breaker. @defaultValue 5 */
  readonly breakerFailures?: number;
  /** How often a non-empty spool is tried for replay. @defaultValue 5000 */
  readonly replayIntervalMs?: number;
}

/** Told of every flush (metrics); must not throw. */
export interface FlushObserver {
  /** `seconds` the flush took, to Redis or (while it is away) to the spool. */
  flushed(seconds: number): void;
}

type Waiter = { resolve: (stored: StoredIn) => void; reject: (err: unknown) => void };

/**
 * The durable write path. Samples get their series ids (the series limits are checked there) and go
 * into a pending buffer; one pipelined flush per `flushIntervalMs` (0: per turn of the event loop) or
 * `flushBatchSamples` appends them to Redis. `ack=durable` callers wait for that flush;
 * `ack=buffered` callers are answered at once. The hot tier takes a batch once it is acknowledged, so
 * a refused batch leaves no trace. A circuit breaker guards Redis: while it is unavailable, flushes go
 * to the fsync'd disk spool, which is replayed once Redis answers again.
 */
export class SampleWriter {
  private pending = new PendingWrites();
  private waiters: Waiter[] = [];
  private flushing: Promise<void> | undefined;
  /** The scheduled flush: a timer, or with `flushIntervalMs` 0 an immediate. */
  private timer: { cancel(): void } | undefined;
  private replaying: Promise<unknown> | undefined;
  private readonly replayTimer: NodeJS.Timeout;
  private readonly breaker;
  private readonly probes: ProbeBackoff;
  private readonly onReady = () => {
    this.probes.connectionReady();
    this.maybeReplay();
  };
  private closed = false;
  private observer: FlushObserver | undefined;
  private counters = { inFlight: 0, written: 0, spooled: 0, replayed: 0, failedFlushes: 0 };

  constructor(
    private readonly ctx: TsdbContext,
    private readonly spool: Spool,
    private readonly options: WriterOptions,
  ) {
    // Only unavailability counts against the breaker (connection lost or refused, deadline passed,
    // LOADING …): a rejected batch or a command error says nothing about whether Redis is there.
    this.probes = new ProbeBackoff(options.breakerHalfOpenMs ?? 500, options.breakerHalfOpenMaxMs ?? 4000);
    this.breaker = circuitBreaker(
      handleWhen((err) => isUnavailable(err)),
      {
        halfOpenAfter: this.probes,
        breaker: new ConsecutiveBreaker(options.breakerFailures ?? 5),
      },
    );
    this.breaker.onBreak(() =>
      options.logger.warn('Redis writes failing: circuit open, writes go to the disk spool'),
    );
    this.breaker.onReset(() => options.logger.info('Redis writes succeed again: circuit closed'));
    this.replayTimer = setInterval(() => this.maybeReplay(), options.replayIntervalMs ?? 5000);
    this.replayTimer.unref();
    // WAIT blocks the connection it is sent on until the replicas answer or its timeout passes: with
    // VITALS_DURABLE_REPLICAS flushes get a connection of their own, so a lagging replica delays
    // flushes, not every read of the request connection.
    this.redis = (ctx.options.durableReplicas?.count ?? 0) > 0 ? ctx.redis.duplicate() : ctx.redis;
    if (this.redis !== ctx.redis) this.redis.on('error', () => {});
    // Redis back (reconnected after an outage or a freeze): probe now rather than at the next backoff.
    this.redis.on('ready', this.onReady);
  }

  /** The connection flushes and replays go to (`ctx.redis`, or its duplicate: see the constructor). */
  private readonly redis: RedisClient;

  /** Validates (all or nothing), stores, and resolves per the ack mode. */
  async write(batches: readonly WriteBatch[], ack: Ack = this.ctx.options.ack): Promise<WriteResult> {
    const now = this.ctx.now();
    const bounds = this.timeBounds(now);
    for (const batch of batches) validateBatch(batch, bounds);
    if (this.closed) throw new StorageUnavailableError('the server is shutting down', 5);
    const samples = batchSize(batches);
    // Nothing to store: answering at once also keeps an empty push from waiting for a flush that never comes.
    if (samples === 0) return { stored: 'redis', samples: 0 };

    // Series limits are checked here: a refused batch throws before anything of it is kept anywhere.
    const ids = await this.resolveIds(batches);
    if (!ids) {
      await this.spoolRecord({ kind: 'batches', batches: [...batches] }, samples);
      this.addToHotTier(batches);
      return { stored: 'spool', samples };
    }
    batches.forEach((b, i) => {
      this.pending.add(b, ids[i] ?? [], now);
    });
    if (ack === 'buffered' && this.pending.samples <= this.ctx.options.bufferMaxSamples) {
      this.schedule();
      this.addToHotTier(batches);
      return { stored: 'memory', samples };
    }
    const stored = new Promise<StoredIn>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.schedule();
    const where = await stored;
    this.addToHotTier(batches);
    return { stored: where, samples };
  }

  /** Acknowledged samples become visible to live reads (latest, overview). */
  private addToHotTier(batches: readonly WriteBatch[]): void {
    for (const b of batches)
      this.ctx.hot.addColumns(b.org, b.host, b.seriesKeys, b.series, b.timestamps, b.values);
  }

  /** The accepted timestamp range now: not older than raw retention, not further ahead than the skew. */
  timeBounds(now = this.ctx.now()): TimeBounds {
    const { retentionMs, maxFutureSkewMs } = this.ctx.options;
    return { minTimestamp: now - retentionMs.raw, maxTimestamp: now + maxFutureSkewMs };
  }

  /** Series ids for every batch, or undefined when Redis cannot be asked now (then the batch is spooled). */
  private async resolveIds(batches: readonly WriteBatch[]): Promise<number[][] | undefined> {
    const cached = batches.map((b) => b.seriesKeys.map((k) => this.ctx.series.cachedId(b.org, b.host, k)));
    if (cached.every((ids) => ids.every((id) => id !== undefined))) return cached as number[][];
    try {
      return await this.breaker.execute(() =>
        Promise.all(batches.map((b) => this.ctx.series.ids(b.org, b.host, b.seriesKeys))),
      );
    } catch (err: unknown) {
      // Only an unavailable Redis sends the batch to the spool. A limit is the caller's problem, and a
      // command error is a bug: both reach the caller, never the spool (where they would block replay).
      if (err instanceof BrokenCircuitError || isUnavailable(err)) return undefined;
      throw err;
    }
  }

  private schedule(): void {
    if (this.pending.samples >= this.ctx.options.flushBatchSamples) {
      void this.flush();
      return;
    }
    if (this.timer) return;
    const run = () => {
      this.timer = undefined;
      void this.flush();
    };
    // 0: at the end of this turn of the event loop, so the writes of one turn (the requests whose
    // bodies came in together) share a flush without waiting for a timer.
    const ms = this.ctx.options.flushIntervalMs;
    if (ms === 0) {
      const immediate = setImmediate(run);
      this.timer = { cancel: () => clearImmediate(immediate) };
    } else {
      const timeout = setTimeout(run, ms);
      this.timer = { cancel: () => clearTimeout(timeout) };
    }
  }

  /** Flushes everything pending now; resolves once it is in Redis or the spool. */
  flush(): Promise<void> {
    this.flushing ??= this.flushLoop().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async flushLoop(): Promise<void> {
    while (!this.pending.isEmpty) {
      const { payload, samples } = this.pending.take();
      const waiters = this.waiters;
      this.waiters = [];
      this.counters.inFlight = samples;
      try {
        const stored = await this.persist(payload, samples);
        for (const w of waiters) w.resolve(stored);
      } catch (err: unknown) {
        this.options.logger.error({ err, samples, waiters: waiters.length }, 'flush could not be stored');
        for (const w of waiters) w.reject(err);
      } finally {
        this.counters.inFlight = 0;
      }
    }
  }

  /** Sets the one observer of flushes. */
  observe(observer: FlushObserver): void {
    this.observer = observer;
  }

  private async persist(payload: FlushPayload, samples: number): Promise<StoredIn> {
    const started = performance.now();
    try {
      return await this.persistOnce(payload, samples);
    } finally {
      this.observer?.flushed((performance.now() - started) / 1000);
    }
  }

  private async persistOnce(payload: FlushPayload, samples: number): Promise<StoredIn> {
    try {
      await this.breaker.execute(() =>
        applyFlush(this.redis, this.ctx.keys, payload, true, this.ctx.options.durableReplicas),
      );
      this.counters.written += samples;
      this.maybeReplay();
      return 'redis';
    } catch (err: unknown) {
      this.counters.failedFlushes += 1;
      if (!(err instanceof BrokenCircuitError))
        this.options.logger.warn({ err }, 'flush to Redis failed; spooling');
      await this.spoolRecord({ kind: 'flush', payload }, samples);
      return 'spool';
    }
  }

  private async spoolRecord(record: SpoolRecord, samples: number): Promise<void> {
    try {
      await this.spool.append(encodeSpoolRecord(record));
      this.counters.spooled += samples;
    } catch (err: unknown) {
      throw new StorageUnavailableError(
        `Redis is unavailable and the disk spool cannot take more (VITALS_SPOOL_MAX_BYTES=${this.ctx.options.spoolMaxBytes})`,
        5,
        { cause: err },
      );
    }
  }

  /**
   * Starts a spool replay in the background when there is something to replay and none runs. With the
   * breaker open this is also its probe once the backoff has passed (otherwise it stops at once).
   */
  private maybeReplay(): void {
    if (this.replaying || this.closed || this.spool.isEmpty()) return;
    this.replaying = this.replaySpool()
      .catch((err: unknown) => {
        if (err instanceof BrokenCircuitError) return;
        this.options.logger.warn({ err }, 'spool replay stopped; will retry');
      })
      .finally(() => {
        this.replaying = undefined;
      });
  }

  /**
   * Replays the spool into Redis in order; stops (keeping the rest) at the first failure. Series ids
   * are allocated without the series limits: the data was acknowledged, so it is kept.
   */
  async replaySpool(): Promise<ReplayResult> {
    const result = await this.spool.replay(async (bytes) => {
      await this.breaker.execute(() => this.applyRecord(decodeSpoolRecord(bytes)));
      this.counters.replayed += 1;
    });
    if (result.records > 0)
      this.options.logger.info({ records: result.records, bytes: result.bytes }, 'spool replayed into Redis');
    return result;
  }

  private async applyRecord(record: SpoolRecord): Promise<void> {
    if (record.kind === 'flush') {
      await applyFlush(this.redis, this.ctx.keys, record.payload, false, this.ctx.options.durableReplicas);
      return;
    }
    const pending = new PendingWrites();
    for (const b of record.batches) {
      const ids = await this.ctx.series.ids(b.org, b.host, b.seriesKeys, { enforceLimits: false });
      pending.add(b, ids, this.ctx.now());
    }
    await applyFlush(
      this.redis,
      this.ctx.keys,
      pending.take().payload,
      false,
      this.ctx.options.durableReplicas,
    );
  }

  stats(): WriterStats {
    const state = this.breaker.state;
    return {
      pendingSamples: this.pending.samples,
      inFlightSamples: this.counters.inFlight,
      writtenSamples: this.counters.written,
      spooledSamples: this.counters.spooled,
      replayedRecords: this.counters.replayed,
      failedFlushes: this.counters.failedFlushes,
      breaker:
        state === CircuitState.Closed ? 'closed' : state === CircuitState.HalfOpen ? 'half-open' : 'open',
      spoolBytes: this.spool.size(),
    };
  }

  /** Stops accepting, flushes everything pending (to Redis or the spool) and closes the spool. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    this.redis.off('ready', this.onReady);
    clearInterval(this.replayTimer);
    this.timer?.cancel();
    this.timer = undefined;
    await this.flush();
    await this.replaying;
    await this.spool.close();
    if (this.redis !== this.ctx.redis) this.redis.disconnect();
  }
}

/**
 * When an open breaker lets its next probe through: `firstMs` after it opened, doubling after each
 * failed probe up to `maxMs`; at once (duration 0) when the connection became ready after the breaker
 * (re)opened, which is how Redis coming back after an outage or a freeze usually shows.
 */
class ProbeBackoff implements IBackoffFactory<unknown> {
  private readyAt = 0;

  constructor(
    private readonly firstMs: number,
    private readonly maxMs: number,
  ) {}

  connectionReady(): void {
    this.readyAt = performance.now();
  }

  next(): IBackoff<unknown> {
    return this.step(Math.min(this.firstMs, this.maxMs));
  }

  private step(delayMs: number): IBackoff<unknown> {
    const since = performance.now();
    const readySince = () => this.readyAt > since;
    return {
      get duration() {
        return readySince() ? 0 : delayMs;
      },
      next: () => this.step(Math.min(delayMs * 2, this.maxMs)),
    };
  }
}
