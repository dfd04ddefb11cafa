import type { StoredEvent } from './record.ts';

/**
 * A bounded ring of one org's events of one type, in the order they were recorded. Once full, each
 * new event replaces the oldest; `coveredAfter` says from when on nothing has been pushed out, which
 * is how a query knows whether memory alone can answer it.
 */
export class EventRing {
  private readonly items: StoredEvent[] = [];
  private head = 0;
  private evictedUpTo = Number.NEGATIVE_INFINITY;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.items.length;
  }

  /** O(1): the slots are allocated as the ring fills, never all at once. */
  push(event: StoredEvent): void {
    if (this.items.length < this.capacity) {
      this.items.push(event);
      return;
    }
    const old = this.items[this.head];
    if (old && old.at > this.evictedUpTo) this.evictedUpTo = old.at;
    this.items[this.head] = event;
    this.head = (this.head + 1) % this.capacity;
  }

  /** Events after this time (ms) are all still here; -Infinity while nothing was pushed out. */
  get coveredAfter(): number {
    return this.evictedUpTo;
  }

  /** Marks everything at or before `at` as possibly missing (a reload that was cut short). */
  markMissingUpTo(at: number): void {
    if (at > this.evictedUpTo) this.evictedUpTo = at;
  }

  /** The events, oldest recorded first. */
  toArray(): StoredEvent[] {
    if (this.items.length < this.capacity || this.head === 0) return this.items.slice();
    return [...this.items.slice(this.head), ...this.items.slice(0, this.head)];
  }

  /** The events matching `keep`, in recording order. */
  filter(keep: (e: StoredEvent) => boolean): StoredEvent[] {
    return this.toArray().filter(keep);
  }
}
