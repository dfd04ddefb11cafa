import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Scope } from '../contract/index.ts';

/** Every token starts with this, so secret scanners and people recognise a leaked one. */
export const TOKEN_PREFIX = 'vt_';

/** What a token can look like: generated ones are `vt_` + 43 base64url characters (256 bits). */
const TOKEN_SHAPE = /^vt_[A-Za-z0-9_-]{20,200}$/;

/** What a malformed token is told: the shape, and two ways to make one. */
export const TOKEN_FORMAT_HINT =
  'expected vt_ followed by 20 to 200 base64url characters (A-Z a-z 0-9 _ -); make one with ' +
  `node -e "console.log('vt_' + require('crypto').randomBytes(32).toString('base64url'))" ` +
  "or echo vt_$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=')";

/** A new token: 256 random bits, base64url, with the recognisable prefix. */
export function generateToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** A short random id for a token record (not secret: it names the token in lists and URLs). */
export function generateTokenId(): string {
  return `tok_${randomBytes(9).toString('base64url')}`;
}

/** True when the string could be a token; anything else is refused before any hashing or lookup. */
export function isTokenShaped(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}

/** The only form in which a token is stored: SHA-256, hex. */
export function hashToken(token: string): string {
  return hash('sha256', token, 'hex');
}

/** Constant-time comparison of two SHA-256 hex digests (false when either is malformed). */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === 32 && y.length === 32 && timingSafeEqual(x, y);
}

/**
 * `admin` implies `read` and `ingest`; `read` and `ingest` imply nothing else. `operator` (managing
 * orgs) is granted only by itself and implies nothing: an operator token reaches another org's data
 * only through the org routes, never through the org-scoped ones.
 */
export function grants(scopes: readonly Scope[], needed: Scope): boolean {
  if (needed === 'operator') return scopes.includes('operator');
  return scopes.includes('admin') || scopes.includes(needed);
}
