import { describe, expect, it } from 'vitest';
import { idFromName } from './org-id.ts';
import { ID_PATTERN } from './series.ts';

describe('org ids from names', () => {
  it('makes a valid id of a display name, and none of a name with nothing usable', () => {
    expect(idFromName('Acme Corp')).toBe('acme-corp');
    expect(idFromName('  _Ops & Infra (EU)  ')).toBe('ops-infra-eu');
    expect(idFromName('team.a_b')).toBe('team.a_b');
    expect(idFromName('a'.repeat(300))).toHaveLength(128);
    expect(idFromName('!!!')).toBe('');
    for (const name of ['Acme Corp', '  _Ops & Infra (EU)  ', 'x'.repeat(300)])
      expect(ID_PATTERN.test(idFromName(name))).toBe(true);
  });
});
