import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerConfig } from './load.ts';

/** AES-256 keys are 32 bytes. */
export const SECRET_KEY_BYTES = 32;
/** The generated key's file in the data directory. */
export const SECRET_KEY_FILE = 'secret.key';

/** A 32-byte key from 64 hex digits or base64 (standard or URL-safe); undefined for anything else. */
export function parseSecretKey(text: string): Buffer | undefined {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) return undefined;
  const key = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return key.length === SECRET_KEY_BYTES ? key : undefined;
}

export interface SecretKeys {
  /** The first seals; every one opens. */
  readonly keys: readonly Buffer[];
  /** `env`: VITALS_SECRET_KEY; `file`: read from the data directory; `generated`: created there now. */
  readonly source: 'env' | 'file' | 'generated';
  /** The key file, for `file` and `generated`. */
  readonly path?: string;
  /** True when the key file could be read by others than its owner (then narrowed to 0600). */
  readonly narrowed?: boolean;
}

function readKeyFile(path: string): Buffer {
  const key = parseSecretKey(readFileSync(path, 'utf8'));
  if (!key)
    throw new Error(
      `${path} does not hold a 32-byte key (base64 or hex); restore it or set VITALS_SECRET_KEY`,
    );
  return key;
}

/**
 * Creates the key file with its content in one step: written to a private temporary file, then linked
 * into place, which fails if another process made the file first (then its key is used).
 */
function createKeyFile(path: string): boolean {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${randomBytes(SECRET_KEY_BYTES).toString('base64')}\n`, { mode: 0o600 });
  try {
    linkSync(temporary, path);
    return true;
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(temporary);
  }
}

/**
 * The keys that seal collector secrets: VITALS_SECRET_KEY when set, else `<dataDir>/secret.key`,
 * generated (mode 0600) at the first start and reused after. Throws when the file is unreadable or
 * malformed: starting with a new key would make every stored secret unreadable.
 */
export function loadSecretKeys(server: Pick<ServerConfig, 'secretKeys' | 'dataDir'>): SecretKeys {
  if (server.secretKeys.length > 0) {
    const keys = server.secretKeys.map((text, i) => {
      const key = parseSecretKey(text);
      if (!key) throw new Error(`VITALS_SECRET_KEY: key ${i + 1} is not 32 bytes in base64 or hex`);
      return key;
    });
    return { keys, source: 'env' };
  }
  const path = join(server.dataDir, SECRET_KEY_FILE);
  mkdirSync(server.dataDir, { recursive: true });
  let source: SecretKeys['source'] = 'file';
  try {
    statSync(path);
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    if (createKeyFile(path)) source = 'generated';
  }
  const narrowed = (statSync(path).mode & 0o077) !== 0;
  if (narrowed) chmodSync(path, 0o600);
  return { keys: [readKeyFile(path)], source, path, narrowed };
}
