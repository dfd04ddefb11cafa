import type { WriteBatch } from './batch.ts';
import type { FlushPayload, HeadAppend, LatestUpdate } from './flush-payload.ts';
import { HeadRecordWriter } from './head-record.ts';
import { windowStart } from './layout.ts';

interface HostPending {
  readonly org: string;
  readonly host: string;
  readonly windows: Map<number, HeadRecordWriter>;
  readonly latest: Map<number, [number, number]>;
  seenAt: number;
}

/**
 * Samples waiting for the next flush, already encoded as head records per host window. Consecutive
 * samples with one timestamp (an agent snapshot) share a group, so a snapshot costs one timestamp.
 */
export class PendingWrites {
  private hosts = new Map<string, HostPending>();
  samples = 0;

  add(batch: WriteBatch, ids: readonly number[], now: number): void {
    const entry = this.host(batch.org, batch.host, now);
    const n = batch.timestamps.length;
    const groupIds: number[] = [];
    const groupValues: number[] = [];
    let i = 0;
    while (i < n) {
      const t = batch.timestamps[i] as number;
      groupIds.length = 0;
      groupValues.length = 0;
      for (; i < n && batch.timestamps[i] === t; i++) {
        const id = ids[batch.series[i] as number] as number;
        const v = batch.values[i] as number;
        groupIds.push(id);
        groupValues.push(v);
        const known = entry.latest.get(id);
        if (!known) entry.latest.set(id, [t, v]);
        else if (known[0] <= t) {
          // Updated in place: a series is seen once per snapshot, and a pair each made garbage.
          known[0] = t;
          known[1] = v;
        }
      }
      this.window(entry, windowStart(t)).addGroup(t, groupIds, groupValues);
    }
    this.samples += n;
  }

  get isEmpty(): boolean {
    return this.samples === 0;
  }

  /** Hands over everything pending as one flush payload and starts afresh. */
  take(): { payload: FlushPayload; samples: number } {
    const heads: HeadAppend[] = [];
    const latest: LatestUpdate[] = [];
    const hostsSeen: Array<[string, number]> = [];
    for (const [key, entry] of this.hosts) {
      for (const [ws, writer] of entry.windows)
        heads.push({ org: entry.org, host: entry.host, windowStart: ws, data: writer.finish() });
      latest.push({ org: entry.org, host: entry.host, fields: latestFields(entry.latest) });
      hostsSeen.push([key, entry.seenAt]);
    }
    const samples = this.samples;
    this.hosts = new Map();
    this.samples = 0;
    return { payload: { heads, latest, hostsSeen }, samples };
  }

  private host(org: string, host: string, now: number): HostPending {
    const key = `${org}:${host}`;
    let entry = this.hosts.get(key);
    if (!entry) {
      entry = { org, host, windows: new Map(), latest: new Map(), seenAt: now };
      this.hosts.set(key, entry);
    }
    entry.seenAt = now;
    return entry;
  }

  private window(entry: HostPending, ws: number): HeadRecordWriter {
    let writer = entry.windows.get(ws);
    if (!writer) {
      writer = new HeadRecordWriter(4096);
      entry.windows.set(ws, writer);
    }
    return writer;
  }
}

/**
 * The host's newest samples as `LatestUpdate` fields (16 bytes each: timestamp, value; f64 LE), views
 * of one buffer: a buffer per series cost more than its bytes.
 */
function latestFields(
  latest: ReadonlyMap<number, readonly [number, number]>,
): Array<readonly [number, Uint8Array]> {
  const buffer = new ArrayBuffer(16 * latest.size);
  const view = new DataView(buffer);
  const fields: Array<readonly [number, Uint8Array]> = [];
  let at = 0;
  for (const [id, [t, v]] of latest) {
    view.setFloat64(at, t, true);
    view.setFloat64(at + 8, v, true);
    fields.push([id, new Uint8Array(buffer, at, 16)]);
    at += 16;
  }
  return fields;
}
