/**
 * The frames of a STREAMED_XOR_CHUNKS answer: uvarint(message length), the CRC-32C (Castagnoli) of the
 * message as 4 big-endian bytes, then the message (a `ChunkedReadResponse`).
 */
import { uvarintBytes } from './xor-chunk.ts';

const CASTAGNOLI = 0x82f63b78;

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ CASTAGNOLI : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C of `bytes` (as iSCSI, ext4 and Prometheus' chunked remote read use it). */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    crc = (TABLE[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** One frame around an encoded message. */
export function frame(message: Uint8Array): Buffer {
  const length = Buffer.from(uvarintBytes(message.length));
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32c(message));
  return Buffer.concat([length, crc, message]);
}
