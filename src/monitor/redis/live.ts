import type { Redis } from 'ioredis';

/** Entries `SLOWLOG GET` is asked for. */
export const SLOWLOG_ENTRIES = 128;

/** One slow-log entry; arguments are never kept, only how many there were. */
export interface SlowEntry {
  readonly id: number;
  /** When the command ran (ms since the epoch). */
  readonly timestamp: number;
  readonly durationMicros: number;
  /** Upper-case command name, e.g. `KEYS`. */
  readonly command: string;
  /** Arguments after the command name (their values are redacted: they may hold keys or secrets). */
  readonly args: number;
}

/** One `LATENCY LATEST` event (kept only while `latency-monitor-threshold` is above 0). */
export interface LatencyEvent {
  readonly event: string;
  /** When the latest spike happened (ms since the epoch). */
  readonly timestamp: number;
  readonly latestMs: number;
  readonly maxMs: number;
}

const MORE_ARGS = /^\.\.\. \((\d+) more arguments?\)$/;

function int(value: unknown): number {
  const n = Number(typeof value === 'string' || typeof value === 'number' ? value : Number.NaN);
  return Number.isFinite(n) ? n : 0;
}

function text(value: unknown): string {
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

/** Slow-log replies → entries. Redis keeps 32 arguments at most and says how many more there were. */
export function slowEntries(reply: unknown): SlowEntry[] {
  if (!Array.isArray(reply)) return [];
  const out: SlowEntry[] = [];
  for (const entry of reply) {
    if (!Array.isArray(entry) || !Array.isArray(entry[3])) continue;
    const argv = (entry[3] as unknown[]).map(text);
    const more = MORE_ARGS.exec(argv.at(-1) ?? '');
    const args = Math.max(0, argv.length - 1) + (more ? int(more[1]) - 1 : 0);
    out.push({
      id: int(entry[0]),
      timestamp: int(entry[1]) * 1000,
      durationMicros: int(entry[2]),
      command: (argv[0] ?? '?').toUpperCase(),
      args,
    });
  }
  return out;
}

/** `LATENCY LATEST` reply → events. */
export function latencyEvents(reply: unknown): LatencyEvent[] {
  if (!Array.isArray(reply)) return [];
  return reply
    .filter((e): e is unknown[] => Array.isArray(e) && e.length >= 4)
    .map((e) => ({
      event: text(e[0]),
      timestamp: int(e[1]) * 1000,
      latestMs: int(e[2]),
      maxMs: int(e[3]),
    }));
}

export async function readSlowlog(client: Redis, count = SLOWLOG_ENTRIES): Promise<SlowEntry[]> {
  return slowEntries(await client.call('SLOWLOG', 'GET', String(count)));
}

export async function readLatencyLatest(client: Redis): Promise<LatencyEvent[]> {
  return latencyEvents(await client.call('LATENCY', 'LATEST'));
}
