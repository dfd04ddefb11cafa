/**
 * Spool options, their defaults and their validation. Validated once when the spool opens; every
 * problem is listed in one `SpoolConfigError`.
 */
import { SpoolConfigError } from './errors.ts';
import { SEGMENT_HEADER_BYTES } from './frame.ts';

/** Reported after every fdatasync; feeds metrics (fsync latency, batch size) and tests. */
export interface SyncEvent {
  /** Records made durable by this sync. */
  readonly records: number;
  /** Bytes written before this sync, framing and segment header included. */
  readonly bytes: number;
  readonly durationMs: number;
}

export interface SpoolOptions {
  /** Directory holding the segment files and the lock; created if missing. */
  readonly dir: string;
  /**
   * Cap over all segment files plus appends not yet written, framing included. An append that would
   * pass it fails with `SpoolFullError` and writes nothing.
   * @defaultValue 1 GiB
   */
  readonly maxBytes?: number;
  /**
   * Size at which the active segment is sealed and a new one started; a replayed segment is deleted
   * whole, so this bounds how much is handled twice after a failed replay.
   * @defaultValue 16 MiB
   */
  readonly segmentBytes?: number;
  /**
   * Group commit window: appends arriving within this many ms of the first pending one share one
   * write and one fdatasync. A longer window means fewer fsyncs but a longer wait for every append;
   * 0 flushes at once and batches only what arrives while the previous fdatasync runs.
   * @defaultValue 5
   */
  readonly fsyncIntervalMs?: number;
  /** Called after each fdatasync. @defaultValue none */
  readonly onSync?: (event: SyncEvent) => void;
}

export interface ResolvedSpoolOptions {
  readonly dir: string;
  readonly maxBytes: number;
  readonly segmentBytes: number;
  readonly fsyncIntervalMs: number;
  readonly onSync: (event: SyncEvent) => void;
}

export const SPOOL_DEFAULTS = Object.freeze({
  maxBytes: 1024 * 1024 * 1024,
  segmentBytes: 16 * 1024 * 1024,
  fsyncIntervalMs: 5,
});

export function resolveSpoolOptions(options: SpoolOptions): ResolvedSpoolOptions {
  const resolved = {
    dir: options.dir,
    maxBytes: options.maxBytes ?? SPOOL_DEFAULTS.maxBytes,
    segmentBytes: options.segmentBytes ?? SPOOL_DEFAULTS.segmentBytes,
    fsyncIntervalMs: options.fsyncIntervalMs ?? SPOOL_DEFAULTS.fsyncIntervalMs,
    onSync: options.onSync ?? (() => undefined),
  };
  const problems = [
    resolved.dir === '' ? 'dir must not be empty' : null,
    positiveInteger('maxBytes', resolved.maxBytes, SEGMENT_HEADER_BYTES + 1),
    positiveInteger('segmentBytes', resolved.segmentBytes, SEGMENT_HEADER_BYTES + 1),
    Number.isFinite(resolved.fsyncIntervalMs) && resolved.fsyncIntervalMs >= 0
      ? null
      : `fsyncIntervalMs must be a finite number >= 0, got ${resolved.fsyncIntervalMs}`,
  ].filter((problem): problem is string => problem !== null);
  if (problems.length > 0) throw new SpoolConfigError(problems);
  return Object.freeze(resolved);
}

function positiveInteger(name: string, value: number, min: number): string | null {
  return Number.isSafeInteger(value) && value >= min
    ? null
    : `${name} must be an integer >= ${min}, got ${value}`;
}
