/**
 * Writes samples as Influx line protocol: `name[,label=v…] value=v timestamp`, labels sorted by name
 * (InfluxDB's advice), preceded by `INFLUX_EXTENDED_ESCAPES_HEADER`. InfluxDB reads the output as written,
 * apart from NaN/±Inf values (which it rejects) and names or labels holding control characters (which plain
 * line protocol cannot carry and Vitals escapes as `\n` `\r` `\t` `\f`); Vitals reads it back exactly.
 * A sample's host, when it has one, is the tag `host` (see `host-field.ts`).
 */
import { labelsWithHost } from './host-field.ts';
import { INFLUX_EXTENDED_ESCAPES_HEADER, type InfluxPrecision } from './influx.ts';
import { assertTimestamp, FormatError, formatFloat, type Sample, sortedLabels } from './sample.ts';

export interface InfluxFormatOptions {
  /** Unit of the written timestamps; `s` drops the milliseconds. @defaultValue 'ns' (InfluxDB's default) */
  precision?: InfluxPrecision;
}

const ESCAPED: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  ',': '\\,',
  '=': '\\=',
  ' ': '\\ ',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\f': '\\f',
};

// `=` needs no escape in a measurement, but escaping it anyway keeps one rule for every token.
function escapeToken(text: string): string {
  return text.replace(/[\\,= \t\n\r\f]/g, (char) => ESCAPED[char] ?? char);
}

function formatTimestamp(ms: number, precision: InfluxPrecision): string {
  const big = BigInt(ms);
  if (precision === 'ns') return String(big * 1_000_000n);
  if (precision === 'us') return String(big * 1000n);
  if (precision === 'ms') return String(big);
  return String(big >= 0n ? big / 1000n : -((-big + 999n) / 1000n));
}

function formatTags(labels: Readonly<Record<string, string>>): string {
  let tags = '';
  for (const [key, value] of sortedLabels(labels)) {
    if (key === '') throw new FormatError('a label name is empty');
    tags += `,${escapeToken(key)}=${escapeToken(value)}`;
  }
  return tags;
}

export function formatInfluxHeader(): string {
  return INFLUX_EXTENDED_ESCAPES_HEADER;
}

/** One sample as one line (no line break). Throws a `FormatError` for what the format cannot hold. */
export function formatInfluxLine(sample: Sample, options: InfluxFormatOptions = {}): string {
  // A line starting with `#` would be read as a comment.
  if (sample.name === '' || sample.name.startsWith('#')) {
    throw new FormatError(`metric name ${JSON.stringify(sample.name)} cannot be a measurement`);
  }
  assertTimestamp(sample);
  const stamp = formatTimestamp(sample.timestamp, options.precision ?? 'ns');
  const labels = sample.host === undefined ? sample.labels : labelsWithHost(sample.labels, sample.host);
  return `${escapeToken(sample.name)}${formatTags(labels)} value=${formatFloat(sample.value)} ${stamp}`;
}

/** Streams the header, then one line per sample (no line breaks). */
export function* formatInfluxLines(
  samples: Iterable<Sample>,
  options: InfluxFormatOptions = {},
): Generator<string> {
  yield formatInfluxHeader();
  for (const sample of samples) yield formatInfluxLine(sample, options);
}

export function formatInflux(samples: Iterable<Sample>, options: InfluxFormatOptions = {}): string {
  return `${[...formatInfluxLines(samples, options)].join('\n')}\n`;
}
