import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KeyedThrottle } from './throttle.ts';

describe('KeyedThrottle', () => {
  let runs: Array<[string, number]>;
  let throttle: KeyedThrottle;

  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
    runs = [];
    throttle = new KeyedThrottle(1000, (key) => runs.push([key, Date.now()]));
  });
  afterEach(() => {
    throttle.close();
    vi.useRealTimers();
  });

  it('does run at once on the first trigger and once more at the end of the interval for later ones', () => {
    throttle.trigger('a');
    throttle.trigger('a');
    throttle.trigger('a');
    expect(runs).toEqual([['a', 1_000_000]]);
    vi.advanceTimersByTime(1000);
    expect(runs).toEqual([
      ['a', 1_000_000],
      ['a', 1_001_000],
    ]);
    vi.advanceTimersByTime(5000);
    expect(runs).toHaveLength(2);
  });

  it('does keep keys apart', () => {
    throttle.trigger('a');
    throttle.trigger('b');
    expect(runs.map(([k]) => k)).toEqual(['a', 'b']);
  });

  it('does run at once again when the interval has passed since the last run', () => {
    throttle.trigger('a');
    vi.advanceTimersByTime(1500);
    throttle.trigger('a');
    expect(runs).toHaveLength(2);
  });

  it('does drop a pending run on forget and every run after close', () => {
    throttle.trigger('a');
    throttle.trigger('a');
    throttle.forget('a');
    vi.advanceTimersByTime(2000);
    expect(runs).toHaveLength(1);
    throttle.trigger('b');
    throttle.trigger('b');
    throttle.close();
    vi.advanceTimersByTime(2000);
    throttle.trigger('c');
    expect(runs.map(([k]) => k)).toEqual(['a', 'b']);
  });
});
