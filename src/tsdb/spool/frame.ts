/**
 * On-disk format of one segment file:
 *
 *   segment := magic frame*
 *   magic   := "VTLSPL01" (8 bytes; the version lives in the last two characters)
 *   frame   := length:u32le checksum:u32le payload[length]
 *   checksum = CRC-32 (zlib polynomial) of the 4 length bytes followed by the payload
 *
 * The checksum covers the length too, so a torn or zero-filled tail (a crash mid-write, a file system
 * that extended the file before the data landed) fails the check instead of being read as a record.
 */
import { crc32 } from 'node:zlib';
import { SpoolRecordTooLargeError } from './errors.ts';

export const SEGMENT_MAGIC: Buffer = Buffer.from('VTLSPL01', 'latin1');
export const SEGMENT_HEADER_BYTES = SEGMENT_MAGIC.length;
export const FRAME_HEADER_BYTES = 8;
/** The length field is 32 bits; larger records cannot be framed. */
export const MAX_RECORD_BYTES = 0xffff_ffff;

/** Bytes a record of `recordBytes` occupies on disk. */
export function frameBytes(recordBytes: number): number {
  return FRAME_HEADER_BYTES + recordBytes;
}

/**
 * Copies `record` into a framed buffer, so the caller may reuse its buffer as soon as `append` returns.
 */
export function encodeFrame(record: Uint8Array): Buffer {
  if (record.byteLength > MAX_RECORD_BYTES) {
    throw new SpoolRecordTooLargeError(record.byteLength, MAX_RECORD_BYTES);
  }
  const frame = Buffer.allocUnsafe(frameBytes(record.byteLength));
  frame.writeUInt32LE(record.byteLength, 0);
  frame.set(record, FRAME_HEADER_BYTES);
  frame.writeUInt32LE(frameChecksum(frame, record), 4);
  return frame;
}

export interface FrameHeader {
  readonly length: number;
  readonly checksum: number;
}

/** Reads the fixed header at the start of `header` (at least `FRAME_HEADER_BYTES` long). */
export function decodeFrameHeader(header: Buffer): FrameHeader {
  return { length: header.readUInt32LE(0), checksum: header.readUInt32LE(4) };
}

/** CRC-32 of the frame's length bytes (the first 4 of `header`) chained with the payload. */
export function frameChecksum(header: Buffer, payload: Uint8Array): number {
  return crc32(payload, crc32(header.subarray(0, 4)));
}

/** True when `payload` is the one the header announced, byte for byte. */
export function frameIsIntact(header: Buffer, payload: Uint8Array): boolean {
  const { length, checksum } = decodeFrameHeader(header);
  return payload.byteLength === length && frameChecksum(header, payload) === checksum;
}
