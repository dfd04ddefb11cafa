import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCodes, httpStatus } from './errors.ts';

describe('error codes', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

  it('lists every code with its HTTP status in docs/errors.md', () => {
    for (const code of errorCodes) {
      expect(doc).toMatch(new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${httpStatus(code)}\\s*\\|`));
    }
  });

  it('documents no code that does not exist', () => {
    const documented = [...doc.matchAll(/^\|\s*`([a-z_]+)`\s*\|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...errorCodes].sort());
  });
});
