/**
 * Group commit into the active segment. Appends queue up for `windowMs`; then one operation writes
 * them in order with a single write and a single fdatasync per segment touched, and only then resolves
 * their promises. Operations (flush, seal) run one at a time on a chain, so writes never interleave
 * and a seal always falls between two batches.
 */
import type { FileHandle } from 'node:fs/promises';
import { io, type SpoolError, SpoolIoError } from './errors.ts';
import { SEGMENT_HEADER_BYTES, SEGMENT_MAGIC } from './frame.ts';
import type { SyncEvent } from './options.ts';
import { createSegment, segmentPath } from './segment-files.ts';

export interface AppenderOptions {
  readonly dir: string;
  /** Id of the first segment this appender creates; every earlier id is sealed. */
  readonly firstId: number;
  readonly segmentBytes: number;
  readonly windowMs: number;
  readonly onSync: (event: SyncEvent) => void;
  /** A segment stopped taking appends and may be replayed; `bytes` is its size on disk. */
  readonly onSeal: (id: number, bytes: number) => void;
}

interface Pending {
  readonly frame: Buffer;
  readonly resolve: () => void;
  readonly reject: (error: SpoolError) => void;
}

interface ActiveSegment {
  readonly id: number;
  readonly handle: FileHandle;
  bytes: number;
}

export class SegmentAppender {
  readonly #options: AppenderOptions;
  #nextId: number;
  #active: ActiveSegment | null = null;
  #pending: Pending[] = [];
  #reservedBytes = 0;
  /** Cancels the pending window's flush; null when no window is open. */
  #cancelWindow: (() => void) | null = null;
  #chain: Promise<void> = Promise.resolve();

  constructor(options: AppenderOptions) {
    this.#options = options;
    this.#nextId = options.firstId;
  }

  /** Bytes in the active segment, on disk. */
  get activeBytes(): number {
    return this.#active?.bytes ?? 0;
  }

  /**
   * Bytes promised to appends not yet written. Each reserves room for a segment header too, since it
   * may be the one that starts a segment; that keeps the cap exact at the price of 8 bytes per append.
   */
  get reservedBytes(): number {
    return this.#reservedBytes;
  }

  static reservationFor(frame: Buffer): number {
    return frame.length + SEGMENT_HEADER_BYTES;
  }

  /** Resolves once `frame` is fdatasync'd. Frames are written in the order of the calls. */
  append(frame: Buffer): Promise<void> {
    this.#reservedBytes += SegmentAppender.reservationFor(frame);
    const durable = new Promise<void>((resolve, reject) => this.#pending.push({ frame, resolve, reject }));
    this.#cancelWindow ??= this.#openWindow(() => {
      this.#cancelWindow = null;
      void this.#enqueue(() => this.#flush());
    });
    return durable;
  }

  /** Writes what is pending, then closes the active segment so it can be replayed. */
  seal(): Promise<void> {
    return this.#enqueue(async () => {
      await this.#flush();
      await this.#sealActive();
    });
  }

  /** Like `seal`, without waiting for the window of pending appends. */
  close(): Promise<void> {
    this.#cancelWindow?.();
    this.#cancelWindow = null;
    return this.seal();
  }

  /**
   * A zero window flushes on the next turn of the event loop instead (setTimeout(0) would wait ~1 ms):
   * batches then form only from appends that arrive while the previous write and fdatasync run.
   */
  #openWindow(flush: () => void): () => void {
    if (this.#options.windowMs === 0) {
      const immediate = setImmediate(flush);
      return () => clearImmediate(immediate);
    }
    const timer = setTimeout(flush, this.#options.windowMs);
    return () => clearTimeout(timer);
  }

  #enqueue(operation: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(operation);
    // A failed seal has already reported to its caller; it must not stop later operations.
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /** Never throws: failures reject the appends concerned, and the next batch starts a new segment. */
  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    let start = 0;
    try {
      while (start < batch.length) start = await this.#writeRun(batch, start);
    } catch (error) {
      await this.#abandonActive();
      this.#settle(batch.slice(start), error instanceof SpoolIoError ? error : ioError(error));
    }
  }

  /** Writes and syncs the frames from `start` that fit in one segment; returns the index after them. */
  async #writeRun(batch: readonly Pending[], start: number): Promise<number> {
    const first = batch[start];
    if (first === undefined) return batch.length;
    const segment = await this.#segmentFor(first.frame.length);
    const parts = segment.bytes === 0 ? [SEGMENT_MAGIC, first.frame] : [first.frame];
    let bytes = segment.bytes + (segment.bytes === 0 ? SEGMENT_HEADER_BYTES : 0) + first.frame.length;
    let end = start + 1;
    for (let next = batch[end]; next !== undefined; next = batch[end]) {
      if (bytes + next.frame.length > this.#options.segmentBytes) break;
      parts.push(next.frame);
      bytes += next.frame.length;
      end += 1;
    }
    await this.#writeAndSync(segment, Buffer.concat(parts), end - start);
    this.#settle(batch.slice(start, end), null);
    return end;
  }

  async #writeAndSync(segment: ActiveSegment, data: Buffer, records: number): Promise<void> {
    const path = segmentPath(this.#options.dir, segment.id);
    for (let written = 0; written < data.length; ) {
      const chunk = data.subarray(written);
      const position = segment.bytes + written;
      const { bytesWritten } = await io('write', path, () =>
        segment.handle.write(chunk, 0, chunk.length, position),
      );
      written += bytesWritten;
    }
    const started = performance.now();
    await io('fdatasync', path, () => segment.handle.datasync());
    segment.bytes += data.length;
    this.#options.onSync({ records, bytes: data.length, durationMs: performance.now() - started });
  }

  /** The segment the next frame goes to: the active one unless the frame would overfill it. */
  async #segmentFor(frameBytes: number): Promise<ActiveSegment> {
    const active = this.#active;
    // An empty segment takes any frame, so a record larger than `segmentBytes` still fits somewhere.
    if (active !== null && (active.bytes === 0 || active.bytes + frameBytes <= this.#options.segmentBytes)) {
      return active;
    }
    await this.#sealActive();
    const id = this.#nextId;
    // Bumped before creating, so a failed create is not retried on a half-made file.
    this.#nextId += 1;
    const created: ActiveSegment = { id, handle: await createSegment(this.#options.dir, id), bytes: 0 };
    this.#active = created;
    return created;
  }

  async #sealActive(): Promise<void> {
    const active = this.#active;
    if (active === null) return;
    this.#active = null;
    this.#options.onSeal(active.id, active.bytes);
    // Everything in it is already synced, so a failing close loses nothing.
    await active.handle.close().catch(() => undefined);
  }

  /** After a failed write the file's tail is unknown: stop appending to it and count what is there. */
  async #abandonActive(): Promise<void> {
    const active = this.#active;
    if (active === null) return;
    this.#active = null;
    const bytes = await active.handle.stat().then(
      (stats) => stats.size,
      () => active.bytes,
    );
    await active.handle.close().catch(() => undefined);
    this.#options.onSeal(active.id, bytes);
  }

  #settle(items: readonly Pending[], error: SpoolError | null): void {
    for (const item of items) {
      this.#reservedBytes -= SegmentAppender.reservationFor(item.frame);
      if (error === null) item.resolve();
      else item.reject(error);
    }
  }
}

function ioError(error: unknown): SpoolIoError {
  return new SpoolIoError('append', 'spool segment', error);
}
