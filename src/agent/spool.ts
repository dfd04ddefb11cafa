import { randomUUID } from 'node:crypto';
import { closeSync, fdatasyncSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { IngestRequest, Snapshot } from '../contract/wire.ts';
import type { AgentLogger } from './logger.ts';
import {
  fsyncDir,
  type HostMeta,
  listSegments,
  type Position,
  readSnapshots,
  type SpoolEntry,
  scanSegment,
  segmentName,
  segmentSize,
} from './spool-files.ts';
import { SpoolLock } from './spool-lock.ts';

export type { HostMeta } from './spool-files.ts';

/** A batch waiting in the spool: its idempotency key is stable across retries and restarts. */
export interface SpooledBatch {
  readonly key: string;
  readonly meta: HostMeta;
  /** Sent at least once (or recovered from disk): no more snapshots may join it, so the key keeps meaning the same body. */
  closed: boolean;
  readonly items: Position[];
}

interface Segment {
  readonly n: number;
  size: number;
  /** Snapshot lines of batches not yet done. */
  live: number;
}

export interface SpoolOptions {
  readonly dir: string;
  /** Cap of the files on disk; past it the oldest segment is dropped. */
  readonly maxBytes: number;
  readonly logger: AgentLogger;
  /** @defaultValue maxBytes / 8, between 64 KiB and 1 MiB (recovery reads a segment at once) */
  readonly segmentBytes?: number;
}

/**
 * The agent's write-ahead disk spool. Every snapshot is appended (and fdatasync'd) before it is sent;
 * a batch leaves the spool only once the server acknowledged it. Batches are kept in collection order,
 * and only the positions of their lines stay in memory.
 */
export class Spool {
  private readonly batches: SpooledBatch[] = [];
  private readonly segments: Segment[] = [];
  private fd = -1;
  private readonly segmentBytes: number;
  private readonly lock: SpoolLock;
  /** Snapshots dropped because the spool was full, since the spool was opened. */
  dropped = 0;

  constructor(private readonly options: SpoolOptions) {
    mkdirSync(options.dir, { recursive: true });
    this.lock = SpoolLock.acquire(options.dir);
    this.segmentBytes =
      options.segmentBytes ?? Math.min(1024 * 1024, Math.max(64 * 1024, Math.floor(options.maxBytes / 8)));
    this.recover();
    this.rotate();
  }

  get pendingBatches(): number {
    return this.batches.length;
  }

  get pendingSnapshots(): number {
    return this.batches.reduce((n, b) => n + b.items.length, 0);
  }

  get bytes(): number {
    return this.segments.reduce((n, s) => n + s.size, 0);
  }

  /** Appends a snapshot: it joins the newest batch while that is open, for the same host and not full. */
  append(meta: HostMeta, snapshot: Snapshot, batchMax: number): void {
    const tail = this.batches.at(-1);
    const joins = tail && !tail.closed && tail.meta.host === meta.host && tail.items.length < batchMax;
    const batch = joins ? tail : { key: randomUUID(), meta, closed: false, items: [] };
    if (!joins) this.batches.push(batch);
    batch.items.push(this.write(JSON.stringify({ k: batch.key, h: meta, s: snapshot }), true));
    this.active().live++;
    this.enforceCap();
  }

  /** The oldest batch, closed so that its body stays what its key was first sent with. */
  head(): SpooledBatch | undefined {
    const batch = this.batches[0];
    if (batch) batch.closed = true;
    return batch;
  }

  /** The request body of a batch, read back from disk. */
  request(batch: SpooledBatch): IngestRequest {
    const { host, name, labels } = batch.meta;
    const snapshots = readSnapshots(this.options.dir, batch.items);
    return {
      hosts: [{ host, ...(name ? { name } : {}), ...(labels ? { labels: { ...labels } } : {}), snapshots }],
    };
  }

  /** Marks a batch done (delivered, or dropped as unacceptable) and frees the segments nobody needs. */
  ack(key: string): void {
    const i = this.batches.findIndex((b) => b.key === key);
    const [batch] = i >= 0 ? this.batches.splice(i, 1) : [];
    if (!batch) return;
    for (const at of batch.items) {
      const segment = this.segments.find((s) => s.n === at.segment);
      if (segment) segment.live--;
    }
    this.write(JSON.stringify({ a: key }), false);
    this.freeDone();
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    this.lock.release();
  }

  private active(): Segment {
    const segment = this.segments.at(-1);
    if (!segment) throw new Error('spool is closed');
    return segment;
  }

  private write(text: string, sync: boolean): Position {
    if (this.active().size >= this.segmentBytes) this.rotate();
    const segment = this.active();
    const line = Buffer.from(`${text}\n`);
    writeSync(this.fd, line);
    if (sync) fdatasyncSync(this.fd);
    const at = { segment: segment.n, offset: segment.size, length: line.length - 1 };
    segment.size += line.length;
    return at;
  }

  /** Starts a new segment; appending never reuses a recovered file, whose last line may be torn. */
  private rotate(): void {
    if (this.fd >= 0) closeSync(this.fd);
    const n = (this.segments.at(-1)?.n ?? listSegments(this.options.dir).at(-1) ?? 0) + 1;
    this.fd = openSync(join(this.options.dir, segmentName(n)), 'a');
    fsyncDir(this.options.dir);
    this.segments.push({ n, size: 0, live: 0 });
    this.freeDone();
  }

  /** Deletes segments from the oldest while every snapshot in them is done (never the active one). */
  private freeDone(): void {
    while (this.segments.length > 1 && this.segments[0]?.live === 0) this.unlinkOldest();
  }

  private unlinkOldest(): void {
    const oldest = this.segments.shift();
    if (oldest) unlinkSync(join(this.options.dir, segmentName(oldest.n)));
  }

  /** Past the cap, drops the oldest segment's snapshots (and the batches they empty), with a logged count. */
  private enforceCap(): void {
    let dropped = 0;
    while (this.bytes > this.options.maxBytes) {
      if (this.segments.length === 1) this.rotate();
      const n = this.segments[0]?.n;
      // In place, without spreading: with --batch-max 1 a full spool holds 100,000+ batches.
      for (const batch of this.batches) dropped += keepWhere(batch.items, (at) => at.segment !== n);
      keepWhere(this.batches, (b) => b.items.length > 0);
      this.unlinkOldest();
    }
    if (dropped === 0) return;
    this.dropped += dropped;
    this.options.logger.warn(
      {
        dropped,
        droppedTotal: this.dropped,
        maxBytes: this.options.maxBytes,
        pending: this.pendingSnapshots,
      },
      `spool full: dropped the ${dropped} oldest snapshots`,
    );
  }

  private recoverLine(byKey: Map<string, SpooledBatch>, entry: SpoolEntry, at: Position): void {
    if ('a' in entry) {
      byKey.delete(entry.a);
      return;
    }
    const batch = byKey.get(entry.k) ?? { key: entry.k, meta: entry.h, closed: true, items: [] };
    batch.items.push(at);
    byKey.set(entry.k, batch);
  }

  /** Rebuilds the queue from the segments on disk; every recovered batch is closed. */
  private recover(): void {
    const byKey = new Map<string, SpooledBatch>();
    let bad = 0;
    for (const n of listSegments(this.options.dir)) {
      this.segments.push({ n, size: segmentSize(this.options.dir, n), live: 0 });
      scanSegment(
        this.options.dir,
        n,
        (entry, at) => this.recoverLine(byKey, entry, at),
        () => bad++,
      );
    }
    for (const batch of byKey.values()) this.batches.push(batch);
    const byNumber = new Map(this.segments.map((s) => [s.n, s]));
    for (const batch of this.batches) {
      for (const at of batch.items) {
        const segment = byNumber.get(at.segment);
        if (segment) segment.live++;
      }
    }
    if (bad > 0) this.options.logger.warn({ lines: bad }, 'spool: skipped lines torn by a crash');
    if (this.batches.length > 0) {
      this.options.logger.info(
        { batches: this.batches.length, snapshots: this.pendingSnapshots },
        'spool: replaying what is left',
      );
    }
  }
}

/** Keeps the elements of `list` that pass `keep`, in place and in order; returns how many were removed. */
function keepWhere<T>(list: T[], keep: (item: T) => boolean): number {
  let kept = 0;
  for (const item of list) if (keep(item)) list[kept++] = item;
  const removed = list.length - kept;
  list.length = kept;
  return removed;
}
