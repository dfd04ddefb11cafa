import { describe, expect, it } from 'vitest';
import { TtlCache } from './ttl-cache.ts';

describe('TtlCache', () => {
  it('answers fresh, then stale, then nothing as time passes', () => {
    let now = 0;
    const cache = new TtlCache<string>({ ttlMs: 10, staleMs: 5, maxEntries: 10, now: () => now });
    cache.set('k', 'v');
    expect(cache.get('k')).toEqual({ value: 'v', fresh: true });
    now = 10;
    expect(cache.get('k')).toEqual({ value: 'v', fresh: false });
    now = 15;
    expect(cache.get('k')).toBeUndefined();
  });

  it('drops the oldest entry when it is full', () => {
    const cache = new TtlCache<number>({ ttlMs: 10, staleMs: 0, maxEntries: 2, now: () => 0 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 3); // refreshed: now the youngest
    cache.set('c', 4);
    expect([cache.get('a')?.value, cache.get('b'), cache.get('c')?.value]).toEqual([3, undefined, 4]);
    cache.deleteWhere((v) => v === 3);
    expect(cache.size).toBe(1);
  });
});
