/**
 * Splits one Influx line protocol line into measurement, tags, fields and timestamp, undoing escapes.
 *
 * Escapes in measurement, tag keys, tag values and field keys: `\,` `\=` `\ ` `\<tab>` and `\\` (InfluxDB 2
 * reads two backslashes as one); any other backslash is literal, as in InfluxDB, so Windows paths from
 * Telegraf survive. With `extended` on (Vitals' own exports, see `influx.ts`) `\n` `\r` `\t` `\f` also stand
 * for the control characters, which plain line protocol cannot carry. String field values escape `\"` and
 * `\\`. Values, field types and timestamps are interpreted by the caller.
 */
import { Cursor } from './cursor.ts';
import { fail } from './sample.ts';

export interface InfluxPoint {
  measurement: string;
  tags: [string, string][];
  /** Raw field values; a string field is marked by `quoted`. */
  fields: { key: string; raw: string; quoted: boolean }[];
  timestamp: string | undefined;
}

const SIMPLE_ESCAPES = new Set([',', '=', ' ', '\t', '\\']);
const CONTROL_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['n', '\n'],
  ['r', '\r'],
  ['t', '\t'],
  ['f', '\f'],
]);
const TIMESTAMP = /-?\d+/y;
const BARE_VALUE = /[^, \t]+/y;

// Runs of characters that need no look: everything but the stops and the backslash.
type Stops = ', \t' | '=, \t';
const PLAIN_RUNS: Readonly<Record<Stops, RegExp>> = {
  ', \t': /[^, \t\\]*/y,
  '=, \t': /[^=, \t\\]*/y,
};

/** Reads an escaped token up to (not including) an unescaped character of `stops`. */
function readToken(cursor: Cursor, stops: Stops, extended: boolean): string {
  const { text } = cursor;
  const plain = PLAIN_RUNS[stops];
  let token = '';
  for (;;) {
    token += cursor.match(plain) ?? '';
    if (cursor.peek() !== '\\') return token;
    const next = text.charAt(cursor.pos + 1);
    const control = extended ? CONTROL_ESCAPES.get(next) : undefined;
    const escaped = SIMPLE_ESCAPES.has(next) || control !== undefined;
    token += escaped ? (control ?? next) : '\\';
    cursor.pos += escaped ? 2 : 1;
  }
}

function readQuoted(cursor: Cursor): string {
  cursor.expect('"', 'a string value');
  let value = '';
  for (;;) {
    if (cursor.atEnd) fail('unterminated string field value');
    const char = cursor.peek();
    const next = cursor.text.charAt(cursor.pos + 1);
    if (char === '"') break;
    const escaped = char === '\\' && (next === '"' || next === '\\');
    value += escaped ? next : char;
    cursor.pos += escaped ? 2 : 1;
  }
  cursor.pos += 1;
  return value;
}

function readTags(cursor: Cursor, extended: boolean): [string, string][] {
  const tags: [string, string][] = [];
  const seen = new Set<string>();
  while (cursor.eat(',')) {
    const key = readToken(cursor, '=, \t', extended);
    if (key === '') fail(`empty tag key at column ${cursor.pos + 1}`);
    if (seen.has(key)) fail(`duplicate tag "${key}"`);
    seen.add(key);
    cursor.expect('=', `"=" after tag key "${key}"`);
    tags.push([key, readToken(cursor, ', \t', extended)]);
  }
  return tags;
}

function readFields(cursor: Cursor, extended: boolean): InfluxPoint['fields'] {
  const fields: InfluxPoint['fields'] = [];
  const seen = new Set<string>();
  do {
    const key = readToken(cursor, '=, \t', extended);
    if (key === '') fail(`empty field key at column ${cursor.pos + 1}`);
    if (seen.has(key)) fail(`duplicate field "${key}"`);
    seen.add(key);
    cursor.expect('=', `"=" after field key "${key}"`);
    const quoted = cursor.peek() === '"';
    const raw = quoted ? readQuoted(cursor) : cursor.match(BARE_VALUE);
    fields.push({ key, raw: raw ?? fail(`missing value for field "${key}"`), quoted });
  } while (cursor.eat(','));
  return fields;
}

/** Scans a line that is neither blank nor a comment; throws `LineSyntaxError` when it is malformed. */
export function scanInfluxLine(text: string, extended: boolean): InfluxPoint {
  const cursor = new Cursor(text);
  cursor.skipBlanks();
  const measurement = readToken(cursor, ', \t', extended);
  if (measurement === '') fail('missing measurement');
  const tags = readTags(cursor, extended);
  if (!cursor.skipBlanks()) fail(cursor.atEnd ? 'missing fields' : `unexpected "${cursor.peek()}"`);
  const fields = readFields(cursor, extended);
  const spaced = cursor.skipBlanks();
  const timestamp =
    spaced && !cursor.atEnd ? (cursor.match(TIMESTAMP) ?? fail('invalid timestamp')) : undefined;
  cursor.skipBlanks();
  if (!cursor.atEnd) fail(`unexpected text at column ${cursor.pos + 1}`);
  return { measurement, tags, fields, timestamp };
}
