import { randomBytes } from 'node:crypto';
import { Compile } from 'typebox/compile';
import { isSealed, MASK } from '../../contract/index.ts';
import { describeIssue } from '../../tenancy/index.ts';
import type { Severity } from '../contract.ts';
import {
  type Channel,
  type ChannelCreate,
  type ChannelKind,
  type ChannelPatch,
  KIND_SETTINGS,
  type LabelMatcher,
  type QuietHours,
  SECRET_FIELDS,
} from './channel-schema.ts';
import { ChannelError } from './errors.ts';
import { isTimeZone } from './quiet-hours.ts';

const checkers = {
  webhook: Compile(KIND_SETTINGS.webhook),
  alertmanager: Compile(KIND_SETTINGS.alertmanager),
  slack: Compile(KIND_SETTINGS.slack),
  discord: Compile(KIND_SETTINGS.discord),
  email: Compile(KIND_SETTINGS.email),
} as const;

function checkSettings(kind: ChannelKind, settings: Readonly<Record<string, unknown>>): void {
  const checker = checkers[kind];
  if (checker.Check(settings)) return;
  const { field, problem } = describeIssue(checker.Errors(settings), 'settings', KIND_SETTINGS[kind]);
  throw new ChannelError('invalid', `${field}: ${problem}`);
}

function checkMatchers(match: readonly LabelMatcher[]): void {
  match.forEach((m, i) => {
    if (!m.isRegex) return;
    try {
      new RegExp(m.value);
    } catch {
      throw new ChannelError('invalid', `match.${i}.value: is not a valid regular expression`);
    }
  });
}

function checkQuiet(quiet: QuietHours | null | undefined): void {
  if (!quiet) return;
  if (!isTimeZone(quiet.timezone))
    throw new ChannelError('invalid', `quietHours.timezone: "${quiet.timezone}" is not a known time zone`);
  if (quiet.start === quiet.end) throw new ChannelError('invalid', 'quietHours: start and end must differ');
}

/** A mask sent back keeps the stored secret; a mask with nothing behind it is refused. */
function restoreSecrets(
  kind: ChannelKind,
  incoming: Readonly<Record<string, unknown>>,
  stored: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...incoming };
  for (const field of SECRET_FIELDS[kind]) {
    const value = out[field];
    if (value === MASK) {
      if (stored[field] === undefined)
        throw new ChannelError('invalid', `settings.${field}: "${MASK}" keeps a stored secret only`);
      out[field] = stored[field];
    } else if (isSealed(value)) {
      throw new ChannelError('invalid', `settings.${field}: sealed values are written by the server only`);
    }
  }
  return out;
}

/** A new channel from a create request (settings checked for its kind). */
export function newChannel(input: ChannelCreate, now: number): Channel {
  checkMatchers(input.match ?? []);
  checkQuiet(input.quietHours);
  const settings = restoreSecrets(input.kind, input.settings, {});
  checkSettings(input.kind, settings);
  return {
    id: input.id ?? `ch-${randomBytes(6).toString('hex')}`,
    name: input.name,
    kind: input.kind,
    enabled: input.enabled ?? true,
    match: input.match ?? [],
    minSeverity: input.minSeverity ?? 'warning',
    quietHours: input.quietHours ?? null,
    settings,
    createdAt: now,
    updatedAt: now,
  };
}

/** The channel with a patch applied; `stored` carries the opened secrets a masked value stands for. */
export function patchChannel(stored: Channel, patch: ChannelPatch, now: number): Channel {
  if (patch.match) checkMatchers(patch.match);
  checkQuiet(patch.quietHours);
  const settings = patch.settings
    ? restoreSecrets(stored.kind, patch.settings, stored.settings)
    : stored.settings;
  checkSettings(stored.kind, settings);
  return {
    ...stored,
    ...(patch.name !== undefined && { name: patch.name }),
    ...(patch.enabled !== undefined && { enabled: patch.enabled }),
    ...(patch.match !== undefined && { match: patch.match }),
    ...(patch.minSeverity !== undefined && { minSeverity: patch.minSeverity }),
    ...(patch.quietHours !== undefined && { quietHours: patch.quietHours }),
    settings,
    updatedAt: now,
  };
}

/** The channel as answered: every secret field masked. */
export function maskChannel(channel: Channel): Channel {
  const settings = { ...channel.settings };
  for (const field of SECRET_FIELDS[channel.kind]) if (settings[field] !== undefined) settings[field] = MASK;
  return { ...channel, settings };
}

/** A secret URL and the parts of it a receiver may echo: its path (with query) and long path segments. */
function urlParts(value: string): string[] {
  try {
    const url = new URL(value);
    const segments = url.pathname.split('/').filter((p) => p.length >= 16);
    return [value, `${url.pathname}${url.search}`, url.pathname, ...segments].filter((p) => p.length > 1);
  } catch {
    return [value];
  }
}

/** The channel's secret values (for redaction of anything its delivery reports), longest first. */
export function channelSecrets(channel: Channel): string[] {
  const values = SECRET_FIELDS[channel.kind]
    .map((f) => channel.settings[f])
    .filter((v): v is string => typeof v === 'string' && v !== '' && !isSealed(v));
  const all = values.flatMap((v) => (/^https?:\/\//.test(v) ? urlParts(v) : [v]));
  return [...new Set(all)].sort((a, b) => b.length - a.length);
}

function matches(m: LabelMatcher, labels: Readonly<Record<string, string>>): boolean {
  const value = labels[m.name] ?? '';
  const hit = m.isRegex ? new RegExp(`^(?:${m.value})$`).test(value) : value === m.value;
  return (m.isEqual ?? true) ? hit : !hit;
}

const RANK: Readonly<Record<Severity, number>> = { warning: 1, critical: 2 };

/** Whether the channel takes an alert with these labels and severity. */
export function channelTakes(
  channel: Channel,
  severity: Severity,
  labels: Readonly<Record<string, string>>,
): boolean {
  if (!channel.enabled) return false;
  if (RANK[severity] < RANK[channel.minSeverity]) return false;
  return channel.match.every((m) => matches(m, labels));
}
