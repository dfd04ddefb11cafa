import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ColumnLayout,
  columnSplit,
  encodePack,
  exactHead,
  joinColumn,
  PACK_IDS,
  PACK_MAX_BYTES,
  packEntries,
  packedColumn,
  sizeClass,
} from './column-packs.ts';

/** Bytes Redis allocates for a value of `length` bytes (sds header and final NUL). */
const allocated = (length: number) =>
  length + (length < 32 ? 2 : length < 256 ? 4 : length < 65_536 ? 6 : 10);

/** Pack entries: distinct ids ascending, each with some bytes. */
const entries = fc
  .uniqueArray(fc.nat(10_000), { maxLength: 40 })
  .chain((ids) =>
    fc.tuple(
      ...[...ids]
        .sort((a, b) => a - b)
        .map((id) => fc.tuple(fc.constant(id), fc.uint8Array({ maxLength: 60 }))),
    ),
  );

describe('column packs', () => {
  it('does give back every column it packed, and nothing for other ids', () => {
    fc.assert(
      fc.property(entries, fc.nat(10_000), (list, other) => {
        const pack = encodePack(list);
        expect(packEntries(pack)).toEqual(list);
        for (const [id, bytes] of list) expect(packedColumn(pack, id)).toEqual(bytes);
        if (!list.some(([id]) => id === other)) expect(packedColumn(pack, other)).toBeUndefined();
      }),
    );
  });

  it('does ask for each id and each group once, and find a column in its own field or its pack', () => {
    const ids = [3, PACK_IDS + 1, 5, 40];
    const layout = new ColumnLayout('r', ids);
    expect(layout.fields).toEqual(['r:3', `r:${PACK_IDS + 1}`, 'r:5', 'r:40', 'R:0', 'R:1', 'R:2']);
    const own = Buffer.from([9, 9]);
    const pack0 = Buffer.from(encodePack([[5, Uint8Array.of(1)]]));
    // r:3 own field; r:17 absent (group 1 has no pack); r:5 in R:0; r:40 absent from R:2.
    const reply = [
      Buffer.from('t'),
      own,
      null,
      null,
      null,
      pack0,
      null,
      Buffer.from(encodePack([[41, Uint8Array.of(2)]])),
    ];
    expect(layout.column(reply, 1, 0)).toEqual(own);
    expect(layout.column(reply, 1, 1)).toBeUndefined();
    expect(layout.column(reply, 1, 2)).toEqual(Uint8Array.of(1));
    expect(layout.column(reply, 1, 3)).toBeUndefined();
  });

  it('does keep size classes at four per doubling past 128 bytes', () => {
    const classes = [16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 640];
    for (const c of classes) {
      expect(sizeClass(c)).toBe(c);
      expect(sizeClass(c - 1)).toBe(c);
    }
    expect(sizeClass(4097)).toBe(5120);
    expect(sizeClass(16_385)).toBe(20_480);
  });

  it('does split a column into a head that fills its allocation exactly and a tail under a fifth', () => {
    fc.assert(
      fc.property(fc.integer({ min: PACK_MAX_BYTES + 1, max: 300_000 }), (length) => {
        const head = exactHead(length);
        expect(head).toBeLessThanOrEqual(length);
        expect(sizeClass(allocated(head))).toBe(allocated(head));
        if (head < length) {
          expect(sizeClass(allocated(length))).toBeGreaterThan(allocated(length));
          // Nothing longer than the head and no longer than the column fills its allocation exactly.
          for (const longer of [head + 1, Math.min(length, head + 7), length])
            if (longer > head) expect(sizeClass(allocated(longer))).not.toBe(allocated(longer));
          expect(length - head).toBeLessThan(length / 4);
        }
        const split = columnSplit(length);
        expect(split === 0 || split === head).toBe(true);
        if (split === 0) expect(head).toBeLessThanOrEqual(PACK_MAX_BYTES);
        expect(columnSplit(length, 0)).toBe(length);
        expect(columnSplit(length, PACK_MAX_BYTES, true)).toBe(length);
      }),
    );
    expect(exactHead(4090)).toBe(4090);
    expect(exactHead(4091)).toBe(4090);
    expect(exactHead(5000)).toBe(4090);
    expect(columnSplit(PACK_MAX_BYTES)).toBe(0);
  });

  it('does read a column split between its own field and its pack, and either alone', () => {
    const column = Uint8Array.from({ length: 300 }, (_, i) => i % 251);
    const head = exactHead(column.length);
    expect(head).toBeLessThan(column.length);
    const layout = new ColumnLayout('r', [2, 7]);
    const pack = Buffer.from(
      encodePack([
        [2, column.subarray(head)],
        [7, Uint8Array.of(5)],
      ]),
    );
    const reply = [Buffer.from(column.subarray(0, head)), null, pack];
    expect(layout.column(reply, 0, 0)).toEqual(column);
    expect(layout.column(reply, 0, 1)).toEqual(Uint8Array.of(5));
    expect(Uint8Array.from(layout.column([Buffer.from(column), null, null], 0, 0) ?? [])).toEqual(column);
    expect(joinColumn(undefined, undefined)).toBeUndefined();
  });
});
