import type { Keys } from '../redis/index.ts';
import type { EventType } from './contract.ts';

/** Events are stored in one packed block per org, type and hour. */
export const WINDOW_MS = 3_600_000;

export function windowOf(at: number): number {
  return Math.floor(at / WINDOW_MS) * WINDOW_MS;
}

/**
 * The Redis keys of the event store. Every key of one org's type shares the hash tag
 * `{ev:<org>:<type>}`, so its blocks and stats hash live in one Cluster slot (the append script
 * touches both). Org ids and event types never contain `{`, `}` or `:`.
 */
export interface EventKeys {
  /** STRING: packed batches of one hour window (see codec.ts); expires with retention. */
  block(org: string, type: EventType, windowStart: number): string;
  /** HASH: per-window counts, newest event and error, and each writing process' applied mark. */
  stats(org: string, type: EventType): string;
  /** SET: the event types an org has stored. */
  types(org: string): string;
  /** SET: the orgs with stored events. */
  orgs(): string;
}

/** The event keys, all formed by `Keys` (src/redis/keys.ts). */
export function eventKeys(keys: Keys): EventKeys {
  return {
    block: (org, type, windowStart) => keys.eventBlock(org, type, windowStart),
    stats: (org, type) => keys.eventStats(org, type),
    types: (org) => keys.eventTypes(org),
    orgs: () => keys.eventOrgs(),
  };
}
