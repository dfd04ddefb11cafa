import { scaleToSafeInteger } from '../contract/formats/decimal.ts';
import { parseFloatToken } from '../contract/index.ts';
import { checkSeries, type IngestLimits } from './limits.ts';

/**
 * The fast path of Influx line protocol ingest: the lines Telegraf and most clients send
 * (`measurement,tag=v… field=1.5,other=2i 1700000000000000000`, no escapes, quotes or tabs). A line's
 * measurement-and-tags text repeats every interval, so what it resolves to (host, labels, one series
 * key per field) is cached across requests; a line then costs a few `indexOf`s, one number parse per
 * field and a map lookup, with no sample objects. Anything else (escapes, string fields, booleans,
 * big integers, blanks, comments, any error) returns `false`, and the caller parses that line with the
 * general parser, whose results and error messages are the reference this path must match
 * (influx-lines.test.ts compares both on generated input).
 */

/** A field key seen on lines of a head, and the series key it makes (checked once all fields were read). */
interface Field {
  readonly name: string;
  key: string | undefined;
}

/** Field keys a head remembers; further ones (a client inventing names) are looked up each time. */
const FIELDS_MAX = 256;

/** What one measurement-and-tags text resolves to. */
interface Head {
  readonly measurement: string;
  /** The `host` tag, as given (undefined when the line has none). */
  readonly hostTag: string | undefined;
  /** The other tags, as the general parser makes them. */
  readonly labels: Readonly<Record<string, string>>;
  /** Field keys seen on its lines so far (checked once, with `limits`). */
  readonly fields: Field[];
}

/** A measurement-and-tags text, what it resolves to (null: the general parser's), and the head seen after it. */
interface HeadEntry {
  readonly text: string;
  readonly head: Head | null;
  next: HeadEntry | undefined;
}

const HEADS_MAX = 100_000;
let heads = new Map<string, HeadEntry>();
let headsLimits: IngestLimits | undefined;
/** The head of the line before: bodies repeat their heads in the same order, snapshot after snapshot. */
let previous: HeadEntry | undefined;

/** `measurement,k=v,…` → its parts, or null when the general parser must look (it reports the error). */
function readHead(text: string): Head | null {
  const parts = text.split(',');
  const measurement = parts[0] ?? '';
  if (measurement === '') return null;
  let hostTag: string | undefined;
  const labels: Record<string, string> = {};
  const seen = new Set<string>();
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i] as string;
    const eq = part.indexOf('=');
    if (eq <= 0) return null;
    const key = part.slice(0, eq);
    if (seen.has(key)) return null;
    seen.add(key);
    const value = part.slice(eq + 1);
    if (key === 'host') hostTag = value;
    else Object.defineProperty(labels, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return { measurement, hostTag, labels, fields: [] };
}

/**
 * The head of the text's characters [start, end), read once per distinct text. The head that followed
 * the previous line's head last time is compared first, in place; only a different one is cut out of
 * the text and looked up.
 */
function headAt(text: string, start: number, end: number, limits: IngestLimits): Head | null {
  if (headsLimits !== limits || heads.size >= HEADS_MAX) {
    heads = new Map();
    headsLimits = limits;
    previous = undefined;
  }
  const guess = previous?.next;
  let entry: HeadEntry;
  // A slice (a view, for heads of 13 characters or more) compared whole beat `startsWith` at a position
  // and a character loop alike: 240 → 217 ns a sample on fleet bodies.
  if (guess && guess.text.length === end - start && text.slice(start, end) === guess.text) entry = guess;
  else {
    const own = text.slice(start, end);
    let found = heads.get(own);
    if (found === undefined) {
      found = { text: own, head: readHead(own), next: undefined };
      heads.set(own, found);
    }
    entry = found;
    if (previous) previous.next = entry;
  }
  previous = entry;
  return entry.head;
}

/**
 * The field of `head` named by the text's characters [start, end), learning it the first time. Lines of
 * a head list their fields in the same order, so the search starts after the field found before.
 */
function fieldAt(head: Head, text: string, start: number, end: number, after: number): Field {
  const length = end - start;
  const { fields } = head;
  for (let k = 0; k < fields.length; k++) {
    const at = (after + 1 + k) % fields.length;
    const field = fields[at] as Field;
    if (field.name.length === length && text.startsWith(field.name, start)) {
      fieldIndex = at;
      return field;
    }
  }
  const field = { name: text.slice(start, end), key: undefined };
  fieldIndex = fields.length < FIELDS_MAX ? fields.push(field) - 1 : -1;
  return field;
}

