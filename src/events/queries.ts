import { isUnavailable, type RedisClient } from '../redis/index.ts';
import type { ConnectionEvent, EventBucket, EventStats, EventStatus, EventType } from './contract.ts';
import { EventQueryError, EventQueryTooLargeError } from './errors.ts';
import { bucketCount, bucketsOf, errorRatePct, latencyOf, statsOf } from './figures.ts';
import { WINDOW_MS } from './layout.ts';
import type { EventLog } from './log.ts';
import { MAX_BUCKETS, MAX_PAGE } from './options.ts';
import { compareEvents, type EventPosition, isBefore, parseEventId, type StoredEvent } from './record.ts';

export interface ListQuery {
  readonly org: string;
  readonly type?: EventType;
  readonly from?: number;
  readonly to?: number;
  readonly status?: EventStatus;
  /** 1…1000. */
  readonly limit: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
}

export interface EventPage {
  /** Newest first. */
  readonly events: ConnectionEvent[];
  /** Pass as `cursor` for the next (older) page; absent on the last page. */
  readonly nextCursor?: string;
  /** True when Redis could not be read and the answer comes from this process' memory alone. */
  readonly partial: boolean;
}

export interface BucketQuery {
  readonly org: string;
  readonly type: EventType;
  readonly from: number;
  readonly to: number;
  readonly bucketMs: number;
}

interface Found {
  readonly events: StoredEvent[];
  readonly partial: boolean;
}

/**
 * The reads behind the events API. Each type is answered from memory when memory holds the whole
 * range (no ring overflowed past its start, the reload covered it, and no other process wrote that
 * type since the reload), else from Redis merged with this process' unflushed events; while Redis is
 * away, from memory, marked partial.
 */
export class EventQueries {
  constructor(
    private readonly log: EventLog,
    private readonly redis: RedisClient,
    private readonly now: () => number,
  ) {}

