/**
 * Errors of sealing and retention. Each says whether a retry can help, so the maintenance job can tell
 * "try again next run" (a busy host, writers racing the sealer) from a head that will never decode.
 */
export abstract class SealError extends Error {
  abstract readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Writers kept appending to the head between every read and commit; the next run will succeed. */
export class SealConflictError extends SealError {
  readonly retryable = true;

  constructor(
    readonly headKey: string,
    readonly attempts: number,
  ) {
    super(`head ${headKey} changed during each of ${attempts} seal attempts`);
  }
}

/** Another sealer holds the host's lock (and kept it past the wait). */
export class SealLockedError extends SealError {
  readonly retryable = true;

  constructor(
    readonly lockKey: string,
    readonly waitedMs: number,
  ) {
    super(`seal lock ${lockKey} is held by another sealer (waited ${waitedMs} ms)`);
  }
}

/**
 * The lock expired while this sealer worked and someone else took it: the commit was refused (fencing),
 * so nothing was written and the other holder will do the work.
 */
export class SealLockLostError extends SealError {
  readonly retryable = true;

  constructor(readonly lockKey: string) {
    super(`seal lock ${lockKey} was lost before the commit; nothing was written`);
  }
}

/** A head or sealed window does not decode. Retrying reads the same bytes: an operator must look. */
export class SealCorruptError extends SealError {
  readonly retryable = false;

  constructor(
    readonly key: string,
    cause: unknown,
  ) {
    super(`cannot decode ${key}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** A seal script answered something its contract does not allow (a version mismatch or a bug). */
export class SealScriptError extends SealError {
  readonly retryable = false;

  constructor(
    readonly script: string,
    readonly reply: unknown,
  ) {
    super(`${script} returned ${String(reply)}, which its contract does not allow`);
  }
}
