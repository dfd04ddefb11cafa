import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { SEALED_PREFIX } from '../contract/index.ts';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
/** GCM's recommended nonce size; random per value, so one key can seal 2^32 values safely. */
const IV_BYTES = 12;
const TAG_BYTES = 16;

interface SealKey {
  readonly id: string;
  readonly key: Buffer;
}

/** A short public name of a key (the first 4 bytes of its SHA-256), so a value says which key sealed it. */
function keyId(key: Uint8Array): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * Seals secrets at rest with AES-256-GCM: `enc:v1:<key id>:<base64url(iv | tag | ciphertext)>`. The
 * first key seals; every key opens, so a rotated key keeps old values readable until they are written
 * again. `context` is authenticated (not stored): a value copied to another host or field does not open.
 */
export class SecretSeal {
  private readonly keys: readonly SealKey[];
  /** The key that seals. */
  private readonly current: SealKey;

  constructor(keys: readonly Uint8Array[]) {
    this.keys = keys.map((key) => {
      if (key.byteLength !== KEY_BYTES) throw new Error(`a secret key must be ${KEY_BYTES} bytes`);
      return { id: keyId(key), key: Buffer.from(key) };
    });
    const [current] = this.keys;
    if (!current) throw new Error('SecretSeal needs at least one key');
    this.current = current;
  }

  seal(plain: string, context: string): string {
    const { id, key } = this.current;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${SEALED_PREFIX}${id}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  /** The plaintext, or undefined when no configured key opens the value (lost key, or tampered). */
  open(sealed: string, context: string): string | undefined {
    const [id, data] = sealed.slice(SEALED_PREFIX.length).split(':');
    const entry = this.keys.find((k) => k.id === id);
    const raw = Buffer.from(data ?? '', 'base64url');
    if (!entry || raw.length < IV_BYTES + TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv(ALGORITHM, entry.key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      return undefined;
    }
  }

  /** True when the value was sealed with the current (first) key; false means "rewrite to rotate". */
  isCurrent(sealed: string): boolean {
    return sealed.startsWith(`${SEALED_PREFIX}${this.current.id}:`);
  }
}
