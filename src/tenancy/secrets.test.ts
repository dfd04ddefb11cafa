import { describe, expect, it } from 'vitest';
import { containsSealed } from '../contract/index.ts';
import { SecretSeal } from './secret-seal.ts';
import { MASK, maskSettings, openSettings, restoreSettings, sealSettings } from './secrets.ts';
import { liftUrlCredentials } from './url-credentials.ts';

describe('collector secrets', () => {
  const stored = {
    host: 'db.internal',
    port: 22,
    password: 'pw',
    private_key: '-----BEGIN KEY-----',
    sentinelPassword: 'spw',
    tls: { clientKey: 'k', ca: 'public cert' },
    url: 'redis://user:s3cret@db:6379/0',
    endpoints: ['http://a:b@x:9100/metrics', 'http://y:9100/metrics'],
    emptyPassword: '',
  };

  it('masks secret-named fields at any depth and URL passwords when settings are shown', () => {
    expect(maskSettings(stored)).toEqual({
      host: 'db.internal',
      port: 22,
      password: MASK,
      private_key: MASK,
      sentinelPassword: MASK,
      tls: { clientKey: MASK, ca: 'public cert' },
      url: 'redis://user:***@db:6379/0',
      endpoints: ['http://a:***@x:9100/metrics', 'http://y:9100/metrics'],
      emptyPassword: '',
    });
  });

  it('restores every stored secret when the masked settings come back unchanged', () => {
    expect(restoreSettings(maskSettings(stored), stored)).toEqual(stored);
  });

  it('takes a new secret when the client sends one', () => {
    const next = restoreSettings({ ...maskSettings(stored), password: 'new' }, stored);
    expect(next.password).toBe('new');
    expect(next.private_key).toBe(stored.private_key);
  });

  it('refuses a mask when no secret is stored at that place', () => {
    expect(() => restoreSettings({ password: MASK }, {})).toThrow(/^collector\.settings\.password: /);
    expect(() => restoreSettings({ url: 'redis://:***@other:6379' }, stored)).toThrow(
      /collector\.settings\.url/,
    );
  });
});

describe('collector secrets at rest', () => {
  const key = (n: number) => Buffer.alloc(32, n);
  const seal = new SecretSeal([key(1)]);
  const settings = {
    host: 'db.internal',
    password: 'pw',
    tls: { clientKey: 'k', ca: 'public cert' },
    endpoints: ['http://a:b@x:9100/metrics', 'http://y:9100/metrics'],
    port: 22,
  };

  it('does seal every secret value and open it again, bound to its host and field', () => {
    const sealed = sealSettings(settings, seal, 'org/h1');
    const json = JSON.stringify(sealed);
    for (const secret of ['"pw"', '"k"', 'a:b@']) expect(json).not.toContain(secret);
    expect(sealed).toMatchObject({ host: 'db.internal', port: 22, tls: { ca: 'public cert' } });
    expect(sealed.password).toMatch(/^enc:v1:[0-9a-f]{8}:/);
    expect(openSettings(sealed, seal, 'org/h1')).toEqual({ settings, stale: false });
    // A sealed value copied to another host does not open.
    expect(containsSealed(openSettings(sealed, seal, 'org/h2').settings)).toBe(true);
  });

  it('does read plaintext records as they are and flag them for sealing', () => {
    expect(openSettings(settings, seal, 'org/h1')).toEqual({ settings, stale: true });
    expect(openSettings({ host: 'x', port: 1 }, seal, 'org/h1').stale).toBe(false);
  });

  it('does open values of an older key after rotation, and mask what no key opens', () => {
    const old = sealSettings(settings, seal, 'org/h1');
    expect(openSettings(old, new SecretSeal([key(2), key(1)]), 'org/h1')).toEqual({ settings, stale: true });
    const lost = openSettings(old, new SecretSeal([key(2)]), 'org/h1');
    expect(lost.stale).toBe(false);
    expect(maskSettings(lost.settings)).toMatchObject({
      password: MASK,
      endpoints: [MASK, settings.endpoints[1]],
    });
  });
});

describe('credentials in collector URLs', () => {
  it('does move URL credentials into username and password', () => {
    expect(
      liftUrlCredentials({ kind: 'prometheus', settings: { url: 'http://us%40er:p%2Fw@h:9100/metrics' } }),
    ).toEqual({
      kind: 'prometheus',
      settings: { url: 'http://h:9100/metrics', username: 'us@er', password: 'p/w' },
    });
    expect(liftUrlCredentials({ kind: 'redis', settings: { url: 'redis://:pw@db:6379/2' } })).toEqual({
      kind: 'redis',
      settings: { url: 'redis://db:6379/2', password: 'pw' },
    });
    const ssh = { kind: 'ssh' as const, settings: { url: 'http://u:p@h/' } };
    expect(liftUrlCredentials(ssh)).toBe(ssh);
  });

  it('does refuse credentials given twice, without echoing them', () => {
    const twice = () =>
      liftUrlCredentials({
        kind: 'prometheus',
        settings: { url: 'http://u:pw-1x@h/', bearerToken: 'tok-2y' },
      });
    expect(twice).toThrow('collector.settings.url: holds credentials while bearerToken is set too');
    expect(twice).not.toThrow(/pw-1x|tok-2y/);
  });
});
