import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Snapshot } from '../contract/wire.ts';

/** Which host a spooled snapshot belongs to, as the push will name it. */
export interface HostMeta {
  readonly host: string;
  readonly name?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * A spool segment holds JSON lines, append-only, of two kinds: a snapshot of batch `k` —
 * `{"k":key,"h":meta,"s":snapshot}` — and the acknowledgement that batch `k` is done (delivered, or
 * dropped as unacceptable) — `{"a":key}`.
 */

/** Where one snapshot line sits. */
export interface Position {
  readonly segment: number;
  readonly offset: number;
  readonly length: number;
}

const SEGMENT = /^seg-(\d{12})\.jsonl$/;

export function segmentName(n: number): string {
  return `seg-${String(n).padStart(12, '0')}.jsonl`;
}

/** Segment numbers in the directory, oldest first. */
export function listSegments(dir: string): number[] {
  return readdirSync(dir)
    .map((f) => SEGMENT.exec(f)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

export function segmentSize(dir: string, n: number): number {
  return statSync(join(dir, segmentName(n))).size;
}

/** A spool line as recovery needs it: the snapshot itself is not parsed (it is read back when sent). */
export type SpoolEntry = { k: string; h: HostMeta } | { a: string };

/**
 * Calls `visit` with every complete line of a segment and its byte position. A line without its newline
 * was torn by a crash (every line is written with its newline in one write); it and unreadable lines
 * are counted through `onBad` and skipped. Only each line's header is decoded, so recovering a full
 * spool makes little garbage (V8 keeps the heap it grew to, so garbage here would be RSS for good).
 */
export function scanSegment(
  dir: string,
  n: number,
  visit: (entry: SpoolEntry, at: Position) => void,
  onBad: () => void,
): void {
  const bytes = readFileSync(join(dir, segmentName(n)));
  for (let start = 0; start < bytes.length; ) {
    const newline = bytes.indexOf(10, start);
    const end = newline < 0 ? bytes.length : newline;
    const entry = newline < 0 ? undefined : parseEntry(bytes, start, end);
    if (entry) visit(entry, { segment: n, offset: start, length: end - start });
    else if (end > start) onBad();
    start = end + 1;
  }
}

const SNAPSHOT_FIELD = Buffer.from(',"s":');

/**
 * The key and host of the line at `bytes[start, end)` without decoding the snapshot: the spool writes
 * `k`, `h`, `s` in that order, and `,"s":` cannot occur inside a JSON string (its quote would be
 * escaped), so the first one ends the header.
 */
export function parseEntry(bytes: Buffer, start: number, end: number): SpoolEntry | undefined {
  const found = bytes.indexOf(SNAPSHOT_FIELD, start);
  const cut = found >= 0 && found < end ? found : -1;
  try {
    const v: unknown = JSON.parse(
      cut < 0 ? bytes.toString('utf8', start, end) : `${bytes.toString('utf8', start, cut)}}`,
    );
    if (typeof v !== 'object' || v === null) return undefined;
    if ('a' in v && typeof v.a === 'string') return { a: v.a };
    if (
      cut > 0 &&
      'k' in v &&
      typeof v.k === 'string' &&
      'h' in v &&
      typeof v.h === 'object' &&
      v.h !== null
    ) {
      return { k: v.k, h: v.h as HostMeta };
    }
  } catch {
    // fall through: not a line the spool wrote
  }
  return undefined;
}

function parseSnapshot(text: string): Snapshot | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && 's' in v ? (v.s as Snapshot) : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the snapshot lines at `positions` (one open per segment); unreadable lines are left out. */
export function readSnapshots(dir: string, positions: readonly Position[]): Snapshot[] {
  const out: Snapshot[] = [];
  const fds = new Map<number, number>();
  try {
    for (const at of positions) {
      let fd = fds.get(at.segment);
      if (fd === undefined) {
        fd = openSync(join(dir, segmentName(at.segment)), 'r');
        fds.set(at.segment, fd);
      }
      const buf = Buffer.alloc(at.length);
      readSync(fd, buf, 0, at.length, at.offset);
      const snapshot = parseSnapshot(buf.toString('utf8'));
      if (snapshot) out.push(snapshot);
    }
  } finally {
    for (const fd of fds.values()) closeSync(fd);
  }
  return out;
}

/** Makes a new file's directory entry durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** What a spool directory holds, read without taking it over (for `vitals agent health`). */
export function inspectSpool(dir: string): { segments: number; bytes: number; pendingSnapshots: number } {
  const segments = listSegments(dir);
  const pending = new Map<string, number>();
  let bytes = 0;
  for (const n of segments) {
    bytes += segmentSize(dir, n);
    const visit = (entry: SpoolEntry) => {
      if ('a' in entry) pending.delete(entry.a);
      else pending.set(entry.k, (pending.get(entry.k) ?? 0) + 1);
    };
    scanSegment(dir, n, visit, () => undefined);
  }
  return {
    segments: segments.length,
    bytes,
    pendingSnapshots: [...pending.values()].reduce((a, b) => a + b, 0),
  };
}
