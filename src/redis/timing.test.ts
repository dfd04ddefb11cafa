import { describe, expect, it } from 'vitest';
import { CommandTimings, commandKind } from './timing.ts';

describe('CommandTimings', () => {
  it('classifies commands as read, write or other, EVALSHA of the Lua scripts as write', () => {
    expect(commandKind('GET')).toBe('read');
    expect(commandKind('hgetall')).toBe('read');
    expect(commandKind('append')).toBe('write');
    expect(commandKind('evalsha')).toBe('write');
    expect(commandKind('EVAL')).toBe('write');
    expect(commandKind('ping')).toBe('other');
    expect(commandKind('info')).toBe('other');
  });

  it('counts one command under one name whatever its case, with its kind', () => {
    const t = new CommandTimings();
    t.record('SET', 50, false);
    t.record('set', 70, false);
    expect(Object.keys(t.snapshot())).toEqual(['set']);
    expect(t.snapshot().set).toMatchObject({ kind: 'write', count: 2, errors: 0, slow: 0 });
  });

  it('gives percentiles within a bucket of the truth and the exact maximum', () => {
    const t = new CommandTimings();
    for (let i = 1; i <= 1000; i++) t.record('get', i * 10, false); // 10 µs … 10 ms
    const s = t.snapshot().get;
    expect(s?.maxMs).toBe(10);
    expect(s?.p50Ms).toBeGreaterThanOrEqual(5);
    expect(s?.p50Ms).toBeLessThanOrEqual(5 * 1.13);
    expect(s?.p99Ms).toBeGreaterThanOrEqual(9.9);
    expect(s?.p99Ms).toBeLessThanOrEqual(10);
  });

  it('counts errors, and slow commands from the configured threshold', () => {
    const t = new CommandTimings({ slowMs: 5 });
    t.record('hset', 4_999, false);
    t.record('hset', 5_000, true);
    t.record('hset', 80_000, false);
    expect(t.snapshot().hset).toMatchObject({ count: 3, errors: 1, slow: 2, maxMs: 80 });
    expect(new CommandTimings().slowMs).toBe(100);
  });

  it('gives exact cumulative counts at powers of two of microseconds', () => {
    const t = new CommandTimings();
    for (const us of [3, 15, 16, 17, 1000, 1023, 1024, 5_000_000]) t.record('get', us, false);
    const [h] = t.histograms();
    // Below 16 µs: 3 and 15; below 1024: also 16, 17, 1000, 1023; +Inf: everything.
    expect(h?.cumulativeAt([16, 1024, 2048, Number.POSITIVE_INFINITY])).toEqual([2, 6, 7, 8]);
    expect(h?.sumMicros).toBe(3 + 15 + 16 + 17 + 1000 + 1023 + 1024 + 5_000_000);
  });
});