  async list(q: ListQuery): Promise<EventPage> {
    if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_PAGE)
      throw new EventQueryError(`limit must be an integer from 1 to ${MAX_PAGE}`);
    const cursor = q.cursor === undefined ? undefined : parseCursor(q.cursor);
    const { from, to } = this.range(q.from, q.to);
    const types = q.type ? [q.type] : await this.types(q.org);
    const found = await Promise.all(types.map((t) => this.eventsIn(q.org, t, from, to)));
    const page = found
      .flatMap((f) => f.events)
      .filter((e) => (q.status === undefined || e.status === q.status) && (!cursor || isBefore(e, cursor)))
      .sort((a, b) => compareEvents(b, a));
    const events = page.slice(0, q.limit);
    const last = events.at(-1);
    return {
      events: events.map((e) => e.toEvent()),
      ...(page.length > q.limit && last && { nextCursor: last.id }),
      partial: found.some((f) => f.partial),
    };
  }

  async stats(org: string, type?: EventType): Promise<{ stats: EventStats[]; partial: boolean }> {
    const types = type ? [type] : await this.types(org);
    const all = await Promise.all(types.map((t) => this.statsOfType(org, t)));
    return {
      stats: all.map((s) => s.stats).sort((a, b) => (a.type < b.type ? -1 : 1)),
      partial: all.some((s) => s.partial),
    };
  }

  async buckets(q: BucketQuery): Promise<{ buckets: EventBucket[]; partial: boolean }> {
    if (!(q.bucketMs >= 1000)) throw new EventQueryError('bucket must be at least 1 s');
    if (!(q.from < q.to)) throw new EventQueryError('from must be before to');
    const n = bucketCount(q.from, q.to, q.bucketMs);
    if (n > MAX_BUCKETS)
      throw new EventQueryTooLargeError(`${n} buckets asked for; at most ${MAX_BUCKETS} per answer`);
    const found = await this.eventsIn(q.org, q.type, q.from, q.to);
    return { buckets: bucketsOf(found.events, q.from, q.to, q.bucketMs), partial: found.partial };
  }

  /** Every kept event of one type in [from, to] (unsorted), from the source that holds them all. */
  async eventsIn(org: string, type: EventType, from: number, to: number): Promise<Found> {
    const memory = () => this.fromMemory(org, type, from, to);
    if (!this.log.options.persistence) return { events: memory(), partial: false };
    if (this.redis.status !== 'ready') return { events: memory(), partial: true };
    try {
      if (await this.memoryCovers(org, type, from)) return { events: memory(), partial: false };
      return { events: await this.fromRedis(org, type, from, to), partial: false };
    } catch (err: unknown) {
      if (!isUnavailable(err)) throw err;
      return { events: memory(), partial: true };
    }
  }

  private fromMemory(org: string, type: EventType, from: number, to: number): StoredEvent[] {
    return this.log.ringOf(org, type)?.filter((e) => e.at >= from && e.at <= to) ?? [];
  }

  private async memoryCovers(org: string, type: EventType, from: number): Promise<boolean> {
    const ring = this.log.ringOf(org, type);
    const coveredAfter = Math.max(ring?.coveredAfter ?? Number.NEGATIVE_INFINITY, this.log.coverStart - 1);
    if (from <= coveredAfter) return false;
    const { writers } = await this.log.store.stats(org, type);
    for (const [proc, at] of writers) if (proc !== this.log.proc && at > this.log.reloadedAt) return false;
    return true;
  }

  private async fromRedis(org: string, type: EventType, from: number, to: number): Promise<StoredEvent[]> {
    // Nothing older than retention is kept: only those hours' blocks are read (a range from 0 would
    // otherwise walk every hour since 1970).
    const oldest = this.now() - this.log.options.retentionMs - WINDOW_MS;
    const stored = await this.log.store.readWindows(
      org,
      type,
      Math.max(from, oldest),
      Math.min(to, this.now() + WINDOW_MS),
    );
    const pending = this.log.writer?.pending() ?? [];
    const seen = new Set<string>();
    const out: StoredEvent[] = [];
    for (const e of [...stored, ...pending]) {
      if (e.org !== org || e.type !== type || e.at < from || e.at > to) continue;
      const id = e.id;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(e);
    }
    return out;
  }

  private statsOfType(org: string, type: EventType): Promise<{ stats: EventStats; partial: boolean }> {
    const { from, to } = this.range(undefined, undefined);
    return this.storedStats(org, type, from, to);
  }

  /**
   * Counts, errors and the newest error come from the type's stats hash (exact over every process, to
   * the hour of retention) plus this process' unflushed events; latency percentiles from memory.
   */
  private async storedStats(
    org: string,
    type: EventType,
    from: number,
    to: number,
  ): Promise<{ stats: EventStats; partial: boolean }> {
    const inMemory = this.fromMemory(org, type, from, to);
    const memoryStats = statsOf(type, inMemory);
    if (!this.log.options.persistence) return { stats: memoryStats, partial: false };
    try {
      if (this.redis.status !== 'ready') return { stats: memoryStats, partial: true };
      const stored = await this.log.store.stats(org, type);
      let count = 0;
      let errors = 0;
      for (const [w, c] of stored.counts) {
        if (w + WINDOW_MS <= from) continue;
        count += c.events;
        errors += c.errors;
      }
      const pending = (this.log.writer?.pending() ?? []).filter((e) => e.org === org && e.type === type);
      count += pending.length;
      for (const e of pending) if (e.isError) errors++;
      const lastAt = Math.max(stored.lastAt ?? 0, memoryStats.lastAt ?? 0);
      const lastError = newer(stored.lastError, memoryStats.lastError);
      return {
        stats: {
          type,
          count,
          errors,
          errorRatePct: errorRatePct(count, errors),
          ...(lastAt > 0 && { lastAt }),
          ...(lastError && { lastError }),
          latency: latencyOf(inMemory),
        },
        partial: false,
      };
    } catch (err: unknown) {
      if (!isUnavailable(err)) throw err;
      return { stats: memoryStats, partial: true };
    }
  }

  /** Types of an org in memory and (when Redis answers) in its types index. */
  private async types(org: string): Promise<EventType[]> {
    const types = new Set(this.log.memoryTypes(org));
    if (this.log.options.persistence && this.redis.status === 'ready') {
      try {
        for (const t of await this.log.store.types(org)) types.add(t);
      } catch (err: unknown) {
        if (!isUnavailable(err)) throw err;
      }
    }
    return [...types].sort();
  }

  /** The asked range within retention. */
  private range(from: number | undefined, to: number | undefined): { from: number; to: number } {
    const oldest = this.now() - this.log.options.retentionMs;
    const range = { from: Math.max(from ?? oldest, oldest), to: to ?? Number.MAX_SAFE_INTEGER };
    if (range.from > range.to) throw new EventQueryError('from must not be after to');
    return range;
  }
}

function parseCursor(cursor: string): EventPosition {
  const position = parseEventId(cursor);
  if (!position) throw new EventQueryError('cursor is not one this API returned (an event id)');
  return position;
}

type LastError = EventStats['lastError'];

function newer(a: { at: number; message: string } | undefined, b: LastError): LastError {
  const fromHash: LastError = a && { at: a.at, ...(a.message !== '' && { message: a.message }) };
  if (!fromHash) return b;
  if (!b) return fromHash;
  return b.at > fromHash.at ? b : fromHash;
}
