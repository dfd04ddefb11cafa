import type { Redis } from 'ioredis';
import type { Logger } from '../config/index.ts';
import { isUnavailable } from './errors.ts';
import { onLocalWrites } from './local-writes.ts';

/** The channel Redis sends key invalidations to in RESP2 (`CLIENT TRACKING … REDIRECT`). */
export const INVALIDATIONS = '__redis__:invalidate';

export interface TrackedReadsOptions {
  /** Bytes of replies kept (least recently used go first). */
  readonly maxBytes: number;
  readonly logger: Logger;
}

interface Entry {
  readonly replies: readonly unknown[];
  readonly keys: readonly string[];
  readonly tags: readonly string[];
  readonly bytes: number;
}

/** A read on its way: spoiled when one of its keys changes, or this process writes to its tags, meanwhile. */
interface Flight {
  readonly keys: ReadonlySet<string>;
  readonly tags: readonly string[];
  spoiled: boolean;
}

export interface TrackedReadsStats {
  readonly active: boolean;
  readonly entries: number;
  readonly bytes: number;
  readonly hits: number;
  readonly misses: number;
  readonly invalidations: number;
  readonly resets: number;
}

/** `{org:host}` of a key (its hash tag), or the key itself when it has none. */
export function tagOf(key: string): string {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open, close + 1) : key;
}

/**
 * Replies of read pipelines kept in this process, and dropped when Redis says one of their keys changed:
 * server-assisted client-side caching (`CLIENT TRACKING ON REDIRECT`, Redis ≥ 6). Reads go through a
 * connection of their own (`conn`), so Redis remembers the keys it read; a subscriber (`sub`) receives
 * the invalidation of each such key as soon as any client changes it, expires it or flushes the
 * database. Whenever either connection is lost, everything kept is dropped and nothing is answered from
 * memory until tracking is on again (an invalidation may have been missed meanwhile).
 *
 * Read-after-write. Another process' write is known once its invalidation arrives, which Redis sends as
 * it runs the write, before the writer has its answer. This process' own writes are known as they are
 * sent (local-writes.ts): while one to a host is on its way, and until a PING through `sub` comes back
 * after it (so that the invalidation it caused has arrived), that host's reads go to Redis; and a read
 * that was on its way meanwhile is not kept.
 */
export class TrackedReads {
  private on = false;
  private subId: number | undefined;
  private readonly entries = new Map<string, Entry>();
  private readonly byKey = new Map<string, Set<string>>();
  /** Entries kept per tag. */
  private readonly tagged = new Map<string, number>();
  private readonly flights = new Set<Flight>();
  /** Tags with this process' writes on their way. */
  private readonly writing = new Map<string, number>();
  /** Tags whose last write was answered, and the fence that must come back before they are read from memory. */
  private readonly unfenced = new Map<string, number>();
  private fencesSent = 0;
  private fencesBack = 0;
  private fencing: Promise<void> | undefined;
  private bytes = 0;
  private setting: Promise<void> = Promise.resolve();
  private closed = false;
  private warned = false;
  private counters = { hits: 0, misses: 0, invalidations: 0, resets: 0 };
  private readonly stopListening: () => void;

  constructor(
    private readonly conn: Redis,
    private readonly sub: Redis,
    private readonly options: TrackedReadsOptions,
  ) {
    this.stopListening = onLocalWrites({
      sent: (tag) => {
        this.writing.set(tag, (this.writing.get(tag) ?? 0) + 1);
        for (const f of this.flights) if (f.tags.includes(tag)) f.spoiled = true;
      },
      settled: (tag) => {
        const left = (this.writing.get(tag) ?? 1) - 1;
        if (left > 0) this.writing.set(tag, left);
        else this.writing.delete(tag);
        // Nothing kept of this host: no reply can be stale (reads during the write were not kept), so
        // no fence; pushes to hosts nobody is reading cost no PING.
        if (!this.tagged.has(tag)) return;
        this.unfenced.set(tag, this.fencesSent + 1);
        this.fence();
      },
    });
    sub.on('messageBuffer', (channel: Buffer, message: unknown) => {
      if (channel.toString() === INVALIDATIONS) this.invalidated(message);
    });
    // Anything may have changed while a connection was away: drop all and set tracking up again.
    for (const c of [conn, sub]) {
      c.on('close', () => {
        if (c === sub) this.subId = undefined;
        this.off();
      });
      c.on('ready', () => this.setUp());
      // A lost connection shows as 'close' above; the request connection's listener logs outages.
      c.on('error', () => {});
    }
    this.setUp();
  }

