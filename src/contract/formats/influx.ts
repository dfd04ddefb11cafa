/**
 * Parser for Influx line protocol as Telegraf and InfluxDB clients send it:
 * `measurement[,tag=v…] field=v[,field2=v2…] [timestamp]`.
 *
 * Mapping to samples: tags become labels; a field named `value` becomes a sample named after the
 * measurement alone, any other field `f` a sample named `measurement.f` (Telegraf's `cpu usage_user=…`
 * → `cpu.usage_user`). Vitals exports every sample as `name[,labels] value=v ts`, so export → parse is the
 * identity. Floats, integers (`1i`, read as the nearest double past 2^53), unsigned (`1u`) and booleans
 * (1/0) are numbers; string fields are no samples and are skipped or reported, per `stringFields`. Beyond
 * InfluxDB, `NaN`, `+Inf` and `-Inf` are accepted as float values so that every double survives a round trip.
 *
 * Timestamps are integers in `precision` units (default ns, as in InfluxDB), converted to ms exactly and
 * rounded down. The header line `INFLUX_EXTENDED_ESCAPES_HEADER` (a comment to InfluxDB) switches on the
 * control-character escapes described in `influx-scan.ts` for the rest of the input.
 */
import { scaleToSafeInteger } from './decimal.ts';
import { hostFromLabels } from './host-field.ts';
import { type InfluxPoint, scanInfluxLine } from './influx-scan.ts';
import { collect, runLineParser, type TextInput } from './lines.ts';
import {
  errorItem,
  fail,
  guardLine,
  type LineParser,
  type ParseItem,
  type ParseResult,
  parseFloatToken,
} from './sample.ts';

export type InfluxPrecision = 'ns' | 'us' | 'ms' | 's';

export interface InfluxParseOptions {
  /** Unit of the timestamps, as InfluxDB's `precision` parameter. @defaultValue 'ns' */
  precision?: InfluxPrecision;
  /** Timestamp (ms) for lines without one, usually the receive time. Without it such lines are errors. */
  defaultTimestamp?: number;
  /** String fields carry no number: `skip` drops them silently, `error` reports each. @defaultValue 'skip' */
  stringFields?: 'skip' | 'error';
  /** Read `\n`, `\r`, `\t`, `\f` as escapes from the first line on. @defaultValue false (until the header) */
  extendedEscapes?: boolean;
  /**
   * Read the tag (label) `host` as the sample's host and `exported_host` as its label `host`, as Vitals
   * exports write them (`host-field.ts`). @defaultValue false: `host` is a label like any other
   */
  hostLabel?: boolean;
}

export const INFLUX_EXTENDED_ESCAPES_HEADER = '# vitals line protocol: escapes=extended';

/** Powers of ten from each precision to ms. */
const PRECISION_TO_MS_SHIFT: Readonly<Record<InfluxPrecision, number>> = {
  ns: -6,
  us: -3,
  ms: 0,
  s: 3,
};

const LEADING_BLANKS = /^[ \t]*/;
const INTEGER = /^[+-]?\d+i$/;
const UNSIGNED = /^\d+u$/;
const TRUE = new Set(['t', 'T', 'true', 'True', 'TRUE']);
const FALSE = new Set(['f', 'F', 'false', 'False', 'FALSE']);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** Integer fields out of their 64-bit range are rejected, as InfluxDB does. */
function readInteger(digits: string, min: bigint, max: bigint, key: string): number {
  const value = BigInt(digits);
  return value >= min && value <= max ? Number(digits) : fail(`integer out of range for field "${key}"`);
}

function readNumber(raw: string, key: string): number {
  if (INTEGER.test(raw)) return readInteger(raw.slice(0, -1), -INT64_MAX - 1n, INT64_MAX, key);
  if (UNSIGNED.test(raw)) return readInteger(raw.slice(0, -1), 0n, UINT64_MAX, key);
  if (TRUE.has(raw)) return 1;
  if (FALSE.has(raw)) return 0;
  return parseFloatToken(raw) ?? fail(`invalid value "${raw}" for field "${key}"`);
}

function readTimestamp(point: InfluxPoint, options: InfluxParseOptions): number {
  if (point.timestamp === undefined) {
    return options.defaultTimestamp ?? fail('missing timestamp and no default timestamp given');
  }
  const ms = scaleToSafeInteger(point.timestamp, PRECISION_TO_MS_SHIFT[options.precision ?? 'ns']);
  return ms ?? fail(`timestamp out of range: ${point.timestamp}`);
}

function toItems(point: InfluxPoint, line: number, text: string, options: InfluxParseOptions): ParseItem[] {
  const timestamp = readTimestamp(point, options);
  // Numbers are read before any item is made: one bad field fails the whole line, as in InfluxDB.
  const numbers = point.fields.map((field) => (field.quoted ? undefined : readNumber(field.raw, field.key)));
  const tags = Object.fromEntries(point.tags);
  const { host, labels } = options.hostLabel ? hostFromLabels(tags) : { host: undefined, labels: tags };
  const items: ParseItem[] = [];
  point.fields.forEach((field, index) => {
    const value = numbers[index];
    if (value === undefined) {
      if (options.stringFields === 'error') {
        items.push(errorItem(line, `string field "${field.key}" skipped`, text));
      }
      return;
    }
    const name = field.key === 'value' ? point.measurement : `${point.measurement}.${field.key}`;
    const sample = { name, labels: { ...labels }, timestamp, value };
    items.push({ sample: host === undefined ? sample : { host, ...sample } });
  });
  return items;
}

/** A streaming parser; one line gives one sample per numeric field. */
export function createInfluxParser(options: InfluxParseOptions = {}): LineParser {
  let extended = options.extendedEscapes ?? false;
  return {
    feed(text, line) {
      // Only spaces and tabs are blanks: a name may start with any other whitespace.
      const first = text.match(LEADING_BLANKS)?.[0].length ?? 0;
      if (first === text.length) return [];
      if (text.charAt(first) === '#') {
        if (text.trim() === INFLUX_EXTENDED_ESCAPES_HEADER) extended = true;
        return [];
      }
      return guardLine(line, text, () => toItems(scanInfluxLine(text, extended), line, text, options));
    },
    end: () => [],
  };
}

export function iterateInflux(input: TextInput, options: InfluxParseOptions = {}): Generator<ParseItem> {
  return runLineParser(createInfluxParser(options), input);
}

export function parseInflux(input: TextInput, options: InfluxParseOptions = {}): ParseResult {
  return collect(iterateInflux(input, options));
}
