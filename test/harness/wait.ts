import { setTimeout as delay } from 'node:timers/promises';

export interface WaitForOptions {
  /** @defaultValue 5000 */
  timeoutMs?: number;
  /** @defaultValue 50 */
  intervalMs?: number;
  /** What was awaited, for the timeout error. @defaultValue 'condition' */
  message?: string;
}

/** What `waitFor` resolves with: the polled value once it is truthy. */
export type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return delay(ms);
}

/**
 * Polls `fn` until it returns a truthy value and resolves with that value. A throw counts as "not yet",
 * so callers can poll commands against a server that is still coming up; the last error is kept for
 * the timeout message because it is usually the real reason.
 */
export async function waitFor<T>(fn: () => T | Promise<T>, options: WaitForOptions = {}): Promise<Truthy<T>> {
  const { timeoutMs = 5000, intervalMs = 50, message = 'condition' } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      // The check above is what makes the value truthy; TypeScript cannot narrow a generic this way.
      if (value) return value as Truthy<T>;
    } catch (err: unknown) {
      lastError = err;
    }
    if (Date.now() >= deadline) throw timeoutError(message, timeoutMs, lastError);
    await sleep(intervalMs);
  }
}

function timeoutError(message: string, timeoutMs: number, lastError: unknown): Error {
  const reason = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
  return new Error(`timed out after ${timeoutMs} ms waiting for ${message}${reason}`, { cause: lastError });
}
