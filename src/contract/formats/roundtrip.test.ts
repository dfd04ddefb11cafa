/**
 * Property tests: for any samples a format can hold, format → parse is the identity (names, labels,
 * timestamps and the exact double, NaN/±Inf/-0 included), and no input makes a parser throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatByFormat, parseByFormat, parseStreamByFormat, type SampleFormat } from './by-format.ts';
import { formatCsv, parseCsv } from './csv.ts';
import { parseInflux } from './influx.ts';
import { formatInflux } from './influx-format.ts';
import { parseExposition } from './openmetrics.ts';
import { formatExposition } from './openmetrics-format.ts';
import type { ParseItem, Sample } from './sample.ts';

const tricky = fc.constantFrom(
  '\\',
  '"',
  '\n',
  '\r',
  '\r\n',
  ',',
  ' ',
  '=',
  '\t',
  '\f',
  '#',
  '{',
  '}',
  '\\n',
  '\u2028',
  '\uFEFF',
);
const anyText = fc.string({
  unit: fc.oneof(tricky, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })),
  maxLength: 12,
});
const vitalsName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_.:-]{0,24}$/);
const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,12}$/);
const timestamp = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });

function samplesOf(
  name: fc.Arbitrary<string>,
  key: fc.Arbitrary<string>,
  value = anyText,
): fc.Arbitrary<Sample[]> {
  const sample = fc.record({
    name,
    labels: fc.dictionary(key, value, { maxKeys: 4 }),
    timestamp,
    value: fc.double(),
  });
  return fc.array(sample, { maxLength: 8 });
}

const vitalsSamples = samplesOf(vitalsName, labelName);

/** The exposition writers group by metric, in order of first appearance. */
function groupedByName(samples: Sample[]): Sample[] {
  const names = [...new Set(samples.map((s) => s.name))];
  return names.flatMap((name) => samples.filter((s) => s.name === name));
}

function split(items: Iterable<ParseItem>): { samples: Sample[]; errors: unknown[] } {
  const items_ = [...items];
  return {
    samples: items_.flatMap((item) => ('sample' in item ? [item.sample] : [])),
    errors: items_.filter((item) => 'error' in item),
  };
}

describe('format → parse', () => {
  it('does give back the same samples for Prometheus text', () => {
    fc.assert(
      fc.property(vitalsSamples, (samples) => {
        expect(parseExposition(formatExposition(samples))).toEqual({
          samples: groupedByName(samples),
          errors: [],
        });
      }),
    );
  });

  it('does give back the same samples for OpenMetrics', () => {
    fc.assert(
      fc.property(vitalsSamples, (samples) => {
        const text = formatExposition(samples, { flavor: 'openmetrics' });
        expect(parseExposition(text)).toEqual({ samples: groupedByName(samples), errors: [] });
      }),
    );
  });

  it('does give back the same samples for Influx line protocol at ns, us and ms precision', () => {
    const name = anyText.filter((text) => text !== '' && !text.startsWith('#'));
    const precision = fc.constantFrom('ns' as const, 'us' as const, 'ms' as const);
    fc.assert(
      fc.property(
        samplesOf(
          name,
          anyText.filter((key) => key !== ''),
        ),
        precision,
        (samples, unit) => {
          const text = formatInflux(samples, { precision: unit });
          expect(parseInflux(text, { precision: unit })).toEqual({ samples, errors: [] });
        },
      ),
    );
  });

  it('does give back the same samples for CSV', () => {
    const name = anyText.filter((text) => text !== '' && !/[\r\n]/.test(text));
    fc.assert(
      fc.property(samplesOf(name, anyText), (samples) => {
        expect(parseCsv(formatCsv(samples))).toEqual({ samples, errors: [] });
      }),
    );
  });

  it('does give back the same samples line by line through formatByFormat and parseByFormat', () => {
    const formats = fc.constantFrom<SampleFormat>('prometheus', 'openmetrics', 'influx', 'csv');
    fc.assert(
      fc.property(vitalsSamples, formats, (samples, format) => {
        const lines = [...formatByFormat(format, groupedByName(samples))];
        expect(split(parseByFormat(format, lines))).toEqual({ samples: groupedByName(samples), errors: [] });
      }),
    );
  });

  it('does give back the same samples from a byte stream cut at arbitrary points', async () => {
    // Lone surrogates do not survive UTF-8, so this one uses well-formed text.
    const wellFormed = fc.oneof(tricky, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }));
    const samples = samplesOf(vitalsName, labelName, fc.string({ unit: wellFormed, maxLength: 8 }));
    const formats = fc.constantFrom<SampleFormat>('prometheus', 'openmetrics', 'influx', 'csv');
    const cuts = fc.array(fc.nat(), { maxLength: 6 });
    await fc.assert(
      fc.asyncProperty(samples, formats, cuts, async (input, format, at) => {
        const bytes = new TextEncoder().encode(
          [...formatByFormat(format, groupedByName(input))].join('\r\n'),
        );
        const edges = [...new Set(at.map((n) => n % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...edges].map((from, i) => bytes.subarray(from, [...edges, bytes.length][i]));
        const items: ParseItem[] = [];
        for await (const item of parseStreamByFormat(format, toAsync(chunks))) items.push(item);
        expect(split(items)).toEqual({ samples: groupedByName(input), errors: [] });
      }),
    );
  });
});

async function* toAsync<T>(values: T[]): AsyncGenerator<T> {
  yield* values;
}

describe('parsers on arbitrary input', () => {
  it('does never throw, and numbers every error with a line of the input', () => {
    const formats = fc.constantFrom<SampleFormat>('prometheus', 'openmetrics', 'influx', 'csv');
    const line = fc.oneof(
      anyText,
      fc.constantFrom('m{a="b"} 1 2', 'm,a=b value=1 2', '1,m,{},2', '"', '# EOF'),
    );
    fc.assert(
      fc.property(formats, fc.array(line, { maxLength: 10 }), (format, lines) => {
        for (const item of parseByFormat(format, lines, { defaultTimestamp: 0 })) {
          if ('error' in item) expect(item.error.line).toBeLessThanOrEqual(lines.length + 1);
        }
      }),
    );
  });
});
