import { describe, expect, it } from 'vitest';
import { warmNote, warmUntilSteady } from './steady.ts';

/** A block function that returns the given figures per subject, block after block. */
function blocks(figures: Record<string, number[]>) {
  let b = 0;
  return async () => {
    const out = new Map(Object.entries(figures).map(([k, f]) => [k, f[Math.min(b, f.length - 1)] ?? 0]));
    b++;
    return out;
  };
}

describe('warmUntilSteady', () => {
  it('stops at the first block no subject improves on by more than the tolerance', async () => {
    const r = await warmUntilSteady(
      blocks({ a: [0.4, 0.26, 0.09, 0.088, 0.05], b: [0.3, 0.3, 0.3, 0.3, 0.3] }),
      { maxBlocks: 10, patience: 1 },
    );
    expect(r.blocks).toBe(4);
    expect(r.history.get('a')).toEqual([0.4, 0.26, 0.09, 0.088]);
    expect(warmNote(r.history)).toBe('a 0.40 → 0.26 → 0.09 → 0.09; b 0.30 → 0.30 → 0.30 → 0.30');
  });

  it('waits for `patience` blocks in a row without a new low', async () => {
    // No new low at block 3, a new low at block 4 (noise hid it), none at 5 and 6, one at 7.
    const figures = { a: [1, 0.5, 0.49, 0.3, 0.3, 0.31, 0.1] };
    expect((await warmUntilSteady(blocks(figures), { maxBlocks: 20, patience: 1 })).blocks).toBe(3);
    expect((await warmUntilSteady(blocks(figures), { maxBlocks: 20, patience: 2 })).blocks).toBe(6);
    expect((await warmUntilSteady(blocks(figures), { maxBlocks: 20, patience: 3 })).blocks).toBe(10);
  });

  it('keeps going while any one subject still improves, up to maxBlocks', async () => {
    const r = await warmUntilSteady(blocks({ steady: [1, 1, 1, 1, 1], falling: [8, 4, 2, 1, 0.5] }), {
      maxBlocks: 3,
    });
    expect(r.blocks).toBe(3);
  });

  it('compares with the lowest figure so far, not the last: a slower block after a fast one is steady', async () => {
    const r = await warmUntilSteady(blocks({ a: [5, 3, 4, 3.1, 1] }), {
      maxBlocks: 10,
      tolerance: 0.05,
      patience: 1,
    });
    expect(r.blocks).toBe(3);
  });

  it('runs at least two blocks', async () => {
    const r = await warmUntilSteady(blocks({ a: [1, 1] }), { maxBlocks: 10, patience: 1 });
    expect(r.blocks).toBe(2);
  });
});
