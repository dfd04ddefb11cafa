import { describe, expect, it } from 'vitest';
import { Ticker } from './ticker.ts';

describe('Ticker', () => {
  it('ticks on the interval grid with grid timestamps when running', async () => {
    const stamps: number[] = [];
    const ticker = new Ticker({
      intervalMs: 100,
      minFirstDelayMs: 0,
      tick: async (at) => void stamps.push(at),
    });
    ticker.start();
    await new Promise((r) => setTimeout(r, 450));
    await ticker.stop();
    expect(stamps.length).toBeGreaterThanOrEqual(3);
    for (const t of stamps) expect(t % 100).toBe(0);
    // Consecutive grid points, unless a loaded machine made a tick late (then the missed one is skipped).
    expect(stamps.slice(1).every((t, i) => t > (stamps[i] ?? 0))).toBe(true);
  });

  it('skips missed grid points instead of bursting when a tick runs long', async () => {
    const stamps: number[] = [];
    const ticker = new Ticker({
      intervalMs: 50,
      minFirstDelayMs: 0,
      tick: async (at) => {
        stamps.push(at);
        await new Promise((r) => setTimeout(r, 120));
      },
    });
    ticker.start();
    await new Promise((r) => setTimeout(r, 500));
    await ticker.stop();
    const gaps = stamps.slice(1).map((t, i) => t - (stamps[i] ?? 0));
    expect(gaps.every((g) => g >= 100)).toBe(true);
  });

  it('never repeats a timestamp when the wall clock steps back', async () => {
    let offset = 0;
    const stamps: number[] = [];
    const ticker = new Ticker({
      intervalMs: 50,
      minFirstDelayMs: 0,
      now: () => Date.now() + offset,
      tick: async (at) => {
        stamps.push(at);
        if (stamps.length === 2) offset = -200;
      },
    });
    ticker.start();
    await new Promise((r) => setTimeout(r, 600));
    await ticker.stop();
    expect(stamps.slice(1).every((t, i) => t > (stamps[i] ?? 0))).toBe(true);
  });
});
