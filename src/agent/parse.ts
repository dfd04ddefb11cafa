import { LABEL_NAME } from '../contract/series.ts';

/** A parsed value, or the reason the text is not one. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (problem: string): Parsed<never> => ({ ok: false, problem });

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `5s`, `500ms`, `1m`, `1h`; a bare number is seconds. */
export function parseDuration(text: string, minMs: number, maxMs: number): Parsed<number> {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) return bad('expected a duration such as 5s, 500ms or 1m');
  const ms = Math.round(Number(match[1]) * (DURATION_UNITS[match[2] ?? 's'] ?? 1000));
  if (ms < minMs || ms > maxMs) return bad(`must be between ${minMs / 1000}s and ${maxMs / 1000}s`);
  return ok(ms);
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
};
Object.assign(SIZE_UNITS, { mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 });

/** `100MB`, `1GiB`, `512k`, or bytes; units are binary (1 MB = 1 MiB). */
export function parseSize(text: string, minBytes: number): Parsed<number> {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = SIZE_UNITS[(match?.[2] ?? '').toLowerCase() || 'b'];
  if (!match || unit === undefined) return bad('expected a size such as 100MB, 1GB or 512kB');
  const bytes = Math.floor(Number(match[1]) * unit);
  return bytes >= minBytes ? ok(bytes) : bad(`must be at least ${minBytes} bytes`);
}

export function parseInteger(text: string, min: number, max: number): Parsed<number> {
  const n = Number(text.trim());
  if (!Number.isInteger(n) || n < min || n > max) return bad(`expected an integer from ${min} to ${max}`);
  return ok(n);
}

/** `k=v,k2=v2` → labels. Names follow the metric label rules; values cannot contain commas. */
export function parseLabels(text: string): Parsed<Record<string, string>> {
  const labels: Record<string, string> = {};
  for (const pair of text.split(',').filter((p) => p.trim() !== '')) {
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    if (eq < 0 || !LABEL_NAME.test(name))
      return bad(`expected k=v,… with names like env or rack_1 (at "${pair}")`);
    if (name in labels) return bad(`label ${name} is given twice`);
    labels[name] = pair.slice(eq + 1).trim();
  }
  return ok(labels);
}

/** An http(s) base URL without query or fragment; a trailing slash is dropped. */
export function parseServerUrl(text: string): Parsed<string> {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return bad('expected a URL such as http://vitals.example:3000');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return bad('expected an http:// or https:// URL');
  if (url.search || url.hash) return bad('expected a base URL without ?query or #fragment');
  return ok(url.href.replace(/\/+$/, ''));
}
