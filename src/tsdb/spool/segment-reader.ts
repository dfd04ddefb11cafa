/**
 * Reads the valid prefix of a sealed segment: frames in order up to the first one that is incomplete
 * or fails its checksum. Everything from there on is counted as discarded, never returned: after a
 * crash that is the torn tail of an unacknowledged write, and after bit rot the framing past the bad
 * frame cannot be trusted to find the next record.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { io } from './errors.ts';
import {
  decodeFrameHeader,
  FRAME_HEADER_BYTES,
  frameIsIntact,
  SEGMENT_HEADER_BYTES,
  SEGMENT_MAGIC,
} from './frame.ts';

/** Reads are served from a window of at least this size, so small records cost no syscall each. */
const DEFAULT_WINDOW_BYTES = 1 << 20;

export class SegmentReader {
  readonly path: string;
  readonly #windowBytes: number;
  #discardedBytes = 0;

  constructor(path: string, windowBytes = DEFAULT_WINDOW_BYTES) {
    this.path = path;
    this.#windowBytes = windowBytes;
  }

  /** Bytes past the valid prefix; known once `records()` has run to its end. */
  get discardedBytes(): number {
    return this.#discardedBytes;
  }

  /** Yields each record as a fresh copy, which the consumer may keep. */
  async *records(): AsyncGenerator<Uint8Array, void, undefined> {
    const handle = await io('open', this.path, () => open(this.path, 'r'));
    try {
      const size = (await io('stat', this.path, () => handle.stat())).size;
      const window = new FileWindow(handle, this.path, this.#windowBytes);
      // A file without our header (created, then a crash before its first write) holds nothing to read.
      let position = SEGMENT_HEADER_BYTES;
      this.#discardedBytes = size;
      if (!(await hasMagic(window, size))) return;
      for (;;) {
        const payload = await frameAt(window, position, size);
        if (payload === null) break;
        yield new Uint8Array(payload);
        position += FRAME_HEADER_BYTES + payload.byteLength;
      }
      this.#discardedBytes = size - position;
    } finally {
      await handle.close().catch(() => undefined);
    }
  }
}

async function hasMagic(window: FileWindow, size: number): Promise<boolean> {
  if (size < SEGMENT_HEADER_BYTES) return false;
  return (await window.read(0, SEGMENT_HEADER_BYTES)).equals(SEGMENT_MAGIC);
}

/** The payload of the frame at `position`, or null where the valid prefix ends. */
async function frameAt(window: FileWindow, position: number, size: number): Promise<Buffer | null> {
  if (position + FRAME_HEADER_BYTES > size) return null;
  const header = await window.read(position, FRAME_HEADER_BYTES);
  const { length } = decodeFrameHeader(header);
  // Checked before reading so a garbage length never makes us allocate gigabytes.
  if (position + FRAME_HEADER_BYTES + length > size) return null;
  const payload = await window.read(position + FRAME_HEADER_BYTES, length);
  return frameIsIntact(header, payload) ? payload : null;
}

/**
 * A read-ahead window over a file. Each refill allocates a new buffer, so slices handed out earlier
 * stay valid.
 */
class FileWindow {
  readonly #handle: FileHandle;
  readonly #path: string;
  readonly #minRead: number;
  #buffer: Buffer = Buffer.alloc(0);
  #start = 0;

  constructor(handle: FileHandle, path: string, minRead: number) {
    this.#handle = handle;
    this.#path = path;
    this.#minRead = minRead;
  }

  /** Up to `length` bytes at `position`; fewer only if the file ends first. */
  async read(position: number, length: number): Promise<Buffer> {
    const offset = position - this.#start;
    if (offset >= 0 && offset + length <= this.#buffer.length) {
      return this.#buffer.subarray(offset, offset + length);
    }
    const buffer = Buffer.allocUnsafe(Math.max(length, this.#minRead));
    let filled = 0;
    while (filled < length) {
      const target = position + filled;
      const { bytesRead } = await io('read', this.#path, () =>
        this.#handle.read(buffer, filled, buffer.length - filled, target),
      );
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    this.#buffer = buffer.subarray(0, filled);
    this.#start = position;
    return this.#buffer.subarray(0, Math.min(length, filled));
  }
}
