import type { TsdbContext } from '../options.ts';

/**
 * How long a due window whose head keeps growing may wait for its writer to stop before it is sealed
 * all the same (and waits again if it keeps growing).
 */
export const MAX_DEFER_MS = 60_000;

interface Seen {
  /** Head length at the last maintenance run that looked (0 once sealed: the head is gone then). */
  length: number;
  /** When this window was first put off for growing, while it still is. */
  deferredSince: number | undefined;
  /** The run that last looked at it (entries of windows no run looks at any more are dropped). */
  run: number;
}

const memos = new WeakMap<TsdbContext, { run: number; seen: Map<string, Seen> }>();

/**
 * Which of a host's due windows to seal this run. A due window (closed more than the grace period
 * ago) is sealed when first seen, and whenever its head did not grow since the last run; one whose
 * head grew since the last run is put off while it keeps growing, for at most MAX_DEFER_MS. Live
 * agents write the open window, so their due windows are sealed at once as before; a backfill (hours
 * of old samples pushed at once, every window already due) used to have each window sealed again
 * every run while it was being filled — each time decoding and re-encoding the whole window — and is
 * now sealed when its writer has moved on. Per process: another process' runs see their own history,
 * and at worst seal a window once more.
 */
export function dueToSeal(
  ctx: TsdbContext,
  org: string,
  host: string,
  heads: ReadonlyArray<{ readonly start: number; readonly length: number }>,
  now: number,
  run: number,
): number[] {
  const memo = memoOf(ctx);
  const out: number[] = [];
  for (const { start, length } of heads) {
    const key = `${org}\u0000${host}\u0000${start}`;
    const seen = memo.seen.get(key);
    const grew = seen !== undefined && seen.run >= run - 1 && length !== seen.length;
    if (grew) {
      const since = seen.deferredSince ?? now;
      if (now - since < MAX_DEFER_MS) {
        memo.seen.set(key, { length, deferredSince: since, run });
        continue;
      }
    }
    memo.seen.set(key, { length: 0, deferredSince: undefined, run });
    out.push(start);
  }
  return out;
}

/** Starts a maintenance run: its number, and windows no run looked at last time are forgotten. */
export function nextRun(ctx: TsdbContext): number {
  const memo = memoOf(ctx);
  memo.run++;
  for (const [key, seen] of memo.seen) if (seen.run < memo.run - 1) memo.seen.delete(key);
  return memo.run;
}

function memoOf(ctx: TsdbContext): { run: number; seen: Map<string, Seen> } {
  let memo = memos.get(ctx);
  if (!memo) {
    memo = { run: 0, seen: new Map() };
    memos.set(ctx, memo);
  }
  return memo;
}
