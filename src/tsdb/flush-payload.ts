import { deserialize, serialize } from 'node:v8';
import { execGrouped, type Keys, type PipelineOp, type RedisClient } from '../redis/index.ts';
import type { WriteBatch } from './batch.ts';

/** Head bytes for one host window, ready to APPEND. */
export interface HeadAppend {
  readonly org: string;
  readonly host: string;
  readonly windowStart: number;
  readonly data: Uint8Array;
}

/** Newest sample per series id of one host: field = id, value = 16 bytes (timestamp, value; f64 LE). */
export interface LatestUpdate {
  readonly org: string;
  readonly host: string;
  readonly fields: ReadonlyArray<readonly [number, Uint8Array]>;
}

/** Everything one flush writes. It is also the spool record format (v8 serialisation keeps floats exact). */
export interface FlushPayload {
  readonly heads: readonly HeadAppend[];
  readonly latest: readonly LatestUpdate[];
  /** `org:host` → newest write time, for the hosts index. */
  readonly hostsSeen: ReadonlyArray<readonly [string, number]>;
}

/** A spool record: a flush whose series ids were known, or whole batches that still need ids. */
export type SpoolRecord =
  | { kind: 'flush'; payload: FlushPayload }
  | { kind: 'batches'; batches: WriteBatch[] };

export function encodeSpoolRecord(record: SpoolRecord): Uint8Array {
  if (record.kind === 'batches') {
    // Columns may be plain arrays or typed arrays; copy to Float64Array so the record is compact.
    const batches = record.batches.map((b) => ({
      ...b,
      series: Float64Array.from(b.series),
      timestamps: Float64Array.from(b.timestamps),
      values: Float64Array.from(b.values),
    }));
    return serialize({ kind: 'batches', batches });
  }
  return serialize(record);
}

export function decodeSpoolRecord(buf: Uint8Array): SpoolRecord {
  return deserialize(buf) as SpoolRecord;
}

/**
 * Applies a flush to Redis. Every command is idempotent in effect: a repeated APPEND leaves duplicate
 * records that readers and the sealer de-duplicate; ZADD and HSET repeat harmlessly; `ZADD GT` never
 * moves a host's last-write time back. `withLatest: false` is used on spool replay, where an old value
 * could overwrite a newer one written since. With `waitReplicas`, each pipeline ends with `WAIT` and
 * rejects (ReplicasError, unavailable) when fewer replicas confirm it in time.
 */
export function applyFlush(
  client: RedisClient,
  keys: Keys,
  payload: FlushPayload,
  withLatest = true,
  waitReplicas?: { readonly count: number; readonly timeoutMs: number },
): Promise<unknown[]> {
  const ops: PipelineOp[] = [];
  for (const h of payload.heads) {
    const head = keys.head(h.org, h.host, h.windowStart);
    const heads = keys.heads(h.org, h.host);
    ops.push({
      key: head,
      add: (p) => p.append(head, Buffer.from(h.data.buffer, h.data.byteOffset, h.data.byteLength)),
    });
    ops.push({ key: heads, add: (p) => p.zadd(heads, h.windowStart, String(h.windowStart)) });
  }
  if (withLatest) {
    for (const l of payload.latest) {
      const key = keys.latest(l.org, l.host);
      const args = l.fields.flatMap(([id, bytes]) => [
        String(id),
        Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      ]);
      ops.push({ key, add: (p) => p.hset(key, ...args) });
    }
  }
  const hostsIndex = keys.hostsIndex();
  for (const [member, at] of payload.hostsSeen) {
    ops.push({ key: hostsIndex, add: (p) => p.zadd(hostsIndex, 'GT', at, member) });
  }
  return execGrouped(client, ops, { waitReplicas });
}
