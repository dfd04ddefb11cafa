import { describe, expect, it } from 'vitest';
import { CounterSet, counterDelta, counterRate, platformCounterBits } from './rate.ts';

describe('counterRate', () => {
  it('divides the growth by the seconds between readings when the counter grows', () => {
    expect(counterRate(1000, 6000, 5)).toBe(1000);
    expect(counterRate(7, 7, 5)).toBe(0);
  });

  it('counts across the wrap when a 32-bit counter near its top comes back small', () => {
    const prev = 2 ** 32 - 1000;
    expect(counterDelta(prev, 500, { bits: 32 })).toBe(1500);
    expect(counterRate(prev, 500, 5, { bits: 32 })).toBe(300);
  });

  it('treats a decrease as a reset when the counter is 64-bit', () => {
    // The counter restarted from zero within the interval: what it counted since is the growth.
    expect(counterRate(2 ** 32 - 1000, 500, 5, { bits: 64 })).toBe(100);
    expect(counterRate(9e12, 4000, 4)).toBe(1000);
  });

  it('treats a decrease as a reset when a 32-bit counter was low (an interface re-created)', () => {
    expect(counterRate(1_000_000, 2000, 2, { bits: 32 })).toBe(1000);
  });

  it('never returns a negative rate whatever the readings', () => {
    for (const [prev, cur] of [
      [10, 0],
      [2 ** 40, 1],
      [2 ** 31, 2 ** 31 - 1],
      [5, 4],
    ] as const) {
      for (const bits of [32, 64] as const)
        expect(counterRate(prev, cur, 1, { bits }) ?? 0).toBeGreaterThanOrEqual(0);
    }
  });

  it('returns undefined when no time passed or a reading is not a counter', () => {
    expect(counterRate(1, 2, 0)).toBeUndefined();
    expect(counterRate(1, 2, -1)).toBeUndefined();
    expect(counterRate(Number.NaN, 2, 1)).toBeUndefined();
    expect(counterRate(1, -2, 1)).toBeUndefined();
  });

  it('returns undefined when the rate is absurd', () => {
    expect(counterRate(0, 1e15, 1)).toBeUndefined();
    expect(counterRate(0, 5000, 1, { maxRate: 1000 })).toBeUndefined();
  });

  it('prefers a reset over a wrap when the wrapped rate would be absurd', () => {
    expect(counterDelta(2 ** 31, 10, { bits: 32, maxRate: 1000 }, 1)).toBe(10);
  });
});

describe('CounterSet', () => {
  it('returns rates per name only from the second reading on', () => {
    const set = new CounterSet();
    expect(set.update(0, new Map([['eth0', [100, 200]]])).size).toBe(0);
    expect(set.update(2000, new Map([['eth0', [300, 1200]]])).get('eth0')).toEqual([100, 500]);
  });

  it('starts a name over when it vanished for a reading (a re-created interface)', () => {
    const set = new CounterSet();
    set.update(0, new Map([['wg0', [5000]]]));
    set.update(1000, new Map());
    expect(set.update(2000, new Map([['wg0', [10]]])).has('wg0')).toBe(false);
    expect(set.update(3000, new Map([['wg0', [1010]]])).get('wg0')).toEqual([1000]);
  });

  it('gives no rate when the clock did not move', () => {
    const set = new CounterSet();
    set.update(1000, new Map([['a', [1]]]));
    expect(set.update(1000, new Map([['a', [2]]])).size).toBe(0);
  });
});

describe('platformCounterBits', () => {
  it('says 64 on 64-bit platforms and 32 on the others', () => {
    expect(platformCounterBits('x64')).toBe(64);
    expect(platformCounterBits('arm64')).toBe(64);
    expect(platformCounterBits('arm')).toBe(32);
    expect(platformCounterBits('ia32')).toBe(32);
  });
});
