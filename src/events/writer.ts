import type { Logger } from '../config/index.ts';
import { isUnavailable, type RedisClient } from '../redis/index.ts';
import { encodeBatch } from './codec.ts';
import { windowOf } from './layout.ts';
import type { StoredEvent } from './record.ts';
import type { BatchPart, EventRedisStore } from './redis-store.ts';

export interface EventWriterOptions {
  /** Events a flush takes at most; a queue this long flushes at once. @defaultValue 100 */
  readonly batchSize: number;
  /** The longest an event waits in the queue. @defaultValue 5000 */
  readonly flushIntervalMs: number;
  /** Events queued or in flight at most; past it new events are dropped (counted). @defaultValue 1000 */
  readonly queueSize: number;
  readonly retentionMs: number;
  readonly proc: string;
  /**
   * State of the circuit breaker that guards Redis writes (the sample writer's, shared): while it is
   * open no flush is tried. @defaultValue always closed
   */
  readonly breaker?: () => 'closed' | 'open' | 'half-open';
  readonly now: () => number;
}

export interface EventWriterStats {
  readonly queued: number;
  readonly inFlight: number;
  readonly written: number;
  /** Events refused because the queue was full (they stay in memory, never reach Redis). */
  readonly dropped: number;
  /** Events older than retention when their batch was formed: not written. */
  readonly expired: number;
  /** Flushes that reached Redis (one pipeline each). */
  readonly flushes: number;
  /** Flushes that failed (their batch stays queued if Redis was away, else it is dropped). */
  readonly failedFlushes: number;
  /** Batches dropped after a command error (a bug, not an outage): never retried. */
  readonly discardedBatches: number;
  readonly lastError: string | null;
}

interface Batch {
  readonly parts: readonly BatchPart[];
  readonly events: readonly StoredEvent[];
}

/**
 * The background half of the dual write. `enqueue` is O(1) and never waits; a flush runs when the
 * queue holds `batchSize` events or `flushIntervalMs` after the first one came, whichever is first.
 * A flush packs the events into batch parts (one per org, type and hour) with sequence numbers fixed
 * once, so a batch that failed is retried as it was, in order, before anything newer, and the append
 * script skips parts already applied. While Redis is not ready or the shared breaker is open nothing
 * is tried; the connection's `ready` event starts the catch-up at once.
 */
export class EventWriter {
  private queue: StoredEvent[] = [];
  private batch: Batch | undefined;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private seq = 0;
  private closed = false;
  private counters = {
    written: 0,
    dropped: 0,
    expired: 0,
    flushes: 0,
    failedFlushes: 0,
    discardedBatches: 0,
  };
  private lastError: string | null = null;
  private readonly onReady = () => {
    if (this.batch || this.queue.length > 0) this.kick();
  };

  constructor(
    private readonly redis: RedisClient,
    private readonly store: EventRedisStore,
    private readonly options: EventWriterOptions,
    private readonly logger: Logger,
  ) {
    redis.on('ready', this.onReady);
  }

  /** Queues an event for Redis; false when the queue is full (the event is counted as dropped). */
  enqueue(event: StoredEvent): boolean {
    if (this.closed || this.queue.length + (this.batch?.events.length ?? 0) >= this.options.queueSize) {
      this.counters.dropped++;
      return false;
    }
    this.queue.push(event);
    if (this.queue.length >= this.options.batchSize) this.kick();
    else this.timer ??= this.later(this.options.flushIntervalMs);
    return true;
  }

  /** Events not yet in Redis (queued or in flight), oldest first. */
  pending(): StoredEvent[] {
    return [...(this.batch?.events ?? []), ...this.queue];
  }

  private later(ms: number): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, ms);
    t.unref();
    return t;
  }

  /** A flush soon, off the caller's path. */
  private kick(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = this.later(0);
  }

  private get available(): boolean {
    return this.redis.status === 'ready' && (this.options.breaker?.() ?? 'closed') !== 'open';
  }

  /** Writes what is queued, one batch after another; resolves when done or when Redis is away. */
  flush(): Promise<void> {
    this.flushing ??= this.flushLoop().finally(() => {
      this.flushing = undefined;
      if (!this.closed && !this.timer && (this.batch || this.queue.length > 0))
        this.timer = this.later(
          this.queue.length >= this.options.batchSize && this.available ? 0 : this.options.flushIntervalMs,
        );
    });
    return this.flushing;
  }

  private async flushLoop(): Promise<void> {
    for (;;) {
      this.batch ??= this.take();
      if (!this.batch) return;
      if (!this.available) return;
      if (!(await this.writeBatch(this.batch))) return;
      this.batch = undefined;
    }
  }

  private async writeBatch(batch: Batch): Promise<boolean> {
    try {
      if (batch.parts.length > 0) await this.store.write(batch.parts, this.options.now());
      this.counters.flushes++;
      this.counters.written += batch.events.length;
      this.lastError = null;
      return true;
    } catch (err: unknown) {
      this.counters.failedFlushes++;
      this.lastError = err instanceof Error ? err.message : String(err);
      if (isUnavailable(err)) {
        this.logger.debug({ err }, 'events not persisted yet: Redis away; kept queued');
        return false;
      }
      this.counters.discardedBatches++;
      this.logger.error({ err, events: batch.events.length }, 'event batch refused by Redis; dropped');
      return true;
    }
  }

  /** The next batch from the queue, its parts packed and numbered once (a retry sends the same). */
  private take(): Batch | undefined {
    if (this.queue.length === 0) return undefined;
    const events = this.queue.splice(0, this.options.batchSize);
    const cutoff = this.options.now() - this.options.retentionMs;
    const groups = new Map<string, StoredEvent[]>();
    for (const e of events) {
      if (e.at < cutoff) {
        this.counters.expired++;
        continue;
      }
      const key = `${e.org}\n${e.type}\n${windowOf(e.at)}`;
      const group = groups.get(key);
      if (group) group.push(e);
      else groups.set(key, [e]);
    }
    const parts = [...groups.values()].map((g) => this.part(g));
    return { parts, events };
  }

  private part(events: StoredEvent[]): BatchPart {
    const first = events[0] as StoredEvent;
    const windowStart = windowOf(first.at);
    let errors = 0;
    let lastAt = 0;
    let lastError: StoredEvent | undefined;
    for (const e of events) {
      if (e.at > lastAt) lastAt = e.at;
      if (!e.isError) continue;
      errors++;
      if (!lastError || e.at >= lastError.at) lastError = e;
    }
    return {
      org: first.org,
      type: first.type,
      windowStart,
      seq: ++this.seq,
      bytes: encodeBatch(events, windowStart, this.options.proc),
      events: events.length,
      errors,
      lastAt,
      lastError: lastError && { at: lastError.at, message: lastError.message ?? '' },
    };
  }

  stats(): EventWriterStats {
    return {
      queued: this.queue.length,
      inFlight: this.batch?.events.length ?? 0,
      ...this.counters,
      lastError: this.lastError,
    };
  }

  /**
   * Stops taking events and writes what is pending, if Redis takes it within `deadlineMs`; what is
   * left stays in memory only (counted in `queued`/`inFlight`). Safe to call twice.
   */
  async close(deadlineMs = 2000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.redis.off('ready', this.onReady);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      this.flush(),
      new Promise<void>((resolve) => {
        timeout = setTimeout(resolve, deadlineMs);
      }),
    ]);
    clearTimeout(timeout);
    const left = this.queue.length + (this.batch?.events.length ?? 0);
    if (left > 0) this.logger.warn({ events: left }, 'events not persisted at shutdown (Redis away)');
  }
}
