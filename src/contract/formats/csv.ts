/**
 * CSV, one sample per row under the header `timestamp,name,labels,value` (RFC 4180 quoting), or
 * `timestamp,host,name,labels,value` with `hostColumn` (Vitals exports).
 *
 * - timestamp: integer ms; on import an RFC 3339 date (`2024-05-01T12:00:00.250Z`) is accepted as well.
 * - host: the Vitals host of the sample; a column of its own, so a label named `host` stays in labels.
 * - labels: a JSON object, `{"mount":"/"}`. JSON rather than `k=v;k2=v2` because its escaping is already
 *   specified and read by every tool (jq, Python, spreadsheets), so any label survives with no rule of ours.
 * - value: shortest round-trip repr, with `NaN`, `+Inf`, `-Inf` and `-0` spelled out.
 *
 * On import the header is optional (without it the columns are in the order above), may list the columns in
 * any order, and may leave out `labels` and `host` (an empty host field is no host). A quoted field may span lines; it is given up after 1 MiB.
 */
import { INCOMPLETE, quoteCsvField, splitCsvRecord } from './csv-record.ts';
import { collect, runLineParser, type TextInput } from './lines.ts';
import {
  assertTimestamp,
  errorItem,
  FormatError,
  fail,
  formatFloat,
  guardLine,
  type LineParser,
  type ParseItem,
  type ParseResult,
  parseFloatToken,
  type Sample,
  sortedLabels,
} from './sample.ts';

export const CSV_HEADER = 'timestamp,name,labels,value';
const CSV_HOST_HEADER = 'timestamp,host,name,labels,value';
const COLUMN_NAMES = ['timestamp', 'host', 'name', 'labels', 'value'];

export interface CsvFormatOptions {
  /** Write a `host` column (after `timestamp`) with each sample's host. @defaultValue false */
  hostColumn?: boolean;
}

interface Columns {
  timestamp: number;
  host: number | undefined;
  name: number;
  labels: number | undefined;
  value: number;
  count: number;
}

const DEFAULT_COLUMNS: Columns = { timestamp: 0, host: undefined, name: 1, labels: 2, value: 3, count: 4 };
const MAX_RECORD_CHARS = 1 << 20;
const INTEGER = /^-?\d+$/;
// An offset is required: a date without one would be read in the importing machine's time zone.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** A header or a broken header's message. */
function readHeader(fields: string[]): Columns | string {
  const names = fields.map((field) => field.trim().toLowerCase());
  const index = (name: string): number | undefined =>
    names.includes(name) ? names.indexOf(name) : undefined;
  const unknown = names.filter((name) => !COLUMN_NAMES.includes(name));
  if (unknown.length > 0) return `unknown CSV column(s): ${unknown.join(', ')}`;
  if (new Set(names).size !== names.length) return 'a CSV column is named twice';
  const [timestamp, name, value] = [index('timestamp'), index('name'), index('value')];
  if (timestamp === undefined || name === undefined || value === undefined) {
    return 'the CSV header needs timestamp, name and value columns';
  }
  return { timestamp, host: index('host'), name, labels: index('labels'), value, count: names.length };
}

function readTimestamp(text: string): number {
  const ms = INTEGER.test(text) ? Number(text) : RFC3339.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isSafeInteger(ms) ? ms : fail(`invalid timestamp "${text}"`);
}

function readLabels(text: string): Record<string, string> {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    fail('labels are not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    fail('labels must be a JSON object');
  }
  const entries: [string, unknown][] = Object.entries(parsed);
  const labels: [string, string][] = [];
  for (const [key, value] of entries) {
    labels.push([key, typeof value === 'string' ? value : fail(`label "${key}" is not a string`)]);
  }
  return Object.fromEntries(labels);
}

