import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDuration, parseLabels, parseServerUrl, parseSize } from './parse.ts';
import { defaultHostId, resolveSettings } from './settings.ts';

const required = { server: 'http://vitals.example:3000/', token: 'vt_abc' };

describe('resolveSettings', () => {
  it('uses the defaults when only the server and token are given', () => {
    const result = resolveSettings(required, {}, true);
    expect(result.ok && result.settings).toMatchObject({
      server: 'http://vitals.example:3000',
      token: 'vt_abc',
      intervalMs: 5000,
      labels: {},
      spoolMaxBytes: 100 * 1024 * 1024,
      batchMax: 60,
      timeoutMs: 10_000,
      logLevel: 'info',
    });
    expect(result.ok && result.settings.spoolDir.endsWith('data/agent-spool')).toBe(true);
  });

  it('prefers a flag over its VITALS_AGENT_ variable, and the variable over the default', () => {
    const env = {
      VITALS_AGENT_INTERVAL: '10s',
      VITALS_AGENT_HOST_ID: 'from-env',
      VITALS_AGENT_SERVER: 'https://x',
      VITALS_AGENT_TOKEN: 't',
    };
    const result = resolveSettings({ interval: '2s' }, env, true);
    expect(result.ok && result.settings).toMatchObject({
      intervalMs: 2000,
      hostId: 'from-env',
      server: 'https://x',
      token: 't',
    });
  });

  it('lists every problem at once, naming the flag or variable, when settings are invalid', () => {
    const result = resolveSettings(
      { interval: 'soon', labels: 'env' },
      { VITALS_AGENT_SPOOL_MAX: '10 parsecs', VITALS_AGENT_HOST_ID: 'a:b' },
      true,
    );
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems).toHaveLength(6);
    expect(problems.join('\n')).toMatch(/--interval: expected a duration/);
    expect(problems.join('\n')).toMatch(/--labels: expected k=v/);
    expect(problems.join('\n')).toMatch(/VITALS_AGENT_SPOOL_MAX: expected a size/);
    expect(problems.join('\n')).toMatch(/VITALS_AGENT_HOST_ID: expected letters/);
    expect(problems.join('\n')).toMatch(/--server .*required/);
    expect(problems.join('\n')).toMatch(/--token .*required/);
  });

  it('does not require a server or token when nothing is sent (--once)', () => {
    expect(resolveSettings({}, {}, false).ok).toBe(true);
  });

  it('reads the token from --token-file when no token is given', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vitals-token-')), 'token');
    writeFileSync(file, 'vt_from_file\n');
    const result = resolveSettings({ server: 'http://x', tokenFile: file }, {}, true);
    expect(result.ok && result.settings.token).toBe('vt_from_file');
  });

  it('never repeats the token in a problem', () => {
    const result = resolveSettings({ server: 'ftp://x', token: 'vt_secret' }, {}, true);
    expect(result.ok ? '' : result.problems.join()).not.toContain('vt_secret');
  });
});

describe('defaultHostId', () => {
  it('makes a hostname into a valid host id', () => {
    expect(defaultHostId('web-1.example.com')).toBe('web-1.example.com');
    expect(defaultHostId('my host (2)')).toBe('my-host--2-');
    expect(defaultHostId('__')).toBe('localhost');
  });
});

describe('parsers', () => {
  it('reads durations with units, bare numbers as seconds', () => {
    expect(parseDuration('5s', 1000, 60_000)).toEqual({ ok: true, value: 5000 });
    expect(parseDuration('1.5m', 1000, 3_600_000)).toEqual({ ok: true, value: 90_000 });
    expect(parseDuration('2', 1000, 60_000)).toEqual({ ok: true, value: 2000 });
    expect(parseDuration('500ms', 1000, 60_000).ok).toBe(false);
  });

  it('reads sizes in binary units', () => {
    expect(parseSize('100MB', 1)).toEqual({ ok: true, value: 100 * 1024 * 1024 });
    expect(parseSize('1GiB', 1)).toEqual({ ok: true, value: 1024 ** 3 });
    expect(parseSize('512k', 1)).toEqual({ ok: true, value: 512 * 1024 });
    expect(parseSize('12 furlongs', 1).ok).toBe(false);
  });

  it('reads labels and refuses bad names or repeats', () => {
    expect(parseLabels('env=prod, rack=r1')).toEqual({ ok: true, value: { env: 'prod', rack: 'r1' } });
    expect(parseLabels('').ok).toBe(true);
    expect(parseLabels('1x=a').ok).toBe(false);
    expect(parseLabels('a=1,a=2').ok).toBe(false);
  });

  it('accepts only http(s) base URLs', () => {
    expect(parseServerUrl('https://v.example/base/')).toEqual({ ok: true, value: 'https://v.example/base' });
    expect(parseServerUrl('v.example').ok).toBe(false);
    expect(parseServerUrl('http://v.example/?x=1').ok).toBe(false);
  });
});