  /** Whether reads are answered from memory now. */
  get active(): boolean {
    return this.on;
  }

  stats(): TrackedReadsStats {
    return { active: this.on, entries: this.entries.size, bytes: this.bytes, ...this.counters };
  }

  /**
   * The replies of a read pipeline: from memory when they are known and nothing changed since, else
   * from `load` (on the tracking connection; undefined while tracking is off, for the caller's own),
   * kept when no key of it changed while it ran.
   * `id` names the pipeline (its commands and arguments), `keys` every key it reads.
   */
  async read(
    id: string,
    keys: readonly string[],
    load: (client: Redis | undefined) => Promise<unknown[]>,
  ): Promise<readonly unknown[]> {
    const hit = this.on ? this.entries.get(id) : undefined;
    if (hit && this.settled(hit.tags)) {
      // Most recently used last.
      this.entries.delete(id);
      this.entries.set(id, hit);
      this.counters.hits++;
      return hit.replies;
    }
    this.counters.misses++;
    const tags = [...new Set(keys.map(tagOf))];
    // A write of this process on its way may reach Redis after this read: what it reads is not kept.
    const flight: Flight = {
      keys: new Set(keys),
      tags,
      spoiled: !this.on || tags.some((t) => this.writing.has(t)),
    };
    this.flights.add(flight);
    let replies: unknown[];
    try {
      replies = await load(this.on ? this.conn : undefined);
    } finally {
      this.flights.delete(flight);
    }
    if (this.on && !flight.spoiled) this.keep(id, keys, tags, replies);
    return replies;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopListening();
    this.off();
    this.conn.disconnect();
    this.sub.disconnect();
  }

  /** No write of this process to these tags on its way, nor answered after the last fence came back. */
  private settled(tags: readonly string[]): boolean {
    for (const t of tags) {
      if (this.writing.has(t)) return false;
      const needed = this.unfenced.get(t);
      if (needed !== undefined) {
        if (needed > this.fencesBack) return false;
        this.unfenced.delete(t);
      }
    }
    return true;
  }

  /**
   * A PING through the invalidation connection: its answer comes after every invalidation Redis sent
   * before it, so once back, the writes answered before it was sent have had their invalidations read.
   * One at a time; writes answered meanwhile wait for the next.
   */
  private fence(): void {
    if (this.fencing || !this.on) return;
    const seq = ++this.fencesSent;
    this.fencing = this.sub
      .ping()
      .then(
        () => {
          this.fencesBack = seq;
        },
        // Unanswered: invalidations may be lost too; start over.
        () => this.setUp(),
      )
      .finally(() => {
        this.fencing = undefined;
        if (this.unfenced.size > 0 && [...this.unfenced.values()].some((n) => n > this.fencesBack))
          this.fence();
      });
  }

