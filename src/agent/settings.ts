import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { ID_PATTERN } from '../contract/series.ts';
import { LOG_LEVELS, type LogLevel } from './logger.ts';
import { type Parsed, parseDuration, parseInteger, parseLabels, parseServerUrl, parseSize } from './parse.ts';

/** Every setting of `vitals agent`: its flag, its environment variable, its default and what it does. */
// biome-ignore format: a table
export const AGENT_SETTINGS = [
  { key: 'server', flag: '--server <url>', env: 'VITALS_AGENT_SERVER', default: '(required)', description: 'Vitals server base URL' },
  { key: 'token', flag: '--token <token>', env: 'VITALS_AGENT_TOKEN', default: '(required)', description: 'API token with the `ingest` scope (flags show in `ps`: prefer the variable or --token-file)' },
  { key: 'tokenFile', flag: '--token-file <path>', env: 'VITALS_AGENT_TOKEN_FILE', default: 'none', description: 'file holding the token' },
  { key: 'interval', flag: '--interval <duration>', env: 'VITALS_AGENT_INTERVAL', default: '5s', description: 'collection interval (1s–1h)' },
  { key: 'hostId', flag: '--host-id <id>', env: 'VITALS_AGENT_HOST_ID', default: 'the hostname, made a valid id', description: 'host id: letters, digits, ".", "_", "-"' },
  { key: 'name', flag: '--name <name>', env: 'VITALS_AGENT_NAME', default: 'the hostname', description: 'display name used when the push registers the host' },
  { key: 'labels', flag: '--labels <k=v,…>', env: 'VITALS_AGENT_LABELS', default: 'none', description: 'host labels' },
  { key: 'spoolDir', flag: '--spool-dir <path>', env: 'VITALS_AGENT_SPOOL_DIR', default: './data/agent-spool', description: 'directory of the disk spool' },
  { key: 'spoolMax', flag: '--spool-max <size>', env: 'VITALS_AGENT_SPOOL_MAX', default: '100MB', description: 'spool cap; past it the oldest data is dropped (logged)' },
  { key: 'batchMax', flag: '--batch-max <n>', env: 'VITALS_AGENT_BATCH_MAX', default: '60', description: 'most snapshots per request when catching up' },
  { key: 'timeout', flag: '--timeout <duration>', env: 'VITALS_AGENT_TIMEOUT', default: '10s', description: 'HTTP request timeout' },
  { key: 'logLevel', flag: '--log-level <level>', env: 'VITALS_AGENT_LOG_LEVEL', default: 'info', description: 'debug, info, warn, error or silent' },
] as const;

export type AgentFlags = Partial<Record<(typeof AGENT_SETTINGS)[number]['key'], string>>;

export interface AgentSettings {
  /** Base URL without a trailing slash; empty for `--once`, which sends nothing. */
  readonly server: string;
  readonly token: string;
  readonly intervalMs: number;
  readonly hostId: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly spoolDir: string;
  readonly spoolMaxBytes: number;
  readonly batchMax: number;
  readonly timeoutMs: number;
  readonly logLevel: LogLevel;
}

export type SettingsResult = { ok: true; settings: AgentSettings } | { ok: false; problems: string[] };

/** The hostname made into a valid host id: other characters become "-", at most 128 of them. */
export function defaultHostId(name: string = hostname()): string {
  const id = name
    .replace(/[^A-Za-z0-9_.-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 128);
  return id || 'localhost';
}

const parseLevel = (t: string): Parsed<LogLevel> => {
  const level = LOG_LEVELS.find((l) => l === t.trim());
  return level
    ? { ok: true, value: level }
    : { ok: false, problem: `expected one of ${LOG_LEVELS.join(', ')}` };
};

/**
 * Settings from flags, then `VITALS_AGENT_*` variables, then defaults. Every problem is reported at
 * once, naming the flag or variable it came from. `needServer`: the server and token are required.
 */
export function resolveSettings(
  flags: AgentFlags,
  env: NodeJS.ProcessEnv,
  needServer: boolean,
): SettingsResult {
  const problems: string[] = [];
  const pick = (key: keyof AgentFlags) => {
    const spec = AGENT_SETTINGS.find((s) => s.key === key);
    const flag = flags[key];
    if (flag !== undefined) return { text: flag, from: spec?.flag.split(' ')[0] ?? key };
    const fromEnv = spec && env[spec.env];
    return fromEnv ? { text: fromEnv, from: spec.env } : undefined;
  };
  const field = <T>(key: keyof AgentFlags, parse: (t: string) => Parsed<T>, fallback: T): T => {
    const got = pick(key);
    if (!got) return fallback;
    const parsed = parse(got.text);
    if (parsed.ok) return parsed.value;
    problems.push(`${got.from}: ${parsed.problem} (got "${got.text}")`);
    return fallback;
  };
  const hostIdOk = (t: string): Parsed<string> =>
    ID_PATTERN.test(t)
      ? { ok: true, value: t }
      : {
          ok: false,
          problem: 'expected letters, digits, ".", "_" or "-" (at most 128, starting with a letter or digit)',
        };
  const settings: AgentSettings = {
    server: field('server', parseServerUrl, ''),
    token: readToken(pick('token'), pick('tokenFile'), problems),
    intervalMs: field('interval', (t) => parseDuration(t, 1000, 3_600_000), 5000),
    hostId: field('hostId', hostIdOk, defaultHostId()),
    name: field('name', (t) => ({ ok: true, value: t.trim() }), hostname()),
    labels: field('labels', parseLabels, {}),
    spoolDir: resolve(field('spoolDir', (t) => ({ ok: true, value: t }), './data/agent-spool')),
    spoolMaxBytes: field('spoolMax', (t) => parseSize(t, 1024 * 1024), 100 * 1024 * 1024),
    batchMax: field('batchMax', (t) => parseInteger(t, 1, 1000), 60),
    timeoutMs: field('timeout', (t) => parseDuration(t, 1000, 300_000), 10_000),
    logLevel: field('logLevel', parseLevel, 'info'),
  };
  if (needServer && !pick('server')) problems.push('--server / VITALS_AGENT_SERVER: required');
  if (needServer && !settings.token)
    problems.push('--token / VITALS_AGENT_TOKEN (or --token-file): required');
  return problems.length > 0 ? { ok: false, problems } : { ok: true, settings };
}

type Picked = { text: string; from: string } | undefined;

/** The token from its flag or variable, else from the token file; never echoed in a problem. */
function readToken(token: Picked, file: Picked, problems: string[]): string {
  if (token) return token.text.trim();
  if (!file) return '';
  try {
    return readFileSync(file.text, 'utf8').trim();
  } catch (err: unknown) {
    problems.push(
      `${file.from}: cannot read ${file.text} (${err instanceof Error ? err.message : String(err)})`,
    );
    return '';
  }
}
