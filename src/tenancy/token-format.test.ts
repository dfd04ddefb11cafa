import { describe, expect, it } from 'vitest';
import { generateToken, grants, hashToken, isTokenShaped, sameHash } from './token-format.ts';

describe('token format', () => {
  it('generates 256-bit base64url tokens with the vt_ prefix that differ each time', () => {
    const a = generateToken();
    expect(a).toMatch(/^vt_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.slice(3), 'base64url')).toHaveLength(32);
    expect(generateToken()).not.toBe(a);
    expect(isTokenShaped(a)).toBe(true);
  });

  it('compares hashes in constant time and refuses malformed ones', () => {
    const h = hashToken('vt_x');
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(sameHash(h, hashToken('vt_x'))).toBe(true);
    expect(sameHash(h, hashToken('vt_y'))).toBe(false);
    expect(sameHash(h, 'zz')).toBe(false);
  });

  it('grants read and ingest when the token is admin and only its own scope otherwise', () => {
    expect(['ingest', 'read', 'admin'].every((s) => grants(['admin'], s as 'read'))).toBe(true);
    expect(grants(['read'], 'ingest')).toBe(false);
    expect(grants(['ingest'], 'read')).toBe(false);
    expect(grants(['read', 'ingest'], 'admin')).toBe(false);
  });

  it('grants operator only to a token holding it, and operator nothing else', () => {
    expect(grants(['admin'], 'operator')).toBe(false);
    expect(grants(['admin', 'operator'], 'operator')).toBe(true);
    expect(['ingest', 'read', 'admin'].some((s) => grants(['operator'], s as 'read'))).toBe(false);
  });
});
