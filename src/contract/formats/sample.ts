/**
 * The model every Vitals text format reads and writes: one sample of one series. Parsers never throw on
 * bad input; they report a `ParseError` per offending line so an import of a huge file can carry on.
 */

/** One point of one series. */
export interface Sample {
  /**
   * The Vitals host the sample belongs to, where the text carries one (see `host-field.ts`): formatters
   * write it when set, parsers set it from CSV's `host` column and, with `hostLabel`, from the `host`
   * tag or label. Undefined: the text says nothing about the host.
   */
  host?: string;
  /** Vitals metric name, e.g. `cpu.usage` or `net.rx_bps`. */
  name: string;
  labels: Record<string, string>;
  /** Milliseconds since the Unix epoch; an integer. */
  timestamp: number;
  value: number;
}

/** A line that could not be read. `line` is 1-based; `text` is the line, cut to a bounded length. */
export interface ParseError {
  line: number;
  message: string;
  text: string;
}

/** What a streaming parser yields, in input order. */
export type ParseItem = { sample: Sample } | { error: ParseError };

/** What the batch helpers (`parseExposition`, `parseInflux`, `parseCsv`) return. */
export interface ParseResult {
  samples: Sample[];
  errors: ParseError[];
}

/**
 * A stateful parser fed one physical line at a time (without its terminator), so callers can stream files
 * of any size. Some formats need state across lines (`# EOF`, a header, a quoted CSV field spanning lines).
 */
export interface LineParser {
  feed(text: string, line: number): ParseItem[];
  /** Reports whatever is still pending once the input has ended. */
  end(): ParseItem[];
}

/** Thrown by formatters for a sample the format cannot represent (caller bug, not bad input). */
export class FormatError extends Error {
  override name = 'FormatError';
}

/** Error texts echo the input; a bound keeps a 10 MB garbage line from ending up in a log or a response. */
const MAX_ERROR_TEXT = 256;

export function errorItem(line: number, message: string, text: string): { error: ParseError } {
  const cut = text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT)}…` : text;
  return { error: { line, message, text: cut } };
}

/** Thrown inside a format's line parser and turned into a `ParseError` for that line. */
export class LineSyntaxError extends Error {
  override name = 'LineSyntaxError';
}

export function fail(message: string): never {
  throw new LineSyntaxError(message);
}

/** Runs a per-line parse, turning a `LineSyntaxError` into that line's error item. */
export function guardLine(line: number, text: string, parse: () => ParseItem[]): ParseItem[] {
  try {
    return parse();
  } catch (err: unknown) {
    if (err instanceof LineSyntaxError) return [errorItem(line, err.message, text)];
    throw err;
  }
}

const DECIMAL_FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

// The spellings Go's strconv.ParseFloat accepts, which is what Prometheus exporters emit.
const SPECIAL_FLOATS: ReadonlyMap<string, number> = new Map([
  ['nan', Number.NaN],
  ['inf', Number.POSITIVE_INFINITY],
  ['+inf', Number.POSITIVE_INFINITY],
  ['-inf', Number.NEGATIVE_INFINITY],
  ['infinity', Number.POSITIVE_INFINITY],
  ['+infinity', Number.POSITIVE_INFINITY],
  ['-infinity', Number.NEGATIVE_INFINITY],
]);

/**
 * Reads a float token. `Number()` alone is too lax (it takes `''`, `0x10`, ` 1 `), so the token is checked
 * against a decimal grammar first; `Number` then rounds correctly, so a shortest repr reads back exactly.
 */
export function parseFloatToken(token: string): number | undefined {
  if (DECIMAL_FLOAT.test(token)) return Number(token);
  return SPECIAL_FLOATS.get(token.toLowerCase());
}

/**
 * Writes a float so that `parseFloatToken` gives back the very same double: `String()` is the shortest
 * round-trip repr, except that it drops the sign of -0, and NaN/±Inf get the Prometheus spellings.
 */
export function formatFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  if (Object.is(value, -0)) return '-0';
  return String(value);
}

/** Labels in code-unit order of their names, so output does not depend on how an object was built. */
export function sortedLabels(labels: Readonly<Record<string, string>>): [string, string][] {
  const entries = Object.entries(labels);
  return entries.length < 2 ? entries : entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function assertTimestamp(sample: Sample): void {
  if (!Number.isSafeInteger(sample.timestamp)) {
    throw new FormatError(`timestamp of ${sample.name} is not an integer number of ms: ${sample.timestamp}`);
  }
}
