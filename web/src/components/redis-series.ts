import type { Latest } from '../api/redis.ts';
import { parseKey } from '../charts/specs.ts';
import { NA, num } from '../lib/format.ts';

/** The newest value of one series key, or undefined (missing, NaN, ±Inf). */
export function latestValue(latest: Latest | undefined, key: string): number | undefined {
  return num(latest?.get(key)?.value);
}

/** The first defined figure: the live answer first, the stored series as the fallback. */
export function pick(...values: ReadonlyArray<number | null | undefined>): number | undefined {
  for (const v of values) {
    const n = num(v);
    if (n !== undefined) return n;
  }
  return undefined;
}

/** Series of one name by the value of one label: `redis.keyspace.keys{db="db0"}` → db0 → value. */
export function byLabel(latest: Latest | undefined, name: string, label: string): Map<string, number> {
  const out = new Map<string, number>();
  if (!latest) return out;
  for (const [key, point] of latest) {
    const parsed = parseKey(key);
    const v = num(point.value);
    const l = parsed.labels[label];
    if (parsed.name === name && l !== undefined && v !== undefined) out.set(l, (out.get(l) ?? 0) + v);
  }
  return out;
}

/** The stored key of `name` with `label=value` (as the server wrote it), if the host has it. */
export function keyWith(
  latest: Latest | undefined,
  name: string,
  label: string,
  value: string,
): string | undefined {
  if (!latest) return undefined;
  for (const key of latest.keys()) {
    const parsed = parseKey(key);
    if (parsed.name === name && parsed.labels[label] === value) return key;
  }
  return undefined;
}

/** Keys of the host whose name starts with `prefix`, sorted. */
export function keysUnder(latest: Latest | undefined, prefix: string): string[] {
  return latest ? [...latest.keys()].filter((k) => k.startsWith(prefix)).sort() : [];
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 → "1.5 KiB" (memory is binary), or "N/A". */
export function formatBytes(value: unknown): string {
  const v = num(value);
  if (v === undefined) return NA;
  let x = Math.abs(v);
  let i = 0;
  while (x >= 1024 && i < BYTE_UNITS.length - 1) {
    x /= 1024;
    i++;
  }
  return `${v < 0 ? '-' : ''}${x.toFixed(i === 0 || x >= 100 ? 0 : 1)} ${BYTE_UNITS[i]}`;
}

/** Milliseconds with a precision that suits the size: "0.013 ms", "2.4 ms", "1,250 ms", or "N/A". */
export function formatMs(value: unknown): string {
  const v = num(value);
  if (v === undefined) return NA;
  if (v === 0) return '0 ms';
  if (v < 0.1) return `${v.toFixed(3)} ms`;
  if (v < 10) return `${v.toFixed(2)} ms`;
  return `${Math.round(v).toLocaleString()} ms`;
}

/** A count or rate: "1,234", "12.5", or "N/A". */
export function formatCount(value: unknown, digits = 0): string {
  const v = num(value);
  if (v === undefined) return NA;
  return v.toLocaleString(undefined, { maximumFractionDigits: digits });
}

/** Whole seconds as "3 d 4 h", "5 h 12 min", "42 s", or "N/A". */
export function formatDuration(seconds: unknown): string {
  const s = num(seconds);
  if (s === undefined || s < 0) return NA;
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}
