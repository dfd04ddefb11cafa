import { hash } from 'node:crypto';
import { type Cache, overviewNamespace, queryGroup } from '../cache/index.ts';

export { queryGroup };

/**
 * Which query answers are cached and which writes drop them. An answer is cached only for a closed
 * range — one ending at least `CLOSED_AFTER_MS` ago — so a fresh sample cannot change it; a late
 * sample (older than that, minus a margin for clocks) drops every cached answer about its host, in
 * every process (the entries share one Redis HASH per host).
 */
export const CLOSED_AFTER_MS = 60_000;
/** Samples this much younger than the closed-range cut-off still drop cached answers (clock skew). */
const MARGIN_MS = 10_000;

/** True when a range ending at `to` is closed now, so its answer may be cached. */
export function cacheable(to: number, now: number): boolean {
  return to <= now - CLOSED_AFTER_MS;
}

/** A short stable id for the parameters of one answer (a field of its group's HASH in Redis). */
export function answerId(parts: unknown): string {
  return hash('sha1', JSON.stringify(parts), 'hex');
}

/** Class ids longer than this are hashed (a query may name hundreds of series). */
const CLASS_ID_MAX = 512;

/**
 * The cost class of an answer (`spanClass`): kept in this process only, so its parameters as they
 * are, hashed only when long (the hash was 5 % of a cheap aggregate's CPU).
 */
export function classId(parts: unknown): string {
  const text = JSON.stringify(parts);
  return text.length <= CLASS_ID_MAX ? text : hash('sha1', text, 'hex');
}

/**
 * The length of a range as a cost class: ranges within about ×1.4 of each other share one (the
 * answers' `costClass` in `Cache.getOrLoadGrouped`), so a dashboard panel refreshed with a moving
 * range is known cheap after its first load.
 */
export function spanClass(from: number, to: number): number {
  return Math.round(2 * Math.log2(Math.max(1, to - from)));
}

/** What one write brought per host: its oldest sample's timestamp. */
export interface WrittenHost {
  readonly host: string;
  readonly oldest: number;
}

/**
 * After a write: drops the cached answers of every host that received a sample old enough to fall
 * inside a closed range — awaited before the acknowledgement, so a read after it cannot be answered
 * from a cache that predates the write; late samples are rare, so this costs the usual push nothing.
 * The org's overview (newest values, refreshed within its TTL anyway) is dropped without waiting, so
 * a push does not pay a Redis round trip for it.
 */
export async function invalidateAfterWrite(
  cache: Cache,
  org: string,
  written: readonly WrittenHost[],
  now: number,
  onError: (err: unknown) => void,
): Promise<void> {
  cache.invalidate(overviewNamespace(org), 'all').catch(onError);
  const late = written.filter((w) => w.oldest <= now - CLOSED_AFTER_MS + MARGIN_MS);
  if (late.length > 0) await cache.dropGroups(late.map((w) => queryGroup(org, w.host)));
}