/** Where `fieldAt` found its field in the head's list (-1: not kept there). */
let fieldIndex = -1;

/** The series key of a field (`value` is the measurement itself), checked against the limits once. */
function keyOf(head: Head, field: Field, limits: IngestLimits): string {
  if (field.key === undefined) {
    const name = field.name === 'value' ? head.measurement : `${head.measurement}.${field.name}`;
    field.key = checkSeries(name, head.labels, limits);
  }
  return field.key;
}

// Integers of up to 15 digits are exact doubles and inside the 64-bit ranges the general parser checks.
const INTEGER = /^[+-]?\d{1,15}i$/;
const UNSIGNED = /^\d{1,15}u$/;

/** A field value the fast path reads, or undefined (strings, booleans, big integers, bad values). */
function readValue(raw: string): number | undefined {
  const last = raw.charCodeAt(raw.length - 1);
  if (last === 105 /* i */) return INTEGER.test(raw) ? Number(raw.slice(0, -1)) : undefined;
  if (last === 117 /* u */) return UNSIGNED.test(raw) ? Number(raw.slice(0, -1)) : undefined;
  return parseFloatToken(raw);
}

/** 10^k for k ≤ 22: exact doubles. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
const MAX_DIGITS = 15;

/** Where the value `valueFrom` read ends: the comma after it, or the end of the fields. */
let valueStop = 0;

/**
 * The value starting at the text's character `start`, up to the next comma or `end` (which
 * `valueStop` is set to). The common spellings are read in the same pass as the search for that
 * comma, without cutting: `-?digits(.digits)?` with at most 15 digits (a 15-digit integer is exact and
 * so is 10^k, so their quotient is the correctly rounded decimal, the double `Number()` gives), and
 * `-?digits i` / `digits u`. Anything else (exponents, a leading `+` or `.`, more digits, NaN and the
 * infinities, strings) is cut out at the comma and read by `readValue`.
 */
function valueFrom(text: string, start: number, end: number): number | undefined {
  let i = start;
  const negative = text.charCodeAt(i) === 45; /* - */
  if (negative) i++;
  let mantissa = 0;
  let digits = 0;
  let decimals = -1;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (decimals >= 0) decimals++;
    } else if (c === 46 /* . */ && decimals < 0 && digits > 0) {
      decimals = 0;
    } else break;
  }
  if (digits > 0 && digits <= MAX_DIGITS) {
    if ((i === end || text.charCodeAt(i) === 44) /* , */ && decimals !== 0) {
      valueStop = i;
      const magnitude = decimals > 0 ? mantissa / (POW10[decimals] as number) : mantissa;
      return negative ? -magnitude : magnitude;
    }
    if (decimals < 0 && i < end && (i + 1 === end || text.charCodeAt(i + 1) === 44) /* , */) {
      const suffix = text.charCodeAt(i);
      if (suffix === 105 /* i */) {
        valueStop = i + 1;
        return negative ? -mantissa : mantissa;
      }
      if (suffix === 117 /* u */ && !negative) {
        valueStop = i + 1;
        return mantissa;
      }
    }
  }
  // No comma among the characters read so far (digits, a sign and a point): the next one ends it.
  const comma = text.indexOf(',', i);
  valueStop = comma < 0 || comma > end ? end : comma;
  return readValue(text.slice(start, valueStop));
}

/** Whether the text's characters from `at` are `name`'s `length` characters. */
function sameChars(text: string, at: number, name: string, length: number): boolean {
  for (let k = 0; k < length; k++) if (text.charCodeAt(at + k) !== name.charCodeAt(k)) return false;
  return true;
}

/**
 * Milliseconds of the timestamp in the text's characters [start, end) at `shift` (a power of ten, ≤ 0
 * from ns, us or ms), read from its digits like `scaleToSafeInteger` reads them: dropping digits floors.
 * Other cases (a sign, seconds, more than 15 digits kept) go through `scaleToSafeInteger` itself.
 */
function timestampAt(text: string, start: number, end: number, shift: number): number | undefined {
  const length = end - start;
  if (length === 0) return undefined;
  const kept = length + Math.min(shift, 0);
  if (shift > 0 || kept > MAX_DIGITS || text.charCodeAt(start) === 45 /* - */) {
    const raw = text.slice(start, end);
    return TIMESTAMP.test(raw) ? scaleToSafeInteger(raw, shift) : undefined;
  }
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    if (i < start + kept) value = value * 10 + (c - 48);
  }
  return value;
}

export interface FastLineSink {
  /** Called once per sample of the line, after the whole line was read. */
  sample(host: string, seriesKey: string, timestamp: number, value: number): void;
}

