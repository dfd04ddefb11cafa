import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ColumnLayout, encodePack, PACK_IDS, packEntries, packedColumn } from './column-packs.ts';

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
});
