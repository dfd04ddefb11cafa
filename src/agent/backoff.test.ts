import { describe, expect, it } from 'vitest';
import { parseRetryAfter, retryDelay } from './backoff.ts';

describe('retryDelay', () => {
  it('doubles from the base up to the cap, with the random half on top', () => {
    const low = { random: () => 0 };
    const high = { random: () => 0.999999 };
    expect([1, 2, 3, 4].map((a) => retryDelay(a, undefined, low))).toEqual([500, 1000, 2000, 4000]);
    expect(retryDelay(3, undefined, high)).toBe(4000);
    expect(retryDelay(30, undefined, high)).toBe(60_000);
  });

  it('waits what Retry-After says, capped and with at most 10 % jitter, when the server sent one', () => {
    expect(retryDelay(1, 7000, { random: () => 0 })).toBe(7000);
    expect(retryDelay(1, 7000, { random: () => 0.5 })).toBe(7350);
    expect(retryDelay(1, 3_600_000, { random: () => 0, maxMs: 60_000 })).toBe(60_000);
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:10 GMT', now)).toBe(0);
  });

  it('returns undefined when the header is missing or unreadable', () => {
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('')).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
