import { PACK_MAX_BYTES } from '../column-packs.ts';
import { decodeHead, encodeHeadBlock } from '../head-record.ts';
import { pointsBySeries } from '../points.ts';
import { decodeWindow, type EncodedWindow, encodeWindow, headSeries, mergeSeries } from './build.ts';

/**
 * The CPU-bound part of sealing and compacting: decoding what was read from Redis and encoding what
 * will be written. Pure functions of bytes, so they run the same on the event loop or in an encoder
 * thread (`encoder.ts`); reading, locking and committing stay with the caller.
 */

/** One window to seal: the bytes read from Redis (head and sealed window) and what the caller decided. */
export interface WindowJob {
  readonly head: Uint8Array;
  /** Fields of the sealed window HASH, empty when it does not exist yet. */
  readonly window: Readonly<Record<string, Uint8Array>>;
  readonly windowStart: number;
  /** The window aged out of raw retention: its head is only counted, then dropped. */
  readonly expired: boolean;
  /**
   * Write the 1-minute blocks whole (min, max and last too), as retention does before it drops the
   * raw columns they are otherwise computed from. @defaultValue false: lean blocks (`encodeWindow`)
   */
  readonly wholeRollups?: boolean;
}

export interface WindowPlan {
  /** Samples decoded from the head, replayed duplicates included. */
  readonly headSamples: number;
  /** Undefined: only clear the head (expired, no `t` field in an existing window, or nothing inside). */
  readonly encoded: EncodedWindow | undefined;
}

/** Which of the bytes a job was given could not be decoded. */
export type CorruptPart = 'head' | 'window';

export class CorruptPartError extends Error {
  constructor(
    readonly part: CorruptPart,
    message: string,
  ) {
    super(message);
    this.name = 'CorruptPartError';
  }
}

function decoding<T>(part: CorruptPart, decode: () => T): T {
  try {
    return decode();
  } catch (err: unknown) {
    throw new CorruptPartError(part, err instanceof Error ? err.message : String(err));
  }
}

/** The sealed window a head makes: its samples merged into the sealed ones (the head wins a repeat). */
export async function planWindow(job: WindowJob): Promise<WindowPlan> {
  const head = decoding('head', () => decodeHead(job.head));
  // Once the raw tier is gone the sealed points cannot be merged exactly, so late samples are dropped.
  if (job.expired || (Object.keys(job.window).length > 0 && !job.window.t)) {
    return { headSamples: head.length, encoded: undefined };
  }
  const merged = mergeSeries(
    decoding('window', () => decodeWindow(job.window)),
    headSeries(head, job.windowStart),
  );
  return {
    headSamples: head.length,
    encoded:
      merged.size > 0
        ? await encodeWindow(merged, job.windowStart, PACK_MAX_BYTES, !job.wholeRollups)
        : undefined,
  };
}

/** A head's records re-encoded as one block at the sealed windows' density. */
export async function compactBlock(head: Uint8Array): Promise<Uint8Array> {
  const series = decoding('head', () => pointsBySeries(decodeHead(head)));
  try {
    return await encodeHeadBlock(series);
  } catch (err: unknown) {
    // Points the head decoded to that cannot be encoded: the head is at fault as well.
    throw new CorruptPartError('head', err instanceof Error ? err.message : String(err));
  }
}
