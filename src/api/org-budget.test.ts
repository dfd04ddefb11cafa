import { describe, expect, it } from 'vitest';
import { uniquePrefix, useRedis } from '../../test/harness/index.ts';
import { Keys } from '../redis/index.ts';
import { OrgBudget } from './org-budget.ts';
import { sharedCountStore } from './shared-count-store.ts';

const redis = useRedis();

/** Counts the commands Redis ran while `fn` ran (INFO commandstats). */
async function commandsDuring(fn: () => Promise<void>): Promise<Map<string, number>> {
  const read = async () => {
    const info = await redis().info('commandstats');
    return new Map(
      [...info.matchAll(/cmdstat_([a-z|]+):calls=(\d+)/g)].map((m) => [m[1] ?? '', Number(m[2])]),
    );
  };
  const before = await read();
  await fn();
  const after = await read();
  return new Map(
    [...after].map(([k, v]) => [k, v - (before.get(k) ?? 0)]).filter(([, v]) => Number(v) > 0) as [
      string,
      number,
    ][],
  );
}

describe('OrgBudget', () => {
  it('does count the requests that arrive while a call is in flight in one call, and hold the org to its budget', async () => {
    const keys = new Keys(uniquePrefix('budget'));
    // 600 a minute: one every 100 ms, a burst of 10.
    const budget = new OrgBudget(redis(), keys, 600);
    const calls = await commandsDuring(async () => {
      await Promise.all(Array.from({ length: 8 }, () => budget.spend('a')));
      // The first request went alone, the other seven together once its reply came.
      await new Promise((r) => setTimeout(r, 50));
    });
    expect(calls.get('evalsha')).toBe(2);
    // Eight of the burst of ten are spent: the theoretical arrival time is ~8 intervals ahead.
    const [sec, usec] = await redis().time();
    const now = Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
    const tat = Number(await redis().get(keys.orgRateLimit('a')));
    expect(tat - now).toBeGreaterThan(700);
    expect(tat - now).toBeLessThanOrEqual(800);
    // Past the burst the org is refused (from the request after the one that spent it), other orgs not.
    let refused: unknown;
    for (let i = 0; i < 6 && refused === undefined; i++) {
      await budget.spend('a').catch((err: unknown) => {
        refused = err;
      });
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(String(refused)).toContain('at most 600 requests per minute per org');
    await budget.spend('b');
  });

  it('does count requests sent one after the other with one call per gap, not one per request', async () => {
    const keys = new Keys(uniquePrefix('budget-gap'));
    // 600 a minute: one every 100 ms, a burst of 10; calls at least 40 ms apart.
    const budget = new OrgBudget(redis(), keys, 600, Date.now, 40);
    const calls = await commandsDuring(async () => {
      // 8 requests 5 ms apart: each one's call would have come back before the next.
      for (let i = 0; i < 8; i++) {
        await budget.spend('a');
        await new Promise((r) => setTimeout(r, 5));
      }
      await new Promise((r) => setTimeout(r, 80));
    });
    const sent = calls.get('evalsha') ?? 0;
    expect(sent).toBeGreaterThanOrEqual(1);
    expect(sent).toBeLessThanOrEqual(4);
    // Every request was counted all the same: 8 intervals ahead of the first call, less what elapsed.
    const [sec, usec] = await redis().time();
    const now = Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
    const tat = Number(await redis().get(keys.orgRateLimit('a')));
    expect(tat - now).toBeGreaterThan(300);
    expect(tat - now).toBeLessThanOrEqual(800);
  });
});

describe('sharedCountStore', () => {
  it('does send one pipeline per round trip for every request counted meanwhile, and adopt the shared count', async () => {
    const Store = sharedCountStore(redis(), `${uniquePrefix('rl')}:`);
    const store = new Store();
    const other = new Store();
    const results: number[] = [];
    const calls = await commandsDuring(async () => {
      for (let i = 0; i < 20; i++) store.incr('t', (_err, r) => results.push(r.current), 60_000, 1000);
      await new Promise((r) => setTimeout(r, 50));
    });
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(calls.get('incrby')).toBe(2);
    // Another process' store adopts the shared count once its own reply comes back.
    other.incr('t', () => undefined, 60_000, 1000);
    await new Promise((r) => setTimeout(r, 50));
    let seen = 0;
    other.incr(
      't',
      (_err, r) => {
        seen = r.current;
      },
      60_000,
      1000,
    );
    expect(seen).toBe(22);
  });

  it('does send one pipeline per gap for requests counted one after the other, and every request in Redis', async () => {
    const namespace = `${uniquePrefix('rl-gap')}:`;
    const Store = sharedCountStore(redis(), namespace, Date.now, 40);
    const store = new Store();
    const calls = await commandsDuring(async () => {
      for (let i = 0; i < 20; i++) {
        store.incr('t', () => undefined, 60_000, 1000);
        await new Promise((r) => setTimeout(r, 4));
      }
      await new Promise((r) => setTimeout(r, 60));
    });
    const sent = calls.get('incrby') ?? 0;
    expect(sent).toBeGreaterThanOrEqual(2);
    expect(sent).toBeLessThanOrEqual(5);
    expect(Number(await redis().get(`${namespace}t`))).toBe(20);
  });
});