  private keep(id: string, keys: readonly string[], tags: readonly string[], replies: unknown[]): void {
    const bytes = sizeOf(replies) + id.length;
    if (bytes > this.options.maxBytes / 8) return;
    this.drop(id);
    const kept = own(replies) as unknown[];
    this.entries.set(id, { replies: kept, keys, tags, bytes });
    this.bytes += bytes;
    for (const t of tags) this.tagged.set(t, (this.tagged.get(t) ?? 0) + 1);
    for (const key of keys) {
      let ids = this.byKey.get(key);
      if (!ids) {
        ids = new Set();
        this.byKey.set(key, ids);
      }
      ids.add(id);
    }
    while (this.bytes > this.options.maxBytes) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.drop(oldest);
    }
  }

  private drop(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    this.bytes -= entry.bytes;
    for (const t of entry.tags) {
      const n = (this.tagged.get(t) ?? 1) - 1;
      if (n > 0) this.tagged.set(t, n);
      else this.tagged.delete(t);
    }
    for (const key of entry.keys) {
      const ids = this.byKey.get(key);
      ids?.delete(id);
      // The key stays in Redis' tracking table until it changes (tracking-table-max-keys bounds it).
      if (ids?.size === 0) this.byKey.delete(key);
    }
  }

  /** An invalidation: one key, several (an array), or null for all (FLUSHALL, FLUSHDB). */
  private invalidated(message: unknown): void {
    if (message === null || message === undefined) {
      this.dropAll();
      return;
    }
    const keys = Array.isArray(message) ? message : [message];
    for (const k of keys) {
      const key = Buffer.isBuffer(k) ? k.toString() : String(k);
      this.counters.invalidations++;
      for (const f of this.flights) if (f.keys.has(key)) f.spoiled = true;
      const ids = this.byKey.get(key);
      if (ids) for (const id of [...ids]) this.drop(id);
    }
  }

  private dropAll(): void {
    this.entries.clear();
    this.byKey.clear();
    this.tagged.clear();
    this.bytes = 0;
    for (const f of this.flights) f.spoiled = true;
  }

  private off(): void {
    if (this.on) this.counters.resets++;
    this.on = false;
    this.dropAll();
  }

  /** (Re)starts tracking once both connections are ready; one set-up at a time. */
  private setUp(): void {
    this.off();
    this.setting = this.setting.then(() => this.trySetUp());
  }

  private async trySetUp(): Promise<void> {
    if (this.closed || this.on) return;
    if (this.conn.status !== 'ready' || this.sub.status !== 'ready') return;
    try {
      if (this.subId === undefined) {
        const id = Number(await this.sub.client('ID'));
        await this.sub.subscribe(INVALIDATIONS);
        this.subId = id;
      }
      // OFF first, so that ON takes the current subscriber (Redis' table keeps what it remembered).
      await this.conn.client('TRACKING', 'OFF');
      await this.conn.client('TRACKING', 'ON', 'REDIRECT', String(this.subId));
      if (this.closed || this.conn.status !== 'ready' || this.sub.status !== 'ready') return;
      this.fencesBack = this.fencesSent;
      this.unfenced.clear();
      this.on = true;
    } catch (err: unknown) {
      // A connection lost meanwhile (or closed): set up again at its next 'ready'. Only a refusal is said.
      if (this.closed || isUnavailable(err) || this.warned) return;
      this.warned = true;
      this.options.logger.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'tracked reads unavailable (CLIENT TRACKING refused): queries read Redis every time',
      );
    }
  }
}

/** Approximate bytes of a reply tree: buffer and string lengths plus a word per element. */
function sizeOf(reply: unknown): number {
  if (Buffer.isBuffer(reply)) return reply.length + 16;
  if (typeof reply === 'string') return reply.length + 16;
  if (Array.isArray(reply)) {
    let n = 16;
    for (const r of reply) n += sizeOf(r);
    return n;
  }
  return 16;
}

/**
 * A kept copy of a reply tree. Buffers are copied into allocations of their own: the parser's are views
 * of the socket's read chunk (up to 64 KB), which a kept view would hold alive whole. Arrays are frozen:
 * every reader shares them, so none may change them for the others.
 */
function own(reply: unknown): unknown {
  if (Buffer.isBuffer(reply)) {
    const copy = Buffer.allocUnsafeSlow(reply.length);
    reply.copy(copy);
    return copy;
  }
  if (!Array.isArray(reply)) return reply;
  return Object.freeze(reply.map(own));
}
