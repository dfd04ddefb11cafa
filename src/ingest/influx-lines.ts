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

/** What one measurement-and-tags text resolves to. */
interface Head {
  readonly measurement: string;
  /** The `host` tag, as given (undefined when the line has none). */
  readonly hostTag: string | undefined;
  /** The other tags, as the general parser makes them. */
  readonly labels: Readonly<Record<string, string>>;
  /** Series key per field key, filled as fields are seen (checked once, with `limits`). */
  readonly keys: Map<string, string>;
}

const HEADS_MAX = 100_000;
let heads = new Map<string, Head | null>();
let headsLimits: IngestLimits | undefined;

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
  return { measurement, hostTag, labels, keys: new Map() };
}

function headOf(text: string, limits: IngestLimits): Head | null {
  if (headsLimits !== limits || heads.size >= HEADS_MAX) {
    heads = new Map();
    headsLimits = limits;
  }
  let head = heads.get(text);
  if (head === undefined) {
    head = readHead(text);
    heads.set(text, head);
  }
  return head;
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

export interface FastLineSink {
  /** Called once per sample of the line, after the whole line was read. */
  sample(host: string, seriesKey: string, timestamp: number, value: number): void;
}

const TIMESTAMP = /^-?\d+$/;
const fieldKeys: string[] = [];
const fieldValues: number[] = [];

/**
 * Reads one line (CR and BOM already removed) on the fast path and hands its samples to `sink`;
 * `false` (nothing handed over) when the general parser must read it. `resolveHost` turns a `host` tag
 * into a host id, or undefined when the line has no usable host (the general path then reports it).
 */
export function readFastLine(
  line: string,
  shift: number,
  now: number,
  limits: IngestLimits,
  resolveHost: (tag: string | undefined) => string | undefined,
  sink: FastLineSink,
): boolean {
  const first = line.charCodeAt(0);
  // Blanks, comments and empty lines, escapes, quoted strings and tabs: the general parser's business.
  if (first === 32 || first === 35 || Number.isNaN(first)) return false;
  if (line.includes('\\') || line.includes('"') || line.includes('\t')) return false;
  const sp1 = line.indexOf(' ');
  if (sp1 <= 0) return false;
  const sp2 = line.indexOf(' ', sp1 + 1);
  const fieldsText = sp2 < 0 ? line.slice(sp1 + 1) : line.slice(sp1 + 1, sp2);
  if (fieldsText === '') return false;
  let timestamp = now;
  if (sp2 >= 0) {
    const text = line.slice(sp2 + 1);
    if (!TIMESTAMP.test(text)) return false;
    const ms = scaleToSafeInteger(text, shift);
    if (ms === undefined) return false;
    timestamp = ms;
  }
  const head = headOf(line.slice(0, sp1), limits);
  if (head === null) return false;
  const host = resolveHost(head.hostTag);
  if (host === undefined) return false;

  // Every field is read before any sample is handed over: one bad field leaves the line to the
  // general parser, which fails it whole.
  fieldKeys.length = 0;
  fieldValues.length = 0;
  let start = 0;
  while (start <= fieldsText.length) {
    const comma = fieldsText.indexOf(',', start);
    const end = comma < 0 ? fieldsText.length : comma;
    const eq = fieldsText.indexOf('=', start);
    if (eq <= start || eq >= end) return false;
    const key = fieldsText.slice(start, eq);
    if (fieldKeys.includes(key)) return false;
    const value = readValue(fieldsText.slice(eq + 1, end));
    if (value === undefined) return false;
    fieldKeys.push(key);
    fieldValues.push(value);
    start = end + 1;
    if (comma < 0) break;
  }
  for (let i = 0; i < fieldKeys.length; i++) {
    const field = fieldKeys[i] as string;
    let key = head.keys.get(field);
    if (key === undefined) {
      const name = field === 'value' ? head.measurement : `${head.measurement}.${field}`;
      key = checkSeries(name, head.labels, limits);
      head.keys.set(field, key);
    }
    sink.sample(host, key, timestamp, fieldValues[i] as number);
  }
  return true;
}
