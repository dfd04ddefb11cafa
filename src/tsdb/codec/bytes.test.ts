import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter } from './bytes.ts';
import { CodecError } from './errors.ts';

describe('ByteWriter / ByteReader', () => {
  it('does round-trip varints of any safe non-negative integer', () => {
    fc.assert(
      fc.property(fc.array(fc.maxSafeNat()), (values) => {
        const w = new ByteWriter(1);
        for (const v of values) w.writeVarint(v);
        const r = new ByteReader(w.finish());
        for (const v of values) expect(r.readVarint()).toBe(v);
      }),
    );
  });

  it('does round-trip signed varints when the magnitude is below 2^52', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -(2 ** 52) + 1, max: 2 ** 52 - 1 })), (values) => {
        const w = new ByteWriter();
        for (const v of values) w.writeSignedVarint(v);
        const r = new ByteReader(w.finish());
        for (const v of values) expect(r.readSignedVarint()).toBe(v);
      }),
    );
  });

  it('does spend one byte on small varints and eight on the largest safe integer', () => {
    const w = new ByteWriter();
    w.writeVarint(127);
    expect(w.length).toBe(1);
    w.writeVarint(Number.MAX_SAFE_INTEGER);
    expect(w.length).toBe(9);
  });

  it('does throw CodecError when a varint or word is cut off', () => {
    expect(() => new ByteReader(new Uint8Array([0x80, 0x80])).readVarint()).toThrow(CodecError);
    expect(() => new ByteReader(new Uint8Array([1, 2, 3])).readUint32()).toThrow(CodecError);
    expect(() => new ByteReader(new Uint8Array(12).fill(0xff)).readVarint()).toThrow(CodecError);
  });
});
