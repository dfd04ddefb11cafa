import { ColumnLayout } from '../column-packs.ts';
import { decodeHead } from '../head-record.ts';
import type { TsdbContext } from '../options.ts';
import {
  concatPoints,
  emptyPoints,
  mergePoints,
  type Points,
  pointsBySeries,
  slicePoints,
} from '../points.ts';
import { decodeRawColumn, decodeWindowTimestamps } from '../window-format.ts';
import { type RawRead, readGuessed } from './guessed-read.ts';
import { asBuffer, asBuffers, execHost } from './pipeline.ts';
import { unionWindows } from './windows.ts';

/**
 * Raw points of series `ids` with from ≤ t ≤ to, oldest first: sealed windows from the raw index and
 * unsealed heads, the head merged over the sealed data of its window (head samples are newer). One
 * round trip when the host's windows are as at its last read, two otherwise (`readGuessed`).
 */
export async function readRaw(
  ctx: TsdbContext,
  org: string,
  host: string,
  ids: readonly number[],
  from: number,
  to: number,
): Promise<Map<number, Points>> {
  if (ids.length === 0 || from > to) return new Map(ids.map((id) => [id, emptyPoints]));
  const read = await readGuessed(
    ctx,
    org,
    host,
    { from, to, withRollups: false },
    (sets) => ({ raw: rawReads([...sets.raw], [...sets.heads]), minute: [], hour: [] }),
    { raw: rawFields(ids), minute: [] },
  );
  const windows = read.reads.raw.map((r) => r.ws);
  const points = decodeRawWindows(windows, ids, read.raw);
  for (const [id, p] of points) points.set(id, slicePoints(p, from, to));
  return points;
}

/** The raw reads of sealed windows and windows with a head, oldest first. */
export function rawReads(sealed: readonly number[], heads: readonly number[]): RawRead[] {
  const withHead = new Set(heads);
  return unionWindows(sealed, heads).map((ws) => ({ ws, head: withHead.has(ws) }));
}

/** The fields of a raw read: the window's timestamps, then each id's column and the packs of small ones. */
export function rawFields(ids: readonly number[]): string[] {
  return ['t', ...new ColumnLayout('r', ids).fields];
}

/**
 * Raw points of the given windows (sealed ones and ones with a head), concatenated oldest first.
 *
 * A window with a head is read head first, then its sealed fields, in the same pipeline: if the sealer
 * seals it in between, the head read still has the samples, or both reads see the sealed copy. Read the
 * other way round, samples could be missed by both.
 */
export async function fetchRawWindows(
  ctx: TsdbContext,
  org: string,
  host: string,
  ids: readonly number[],
  sealed: readonly number[],
  heads: readonly number[],
): Promise<Map<number, Points>> {
  const reads = rawReads(sealed, heads);
  const fields = rawFields(ids);
  const replies = await execHost(ctx.redis, (p) => {
    for (const { ws, head } of reads) {
      if (head) p.getBuffer(ctx.keys.head(org, host, ws));
      p.hmgetBuffer(ctx.keys.window(org, host, ws), ...fields);
    }
  });
  const byWindow = new Map<number, { head: unknown; sealed: unknown }>();
  let at = 0;
  for (const { ws, head } of reads) {
    const headReply = head ? replies[at++] : undefined;
    byWindow.set(ws, { head: headReply, sealed: replies[at++] });
  }
  return decodeRawWindows(
    reads.map((r) => r.ws),
    ids,
    (ws) => byWindow.get(ws) ?? { head: undefined, sealed: undefined },
  );
}

/** Decodes raw windows (oldest first) from their replies, each head merged over its window's sealed points. */
export function decodeRawWindows(
  windows: readonly number[],
  ids: readonly number[],
  replyOf: (ws: number) => { readonly head: unknown; readonly sealed: unknown },
): Map<number, Points> {
  const parts = new Map<number, Points[]>(ids.map((id) => [id, []]));
  const only = new Set(ids);
  const layout = new ColumnLayout('r', ids);
  for (const ws of windows) {
    const reply = replyOf(ws);
    const head = asBuffer(reply.head);
    const sealedPoints = decodeSealed(asBuffers(reply.sealed), ids, layout);
    const headPoints = head ? pointsBySeries(decodeHead(head, only), only) : undefined;
    for (const [id, list] of parts) {
      const merged = mergePoints(sealedPoints.get(id) ?? emptyPoints, headPoints?.get(id) ?? emptyPoints);
      if (merged.timestamps.length > 0) list.push(merged);
    }
  }
  return new Map([...parts].map(([id, list]) => [id, concatPoints(list)]));
}

/** Decodes an HMGET reply of `rawFields`; the shared timestamp column is decoded once per window. */
function decodeSealed(
  reply: ReadonlyArray<Buffer | null>,
  ids: readonly number[],
  layout: ColumnLayout,
): Map<number, Points> {
  const out = new Map<number, Points>();
  const t = reply[0];
  if (!t) return out;
  const timestamps = decodeWindowTimestamps(t);
  ids.forEach((id, i) => {
    const column = layout.column(reply, 1, i);
    if (column) out.set(id, decodeRawColumn(timestamps, column));
  });
  return out;
}
