import { ByteReader } from '../codec/bytes.ts';
import { decodeValues, Float64Arena } from '../codec/index.ts';
import { ColumnLayout } from '../column-packs.ts';
import { dayStart, WINDOW_MS } from '../layout.ts';
import type { TsdbContext } from '../options.ts';
import { type Rollup, SHARED_COUNTS_FIELD } from '../window-format.ts';
import { HOUR_MS, MINUTE_MS } from './aggregate-plan.ts';
import type { BlockScope, DecodedBlocks } from './decoded-blocks.ts';
import { asBuffers, execHost } from './pipeline.ts';
import { type RollupColumn, readHourlyField, readRollupBlock } from './rollup-columns.ts';

const MINUTE_SLOTS = WINDOW_MS / MINUTE_MS;
const HOUR_SLOTS = WINDOW_MS / HOUR_MS;

/** Rollups of one window per series id; `undefined` when the window's hourly field is missing. */
export type WindowRollups = Map<number, Map<number, Rollup> | undefined>;

/**
 * Reads the 1-minute rollups of the `minute` windows (`m:<id>` fields of the window HASH, or packs) and the
 * 1-hour rollups of the `hour` windows (one field per window in the day's HASH), in one pipeline,
 * decoding only `columns`.
 */
export async function fetchRollups(
  ctx: TsdbContext,
  org: string,
  host: string,
  ids: readonly number[],
  minute: readonly number[],
  hour: readonly number[],
  columns: ReadonlySet<RollupColumn>,
): Promise<WindowRollups> {
  const fields = rollupFields(ids).minute;
  const days = groupByDay(hour);
  const replies = await execHost(ctx.redis, (p) => {
    for (const ws of minute) p.hmgetBuffer(ctx.keys.window(org, host, ws), ...fields);
    for (const [day, list] of days) p.hmgetBuffer(ctx.keys.hourly(org, host, day), ...list.map(String));
  });
  const minuteReplies = new Map(minute.map((ws, i) => [ws, replies[i]]));
  const hourReplies = new Map<number, unknown>();
  [...days.values()].forEach((list, d) => {
    const reply = asBuffers(replies[minute.length + d]);
    list.forEach((ws, i) => {
      hourReplies.set(ws, reply[i]);
    });
  });
  return decodeRollups(
    ids,
    { minute, hour },
    (ws) => minuteReplies.get(ws),
    (ws) => hourReplies.get(ws),
    columns,
    keptBlocks(ctx, org, host),
  );
}

/**
 * The fields of a 1-minute rollup read: each id's block, the packs of small ones, the shared counts;
 * and their shape (the ids' own fields come first, then their packs: see ReadFields).
 */
export function rollupFields(ids: readonly number[]): {
  minute: string[];
  minuteShape: { own: number; packs: number };
} {
  const { fields } = new ColumnLayout('m', ids);
  return {
    minute: [...fields, SHARED_COUNTS_FIELD],
    minuteShape: { own: ids.length, packs: fields.length - ids.length },
  };
}

/** Where a host's decoded 1-minute blocks are kept: the context's cache, and the host's name in it. */
export interface Kept {
  readonly blocks: DecodedBlocks;
  readonly name: string;
}

/** The context's decoded-block cache for `org`'s `host` (none: every block is decoded). */
export function keptBlocks(ctx: TsdbContext, org: string, host: string): Kept | undefined {
  return ctx.decoded && { blocks: ctx.decoded, name: `${ctx.keys.prefix}\u0000${org}\u0000${host}` };
}

/**
 * Decodes the rollups of the `minute` windows (HMGET replies) and the `hour` windows (hourly fields);
 * with `kept`, 1-minute blocks decoded before from the same bytes are taken from there.
 */
export function decodeRollups(
  ids: readonly number[],
  windows: { readonly minute: readonly number[]; readonly hour: readonly number[] },
  minuteReply: (ws: number) => unknown,
  hourField: (ws: number) => unknown,
  columns: ReadonlySet<RollupColumn>,
  kept?: Kept,
): WindowRollups {
  const out: WindowRollups = new Map();
  const layout = new ColumnLayout('m', ids);
  // Starts and each decoded column, at most a window's slots each: one arena for the whole read.
  const slots = windows.minute.length * MINUTE_SLOTS + windows.hour.length * HOUR_SLOTS;
  const arena = new Float64Arena(slots * ids.length * (1 + columns.size));
  const scope = kept?.blocks.scope(kept.name, columns);
  for (const ws of windows.minute)
    out.set(ws, decodeMinutes(asBuffers(minuteReply(ws)), ids, layout, ws, columns, arena, scope));
  const only = new Set(ids);
  for (const ws of windows.hour) {
    const field = hourField(ws);
    out.set(
      ws,
      Buffer.isBuffer(field)
        ? readHourlyField(field, ws, HOUR_MS, HOUR_SLOTS, only, columns, arena)
        : undefined,
    );
  }
  return out;
}

function decodeMinutes(
  reply: ReadonlyArray<Buffer | null>,
  ids: readonly number[],
  layout: ColumnLayout,
  ws: number,
  columns: ReadonlySet<RollupColumn>,
  arena: Float64Arena,
  scope: BlockScope | undefined,
): Map<number, Rollup> {
  const out = new Map<number, Rollup>();
  // The window's shared counts (the last field asked for), decoded only when a count is asked for.
  const sharedField = columns.has('count') ? (reply[layout.fields.length] ?? undefined) : undefined;
  let shared: Float64Array | undefined;
  ids.forEach((id, i) => {
    const block = layout.column(reply, 0, i);
    if (!block) return;
    const known = scope?.get(ws, id, block, sharedField);
    if (known) {
      out.set(id, known);
      return;
    }
    if (sharedField && !shared) shared = decodeValues(sharedField, arena);
    const rollup = readRollupBlock(
      new ByteReader(block),
      ws,
      MINUTE_MS,
      MINUTE_SLOTS,
      columns,
      arena,
      shared,
    );
    out.set(id, scope ? scope.put(ws, id, block, sharedField, rollup) : rollup);
  });
  return out;
}

/** Windows grouped by the day whose hourly HASH holds them, in the order given. */
export function groupByDay(windows: readonly number[]): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const ws of windows) {
    const day = dayStart(ws);
    const list = out.get(day);
    if (list) list.push(ws);
    else out.set(day, [ws]);
  }
  return out;
}
