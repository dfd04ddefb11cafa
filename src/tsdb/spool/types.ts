/**
 * What the writer needs from a spool. `DiskSpool` is the implementation; the writer depends on this
 * interface so its own tests can substitute a failing or slow spool without touching the disk.
 */

/** Handles one replayed record; a rejection stops the replay and keeps the record for the next one. */
export type RecordHandler = (record: Uint8Array) => Promise<void>;

export interface ReplayResult {
  /** Records handed to the handler and removed from the spool by this call. */
  readonly records: number;
  /** Payload bytes of those records (framing excluded). */
  readonly bytes: number;
  /** Bytes dropped as torn or corrupt (never handed to the handler), framing included. */
  readonly discardedBytes: number;
}

export interface Spool {
  /**
   * Resolves once `record` is fdatasync'd; rejects with `SpoolFullError` (nothing written) past the
   * cap, `SpoolIoError` if the disk failed, `SpoolClosedError` after `close`. The bytes are copied, so
   * the caller may reuse its buffer at once.
   */
  append(record: Uint8Array): Promise<void>;
  /**
   * Hands every record to `handler` in append order, one at a time, deleting each segment once all of
   * its records were handled; keeps going until no record is left, including ones appended meanwhile.
   * At-least-once: after a failure, records of the segment in progress are handled again next time.
   * It returns only once a pass finds nothing new, so a caller that keeps appending as fast as the
   * handler drains keeps it running: stop spooling (write to Redis directly) before replaying.
   */
  replay(handler: RecordHandler): Promise<ReplayResult>;
  /** Bytes on disk over all segment files. */
  size(): number;
  /** True when there is nothing on disk and no append is pending. */
  isEmpty(): boolean;
  /** Makes pending appends durable, closes files and releases the directory; safe to call twice. */
  close(): Promise<void>;
}
