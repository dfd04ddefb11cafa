/**
 * Errors the spool raises. Each says whether a retry can help, so the writer can map it to 503 +
 * `Retry-After` (retryable) or surface it as a bug / operator problem (not retryable).
 */
export abstract class SpoolError extends Error {
  abstract readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The record does not fit under `maxBytes`; nothing was written. Retry once a replay has drained it. */
export class SpoolFullError extends SpoolError {
  readonly retryable = true;
  readonly maxBytes: number;
  readonly usedBytes: number;
  readonly recordBytes: number;

  constructor(maxBytes: number, usedBytes: number, recordBytes: number) {
    super(
      `spool is full: ${usedBytes} bytes used + ${recordBytes} for this record exceed the cap of ${maxBytes} bytes`,
    );
    this.maxBytes = maxBytes;
    this.usedBytes = usedBytes;
    this.recordBytes = recordBytes;
  }
}

/** A file operation failed (disk full, I/O error, directory removed). The record is not acknowledged. */
export class SpoolIoError extends SpoolError {
  readonly retryable = true;
  readonly path: string;

  constructor(operation: string, path: string, cause: unknown) {
    super(`spool ${operation} failed for ${path}: ${describe(cause)}`, { cause });
    this.path = path;
  }
}

/** The spool was closed; a new one must be opened. */
export class SpoolClosedError extends SpoolError {
  readonly retryable = false;

  constructor(dir: string) {
    super(`spool in ${dir} is closed`);
  }
}

/** Another live process (or another spool in this one) owns the directory. */
export class SpoolLockedError extends SpoolError {
  readonly retryable = false;
  readonly holderPid: number | null;

  constructor(dir: string, holderPid: number | null) {
    super(`spool directory ${dir} is in use by process ${holderPid ?? 'unknown'}`);
    this.holderPid = holderPid;
  }
}

/** `replay` was called while another replay of the same spool is running. */
export class SpoolBusyError extends SpoolError {
  readonly retryable = true;

  constructor(dir: string) {
    super(`spool in ${dir} is already being replayed`);
  }
}

/** The replay handler threw; records from the failing one on stay in the spool for the next replay. */
export class SpoolReplayError extends SpoolError {
  readonly retryable = true;
  /** Records handled (and acknowledged to the handler) before the failure, in this call. */
  readonly handledRecords: number;

  constructor(handledRecords: number, cause: unknown) {
    super(`spool replay handler failed after ${handledRecords} records: ${describe(cause)}`, { cause });
    this.handledRecords = handledRecords;
  }
}

/** A record longer than a frame's 32-bit length field can describe. */
export class SpoolRecordTooLargeError extends SpoolError {
  readonly retryable = false;

  constructor(recordBytes: number, limitBytes: number) {
    super(`spool record of ${recordBytes} bytes exceeds the ${limitBytes}-byte frame limit`);
  }
}

/** Options that cannot work (a negative cap, a zero segment size). Every problem is listed. */
export class SpoolConfigError extends SpoolError {
  readonly retryable = false;
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid spool options: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** Runs a file operation, turning whatever it throws into a `SpoolIoError` naming the path. */
export async function io<T>(operation: string, path: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw error instanceof SpoolError ? error : new SpoolIoError(operation, path, error);
  }
}

/** The errno code of a Node file-system error (`ENOENT`, `EEXIST`…), if it is one. */
export function errnoCode(error: unknown): string | undefined {
  if (error instanceof SpoolIoError) return errnoCode(error.cause);
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
