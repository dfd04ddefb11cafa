import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unionWindows } from './windows.ts';

describe('unionWindows', () => {
  it('is the sorted set of every list’s windows, for sorted and unsorted lists with repeats', () => {
    const list = fc.array(
      fc.integer({ min: 0, max: 40 }).map((k) => k * 7_200_000),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(list, fc.boolean()), { maxLength: 5 }), (lists) => {
        const given = lists.map(([l, sort]) => (sort ? [...l].sort((a, b) => a - b) : l));
        const expected = [...new Set(given.flat())].sort((a, b) => a - b);
        expect(unionWindows(...given)).toEqual(expected);
      }),
    );
  });

  it('leaves its inputs as they were', () => {
    const unsorted = [3, 1, 2];
    expect(unionWindows(unsorted, [2, 4])).toEqual([1, 2, 3, 4]);
    expect(unsorted).toEqual([3, 1, 2]);
  });
});
