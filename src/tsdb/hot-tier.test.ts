import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HotTier } from './hot-tier.ts';

/** What a ring of `capacity` must hold after `points`: the newest `capacity` timestamps, last write wins. */
function expected(points: readonly (readonly [number, number])[], capacity: number): [number, number][] {
  const byT = new Map<number, number>();
  const kept: [number, number][] = [];
  for (const [t, v] of points) {
    const sorted = [...byT.keys()].sort((a, b) => a - b);
    // A point older than every point of a full ring is dropped, as the ring does.
    if (sorted.length >= capacity && t < (sorted[sorted.length - capacity] as number) && !byT.has(t))
      continue;
    byT.set(t, v);
    const all = [...byT.keys()].sort((a, b) => a - b);
    for (const old of all.slice(0, Math.max(0, all.length - capacity))) byT.delete(old);
  }
  for (const t of [...byT.keys()].sort((a, b) => a - b)) kept.push([t, byT.get(t) as number]);
  return kept;
}

describe('HotTier rings', () => {
  it('keeps the newest points in order whatever order they arrive in', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer()), { maxLength: 80 }),
        (capacity, points) => {
          const tier = new HotTier({ pointsPerSeries: capacity, maxSeries: 10 });
          for (const [t, v] of points) tier.add('o', 'h', 's', t, v);
          const got = tier.points('o', 'h', 's');
          const want = expected(points, capacity);
          expect([...(got?.timestamps ?? [])]).toEqual(want.map(([t]) => t));
          expect([...(got?.values ?? [])]).toEqual(want.map(([, v]) => v));
        },
      ),
      { numRuns: 500 },
    );
  });
});
