import { invalid } from './errors.ts';
import type { Host } from './schema.ts';

/** What an API response shows in place of a secret. */
export const MASK = '***';

/**
 * Settings fields that hold secrets, by name (case, `_` and `-` ignored): SSH password, key and
 * passphrase, Redis password, bearer tokens, API keys. Any URL's password (`redis://:pw@host`) too.
 */
const SECRET_NAME = /(password|passphrase|secret|token|privatekey|apikey|clientkey|credentials?)$/;

function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name.toLowerCase().replace(/[_-]/g, ''));
}

function maskUrl(value: string): string {
  if (!value.includes('://') || !value.includes('@')) return value;
  try {
    const url = new URL(value);
    if (url.password === '') return value;
    url.password = MASK;
    return url.toString();
  } catch {
    return value;
  }
}

/** The masked form of one value: deterministic, so a masked value sent back can be recognised. */
function maskValue(name: string, value: unknown): unknown {
  if (isSecretName(name) && value !== null && value !== undefined && value !== '') return MASK;
  if (typeof value === 'string') return maskUrl(value);
  if (Array.isArray(value)) return value.map((v) => maskValue('', v));
  if (isRecord(value)) return maskSettings(value);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function maskSettings(settings: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, maskValue(k, v)]));
}

/** A host as the API shows it: collector secrets masked. */
export function maskHost(host: Host): Host {
  return { ...host, collector: { ...host.collector, settings: maskSettings(host.collector.settings) } };
}

function stillMasked(value: unknown): boolean {
  return value === MASK || (typeof value === 'string' && value.includes(`:${MASK}@`));
}

/** Restores one value: the stored one when `incoming` is exactly its masked form. */
function restoreValue(path: string, name: string, incoming: unknown, stored: unknown): unknown {
  const masked = maskValue(name, stored);
  if (stored !== undefined && masked !== stored && typeof incoming === 'string' && incoming === masked) {
    return stored;
  }
  if (isRecord(incoming)) return restoreSettings(incoming, isRecord(stored) ? stored : {}, path);
  if (Array.isArray(incoming)) {
    const old = Array.isArray(stored) ? stored : [];
    return incoming.map((v, i) => restoreValue(`${path}.${i}`, '', v, old[i]));
  }
  if (stillMasked(incoming))
    throw invalid(path, `"${MASK}" keeps a stored secret only; send the secret itself`);
  return incoming;
}

/**
 * New settings from a client, with every masked secret it sent back replaced by the stored secret at
 * the same place. A mask with nothing stored behind it is refused, so "***" is never saved as a secret.
 */
export function restoreSettings(
  incoming: Readonly<Record<string, unknown>>,
  stored: Readonly<Record<string, unknown>>,
  path = 'collector.settings',
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(incoming).map(([k, v]) => [k, restoreValue(`${path}.${k}`, k, v, stored[k])]),
  );
}
