import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadSecretKeys, parseSecretKey } from './index.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'vitals-key-'));

describe('the secret key', () => {
  it('does generate a key file once, mode 0600, and reuse it', () => {
    const dataDir = join(dir(), 'nested');
    const first = loadSecretKeys({ secretKeys: [], dataDir });
    expect(first).toMatchObject({ source: 'generated', path: join(dataDir, 'secret.key') });
    expect(statSync(join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
    const again = loadSecretKeys({ secretKeys: [], dataDir });
    expect(again.source).toBe('file');
    expect(again.keys).toEqual(first.keys);
    expect(first.keys[0]).toHaveLength(32);
  });

  it('does narrow a key file others can read, and refuse a malformed one', () => {
    const dataDir = dir();
    loadSecretKeys({ secretKeys: [], dataDir });
    chmodSync(join(dataDir, 'secret.key'), 0o644);
    expect(loadSecretKeys({ secretKeys: [], dataDir }).narrowed).toBe(true);
    expect(statSync(join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
    writeFileSync(join(dataDir, 'secret.key'), 'short\n');
    expect(() => loadSecretKeys({ secretKeys: [], dataDir })).toThrow(/does not hold a 32-byte key/);
  });

  it('does take VITALS_SECRET_KEY in base64 or hex, a list for rotation, and never echo a bad one', () => {
    const hex = 'ab'.repeat(32);
    const base64 = Buffer.alloc(32, 7).toString('base64');
    const config = loadConfig({ VITALS_SECRET_KEY: `${base64}, ${hex}` });
    const loaded = loadSecretKeys(config.server);
    expect(loaded.source).toBe('env');
    expect(loaded.keys).toEqual([Buffer.alloc(32, 7), Buffer.from(hex, 'hex')]);
    expect(parseSecretKey(Buffer.alloc(32, 7).toString('base64url'))).toEqual(Buffer.alloc(32, 7));
    expect(parseSecretKey(Buffer.alloc(31).toString('base64'))).toBeUndefined();
    try {
      loadConfig({ VITALS_SECRET_KEY: 'not-a-key-but-secret', REDIS_URL: 'redis://u:hunter2@h:x' });
      expect.unreachable();
    } catch (err: unknown) {
      if (!(err instanceof ConfigError)) throw err;
      expect(err.message).toContain('VITALS_SECRET_KEY="***"');
      expect(err.message).not.toMatch(/not-a-key-but-secret|hunter2/);
    }
  });
});
