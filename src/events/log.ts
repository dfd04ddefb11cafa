import { randomBytes } from 'node:crypto';
import type { Logger } from '../config/index.ts';
import { isUnavailable, type Keys, type RedisClient } from '../redis/index.ts';
import {
  EVENT_TYPES,
  type EventBucket,
  type EventInput,
  type EventRecorder,
  type EventStats,
  type EventType,
} from './contract.ts';
import { eventKeys } from './layout.ts';
import {
  DEFAULT_EVENT_OPTIONS,
  type EventLogOptions,
  MAX_CUSTOM_TYPES_PER_ORG,
  SYSTEM_ORG,
} from './options.ts';
import { type BucketQuery, type EventPage, EventQueries, type ListQuery } from './queries.ts';
import { StoredEvent } from './record.ts';
import { EventRedisStore } from './redis-store.ts';
import { reloadRings } from './reload.ts';
import { EventRing } from './ring.ts';
import { EventWriter, type EventWriterStats } from './writer.ts';

export interface EventLogDeps {
  readonly redis: RedisClient;
  readonly keys: Keys;
  readonly logger: Logger;
  readonly options?: Partial<EventLogOptions>;
  /** The shared Redis write breaker's state (`tsdb.writer.stats().breaker`). @defaultValue closed */
  readonly breaker?: () => 'closed' | 'open' | 'half-open';
  readonly now?: () => number;
}

export interface EventLogStatus {
  readonly persistence: boolean;
  readonly recorded: number;
  /** Inputs refused by `record()` (unknown type or status, too many custom types). */
  readonly rejected: number;
  /** Events held in memory over every ring. */
  readonly inMemory: number;
  readonly writer: EventWriterStats | null;
  /** Events the last start-up reload brought back, and how long it took; null before it ran. */
  readonly reload: { readonly events: number; readonly ms: number; readonly ok: boolean } | null;
}

export type EventListener = (event: StoredEvent) => void;

const BUILT_IN = new Set<string>(EVENT_TYPES);
const CUSTOM = /^custom\.[a-z0-9_-]{1,64}$/;

/**
 * Connection events, recorded in memory at once (a ring per org and type) and persisted to Redis in
 * batches behind the caller's back. `record()` does no I/O and allocates one small object; the
 * message is redacted when first read. Queries page newest first from memory when it holds the whole
 * range, else from Redis (with this process' unflushed events merged in), and fall back to memory
 * (marked partial) while Redis is away.
 */
