import { describe, expect, it } from 'vitest';
import { type Measured, medianRound } from '../sections/peers-ingest.ts';

function round(samples: number, seconds: number, cpuDuring: number): Measured {
  return { load: { samples, requests: 1, seconds, latenciesMs: [], failures: 0 }, cpuDuring, cpuAfter: 0 };
}

describe('ingest rounds', () => {
  it('takes every figure of a system from its median round by rate', () => {
    const slow = round(1_000_000, 2, 5);
    const middle = round(1_000_000, 1.6, 4);
    const fast = round(1_000_000, 1, 3);
    expect(medianRound([fast, slow, middle])).toBe(middle);
    // An even count takes the lower middle round: the verdict leans against the system measured.
    expect(medianRound([fast, slow])).toBe(slow);
    expect(() => medianRound([])).toThrow(/no ingest round/);
  });
});