const TIMESTAMP = /^-?\d+$/;
/** The fields and values of the line being read (the first `lineCount`), reused from line to line. */
const lineFields: Field[] = [];
const lineValues: number[] = [];
let lineCount = 0;

/**
 * Reads the line in the text's characters [start, end) (CR and BOM already left out) on the fast path
 * and hands its samples to `sink`; `false` (nothing handed over) when the general parser must read it.
 * Nothing is cut out of the text for a line whose head and field keys were seen before: positions,
 * character codes and cached heads. `resolveHost` turns a `host` tag into a host id, or undefined when
 * the line has no usable host (the general path then reports it).
 */
export function readFastLine(
  text: string,
  start: number,
  end: number,
  shift: number,
  now: number,
  limits: IngestLimits,
  resolveHost: (tag: string | undefined) => string | undefined,
  sink: FastLineSink,
  /** The body may hold a backslash, quote or tab somewhere (checked once per body by the caller). */
  special = true,
  /** Where the next comma of the body is, kept from line to line (`newScan()` per body). */
  scan: Scan = newScan(),
): boolean {
  if (start >= end) return false;
  const first = text.charCodeAt(start);
  // Blanks and comments, escapes, quoted strings and tabs: the general parser's business.
  if (first === 32 || first === 35) return false;
  if (special && hasSpecial(text, start, end)) return false;
  const sp1 = text.indexOf(' ', start);
  if (sp1 < 0 || sp1 >= end) return false;
  let sp2 = text.indexOf(' ', sp1 + 1);
  if (sp2 >= end) sp2 = -1;
  // A third space needs no search of its own: `timestampAt` takes digits (and a leading sign) only.
  const fieldsEnd = sp2 < 0 ? end : sp2;
  if (fieldsEnd === sp1 + 1) return false;
  let timestamp = now;
  if (sp2 >= 0) {
    const ms = timestampAt(text, sp2 + 1, end, shift);
    if (ms === undefined) return false;
    timestamp = ms;
  }
  const head = headAt(text, start, sp1, limits);
  if (head === null) return false;
  const host = resolveHost(head.hostTag);
  if (host === undefined) return false;

  // Every field is read before any sample is handed over: one bad field leaves the line to the
  // general parser, which fails it whole.
  lineCount = 0;
  let found = -1;
  const { fields } = head;
  for (let at = sp1 + 1; ; ) {
    // Lines of a head list their fields in the same order: the field after the one found before is
    // compared in place, followed by its `=`. Only another name is searched for.
    let field: Field | undefined;
    let eq = -1;
    if (fields.length > 0) {
      const next = found + 1 < fields.length ? found + 1 : 0;
      const guess = fields[next] as Field;
      const length = guess.name.length;
      if (at + length < fieldsEnd && text.charCodeAt(at + length) === 61 /* = */) {
        if (sameChars(text, at, guess.name, length)) {
          field = guess;
          eq = at + length;
          fieldIndex = next;
        }
      }
    }
    if (field === undefined) {
      // The next comma may be lines away (lines without tags, one field): searched again only once
      // passed, so a body is scanned for commas once in all.
      if (scan.comma < at) {
        const next = text.indexOf(',', at);
        scan.comma = next < 0 ? text.length : next;
      }
      const comma = Math.min(scan.comma, fieldsEnd);
      eq = text.indexOf('=', at);
      if (eq <= at || eq >= comma) return false;
      field = fieldAt(head, text, at, eq, found);
    }
    for (let i = 0; i < lineCount; i++) if (lineFields[i] === field) return false;
    found = fieldIndex;
    const value = valueFrom(text, eq + 1, fieldsEnd);
    if (value === undefined) return false;
    lineFields[lineCount] = field;
    lineValues[lineCount] = value;
    lineCount++;
    if (valueStop === fieldsEnd) break;
    at = valueStop + 1;
  }
  for (let i = 0; i < lineCount; i++)
    sink.sample(host, keyOf(head, lineFields[i] as Field, limits), timestamp, lineValues[i] as number);
  return true;
}

/** Search state a body's lines share. */
export interface Scan {
  comma: number;
}

export function newScan(): Scan {
  return { comma: -1 };
}

/** Whether the text's characters [start, end) hold a backslash, a double quote or a tab. */
function hasSpecial(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 92 /* \ */ || c === 34 /* " */ || c === 9 /* tab */) return true;
  }
  return false;
}

/** Whether a body holds a backslash, double quote or tab anywhere (then each line is checked). */
export function mayHoldSpecials(text: string): boolean {
  return text.includes('\\') || text.includes('"') || text.includes('\t');
}
