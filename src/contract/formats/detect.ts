/** Guesses the format of an import from what the caller knows: Content-Type, file name, first lines. */
import { createParser, type SampleFormat } from './by-format.ts';
import { INFLUX_EXTENDED_ESCAPES_HEADER } from './influx.ts';
import { runLineParser } from './lines.ts';

export interface FormatHints {
  contentType?: string;
  fileName?: string;
  /** The first complete lines of the input (a few dozen are plenty). */
  head?: readonly string[];
}

const EXTENSIONS: Readonly<Record<string, SampleFormat>> = {
  csv: 'csv',
  prom: 'prometheus',
  om: 'openmetrics',
  lp: 'influx',
  line: 'influx',
  influx: 'influx',
};

function fromContentType(contentType: string): SampleFormat | undefined {
  const type = contentType.toLowerCase();
  if (type.includes('application/openmetrics-text')) return 'openmetrics';
  if (type.includes('text/csv')) return 'csv';
  // Plain text is also what Influx clients send; only the exposition version parameter is conclusive.
  if (type.includes('text/plain') && type.includes('version=0.0.4')) return 'prometheus';
  return undefined;
}

function fromFileName(fileName: string): SampleFormat | undefined {
  const dot = fileName.lastIndexOf('.');
  const extension = dot < 0 ? '' : fileName.slice(dot + 1).toLowerCase();
  return Object.hasOwn(EXTENSIONS, extension) ? EXTENSIONS[extension] : undefined;
}

function parsesCleanly(format: SampleFormat, lines: readonly string[]): boolean {
  let samples = 0;
  // The default timestamp only keeps timestamp-less lines from counting against a format.
  for (const item of runLineParser(createParser(format, { defaultTimestamp: 0 }), lines)) {
    if ('error' in item) return false;
    samples += 1;
  }
  return samples > 0;
}

function fromContent(head: readonly string[]): SampleFormat | undefined {
  const lines = head.filter((line) => line.trim() !== '');
  const first = lines[0]?.trim() ?? '';
  if (lines.some((line) => line.trim() === '# EOF')) return 'openmetrics';
  if (first === INFLUX_EXTENDED_ESCAPES_HEADER) return 'influx';
  if (/^#\s*(HELP|TYPE)\s/.test(first)) return 'prometheus';
  const candidates: SampleFormat[] = ['prometheus', 'influx', 'csv'];
  return candidates.find((format) => parsesCleanly(format, lines));
}

/** Content-Type wins over the file name, which wins over the content; undefined when nothing fits. */
export function detectFormat(hints: FormatHints): SampleFormat | undefined {
  return (
    (hints.contentType === undefined ? undefined : fromContentType(hints.contentType)) ??
    (hints.fileName === undefined ? undefined : fromFileName(hints.fileName)) ??
    fromContent(hints.head ?? [])
  );
}
