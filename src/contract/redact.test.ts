import { describe, expect, it } from 'vitest';
import { containsSealed, redactError, redactText, redactValue, secretValues } from './redact.ts';

describe('redactText', () => {
  it('does mask URL userinfo, keeping the user name beside a password', () => {
    expect(
      redactText(
        'Request cannot be constructed from a URL that includes credentials: http://user:s3cret@host:9/metrics',
      ),
    ).toBe(
      'Request cannot be constructed from a URL that includes credentials: http://user:***@host:9/metrics',
    );
    expect(redactText('clone https://ghp_abc123@github.com/x and redis://:pw@db:6379/0')).toBe(
      'clone https://***@github.com/x and redis://:***@db:6379/0',
    );
  });

  it('does mask authorization headers, bearer and basic credentials and vt_ tokens', () => {
    expect(redactText('Authorization: Bearer abc.def.ghi123')).toBe('Authorization: ***');
    expect(redactText('{"authorization":"Basic dXNlcjpwYXNz"}')).toBe('{"authorization":"***"}');
    expect(redactText('sent Bearer eyJhbGciOiJIUzI1NiJ9.x.y to it')).toBe('sent Bearer *** to it');
    expect(redactText('token vt_AAAAAAAAAAAAAAAAAAAAAAAAAA refused')).toBe('token vt_*** refused');
    expect(redactText('HTTP basic authentication refused')).toBe('HTTP basic authentication refused');
  });

  it('does mask secret-named pairs in query strings, env and JSON, but not field-named messages', () => {
    expect(redactText('GET /x?token=abc&n=1')).toBe('GET /x?token=***&n=1');
    expect(redactText('REDIS_PASSWORD=hunter2 VITALS_SECRET_KEY="a b"')).toBe(
      'REDIS_PASSWORD=*** VITALS_SECRET_KEY="***"',
    );
    expect(redactText('{"password":"p\\"w","bearerToken": "t", "n":1}')).toBe(
      '{"password":"***","bearerToken": "***", "n":1}',
    );
    expect(redactText('{\\"passphrase\\":\\"x\\"}')).toBe('{\\"passphrase\\":\\"***\\"}');
    expect(redactText('collector.settings.password: is required')).toBe(
      'collector.settings.password: is required',
    );
  });

  it('does cut out PEM private keys, even truncated ones', () => {
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----';
    expect(redactText(`bad key ${key} here`)).toBe('bad key [private key] here');
    expect(redactText('-----BEGIN RSA PRIVATE KEY-----\\nMIIEow')).toBe('[private key]');
  });

  it('does take linear time on long runs of word characters', () => {
    const started = performance.now();
    for (const text of [
      `${'a'.repeat(200_000)}=`,
      `${'tokenx'.repeat(40_000)}:`,
      `${'abc'.repeat(70_000)}://x@`,
    ])
      redactText(text);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('does cut out known values, plain and URL-encoded', () => {
    expect(redactText('login as p@ss/w0rd (p%40ss%2Fw0rd) failed', ['p@ss/w0rd'])).toBe(
      'login as *** (***) failed',
    );
  });
});

describe('redactValue and friends', () => {
  it('does mask secret-named fields at any depth and redact strings, leaving errors alone', () => {
    const err = new Error('x');
    expect(
      redactValue({ a: { privateKey: 'k', note: 'url http://u:p@h/' }, list: [{ apiKey: 'z' }], err }),
    ).toEqual({ a: { privateKey: '***', note: 'url http://u:***@h/' }, list: [{ apiKey: '***' }], err });
  });

  it('does redact an error in place', () => {
    const err = redactError(new TypeError('fetch http://u:secret@h/ failed'));
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe('fetch http://u:***@h/ failed');
    expect(err.stack).not.toContain('secret');
  });

  it('does list the secret values of settings, longest first', () => {
    expect(
      secretValues({ url: 'http://u:p%40ss@h/', password: 'pw1', tls: { clientKey: 'k2' }, port: 1 }),
    ).toEqual(['p%40ss', 'p@ss', 'pw1', 'k2']);
    expect(containsSealed({ a: ['enc:v1:ab:cd'] })).toBe(true);
  });
});
