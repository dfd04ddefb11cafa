import type { RedisClient } from '../../redis/index.ts';
import type { PointSample } from '../../tsdb/index.ts';
import { nodeOf, readInfo } from './info.ts';

/**
 * The figures the checks judge, by INFO section and field: read live from Vitals' own Redis, or from
 * the newest stored `redis.<section>.<field>` series of a monitored host. Either way a field that is
 * not known is `undefined`, and the check says so instead of guessing.
 */
export interface RedisFigures {
  /** A numeric field, e.g. `num('memory', 'used_memory')`. */
  num(section: string, field: string): number | undefined;
  /** A text field as INFO spells it (`ok`, `err`, `noeviction`…). */
  text(section: string, field: string): string | undefined;
  /** When the figures were read (ms), for ages such as the last save's. */
  readonly at: number;
}

const NUMBER = /^-?\d+(?:\.\d+)?(?:e[+-]?\d+)?$/i;

/** Figures of one INFO reply (plus CONFIG values read where INFO lacks them). */
export function infoFigures(
  info: ReadonlyMap<string, ReadonlyMap<string, string>>,
  at: number,
): RedisFigures {
  const raw = (section: string, field: string) => info.get(section)?.get(field);
  return {
    at,
    num: (section, field) => {
      const value = raw(section, field);
      return value !== undefined && NUMBER.test(value) ? Number(value) : undefined;
    },
    text: raw,
  };
}

/** Status fields the collector stores as 0/1 series named `…_ok`. */
const STATUS_SERIES: Record<string, string> = {
  rdb_last_bgsave_status: 'rdb_last_bgsave_ok',
  aof_last_bgrewrite_status: 'aof_last_bgrewrite_ok',
  aof_last_write_status: 'aof_last_write_ok',
};

/** Figures from the newest stored series of a monitored Redis host (`redis.<section>.<field>` → sample). */
export function storedFigures(latest: ReadonlyMap<string, PointSample>, at: number): RedisFigures {
  const num = (section: string, field: string) => latest.get(`redis.${section}.${field}`)?.value;
  return {
    at,
    num,
    text: (section, field) => {
      if (section === 'memory' && field === 'maxmemory_policy') {
        // Stored as 0/1 (`redis.memory.noeviction`): which evicting policy it is, is not kept.
        const noeviction = num('memory', 'noeviction');
        return noeviction === undefined ? undefined : noeviction === 1 ? 'noeviction' : 'an evicting policy';
      }
      const series = STATUS_SERIES[field];
      if (series === undefined) return undefined;
      const ok = num(section, series);
      return ok === undefined ? undefined : ok === 1 ? 'ok' : 'err';
    },
  };
}

/** Rejects after `ms` so a frozen Redis is noticed quickly; the command itself is left to its own timeout. */
export async function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} reply within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * INFO of Vitals' own Redis, read at most once per `maxAgeMs` (several checks of one report share one
 * reply; a failure is shared the same way, so a frozen Redis costs one timeout, not six). Where INFO
 * lacks `maxclients` (Redis < 7) or `maxmemory_policy`, `CONFIG GET` fills them in when the ACL allows.
 */
export class LiveInfo {
  private cached: { at: number; figures: Promise<RedisFigures> } | undefined;

  constructor(
    private readonly client: RedisClient,
    private readonly timeoutMs: number,
    private readonly maxAgeMs = 1000,
    private readonly clock: () => number = Date.now,
  ) {}

  read(): Promise<RedisFigures> {
    const now = this.clock();
    if (this.cached && now - this.cached.at <= this.maxAgeMs) return this.cached.figures;
    const figures = this.fetch(now);
    // A rejection is handled by whoever awaits it; this one only keeps Node from reporting it unhandled.
    figures.catch(() => undefined);
    this.cached = { at: now, figures };
    return figures;
  }

  private async fetch(at: number): Promise<RedisFigures> {
    const info = await bounded(readInfo(this.client, ['default']), this.timeoutMs, 'INFO');
    await this.fillFromConfig(info, 'clients', 'maxclients');
    await this.fillFromConfig(info, 'memory', 'maxmemory_policy');
    return infoFigures(info, at);
  }

  private async fillFromConfig(info: Map<string, Map<string, string>>, section: string, field: string) {
    if (info.get(section)?.has(field)) return;
    try {
      const reply = (await bounded(
        nodeOf(this.client).config('GET', field.replace('_', '-')),
        this.timeoutMs,
        'CONFIG GET',
      )) as unknown as string[];
      const value = reply[1];
      if (value === undefined) return;
      if (!info.has(section)) info.set(section, new Map());
      info.get(section)?.set(field, value);
    } catch {
      // CONFIG is not allowed (least-privilege ACL, managed services): the check reports it unknown.
    }
  }
}
