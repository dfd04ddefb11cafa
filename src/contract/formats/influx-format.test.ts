import { describe, expect, it } from 'vitest';
import { INFLUX_EXTENDED_ESCAPES_HEADER } from './influx.ts';
import { formatInflux, formatInfluxLine } from './influx-format.ts';
import { FormatError, type Sample } from './sample.ts';

const sample: Sample = {
  name: 'disk.used_pct',
  labels: { mount: '/', host: 'a' },
  timestamp: 1714560000123,
  value: 40.5,
};

describe('formatInfluxLine', () => {
  it('does write the name as measurement, sorted labels as tags and one value field in ns', () => {
    expect(formatInfluxLine(sample)).toBe('disk.used_pct,host=a,mount=/ value=40.5 1714560000123000000');
  });

  it('does honour the precision, rounding down for seconds', () => {
    const stamps = (['ns', 'us', 'ms', 's'] as const).map((precision) =>
      formatInfluxLine({ ...sample, timestamp: -1 }, { precision })
        .split(' ')
        .at(-1),
    );
    expect(stamps).toEqual(['-1000000', '-1000', '-1', '-1']);
  });

  it('does escape separators, backslashes and control characters', () => {
    const odd: Sample = {
      name: 'a b,c',
      labels: { 'k=1': 'v,2 x\\', n: 'l1\nl2\r\t\f' },
      timestamp: 0,
      value: -0,
    };
    expect(formatInfluxLine(odd)).toBe(String.raw`a\ b\,c,k\=1=v\,2\ x\\,n=l1\nl2\r\t\f value=-0 0`);
  });

  it('does spell out NaN and infinities', () => {
    const values = [Number.NaN, Infinity, -Infinity].map((value) => formatInfluxLine({ ...sample, value }));
    expect(values.map((line) => line.split(' ')[1])).toEqual(['value=NaN', 'value=+Inf', 'value=-Inf']);
  });

  it('does start a whole export with the escapes header', () => {
    expect(formatInflux([sample])).toBe(`${INFLUX_EXTENDED_ESCAPES_HEADER}\n${formatInfluxLine(sample)}\n`);
  });

  it('does throw a FormatError for names that would read as comments and for empty label names', () => {
    expect(() => formatInfluxLine({ ...sample, name: '#x' })).toThrow(FormatError);
    expect(() => formatInfluxLine({ ...sample, name: '' })).toThrow(FormatError);
    expect(() => formatInfluxLine({ ...sample, labels: { '': 'x' } })).toThrow(FormatError);
    expect(() => formatInfluxLine({ ...sample, timestamp: Number.NaN })).toThrow(FormatError);
  });
});
