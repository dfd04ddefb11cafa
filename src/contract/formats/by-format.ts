/** One entry point per operation for code that picks the format at run time (CLI, HTTP). */
import { type CsvFormatOptions, createCsvParser, formatCsvLines } from './csv.ts';
import { createInfluxParser, type InfluxParseOptions } from './influx.ts';
import { formatInfluxLines, type InfluxFormatOptions } from './influx-format.ts';
import { linesOf, runLineParser, runLineParserAsync, type TextInput } from './lines.ts';
import { createExpositionParser } from './openmetrics.ts';
import { type ExpositionFormatOptions, formatExpositionLines } from './openmetrics-format.ts';
import type { LineParser, ParseItem, Sample } from './sample.ts';

/** `prometheus` and `openmetrics` share one parser and differ in timestamp unit (ms vs seconds). */
export type SampleFormat = 'prometheus' | 'openmetrics' | 'influx' | 'csv';

export const SAMPLE_FORMATS: readonly SampleFormat[] = ['prometheus', 'openmetrics', 'influx', 'csv'];

/** Options of every parser in one bag; each format reads the ones it knows. */
export type ParseOptions = InfluxParseOptions;

export type FormatOptions = Omit<ExpositionFormatOptions, 'flavor'> & InfluxFormatOptions & CsvFormatOptions;

export function createParser(format: SampleFormat, options: ParseOptions = {}): LineParser {
  switch (format) {
    case 'prometheus':
    case 'openmetrics':
      return createExpositionParser({
        flavor: format,
        defaultTimestamp: options.defaultTimestamp,
        hostLabel: options.hostLabel,
      });
    case 'influx':
      return createInfluxParser(options);
    case 'csv':
      return createCsvParser();
  }
}

/** Streams `{sample}` / `{error}` items (errors carry 1-based line numbers) from a text or its lines. */
export function parseByFormat(
  format: SampleFormat,
  input: TextInput,
  options: ParseOptions = {},
): Generator<ParseItem> {
  return runLineParser(createParser(format, options), input);
}

/** The same over a byte or text stream, e.g. `fs.createReadStream(path)`, read line by line. */
export function parseStreamByFormat(
  format: SampleFormat,
  chunks: AsyncIterable<string | Uint8Array>,
  options: ParseOptions = {},
): AsyncGenerator<ParseItem> {
  return runLineParserAsync(createParser(format, options), linesOf(chunks));
}

/**
 * Streams output lines (without line breaks, so the caller picks `\n` and buffering). For the exposition
 * formats the samples must come grouped by metric name (see `formatExpositionLines`).
 */
export function formatByFormat(
  format: SampleFormat,
  samples: Iterable<Sample>,
  options: FormatOptions = {},
): Generator<string> {
  switch (format) {
    case 'prometheus':
    case 'openmetrics':
      return formatExpositionLines(samples, { ...options, flavor: format });
    case 'influx':
      return formatInfluxLines(samples, options);
    case 'csv':
      return formatCsvLines(samples, options);
  }
}
