import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../../test/harness/index.ts';
import { ConfigError, loadConfig } from './index.ts';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (err: unknown) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('REDIS_TLS_CA, REDIS_TLS_CERT and REDIS_TLS_KEY', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = makeTestPki();
  });
  afterAll(() => pki?.remove());

  it('reads the files at start-up and turns TLS on', () => {
    const config = loadConfig({
      REDIS_URL: 'redis://h:6380',
      REDIS_TLS_CA: pki.caCert,
      REDIS_TLS_CERT: pki.clientCert,
      REDIS_TLS_KEY: pki.clientKey,
    });
    expect(config.redis.tls).toBe(true);
    expect(config.redis.tlsPem).toEqual({
      ca: readFileSync(pki.caCert, 'utf8'),
      cert: readFileSync(pki.clientCert, 'utf8'),
      key: readFileSync(pki.clientKey, 'utf8'),
    });
    expect(Object.isFrozen(config.redis.tlsPem)).toBe(true);
    expect(loadConfig({ REDIS_TLS_CA: pki.caCert }).redis.tls).toBe(true);
  });

  it('turns TLS on for a rediss:// URL and leaves it off otherwise', () => {
    expect(loadConfig({ REDIS_URL: 'rediss://h:6380' }).redis).toMatchObject({ tls: true, tlsPem: {} });
    expect(loadConfig({ REDIS_URL: 'redis://h:6380' }).redis.tls).toBe(false);
    expect(loadConfig({ REDIS_TLS: 'true' }).redis.tls).toBe(true);
  });

  it('names the variable of a file that cannot be read', () => {
    const missing = join(pki.dir, 'missing.pem');
    expect(problemsOf({ REDIS_TLS_CA: missing, REDIS_PORT: 'x' })).toEqual([
      `REDIS_PORT="x": expected an integer`,
      `REDIS_TLS_CA=${JSON.stringify(missing)}: cannot read the file (ENOENT)`,
    ]);
    expect(problemsOf({ REDIS_TLS_CERT: pki.dir, REDIS_TLS_KEY: pki.clientKey })).toEqual([
      `REDIS_TLS_CERT=${JSON.stringify(pki.dir)}: cannot read the file (EISDIR)`,
    ]);
  });

  it('refuses a CA file without certificates, a lone certificate or key, and a key of another certificate', () => {
    const notPem = join(pki.dir, 'not.pem');
    writeFileSync(notPem, 'hello\n');
    expect(problemsOf({ REDIS_TLS_CA: notPem })).toEqual([
      `REDIS_TLS_CA=${JSON.stringify(notPem)}: holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    ]);
    expect(problemsOf({ REDIS_TLS_CERT: pki.clientCert })).toEqual([
      `REDIS_TLS_CERT=${JSON.stringify(pki.clientCert)}: needs REDIS_TLS_KEY too`,
    ]);
    expect(problemsOf({ REDIS_TLS_KEY: pki.clientKey })).toEqual([
      `REDIS_TLS_KEY=${JSON.stringify(pki.clientKey)}: needs REDIS_TLS_CERT too`,
    ]);
    expect(problemsOf({ REDIS_TLS_CERT: pki.clientCert, REDIS_TLS_KEY: pki.serverKey })).toEqual([
      `REDIS_TLS_KEY=${JSON.stringify(pki.serverKey)}: is not the private key of the certificate in REDIS_TLS_CERT`,
    ]);
    const [swapped] = problemsOf({ REDIS_TLS_CERT: pki.clientKey, REDIS_TLS_KEY: pki.clientKey });
    expect(swapped).toMatch(/^REDIS_TLS_CERT=".*client\.key": is not a PEM certificate/);
  });
});
