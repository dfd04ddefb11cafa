/** Exponential backoff with jitter, for retries of one batch. */
export interface BackoffOptions {
  /** @defaultValue 1000 */
  readonly baseMs?: number;
  /** @defaultValue 60000 */
  readonly maxMs?: number;
  /** Source of randomness in [0, 1). @defaultValue Math.random */
  readonly random?: () => number;
}

/**
 * Delay before retry number `attempt` (1-based): base·2^(attempt-1), capped, then "equal jitter" (half
 * fixed, half random) so agents that lost the server together do not come back in lock-step. A
 * `Retry-After` from the server is honoured as given (capped at `maxMs`), plus up to 10 % jitter.
 */
export function retryDelay(
  attempt: number,
  retryAfterMs: number | undefined,
  options: BackoffOptions = {},
): number {
  const { baseMs = 1000, maxMs = 60_000, random = Math.random } = options;
  if (retryAfterMs !== undefined) return Math.round(Math.min(maxMs, retryAfterMs) * (1 + 0.1 * random()));
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** `Retry-After` as ms: delay-seconds or an HTTP date; `undefined` when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
