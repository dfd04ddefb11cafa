import { describe, expect, it } from 'vitest';
import { SpoolRecordTooLargeError } from './errors.ts';
import { decodeFrameHeader, encodeFrame, FRAME_HEADER_BYTES, frameIsIntact } from './frame.ts';

function split(frame: Buffer): { header: Buffer; payload: Buffer } {
  return { header: frame.subarray(0, FRAME_HEADER_BYTES), payload: frame.subarray(FRAME_HEADER_BYTES) };
}

describe('frame', () => {
  it('does round-trip a record when nothing is altered', () => {
    const record = Buffer.from('hello spool');
    const { header, payload } = split(encodeFrame(record));
    expect(decodeFrameHeader(header).length).toBe(record.length);
    expect(payload.equals(record)).toBe(true);
    expect(frameIsIntact(header, payload)).toBe(true);
  });

  it('does frame an empty record when given zero bytes', () => {
    const { header, payload } = split(encodeFrame(new Uint8Array(0)));
    expect(frameIsIntact(header, payload)).toBe(true);
  });

  it('does copy the record when the caller reuses its buffer', () => {
    const record = Buffer.from('abc');
    const frame = encodeFrame(record);
    record.fill(0);
    expect(split(frame).payload.toString()).toBe('abc');
  });

  it('does fail the checksum when one payload bit flips', () => {
    const frame = encodeFrame(Buffer.from('payload bytes'));
    frame[FRAME_HEADER_BYTES + 3] = (frame[FRAME_HEADER_BYTES + 3] ?? 0) ^ 0x01;
    const { header, payload } = split(frame);
    expect(frameIsIntact(header, payload)).toBe(false);
  });

  it('does fail the checksum when the length field is altered', () => {
    const frame = encodeFrame(Buffer.from('payload bytes'));
    const header = Buffer.from(frame.subarray(0, FRAME_HEADER_BYTES));
    header.writeUInt32LE(5, 0);
    expect(frameIsIntact(header, frame.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + 5))).toBe(false);
  });

  it('does reject a zero-filled frame when a file system extended the file without data', () => {
    const zeros = Buffer.alloc(FRAME_HEADER_BYTES);
    expect(frameIsIntact(zeros, new Uint8Array(0))).toBe(false);
  });

  it('does throw a typed error when a record exceeds the 32-bit length field', () => {
    const huge = { byteLength: 2 ** 32 } as unknown as Uint8Array;
    expect(() => encodeFrame(huge)).toThrow(SpoolRecordTooLargeError);
  });
});
