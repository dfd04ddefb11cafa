import { describe, expect, it } from 'vitest';
import { MASK, maskSettings, restoreSettings } from './secrets.ts';

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
