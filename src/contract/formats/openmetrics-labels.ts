/**
 * The `{name="value",…}` label set of an exposition line. Label values escape `\\`, `\"` and `\n`; other
 * backslash pairs are kept as they are, as Prometheus' own parser does, rather than failing a whole scrape.
 */
import type { Cursor } from './cursor.ts';
import { fail } from './sample.ts';

const LABEL_NAME = /[a-zA-Z_][a-zA-Z0-9_]*/y;

function unescapeChar(char: string): string {
  if (char === 'n') return '\n';
  if (char === '\\' || char === '"') return char;
  return `\\${char}`;
}

/** Reads a label value after its opening quote, up to and including the closing quote. */
function readLabelValue(cursor: Cursor): string {
  const { text } = cursor;
  let value = '';
  let from = cursor.pos;
  let quote = -1;
  for (;;) {
    // Searching again only once passed keeps a line full of escapes linear.
    if (quote < from) quote = text.indexOf('"', from);
    const backslash = text.indexOf('\\', from);
    if (quote < 0) fail('unterminated label value');
    if (backslash < 0 || quote < backslash) {
      cursor.pos = quote + 1;
      return value + text.slice(from, quote);
    }
    // backslash < quote, so the escaped character exists.
    value += text.slice(from, backslash) + unescapeChar(text.charAt(backslash + 1));
    from = backslash + 2;
  }
}

function readLabel(cursor: Cursor, seen: Set<string>): [string, string] {
  const name = cursor.match(LABEL_NAME) ?? fail(`invalid label name at column ${cursor.pos + 1}`);
  if (seen.has(name)) fail(`duplicate label "${name}"`);
  seen.add(name);
  cursor.skipBlanks();
  cursor.expect('=', '"="');
  cursor.skipBlanks();
  cursor.expect('"', 'a quoted label value');
  return [name, readLabelValue(cursor)];
}

/** Reads `{…}` starting at the `{`; a trailing comma is allowed, as in Prometheus. */
export function parseLabelSet(cursor: Cursor): Record<string, string> {
  cursor.expect('{', '"{"');
  const entries: [string, string][] = [];
  const seen = new Set<string>();
  for (;;) {
    cursor.skipBlanks();
    if (cursor.eat('}')) break;
    entries.push(readLabel(cursor, seen));
    cursor.skipBlanks();
    if (cursor.eat('}')) break;
    cursor.expect(',', '"," or "}"');
  }
  // fromEntries defines own properties, so a label called `__proto__` stays a label.
  return Object.fromEntries(entries);
}
