import { isSealed } from '../contract/index.ts';
import { invalid } from './errors.ts';
import type { Collector } from './schema.ts';

/**
 * Collectors whose `url` may carry credentials, and the settings their collector reads them from.
 * fetch refuses URLs with credentials, and a URL is shown in messages: credentials belong in their
 * own (masked, sealed) fields.
 */
const CREDENTIAL_FIELDS: Readonly<Record<string, readonly string[]>> = {
  prometheus: ['username', 'password', 'bearerToken'],
  redis: ['username', 'password'],
};

function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function parsed(url: unknown): URL | undefined {
  if (typeof url !== 'string' || !url.includes('@') || isSealed(url)) return undefined;
  try {
    const u = new URL(url);
    return u.username === '' && u.password === '' ? undefined : u;
  } catch {
    // The collector names a malformed url when it runs.
    return undefined;
  }
}

/**
 * The collector with credentials written into its `url` (`http://user:pw@host/metrics`,
 * `redis://:pw@host:6379`) moved to `username` / `password`, and the url without them. Credentials given
 * both ways are refused, naming the field but never a value.
 */
export function liftUrlCredentials(collector: Collector): Collector {
  const fields = CREDENTIAL_FIELDS[collector.kind];
  const url = fields && parsed(collector.settings.url);
  if (!fields || !url) return collector;
  const username = decoded(url.username);
  const password = decoded(url.password);
  const given = fields.filter((f) => collector.settings[f] !== undefined);
  if (given.length > 0) {
    throw invalid(
      'collector.settings.url',
      `holds credentials while ${given.join(' and ')} ${given.length > 1 ? 'are' : 'is'} set too; give them once`,
    );
  }
  url.username = '';
  url.password = '';
  const settings: Record<string, unknown> = { ...collector.settings, url: url.toString() };
  if (username !== '') settings.username = username;
  if (password !== '') settings.password = password;
  return { kind: collector.kind, settings };
}