export class EventLog implements EventRecorder {
  readonly options: EventLogOptions;
  /** This process' part of every event id. */
  readonly proc = randomBytes(6).toString('hex');
  readonly store: EventRedisStore;
  readonly writer: EventWriter | undefined;
  readonly queries: EventQueries;
  private readonly rings = new Map<string, Map<string, EventRing>>();
  private readonly listeners = new Set<EventListener>();
  private readonly now: () => number;
  private seq = 0;
  private recorded = 0;
  private rejected = 0;
  private reloadResult: EventLogStatus['reload'] = null;
  /** Memory holds every event of this process from here on (and, after a reload, the reloaded ones). */
  coverStart: number;
  /** When the last reload read Redis: other processes' writes after it are not in memory. */
  reloadedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly deps: EventLogDeps) {
    this.options = { ...DEFAULT_EVENT_OPTIONS, ...deps.options };
    this.now = deps.now ?? Date.now;
    this.coverStart = this.options.persistence ? this.now() : Number.NEGATIVE_INFINITY;
    this.store = new EventRedisStore(deps.redis, eventKeys(deps.keys), this.proc, this.options.retentionMs);
    this.writer = this.options.persistence
      ? new EventWriter(
          deps.redis,
          this.store,
          { ...this.options, proc: this.proc, now: this.now, breaker: deps.breaker },
          deps.logger,
        )
      : undefined;
    this.queries = new EventQueries(this, deps.redis, this.now);
  }

  record(input: EventInput): void {
    try {
      const org = input.org ?? SYSTEM_ORG;
      const ring = this.ringFor(org, input.type);
      if (!ring || (input.status !== 'ok' && input.status !== 'error')) {
        this.rejected++;
        return;
      }
      const event = new StoredEvent(
        org,
        input.type,
        input.status,
        this.timeOf(input.at),
        ++this.seq,
        this.proc,
        latencyOf(input.latencyMs),
        typeof input.message === 'string' ? input.message : undefined,
        input.meta,
      );
      ring.push(event);
      this.recorded++;
      this.writer?.enqueue(event);
      for (const listener of this.listeners) listener(event);
    } catch {
      this.rejected++;
    }
  }

  /** ms since the epoch; a time given in seconds (before 1973 read as ms) is taken as seconds. */
  private timeOf(at: number | undefined): number {
    if (typeof at !== 'number' || !Number.isFinite(at) || at <= 0) return this.now();
    return Math.floor(at < 1e11 ? at * 1000 : at);
  }

  /**
   * Told of every event as it is recorded, on the caller's path: must be quick and must not throw
   * (what it throws is counted as a refused event). Returns the unsubscribe function.
   */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The ring of an org's type, created on first use; undefined for a type that cannot be kept. */
  ringFor(org: string, type: string): EventRing | undefined {
    const types = this.rings.get(org) ?? new Map<string, EventRing>();
    if (types.size === 0) this.rings.set(org, types);
    const ring = types.get(type);
    if (ring) return ring;
    if (!BUILT_IN.has(type)) {
      if (!CUSTOM.test(type)) return undefined;
      let custom = 0;
      for (const t of types.keys()) if (!BUILT_IN.has(t)) custom++;
      if (custom >= MAX_CUSTOM_TYPES_PER_ORG) return undefined;
    }
    const created = new EventRing(this.options.memorySize);
    types.set(type, created);
    return created;
  }

  /** The ring if it exists (queries never create one). */
  ringOf(org: string, type: EventType): EventRing | undefined {
    return this.rings.get(org)?.get(type);
  }

  /** Types this process holds events of for an org. */
  memoryTypes(org: string): EventType[] {
    return [...(this.rings.get(org)?.keys() ?? [])] as EventType[];
  }

  memoryOrgs(): string[] {
    return [...this.rings.keys()];
  }

  /** Drops a deleted org's events from this process' memory (what Redis held is purged with its data). */
  forgetOrg(org: string): void {
    this.rings.delete(org);
  }

  /**
   * Reloads the last retention period from Redis into the rings (bounded by their size), merged with
   * what was recorded meanwhile. Never throws: without Redis, memory covers from the start only.
   */
  async reload(): Promise<NonNullable<EventLogStatus['reload']>> {
    if (!this.options.persistence) return { events: 0, ms: 0, ok: true };
    const started = performance.now();
    const now = this.now();
    try {
      const events = await reloadRings(this, now - this.options.retentionMs, now);
      this.coverStart = now - this.options.retentionMs;
      this.reloadedAt = now;
      this.reloadResult = { events, ms: performance.now() - started, ok: true };
    } catch (err: unknown) {
      if (isUnavailable(err)) this.deps.logger.warn({ err }, 'events not reloaded: Redis away');
      else this.deps.logger.error({ err }, 'events not reloaded');
      this.reloadResult = { events: 0, ms: performance.now() - started, ok: false };
    }
    return this.reloadResult;
  }

  /** Replaces a ring's content (reload): events in time order, oldest first. */
  replaceRing(org: string, type: EventType, events: readonly StoredEvent[], missingUpTo?: number): void {
    const ring = this.ringFor(org, type);
    if (!ring) return;
    const fresh = new EventRing(this.options.memorySize);
    for (const e of events) fresh.push(e);
    if (missingUpTo !== undefined) fresh.markMissingUpTo(missingUpTo);
    this.rings.get(org)?.set(type, fresh);
  }

  status(): EventLogStatus {
    let inMemory = 0;
    for (const types of this.rings.values()) for (const ring of types.values()) inMemory += ring.size;
    return {
      persistence: this.options.persistence,
      recorded: this.recorded,
      rejected: this.rejected,
      inMemory,
      writer: this.writer?.stats() ?? null,
      reload: this.reloadResult,
    };
  }

  /** A page of events, newest first (see `EventQueries`). */
  list(query: ListQuery): Promise<EventPage> {
    return this.queries.list(query);
  }

  /** Per type: count, errors, error rate, newest event and error, latency percentiles. */
  async stats(org: string, type?: EventType): Promise<EventStats[]> {
    return (await this.queries.stats(org, type)).stats;
  }

  /** One type's events per bucket (events, errors, latency p50/p95), every bucket present. */
  async buckets(query: BucketQuery): Promise<EventBucket[]> {
    return (await this.queries.buckets(query)).buckets;
  }

  /** Writes what is queued now (tests, shutdown). */
  async flush(): Promise<void> {
    await this.writer?.flush();
  }

  /** Stops persisting, writing what is pending if Redis takes it in time. Safe to call twice. */
  async close(deadlineMs?: number): Promise<void> {
    this.listeners.clear();
    await this.writer?.close(deadlineMs);
  }
}

function latencyOf(ms: number | undefined): number | undefined {
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}
