import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './index.ts';

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ logLevel: 'trace' }, sink), text: () => lines.join('') };
}

describe('createLogger', () => {
  it('does keep secrets out of fields, messages, errors, causes and bindings', () => {
    const { logger, text } = capture();
    const reply = Object.assign(new Error('WRONGPASS'), { command: { name: 'auth', args: ['u', 'S1-pw'] } });
    logger.child({ target: 'http://u:S2-bind@h/' }).warn(
      {
        settings: { password: 'S3-pw', nested: { deeper: { privateKey: 'S4-key' } } },
        headers: { authorization: 'Bearer S5-bearer-0123456789' },
        reason: 'fetch http://user:S6-url@h/metrics failed',
        err: new Error('outer', { cause: new Error('Request with credentials: http://u:S7-cause@h/') }),
        reply,
      },
      'token vt_S8AAAAAAAAAAAAAAAAAAAA and password=S9-msg',
    );
    logger.error(reply);
    const log = text();
    expect(log).toContain('outer');
    expect(log).toContain('WRONGPASS');
    for (let i = 1; i <= 9; i++) expect(log).not.toContain(`S${i}`);
  });
});
