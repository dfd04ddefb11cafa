import { getToken, signOut } from '../lib/session.ts';
import { ApiError, api, apiUrl } from './client.ts';
import type { LatestResponse, SampleValue } from './types.ts';

/**
 * Redis monitoring as the dashboard reads it: mirrors of `GET /api/v1/redis/performance` and
 * `GET /api/v1/redis/health` (src/api/routes/redis-performance.ts, redis-health.ts; without `host`
 * they describe Vitals' own Redis), and the stored `redis.*` / `vitals.*` series of a host. Every
 * figure may be missing (older Redis, a section the target does not answer, a partial answer while
 * Redis is away): the pages show "N/A" for those.
 */

/** Where Vitals stores its own Redis' INFO series and the process' own figures (org `default`). */
export const SELF_REDIS_HOST = 'vitals-redis';
export const SELF_HOST = 'vitals';

/** Server-side figures of one command (INFO latencystats, commandstats as the fallback). */
export interface RedisCommandFigure {
  readonly command: string;
  readonly calls?: number | null;
  readonly opsPerSec?: number | null;
  readonly p50Ms?: number | null;
  readonly p99Ms?: number | null;
  readonly p999Ms?: number | null;
  readonly usecPerCall?: number | null;
}

/** One entry of the client-side CommandTimings snapshot (src/redis/timing.ts). */
export interface ClientCommandFigure {
  readonly command: string;
  readonly kind?: 'read' | 'write' | 'other';
  readonly count?: number;
  readonly errors?: number;
  readonly slow?: number;
  readonly p50Ms?: number;
  readonly p95Ms?: number;
  readonly p99Ms?: number;
  readonly maxMs?: number;
}

export interface SlowlogEntry {
  readonly id: number;
  /** Epoch ms (seconds are accepted too: values below 1e11 are taken as seconds). */
  readonly timestamp: number;
  readonly durationMicros: number;
  /** The command name only: arguments are never sent. */
  readonly command: unknown;
  /** How many arguments it had. */
  readonly args?: number;
}

export interface LatencyEvent {
  readonly event: string;
  readonly timestamp: number;
  readonly latestMs: number;
  readonly maxMs: number;
}

export interface Insight {
  readonly level: 'info' | 'warn' | 'critical';
  readonly text: string;
}

export interface RedisPerformance {
  readonly host?: string | null;
  readonly time?: number | string;
  readonly partial?: boolean;
  readonly commands?: readonly RedisCommandFigure[];
  readonly opsPerSec?: number | null;
  readonly hitRatePct?: number | null;
  readonly memory?: {
    readonly usedBytes?: number | null;
    readonly maxBytes?: number | null;
    readonly usedPct?: number | null;
    readonly fragmentation?: number | null;
    readonly trend?: ReadonlyArray<{ readonly timestamp: number; readonly value: number | null }>;
  };
  readonly slowlog?: readonly SlowlogEntry[];
  readonly latencyLatest?: readonly LatencyEvent[];
  readonly client?: { readonly commands?: readonly ClientCommandFigure[] };
  readonly insights?: readonly Insight[];
}

export type CheckStatus = 'pass' | 'warn' | 'fail';

/** One check in the shape of src/monitor/health.ts' CheckResult, with its thresholds. */
export interface RedisCheck {
  readonly status: CheckStatus;
  readonly componentType?: string;
  readonly observedValue?: number | string | boolean;
  readonly observedUnit?: string;
  readonly thresholds?: { readonly warn?: unknown; readonly fail?: unknown };
  readonly output?: string;
  readonly time?: string;
  readonly [extra: string]: unknown;
}

export interface RedisHealth {
  readonly status: CheckStatus;
  readonly host?: string | null;
  readonly checks: Readonly<Record<string, RedisCheck | readonly RedisCheck[]>>;
}

/** An answer, or the note that the caller may not see it (404: another org's, or not a Redis host). */
export type Loaded<T> =
  | { readonly kind: 'data'; readonly data: T }
  | { readonly kind: 'missing'; readonly message: string };

function hostQuery(host: string | undefined) {
  return host === undefined ? {} : { host };
}

async function orMissing<T>(load: () => Promise<T>): Promise<Loaded<T>> {
  try {
    return { kind: 'data', data: await load() };
  } catch (err: unknown) {
    if (err instanceof ApiError && err.status === 404) return { kind: 'missing', message: err.message };
    throw err;
  }
}

/** `GET /api/v1/redis/performance[?host=ID]`. */
export function loadPerformance(
  host: string | undefined,
  signal: AbortSignal,
): Promise<Loaded<RedisPerformance>> {
  return orMissing(() =>
    api<RedisPerformance>('/api/v1/redis/performance', { query: hostQuery(host), signal }),
  );
}

/**
 * `GET /api/v1/redis/health[?host=ID]`. A failing check answers 503 with the same report (like
 * `/health`), so a 503 whose body is a report is a result, not an error.
 */
