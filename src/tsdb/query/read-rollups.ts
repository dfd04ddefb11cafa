import { ByteReader } from '../codec/bytes.ts';
import { decodeValues, Float64Arena } from '../codec/index.ts';
import { ColumnLayout } from '../column-packs.ts';
import { dayStart, WINDOW_MS } from '../layout.ts';
import type { TsdbContext } from '../options.ts';
import { type Rollup, SHARED_COUNTS_FIELD } from '../window-format.ts';
import { HOUR_MS, MINUTE_MS } from './aggregate-plan.ts';
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
  const fields = rollupFields(ids);
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
  );
}

/** The fields of a 1-minute rollup read: each id's block, the packs of small ones, the shared counts. */
export function rollupFields(ids: readonly number[]): string[] {
  return [...new ColumnLayout('m', ids).fields, SHARED_COUNTS_FIELD];
}

/** Decodes the rollups of the `minute` windows (HMGET replies) and the `hour` windows (hourly fields). */
export function decodeRollups(
  ids: readonly number[],
  windows: { readonly minute: readonly number[]; readonly hour: readonly number[] },
  minuteReply: (ws: number) => unknown,
  hourField: (ws: number) => unknown,
  columns: ReadonlySet<RollupColumn>,
): WindowRollups {
  const out: WindowRollups = new Map();
  const layout = new ColumnLayout('m', ids);
  // Starts and each decoded column, at most a window's slots each: one arena for the whole read.
  const slots = windows.minute.length * MINUTE_SLOTS + windows.hour.length * HOUR_SLOTS;
  const arena = new Float64Arena(slots * ids.length * (1 + columns.size));
  for (const ws of windows.minute)
    out.set(ws, decodeMinutes(asBuffers(minuteReply(ws)), ids, layout, ws, columns, arena));
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
): Map<number, Rollup> {
  const out = new Map<number, Rollup>();
  // The window's shared counts (the last field asked for), decoded only when a count is asked for.
  const sharedField = reply[layout.fields.length];
  const shared = sharedField && columns.has('count') ? decodeValues(sharedField, arena) : undefined;
  ids.forEach((id, i) => {
    const block = layout.column(reply, 0, i);
    if (block)
      out.set(
        id,
        readRollupBlock(new ByteReader(block), ws, MINUTE_MS, MINUTE_SLOTS, columns, arena, shared),
      );
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
