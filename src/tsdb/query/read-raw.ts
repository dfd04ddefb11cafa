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
import { asBuffer, asBuffers, execHost } from './pipeline.ts';
import { readIndexes, unionWindows } from './windows.ts';

/**
 * Raw points of series `ids` with from ≤ t ≤ to, oldest first: sealed windows from the raw index and
 * unsealed heads, the head merged over the sealed data of its window (head samples are newer). Two
 * round trips whatever the range: the indexes, then one pipeline for every window.
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
  const index = await readIndexes(ctx, org, host, from, to, false);
  const points = await fetchRawWindows(ctx, org, host, ids, index.raw, index.heads);
  for (const [id, p] of points) points.set(id, slicePoints(p, from, to));
  return points;
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
  const windows = unionWindows(sealed, heads);
  const withHead = new Set(heads);
  const fields = ['t', ...ids.map((id) => `r:${id}`)];
  const replies = await execHost(ctx.redis, (p) => {
    for (const ws of windows) {
      if (withHead.has(ws)) p.getBuffer(ctx.keys.head(org, host, ws));
      p.hmgetBuffer(ctx.keys.window(org, host, ws), ...fields);
    }
  });
  const parts = new Map<number, Points[]>(ids.map((id) => [id, []]));
  const only = new Set(ids);
  let at = 0;
  for (const ws of windows) {
    const head = withHead.has(ws) ? asBuffer(replies[at++]) : undefined;
    const sealedPoints = decodeSealed(asBuffers(replies[at++]), ids);
    const headPoints = head ? pointsBySeries(decodeHead(head, only), only) : undefined;
    for (const [id, list] of parts) {
      const merged = mergePoints(sealedPoints.get(id) ?? emptyPoints, headPoints?.get(id) ?? emptyPoints);
      if (merged.timestamps.length > 0) list.push(merged);
    }
  }
  return new Map([...parts].map(([id, list]) => [id, concatPoints(list)]));
}

/** Decodes an HMGET reply of `t, r:<id>…`; the shared timestamp column is decoded once per window. */
function decodeSealed(reply: ReadonlyArray<Buffer | null>, ids: readonly number[]): Map<number, Points> {
  const out = new Map<number, Points>();
  const t = reply[0];
  if (!t) return out;
  const timestamps = decodeWindowTimestamps(t);
  ids.forEach((id, i) => {
    const column = reply[i + 1];
    if (column) out.set(id, decodeRawColumn(timestamps, column));
  });
  return out;
}