function readRow(fields: string[], columns: Columns): Sample {
  if (fields.length !== columns.count) fail(`expected ${columns.count} fields, found ${fields.length}`);
  const at = (index: number | undefined): string => (index === undefined ? '' : (fields[index] ?? ''));
  const name = at(columns.name);
  if (name === '') fail('empty metric name');
  const valueText = at(columns.value).trim();
  const value = parseFloatToken(valueText) ?? fail(`invalid value "${valueText}"`);
  const host = at(columns.host);
  return {
    ...(host !== '' && { host }),
    name,
    labels: readLabels(at(columns.labels)),
    timestamp: readTimestamp(at(columns.timestamp).trim()),
    value,
  };
}

/** Without a header the first field is a timestamp; a header's first field is a column name. */
function looksLikeHeader(fields: string[]): boolean {
  return /^[A-Za-z_ ]+$/.test(fields[0] ?? '');
}

/** A streaming parser: finds the header, and joins the lines of a quoted field that spans lines. */
export function createCsvParser(): LineParser {
  let columns: Columns | undefined;
  let broken = false;
  let pending: { line: number; text: string } | undefined;

  function readRecord(fields: string[]): ParseItem[] {
    if (columns !== undefined) return [{ sample: readRow(fields, columns) }];
    const header = looksLikeHeader(fields) ? readHeader(fields) : DEFAULT_COLUMNS;
    if (typeof header === 'string') {
      broken = true; // every row would be misread; one error says it all
      fail(header);
    }
    columns = header;
    return header === DEFAULT_COLUMNS ? readRecord(fields) : [];
  }

  return {
    feed(text, line) {
      const start = pending?.line ?? line;
      const record = pending === undefined ? text : `${pending.text}\n${text}`;
      pending = undefined;
      if (broken || record === '') return [];
      return guardLine(start, record, () => {
        const fields = splitCsvRecord(record);
        if (fields !== INCOMPLETE) return readRecord(fields);
        if (record.length > MAX_RECORD_CHARS) fail('unterminated quoted field');
        pending = { line: start, text: record };
        return [];
      });
    },
    end: () =>
      pending === undefined ? [] : [errorItem(pending.line, 'unterminated quoted field', pending.text)],
  };
}

export function iterateCsv(input: TextInput): Generator<ParseItem> {
  return runLineParser(createCsvParser(), input);
}

export function parseCsv(input: TextInput): ParseResult {
  return collect(iterateCsv(input));
}

export function formatCsvHeader(options: CsvFormatOptions = {}): string {
  return options.hostColumn ? CSV_HOST_HEADER : CSV_HEADER;
}

/** A name or host as a field; a CR before the LF of a quoted line break would be read as a CRLF and lost. */
function textField(what: string, text: string): string {
  if (/[\r\n]/.test(text)) throw new FormatError(`${what} ${JSON.stringify(text)} cannot be written to CSV`);
  return quoteCsvField(text);
}

/**
 * One row (no line break). Throws a `FormatError` for an empty name, or a name or host with a line break
 * in it. With `hostColumn`, a sample without a host gets an empty host field.
 */
export function formatCsvRow(sample: Sample, options: CsvFormatOptions = {}): string {
  if (sample.name === '') throw new FormatError('an empty metric name cannot be written to CSV');
  const name = textField('metric name', sample.name);
  assertTimestamp(sample);
  const host = options.hostColumn ? `${textField('host', sample.host ?? '')},` : '';
  const labels = JSON.stringify(Object.fromEntries(sortedLabels(sample.labels)));
  return `${sample.timestamp},${host}${name},${quoteCsvField(labels)},${formatFloat(sample.value)}`;
}

/** Streams the header, then one row per sample (no line breaks). */
export function* formatCsvLines(
  samples: Iterable<Sample>,
  options: CsvFormatOptions = {},
): Generator<string> {
  yield formatCsvHeader(options);
  for (const sample of samples) yield formatCsvRow(sample, options);
}

export function formatCsv(samples: Iterable<Sample>, options: CsvFormatOptions = {}): string {
  return `${[...formatCsvLines(samples, options)].join('\n')}\n`;
}
