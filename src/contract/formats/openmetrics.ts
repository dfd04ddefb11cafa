/**
 * Parser for the Prometheus text exposition format (0.0.4) and OpenMetrics 1.0 text.
 *
 * The two differ, for our purposes, only in the unit of the optional timestamp: integer milliseconds in
 * Prometheus text, decimal seconds in OpenMetrics. A stream cannot be told apart before its final `# EOF`,
 * so the flavor is an option (callers know it from the Content-Type); `parseExposition` on a whole text
 * picks OpenMetrics when the text ends with `# EOF`. Histogram and summary series (`_bucket{le}`, `_sum`,
 * `_count`, `{quantile}`) are kept as ordinary samples with their labels; exemplars are ignored.
 * Metric names are mapped to Vitals names as described in `prometheus-names.ts`: a family whose `# HELP`
 * says `Vitals metric <name>` (as Vitals writes it) gets that name back.
 */
import { Cursor } from './cursor.ts';
import { scaleToSafeInteger } from './decimal.ts';
import { hostFromLabels } from './host-field.ts';
import { collect, runLineParser, type TextInput } from './lines.ts';
import { parseLabelSet } from './openmetrics-labels.ts';
import { isPrometheusMetricName, vitalsNameFromHelp, vitalsNameFromPrometheus } from './prometheus-names.ts';
import {
  errorItem,
  fail,
  guardLine,
  type LineParser,
  type ParseItem,
  type ParseResult,
  parseFloatToken,
  type Sample,
} from './sample.ts';

export type ExpositionFlavor = 'prometheus' | 'openmetrics';

export interface ExpositionParseOptions {
  /** Timestamp unit: `prometheus` = integer ms, `openmetrics` = decimal seconds. @defaultValue 'prometheus' */
  flavor?: ExpositionFlavor;
  /** Timestamp (ms) for samples without one, usually the scrape time. Without it such samples are errors. */
  defaultTimestamp?: number;
  /**
   * Read the label `host` as the sample's host and `exported_host` as its label `host`, as Vitals exports
   * write them (`host-field.ts`). @defaultValue false: `host` is a label like any other
   */
  hostLabel?: boolean;
}

const METRIC_NAME = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const TOKEN = /[^ \t]+/y;
const INTEGER = /^-?\d+$/;
const METRIC_TYPES = new Set([
  'counter',
  'gauge',
  'histogram',
  'gaugehistogram',
  'summary',
  'untyped',
  'unknown',
  'info',
  'stateset',
]);

/** Picks the flavor from an HTTP Content-Type (`application/openmetrics-text` → OpenMetrics). */
export function expositionFlavorFromContentType(contentType: string): ExpositionFlavor {
  return contentType.toLowerCase().includes('application/openmetrics-text') ? 'openmetrics' : 'prometheus';
}

function readTimestamp(token: string, flavor: ExpositionFlavor): number {
  const ms =
    flavor === 'openmetrics'
      ? scaleToSafeInteger(token, 3)
      : INTEGER.test(token)
        ? scaleToSafeInteger(token, 0)
        : undefined;
  return (
    ms ?? fail(`invalid ${flavor === 'openmetrics' ? 'timestamp (seconds)' : 'timestamp (ms)'} "${token}"`)
  );
}

/** Prometheus family name → Vitals name, from the `# HELP` lines read so far. */
export type ExpositionNames = Map<string, string>;

/** A sample's Vitals name: from its family's HELP (an OpenMetrics counter's samples end in `_total`). */
function vitalsName(name: string, names: ExpositionNames | undefined): string {
  const named = names?.get(name) ?? (name.endsWith('_total') ? names?.get(name.slice(0, -6)) : undefined);
  return named ?? vitalsNameFromPrometheus(name);
}

