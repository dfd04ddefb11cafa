/**
 * The one redaction step. Everything that leaves the process as text — log lines, error messages,
 * job failure reasons, API answers — passes through here, so a secret that reaches a message by
 * accident (a URL with a password inside a library's error, a header echoed back) is cut out before
 * anyone reads it. Structured values are redacted by field name, free text by shape: URL userinfo,
 * `Authorization` headers, bearer and `vt_` tokens, `password=…`-style pairs, PEM private keys, and
 * any secret value the caller knows of.
 */

/** What replaces a secret. */
export const MASK = '***';

/** How a secret sealed at rest starts (`enc:v1:<key id>:<data>`); tenancy seals collector secrets. */
export const SEALED_PREFIX = 'enc:v1:';

/** Field names that hold secrets, compared in lower case without `_` and `-`. */
const SECRET_NAME =
  /(password|passphrase|secret|secretkey|token|privatekey|apikey|accesskey|clientkey|credentials?|authorization|cookie)$/;

/** True for a field that holds a secret: `password`, `private_key`, `bearerToken`, `apiKey`… */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name.toLowerCase().replace(/[_-]/g, ''));
}

export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(SEALED_PREFIX);
}

/** The URL with its userinfo masked (`user:***@`, or `***@` for a bare user, often a token). */
export function maskUrl(value: string): string {
  if (!value.includes('://') || !value.includes('@')) return value;
  try {
    const url = new URL(value);
    if (url.password !== '') url.password = MASK;
    else if (url.username !== '') url.username = MASK;
    else return value;
    return url.toString();
  } catch {
    return value;
  }
}

const PEM_PRIVATE_KEY =
  /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
/** Userinfo holds no `/`, `?` or `#`: `file:///x/node_modules/@scope` in a stack is a path, not a user. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]{0,31}:\/\/)([^\s@"'<>\\/?#]{0,512})@/gi;
const AUTH_HEADER =
  /\b((?:proxy-)?authorization|cookie|set-cookie)(\\?["']?\s*[:=]\s*\\?["']?)([^\r\n"'\\,;}]+)/gi;
/** A credential after `Bearer`/`Basic`: a digit or `=` tells it from a word (`basic authentication`). */
const BEARER = /\b(bearer|basic)(\s+)(?=[A-Za-z._~+/-]*[0-9=])[A-Za-z0-9._~+/=-]{12,}/gi;
const VT_TOKEN = /\bvt_[A-Za-z0-9_-]{8,}/g;
/**
 * `password=x`, `"apiKey":"x"`, `token: 'x'` (a bare `name: value` only when the name is quoted). Names
 * start at a boundary and are bounded, so a long run of word characters costs linear time.
 */
const PAIR =
  /((\\?["'])?)(?<![\w.-])([\w.-]{0,64}?(?:password|passphrase|secret|token|private[_-]?key|api[_-]?key|secret[_-]?key|access[_-]?key|client[_-]?key|credentials?))\1(\s*(?:=|(?<=["']\s*):)\s*)(\\"(?:[^"\\]|\\[^"])*(?:\\"|$)|"(?:[^"\\]|\\.)*(?:"|$)|'[^']*(?:'|$)|[^\s,;&}\])"']+)/gi;

function userinfo(_: string, scheme: string, info: string): string {
  const colon = info.indexOf(':');
  return colon >= 0 ? `${scheme}${info.slice(0, colon)}:${MASK}@` : `${scheme}${MASK}@`;
}

function pair(_: string, quote: string, _q: string, name: string, sep: string, value: string): string {
  const open = /^\\?["']/.exec(value)?.[0] ?? '';
  const close = open && value.length > open.length && value.endsWith(open.at(-1) ?? '') ? open : '';
  return `${quote}${name}${quote}${sep}${open}${MASK}${close}`;
}

/**
 * Free text with every secret it visibly carries replaced by `***`; `known` are values to cut out
 * wherever they appear (a host's own passwords, when its collection fails).
 */
export function redactText(text: string, known: readonly string[] = []): string {
  let out = text;
  for (const secret of known) {
    if (secret.length < 3) continue;
    out = out.replaceAll(secret, MASK);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.replaceAll(encoded, MASK);
  }
  if (!/[@:=_]|bearer|basic|private key/i.test(out)) return out;
  return out
    .replace(PEM_PRIVATE_KEY, '[private key]')
    .replace(URL_USERINFO, userinfo)
    .replace(AUTH_HEADER, (_, name: string, sep: string) => `${name}${sep}${MASK}`)
    .replace(BEARER, (_, scheme: string, space: string) => `${scheme}${space}${MASK}`)
    .replace(VT_TOKEN, `vt_${MASK}`)
    .replace(PAIR, pair);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

/**
 * A copy of a structured value with secret-named fields masked and every string through
 * `redactText`. Plain objects and arrays are walked; anything else (errors, buffers, class instances)
 * is returned as it is, for its own serializer.
 */
export function redactValue(value: unknown, known: readonly string[] = [], seen = new WeakSet()): unknown {
  if (typeof value === 'string') return redactText(value, known);
  if (typeof value !== 'object' || value === null || seen.has(value)) return value;
  if (Array.isArray(value)) {
    seen.add(value);
    return value.map((v) => redactValue(v, known, seen));
  }
  if (!isPlainObject(value)) return value;
  seen.add(value);
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      isSecretName(k) && present(v) ? MASK : redactValue(v, known, seen),
    ]),
  );
}

/** The same error with its message and stack redacted (in place, so its class still tells retries apart). */
export function redactError(err: unknown, known: readonly string[] = []): Error {
  if (!(err instanceof Error)) return new Error(redactText(String(err), known));
  err.message = redactText(err.message, known);
  if (err.stack !== undefined) err.stack = redactText(err.stack, known);
  return err;
}

function collectStrings(value: unknown, into: string[]): void {
  if (typeof value === 'string') into.push(value);
  else if (typeof value === 'number' || typeof value === 'bigint') into.push(String(value));
  else if (Array.isArray(value)) for (const v of value) collectStrings(v, into);
  else if (typeof value === 'object' && value !== null)
    for (const v of Object.values(value)) collectStrings(v, into);
}

function urlSecrets(value: string, into: string[]): void {
  if (!value.includes('://') || !value.includes('@')) return;
  try {
    const url = new URL(value);
    const secret = url.password !== '' ? url.password : url.username;
    if (secret === '') return;
    into.push(secret);
    const decoded = decodeURIComponent(secret);
    if (decoded !== secret) into.push(decoded);
  } catch {
    // not a URL: nothing to take
  }
}

/** Every secret value in a settings object (secret-named fields at any depth, URL userinfo), longest first. */
export function secretValues(settings: unknown): string[] {
  const found: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') urlSecrets(value, found);
    else if (Array.isArray(value)) for (const v of value) walk(v);
    else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) {
        if (isSecretName(k) && !isSealed(v)) collectStrings(v, found);
        else walk(v);
      }
    }
  };
  walk(settings);
  return [...new Set(found)].filter((s) => s !== '').sort((a, b) => b.length - a.length);
}

/** True when a value holds a secret still sealed (one the configured keys could not open). */
export function containsSealed(value: unknown): boolean {
  if (isSealed(value)) return true;
  if (Array.isArray(value)) return value.some(containsSealed);
  if (typeof value === 'object' && value !== null) return Object.values(value).some(containsSealed);
  return false;
}