export async function loadHealth(
  host: string | undefined,
  signal: AbortSignal,
): Promise<Loaded<RedisHealth>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = getToken();
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(apiUrl('/api/v1/redis/health', hostQuery(host)), { headers, signal });
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  if ((res.ok || res.status === 503) && isHealth(body)) return { kind: 'data', data: body };
  if (res.status === 401) signOut();
  const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
  const message = error?.message ?? `${res.status} ${res.statusText}`;
  if (res.status === 404) return { kind: 'missing', message };
  throw new ApiError(res.status, error?.code ?? 'error', message);
}

function isHealth(body: unknown): body is RedisHealth {
  return typeof body === 'object' && body !== null && typeof (body as RedisHealth).checks === 'object';
}

/** Newest value of every series of a host, by series key (`redis.clients.connected_clients`, …). */
export type Latest = ReadonlyMap<string, { readonly timestamp: number; readonly value: SampleValue }>;

export async function loadLatest(host: string, signal: AbortSignal): Promise<Loaded<Latest>> {
  return orMissing(async () => {
    const res = await api<LatestResponse>(`/api/v1/hosts/${encodeURIComponent(host)}/metrics/latest`, {
      signal,
    });
    return new Map(res.metrics.map((m) => [m.series, { timestamp: m.timestamp, value: m.value }]));
  });
}

/** Epoch ms from a wire time: ms, seconds (below 1e11) or an ISO string; undefined when unusable. */
export function toMs(value: unknown): number | undefined {
  if (typeof value === 'string') {
    const t = Date.parse(value);
    return Number.isNaN(t) ? undefined : t;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return undefined;
  return value < 1e11 ? value * 1000 : value;
}

/** A slow log entry's command as text: "keys (1 arg)". */
export function slowlogCommand(entry: SlowlogEntry): string {
  const name = commandText(entry.command);
  const n = entry.args;
  return typeof n === 'number' && Number.isFinite(n) ? `${name} (${n} ${n === 1 ? 'arg' : 'args'})` : name;
}

/** A command as text, whatever shape it came in (a name, a list, `{name, args}`). */
export function commandText(command: unknown): string {
  if (typeof command === 'string') return command;
  if (Array.isArray(command)) return command.map(String).join(' ');
  if (typeof command === 'object' && command !== null) {
    const c = command as { name?: unknown; command?: unknown; args?: unknown; argc?: unknown };
    const name = String(c.name ?? c.command ?? '?');
    const n = typeof c.args === 'number' ? c.args : typeof c.argc === 'number' ? c.argc : undefined;
    return n === undefined ? name : `${name} (${n} ${n === 1 ? 'arg' : 'args'})`;
  }
  return 'N/A';
}

/** A check result or the first of several. */
export function firstCheck(check: RedisCheck | readonly RedisCheck[] | undefined): RedisCheck | undefined {
  if (check === undefined) return undefined;
  return Array.isArray(check) ? check[0] : (check as RedisCheck);
}

/** Figures of this server process from its Prometheus `/metrics` (read scope of the default org). */
export interface ProcessFigures {
  /** `name` or `name{labels}` → value, for the `vitals_*` families only. */
  readonly values: ReadonlyMap<string, number>;
}

/**
 * `GET /metrics` with the session token; undefined when this token may not read it (another org) or
 * the server has no exporter. Never signs out: a refused `/metrics` says nothing about the token.
 */
export async function loadProcessFigures(signal: AbortSignal): Promise<ProcessFigures | undefined> {
  const token = getToken();
  const res = await fetch('/metrics', {
    headers: { accept: 'text/plain', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    signal,
  });
  if (!res.ok) return undefined;
  const values = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    const m = /^(vitals_[A-Za-z0-9_]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const v = Number(m[3]);
    if (Number.isFinite(v)) values.set(`${m[1]}${m[2] ?? ''}`, v);
  }
  return { values };
}

/** Sum of every sample of one family (`vitals_ingest_rejected_total` over its reasons). */
export function familySum(figures: ProcessFigures | undefined, name: string): number | undefined {
  if (!figures) return undefined;
  let sum: number | undefined;
  for (const [key, v] of figures.values) {
    if (key === name || key.startsWith(`${name}{`)) sum = (sum ?? 0) + v;
  }
  return sum;
}

/** Samples of one family by one label: `vitals_ingest_rejected_total{reason="limit"}` → limit → n. */
export function familyBy(
  figures: ProcessFigures | undefined,
  name: string,
  label: string,
): Map<string, number> {
  const out = new Map<string, number>();
  if (!figures) return out;
  const re = new RegExp(`${label}="((?:[^"\\\\]|\\\\.)*)"`);
  for (const [key, v] of figures.values) {
    if (!key.startsWith(`${name}{`)) continue;
    const l = re.exec(key)?.[1];
    if (l !== undefined) out.set(l, (out.get(l) ?? 0) + v);
  }
  return out;
}
