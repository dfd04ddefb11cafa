import { type HostFigures, type Source, sourceKeys } from './derive.ts';

/** A reading of one series at one moment; undefined where the series has none. */
export type Reader = (key: string) => number | undefined;

/** 100 × part / whole (or the rest of it, when the part is what is free); undefined without a whole. */
export function ratioPct(
  part: number | undefined,
  whole: number | undefined,
  free: boolean,
): number | undefined {
  if (part === undefined || whole === undefined || !(whole > 0) || !Number.isFinite(part)) return undefined;
  const share = (100 * part) / whole;
  return free ? 100 - share : share;
}

/**
 * Busy share of CPU time from the growth of its counters: undefined when the counters did not grow or
 * went back (a restart resets them).
 */
export function busyPct(idleDelta: number, allDelta: number): number | undefined {
  if (!(allDelta > 0) || idleDelta < 0 || idleDelta > allDelta) return undefined;
  return 100 * (1 - idleDelta / allDelta);
}

/** Σ of `keys` at one reading; undefined if any is missing. */
function sumOf(keys: readonly string[], read: Reader): number | undefined {
  let sum = 0;
  for (const key of keys) {
    const v = read(key);
    if (v === undefined || !Number.isFinite(v)) return undefined;
    sum += v;
  }
  return sum;
}

/**
 * A figure's percentage from the newest readings (`now`), and for counters the readings before them
 * (`before`: the same scrape's previous values).
 */
export function percentOf(source: Source, now: Reader, before?: Reader): number | undefined {
  switch (source.kind) {
    case 'stored':
      return now(source.key);
    case 'complement': {
      const v = now(source.key);
      return v === undefined ? undefined : 100 - v;
    }
    case 'ratio':
      return ratioPct(now(source.part), now(source.whole), source.free);
    case 'counters': {
      if (!before) return undefined;
      const idle = [sumOf(source.idle, now), sumOf(source.idle, before)];
      const all = [sumOf(source.all, now), sumOf(source.all, before)];
      if (idle.some((v) => v === undefined) || all.some((v) => v === undefined)) return undefined;
      return busyPct((idle[0] ?? 0) - (idle[1] ?? 0), (all[0] ?? 0) - (all[1] ?? 0));
    }
  }
}

/** The figures a host is judged by against its thresholds (`disk`: the root mount). */
export type Judged = 'cpu' | 'memory' | 'disk';
export type Percents = Partial<Record<Judged, number>>;

export interface JudgedSources {
  readonly sources: Readonly<Partial<Record<Judged, Source>>>;
  /** Series that need a reading before the newest too (CPU time counters). */
  readonly counters: readonly string[];
}

/** Where a host's judged figures come from. */
export function judgedSources(figures: HostFigures): JudgedSources {
  const sources = {
    cpu: figures.cpu?.source,
    memory: figures.memory?.source,
    disk: figures.disks.find((d) => d.label === '/')?.source,
  };
  const counters = Object.values(sources).flatMap((s) => (s?.kind === 'counters' ? sourceKeys(s) : []));
  return { sources, counters };
}

/** CPU, memory and root-disk percentages from the newest readings (and, for counters, the ones before). */
export function percentsOf(judged: JudgedSources, now: Reader, before?: Reader): Percents {
  const out: Percents = {};
  for (const field of ['cpu', 'memory', 'disk'] as const) {
    const source = judged.sources[field];
    const v = source && percentOf(source, now, before);
    if (v !== undefined && Number.isFinite(v)) out[field] = Math.round(v * 100) / 100;
  }
  return out;
}
