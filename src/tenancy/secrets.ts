import { isSealed, isSecretName, MASK, maskUrl } from '../contract/index.ts';
import { invalid } from './errors.ts';
import type { Host } from './schema.ts';
import type { SecretSeal } from './secret-seal.ts';

/** What an API response shows in place of a secret (the contract's one mask). */
export { MASK };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A settings value that holds a secret: a secret-named field (SSH password, key and passphrase, Redis
 * password, bearer tokens, API keys — names from the contract's redaction), any URL with userinfo
 * (`redis://:pw@host`), or a value sealed at rest. The API masks these and the store seals them.
 */
export function isSecretValue(name: string, value: unknown): boolean {
  if (isSecretName(name)) return value !== null && value !== undefined && value !== '';
  return typeof value === 'string' && (isSealed(value) || maskUrl(value) !== value);
}

/** The masked form of one value: deterministic, so a masked value sent back can be recognised. */
function maskValue(name: string, value: unknown): unknown {
  if (isSecretValue(name, value)) {
    return isSecretName(name) || isSealed(value) || typeof value !== 'string' ? MASK : maskUrl(value);
  }
  if (Array.isArray(value)) return value.map((v) => maskValue('', v));
  if (isRecord(value)) return maskSettings(value);
  return value;
}

export function maskSettings(settings: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, maskValue(k, v)]));
}

/** A host as the API shows it: collector secrets masked. */
export function maskHost(host: Host): Host {
  return { ...host, collector: { ...host.collector, settings: maskSettings(host.collector.settings) } };
}

function stillMasked(value: unknown): boolean {
  return (
    value === MASK ||
    (typeof value === 'string' && (value.includes(`:${MASK}@`) || value.includes(`//${MASK}@`)))
  );
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
  if (isSealed(incoming)) throw invalid(path, 'sealed values are written by the server only');
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

/** Maps every leaf of settings, with its path (`collector.settings.tls.key`) and field name. */
function mapLeaves(
  value: unknown,
  path: string,
  name: string,
  leaf: (value: unknown, path: string, name: string) => unknown,
): unknown {
  const mapped = leaf(value, path, name);
  if (mapped !== value) return mapped;
  if (Array.isArray(value)) return value.map((v, i) => mapLeaves(v, `${path}.${i}`, '', leaf));
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, mapLeaves(v, `${path}.${k}`, k, leaf)]),
  );
}

/**
 * Settings as stored: every secret value sealed (as JSON, so a value of any type goes in), bound to
 * `context` and its path, so a sealed value copied to another host or field does not open.
 */
export function sealSettings(
  settings: Readonly<Record<string, unknown>>,
  seal: SecretSeal,
  context: string,
): Record<string, unknown> {
  const sealed = mapLeaves(settings, 'collector.settings', '', (value, path, name) =>
    isSecretValue(name, value) && !isSealed(value)
      ? seal.seal(JSON.stringify(value), `${context}/${path}`)
      : value,
  );
  return isRecord(sealed) ? sealed : {};
}

export interface OpenedSettings {
  readonly settings: Record<string, unknown>;
  /** Secrets kept in plaintext (written before sealing) or sealed with an older key: seal on next write. */
  readonly stale: boolean;
}

/**
 * Settings as read: sealed values opened. A value no configured key opens stays sealed (the API masks
 * it and collection refuses it, asking for the secret again); plaintext secrets from before sealing are
 * read as they are.
 */
export function openSettings(
  settings: Readonly<Record<string, unknown>>,
  seal: SecretSeal,
  context: string,
): OpenedSettings {
  let stale = false;
  const opened = mapLeaves(settings, 'collector.settings', '', (value, path, name) => {
    if (!isSealed(value)) {
      if (isSecretValue(name, value)) stale = true;
      return value;
    }
    const plain = seal.open(value, `${context}/${path}`);
    if (plain === undefined) return value;
    if (!seal.isCurrent(value)) stale = true;
    return JSON.parse(plain) as unknown;
  });
  return { settings: isRecord(opened) ? opened : {}, stale };
}
