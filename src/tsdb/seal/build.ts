import { encodeValues } from '../codec/index.ts';
import {
  type ColumnKind,
  columnSplit,
  encodePack,
  isPackField,
  joinColumn,
  PACK_MAX_BYTES,
  packEntries,
  packField,
  packGroup,
} from '../column-packs.ts';
import type { HeadSamples } from '../head-record.ts';
import { TIERS, type Tier, WINDOW_MS } from '../layout.ts';
import {
  emptyPoints,
  mergePoints,
  type Points,
  pointsBySeries,
  slicePoints,
  unionTimestamps,
} from '../points.ts';
import { sliced } from '../slices.ts';
import {
  computeRollup,
  decodeRawColumn,
  decodeWindowTimestamps,
  encodeHourlyField,
  encodeRawColumn,
  encodeRollupBlock,
  encodeWindowTimestamps,
  type Rollup,
  refersToShared,
  SHARED_COUNTS_FIELD,
  sharedCounts,
} from '../window-format.ts';

/** A sealed window as HASH fields, ready for the seal script. */
export interface EncodedWindow {
  /**
   * `t`, then `r:<id>` and `m:<id>` per series in id order, then the packs of small columns (`R:<group>`
   * then `M:<group>`, groups in id order), then the shared counts `M:c` when a block refers to them:
   * deterministic, so replays write the same bytes.
   */
  readonly fields: ReadonlyArray<readonly [string, Uint8Array]>;
  /** The window's field of the day's hourly HASH. */
  readonly hourly: Uint8Array;
  readonly series: number;
  readonly samples: number;
  readonly bytes: number;
}

/** Bucket width and slots per window of a rollup tier, from the TIERS table. */
function geometry(tier: Tier): { stepMs: number; slots: number } {
  const stepMs = TIERS.find((spec) => spec.tier === tier)?.stepMs ?? 0;
  return { stepMs, slots: WINDOW_MS / stepMs };
}

const MINUTE = geometry('1m');
const HOUR = geometry('1h');

/** Head samples per series, sorted and de-duplicated, limited to the window (a stray sample cannot leak out). */
export function headSeries(head: HeadSamples, windowStart: number): Map<number, Points> {
  const out = new Map<number, Points>();
  for (const [id, points] of pointsBySeries(head)) {
    const inside = slicePoints(points, windowStart, windowStart + WINDOW_MS - 1);
    if (inside.timestamps.length > 0) out.set(id, inside);
  }
  return out;
}

/** The raw points of every series of a sealed window HASH (empty when it has no `t` field). */
export function decodeWindow(fields: Readonly<Record<string, Uint8Array>>): Map<number, Points> {
  const out = new Map<number, Points>();
  const t = fields.t;
  if (!t) return out;
  const timestamps = decodeWindowTimestamps(t);
  const own = new Map<number, Uint8Array>();
  const packed = new Map<number, Uint8Array>();
  for (const [name, value] of Object.entries(fields)) {
    if (name.startsWith('r:')) own.set(Number(name.slice(2)), value);
    else if (isPackField('r', name)) for (const [id, column] of packEntries(value)) packed.set(id, column);
  }
  const ids = [...new Set([...own.keys(), ...packed.keys()])].sort((a, b) => a - b);
  for (const id of ids) {
    const column = joinColumn(own.get(id), packed.get(id));
    if (column) out.set(id, decodeRawColumn(timestamps, column));
  }
  return out;
}

/** Sealed points with the head's merged in; the head wins a repeated (series, timestamp). */
export function mergeSeries(sealed: Map<number, Points>, head: Map<number, Points>): Map<number, Points> {
  const out = new Map(sealed);
  for (const [id, points] of head) out.set(id, mergePoints(sealed.get(id) ?? emptyPoints, points));
  return out;
}

/**
 * Encodes a window's fields, letting requests in between columns (`sliced`). Columns of at most
 * `packMaxBytes` go into their group's pack, and a bigger raw column's tail past its exact allocation
 * size (column-packs.ts; rollup blocks stay whole); 1-minute blocks refer to the window's shared counts where they can. 0 gives
 * every column its own field whole and no shared counts, as windows were sealed before packs.
 */
export async function encodeWindow(
  series: ReadonlyMap<number, Points>,
  windowStart: number,
  packMaxBytes = PACK_MAX_BYTES,
  /**
   * 1-minute blocks store only sum and count (`encodeRollupBlock`'s `lean`): the window keeps its raw
   * columns, which readers of min, max and last decode instead. Retention writes the blocks whole
   * before it drops raw. Not with `packMaxBytes` 0, which writes windows as they were before packs.
   */
  lean = packMaxBytes > 0,
): Promise<EncodedWindow> {
  const t = unionTimestamps(series.values());
  const fields: Array<readonly [string, Uint8Array]> = [['t', encodeWindowTimestamps(t)]];
  const packs: Record<ColumnKind, Map<number, Array<[number, Uint8Array]>>> = { r: new Map(), m: new Map() };
  const put = (kind: ColumnKind, id: number, bytes: Uint8Array) => {
    const head = columnSplit(bytes.length, packMaxBytes, kind === 'm');
    if (head > 0) fields.push([`${kind}:${id}`, head === bytes.length ? bytes : bytes.subarray(0, head)]);
    if (head === bytes.length) return;
    const rest = head === 0 ? bytes : bytes.subarray(head);
    const group = packs[kind].get(packGroup(id));
    if (group) group.push([id, rest]);
    else packs[kind].set(packGroup(id), [[id, rest]]);
  };
  const hourly = new Map<number, Rollup>();
  const shared = packMaxBytes > 0 ? sharedCounts(t, windowStart, MINUTE.stepMs, MINUTE.slots) : undefined;
  let sharedUsed = false;
  const breathe = sliced();
  let samples = 0;
  for (const id of [...series.keys()].sort((a, b) => a - b)) {
    await breathe();
    const points = series.get(id) ?? emptyPoints;
    samples += points.timestamps.length;
    put('r', id, encodeRawColumn(t, points));
    const minute = computeRollup(points, windowStart, MINUTE.stepMs, MINUTE.slots);
    const block = encodeRollupBlock(
      minute,
      windowStart,
      MINUTE.stepMs,
      MINUTE.slots,
      undefined,
      shared,
      lean,
    ).finish();
    sharedUsed ||= refersToShared(block);
    put('m', id, block);
    hourly.set(id, computeRollup(points, windowStart, HOUR.stepMs, HOUR.slots));
  }
  for (const kind of ['r', 'm'] as const)
    for (const [group, entries] of packs[kind]) fields.push([packField(kind, group), encodePack(entries)]);
  if (shared && sharedUsed) fields.push([SHARED_COUNTS_FIELD, encodeValues(shared)]);
  const hourlyField = encodeHourlyField(hourly, windowStart, HOUR.stepMs, HOUR.slots);
  const bytes = fields.reduce((sum, [name, value]) => sum + name.length + value.length, hourlyField.length);
  return { fields, hourly: hourlyField, series: series.size, samples, bytes };
}