function readSample(text: string, options: ExpositionParseOptions, names?: ExpositionNames): Sample {
  const cursor = new Cursor(text);
  cursor.skipBlanks();
  const name = cursor.match(METRIC_NAME) ?? fail('invalid metric name');
  const spacedName = cursor.skipBlanks(); // Prometheus allows `name {…}`
  const hasLabels = cursor.peek() === '{';
  const labels = hasLabels ? parseLabelSet(cursor) : {};
  const spaced = hasLabels ? cursor.skipBlanks() : spacedName;
  if (cursor.atEnd) fail('missing value');
  if (!spaced && !hasLabels) fail(`unexpected "${cursor.peek()}" in metric name`);
  const valueToken = cursor.match(TOKEN) ?? fail('missing value');
  const value = parseFloatToken(valueToken) ?? fail(`invalid value "${valueToken}"`);
  cursor.skipBlanks();
  // An OpenMetrics exemplar (` # {trace_id="…"} 1.0`) may follow; it is not part of the series.
  const timestampToken = cursor.atEnd || cursor.peek() === '#' ? undefined : cursor.match(TOKEN);
  cursor.skipBlanks();
  if (!cursor.atEnd && cursor.peek() !== '#') fail('unexpected text after the timestamp');
  const timestamp =
    timestampToken === undefined
      ? (options.defaultTimestamp ?? fail('missing timestamp and no default timestamp given'))
      : readTimestamp(timestampToken, options.flavor ?? 'prometheus');
  const sample = { name: vitalsName(name, names), labels, timestamp, value };
  if (!options.hostLabel) return sample;
  const split = hostFromLabels(labels);
  return split.host === undefined
    ? { ...sample, labels: split.labels }
    : { host: split.host, ...sample, labels: split.labels };
}

const HELP_LINE = /^#[ \t]+HELP[ \t]+(\S+)[ \t]+(.*)$/;

/**
 * Checks `# HELP` and `# TYPE` lines (Prometheus rejects malformed ones); other comments are free text.
 * A HELP line naming a Vitals metric goes into `names`.
 */
function readComment(text: string, names: ExpositionNames | undefined): void {
  const [, keyword, name, type] = text.trim().split(/[ \t]+/);
  if (keyword !== 'HELP' && keyword !== 'TYPE' && keyword !== 'UNIT') return;
  if (name === undefined || !isPrometheusMetricName(name)) fail(`invalid metric name in # ${keyword}`);
  if (keyword === 'TYPE' && (type === undefined || !METRIC_TYPES.has(type))) {
    fail(`unknown metric type "${type ?? ''}"`);
  }
  const help = keyword === 'HELP' && names ? HELP_LINE.exec(text.trim()) : null;
  const vitals = help ? vitalsNameFromHelp(name, help[2] ?? '') : undefined;
  if (vitals !== undefined) names?.set(name, vitals);
}

/**
 * Parses one line: a sample, a comment (no item), a blank line (no item) or an error. `names` carries
 * the Vitals names of `# HELP` lines from one line to the next.
 */
export function parseExpositionLine(
  text: string,
  line: number,
  options: ExpositionParseOptions = {},
  names?: ExpositionNames,
): ParseItem | undefined {
  const first = text.trimStart().charAt(0);
  if (first === '') return undefined;
  const [item] = guardLine(line, text, () => {
    if (first === '#') {
      readComment(text, names);
      return [];
    }
    return [{ sample: readSample(text, options, names) }];
  });
  return item;
}

function isEof(text: string): boolean {
  return text.trim() === '# EOF';
}

/** A streaming parser: tracks `# EOF` (nothing may follow it; OpenMetrics input must end with it). */
export function createExpositionParser(options: ExpositionParseOptions = {}): LineParser {
  let eofLine: number | undefined;
  let lastLine = 0;
  const names: ExpositionNames = new Map();
  return {
    feed(text, line) {
      lastLine = line;
      if (eofLine !== undefined) {
        return text.trim() === '' ? [] : [errorItem(line, `text after # EOF (line ${eofLine})`, text)];
      }
      if (isEof(text)) eofLine = line;
      const item = eofLine === undefined ? parseExpositionLine(text, line, options, names) : undefined;
      return item === undefined ? [] : [item];
    },
    end() {
      if (options.flavor !== 'openmetrics' || eofLine !== undefined) return [];
      return [errorItem(lastLine + 1, 'missing # EOF: the exposition may be truncated', '')];
    },
  };
}

/** Streams `{sample}` / `{error}` items; for a whole text the flavor defaults as the module doc says. */
export function iterateExposition(
  input: TextInput,
  options: ExpositionParseOptions = {},
): Generator<ParseItem> {
  const flavor =
    options.flavor ?? (typeof input === 'string' && endsWithEof(input) ? 'openmetrics' : undefined);
  return runLineParser(createExpositionParser({ ...options, flavor }), input);
}

export function parseExposition(input: TextInput, options: ExpositionParseOptions = {}): ParseResult {
  return collect(iterateExposition(input, options));
}

function endsWithEof(text: string): boolean {
  const trimmed = text.trimEnd();
  return trimmed.endsWith('# EOF') && isEof(trimmed.slice(trimmed.lastIndexOf('\n') + 1));
}
