import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BitReader, BitWriter } from './bits.ts';
import { CodecError } from './errors.ts';

/** A field of 0..53 bits holding a value that fits. */
const field = fc
  .integer({ min: 0, max: 53 })
  .chain((width) =>
    fc.record({ width: fc.constant(width), value: fc.integer({ min: 0, max: 2 ** width - 1 }) }),
  );

describe('BitWriter / BitReader', () => {
  it('does round-trip any sequence of fields when widths vary from 0 to 53 bits', () => {
    fc.assert(
      fc.property(fc.array(field, { maxLength: 200, size: 'max' }), (fields) => {
        const w = new BitWriter(4);
        for (const f of fields) w.writeWide(f.value, f.width);
        const r = new BitReader(w.finish());
        for (const f of fields) expect(r.readWide(f.width)).toBe(f.value);
      }),
    );
  });

  it('does read runs of equal-width fields with readMany when they straddle words', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 32 }), fc.integer({ min: 0, max: 7 }), (width, offset) => {
        const values = Array.from({ length: 100 }, (_, i) => (i * 2654435761) % 2 ** width);
        const w = new BitWriter();
        w.write(1, offset + 1);
        for (const v of values) w.write(v, width);
        const r = new BitReader(w.finish());
        r.read(offset + 1);
        const out = new Uint32Array(values.length);
        r.readMany(out, values.length, width);
        expect(Array.from(out)).toEqual(values);
      }),
    );
  });

  it('does emit only whole bytes of output when the last word is partial', () => {
    const w = new BitWriter();
    w.write(0x1ff, 9);
    expect(w.bitLength).toBe(9);
    expect(Array.from(w.finish())).toEqual([0xff, 0x01]);
  });

  it('does start reading at a byte offset when a header precedes the bits', () => {
    const w = new BitWriter();
    w.write(0xabcdef, 24);
    const buf = new Uint8Array([9, 9, 9, ...w.finish()]);
    expect(new BitReader(buf, 3).read(24)).toBe(0xabcdef);
  });

  it('does throw CodecError when reading past the end of the buffer', () => {
    const r = new BitReader(new Uint8Array([1, 2]));
    r.read(16);
    r.read(16); // the zero padding of the last word reads as zeros
    expect(() => r.read(1)).toThrow(CodecError);
  });
});
