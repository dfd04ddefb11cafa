/**
 * The durable spool the writer falls back to while Redis is down: records are acknowledged once
 * fdatasync'd into append-only segment files, and replayed in append order when Redis is back.
 *
 * Replay delivers each record at least once. A segment is deleted only after every record in it was
 * handled, so a handler failure (or a crash) mid-segment replays that segment's handled records again
 * next time; the writer's Redis writes are idempotent in effect (DESIGN §3), which absorbs this.
 */
import { mkdir } from 'node:fs/promises';
import { io, SpoolBusyError, SpoolClosedError, SpoolFullError, SpoolReplayError } from './errors.ts';
import { encodeFrame } from './frame.ts';
import { acquireLock, type SpoolLock } from './lock.ts';
import { type ResolvedSpoolOptions, resolveSpoolOptions, type SpoolOptions } from './options.ts';
import { SegmentAppender } from './segment-appender.ts';
import { listSegments, removeSegment, type SegmentInfo, segmentPath } from './segment-files.ts';
import { SegmentReader } from './segment-reader.ts';
import type { RecordHandler, ReplayResult, Spool } from './types.ts';

/** Opens (creating if needed) the spool in `options.dir`, taking over segments left by earlier runs. */
export async function openSpool(options: SpoolOptions): Promise<DiskSpool> {
  const resolved = resolveSpoolOptions(options);
  await io('create directory', resolved.dir, () => mkdir(resolved.dir, { recursive: true }));
  const lock = await acquireLock(resolved.dir);
  try {
    return new DiskSpool(resolved, lock, await listSegments(resolved.dir));
  } catch (error) {
    await lock.release().catch(() => undefined);
    throw error;
  }
}

export class DiskSpool implements Spool {
  readonly dir: string;
  readonly maxBytes: number;
  readonly #lock: SpoolLock;
  readonly #appender: SegmentAppender;
  /** Segments that take no more appends, oldest first (ids only grow, and a Map keeps insertion order). */
  readonly #sealed = new Map<number, number>();
  #sealedBytes = 0;
  #replaying = false;
  #closing: Promise<void> | null = null;

  /** Use `openSpool`, which prepares the directory and the lock. */
  constructor(options: ResolvedSpoolOptions, lock: SpoolLock, existing: readonly SegmentInfo[]) {
    this.dir = options.dir;
    this.maxBytes = options.maxBytes;
    this.#lock = lock;
    // Segments from earlier runs are all sealed: the last may end in a torn frame, so appends go to a
    // fresh segment rather than after it.
    for (const segment of existing) this.#track(segment.id, segment.bytes);
    this.#appender = new SegmentAppender({
      dir: options.dir,
      firstId: (existing.at(-1)?.id ?? 0) + 1,
      segmentBytes: options.segmentBytes,
      windowMs: options.fsyncIntervalMs,
      onSync: options.onSync,
      onSeal: (id, bytes) => this.#track(id, bytes),
    });
  }

  size(): number {
    return this.#sealedBytes + this.#appender.activeBytes;
  }

  isEmpty(): boolean {
    return this.size() === 0 && this.#appender.reservedBytes === 0;
  }

  async append(record: Uint8Array): Promise<void> {
    if (this.#closing !== null) throw new SpoolClosedError(this.dir);
    const frame = encodeFrame(record);
    // Checked and reserved synchronously (no await before the appender call), so concurrent appends
    // see each other's reservations and together never pass the cap.
    const used = this.size() + this.#appender.reservedBytes;
    const needed = SegmentAppender.reservationFor(frame);
    if (used + needed > this.maxBytes) throw new SpoolFullError(this.maxBytes, used, needed);
    return this.#appender.append(frame);
  }

  async replay(handler: RecordHandler): Promise<ReplayResult> {
    if (this.#closing !== null) throw new SpoolClosedError(this.dir);
    if (this.#replaying) throw new SpoolBusyError(this.dir);
    this.#replaying = true;
    const result = { records: 0, bytes: 0, discardedBytes: 0 };
    try {
      // Sealing first sends appends made during the replay to newer segments, which the next pass
      // picks up; the loop ends when a pass finds nothing new.
      for (await this.#appender.seal(); this.#sealed.size > 0; await this.#appender.seal()) {
        for (const id of [...this.#sealed.keys()]) await this.#replaySegment(id, handler, result);
      }
      return result;
    } finally {
      this.#replaying = false;
    }
  }

  close(): Promise<void> {
    this.#closing ??= this.#appender.close().finally(() => this.#lock.release());
    return this.#closing;
  }

  async #replaySegment(id: number, handler: RecordHandler, result: MutableResult): Promise<void> {
    const reader = new SegmentReader(segmentPath(this.dir, id));
    for await (const record of reader.records()) {
      // Stop between records once closed: the lock is being released, and another owner may start.
      if (this.#closing !== null) throw new SpoolClosedError(this.dir);
      try {
        await handler(record);
      } catch (error) {
        throw new SpoolReplayError(result.records, error);
      }
      result.records += 1;
      result.bytes += record.byteLength;
    }
    if (this.#closing !== null) throw new SpoolClosedError(this.dir);
    result.discardedBytes += reader.discardedBytes;
    await removeSegment(this.dir, id);
    this.#sealedBytes -= this.#sealed.get(id) ?? 0;
    this.#sealed.delete(id);
  }

  #track(id: number, bytes: number): void {
    this.#sealed.set(id, bytes);
    this.#sealedBytes += bytes;
  }
}

type MutableResult = { -readonly [K in keyof ReplayResult]: ReplayResult[K] };
