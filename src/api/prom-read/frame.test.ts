import { describe, expect, it } from 'vitest';
import { crc32c, frame } from './frame.ts';
import { readFrames } from './test-support.ts';

describe('chunked read frames', () => {
  it('computes CRC-32C (Castagnoli)', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    // RFC 3720 B.4: 32 bytes of zeros, and of 0xff.
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
  });

  it('frames as uvarint length, big-endian CRC, message', () => {
    const message = Buffer.from('123456789');
    expect([...frame(message)]).toEqual([9, 0xe3, 0x06, 0x92, 0x83, ...message]);
    const long = Buffer.alloc(300, 7);
    const framed = frame(long);
    expect([...framed.subarray(0, 2)]).toEqual([0xac, 0x02]);
    const back = readFrames(Buffer.concat([frame(message), framed])).map((m) => Buffer.from(m));
    expect(back).toEqual([message, long]);
    const corrupt = frame(message);
    corrupt.writeUInt8(corrupt.readUInt8(corrupt.length - 1) ^ 1, corrupt.length - 1);
    expect(() => readFrames(corrupt)).toThrow(/CRC/);
  });
});
