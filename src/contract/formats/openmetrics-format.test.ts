import { describe, expect, it } from 'vitest';
import { formatExposition, formatExpositionLines } from './openmetrics-format.ts';
import { FormatError, type Sample } from './sample.ts';

const at = 1714560000123;
const sample = (name: string, value: number, labels: Record<string, string> = {}): Sample => ({
  name,
  labels,
  timestamp: at,
  value,
});

describe('formatExposition', () => {
  it('does group samples of one metric behind one TYPE line, mapping dots to colons', () => {
    const text = formatExposition([
      sample('cpu.usage', 12.5),
      sample('disk.used_pct', 40, { mount: '/' }),
      sample('cpu.usage', 13),
    ]);
    expect(text).toBe(
      [
        '# TYPE cpu:usage untyped',
        `cpu:usage 12.5 ${at}`,
        `cpu:usage 13 ${at}`,
        '# TYPE disk:used_pct untyped',
        `disk:used_pct{mount="/"} 40 ${at}`,
        '',
      ].join('\n'),
    );
  });

  it('does escape label values and sort labels by name', () => {
    const text = formatExposition([sample('m', 1, { z: 'a\\b', a: 'say "x"\nnext' })], {
      withTimestamps: false,
    });
    expect(text).toBe('# TYPE m untyped\nm{a="say \\"x\\"\\nnext",z="a\\\\b"} 1\n');
  });

  it('does spell out NaN, infinities and negative zero', () => {
    const values = [Number.NaN, Infinity, -Infinity, -0, 0, 1e21, 5e-324];
    const lines = [
      ...formatExpositionLines(
        values.map((v) => sample('m', v)),
        { withTimestamps: false },
      ),
    ];
    expect(lines.slice(1)).toEqual(['m NaN', 'm +Inf', 'm -Inf', 'm -0', 'm 0', 'm 1e+21', 'm 5e-324']);
  });

  it('does write the declared types', () => {
    const typeOf = (name: string) => (name === 'net.rx_bytes' ? 'counter' : 'gauge');
    const text = formatExposition([sample('net.rx_bytes', 1), sample('load.1', 2)], {
      typeOf,
      withTimestamps: false,
    });
    expect(text).toBe('# TYPE net:rx_bytes counter\nnet:rx_bytes 1\n# TYPE load:1 gauge\nload:1 2\n');
  });

  it('does write OpenMetrics with seconds, unknown types, counter families and # EOF', () => {
    const typeOf = (name: string) => (name === 'req_total' || name === 'cpu' ? 'counter' : 'untyped');
    const samples = [sample('req_total', 1), sample('cpu', 2), { ...sample('m', 3), timestamp: -1 }];
    const text = formatExposition(samples, { flavor: 'openmetrics', typeOf });
    expect(text).toBe(
      [
        '# TYPE req counter',
        'req_total 1 1714560000.123',
        '# TYPE cpu unknown',
        'cpu 2 1714560000.123',
        '# TYPE m unknown',
        'm 3 -0.001',
        '# EOF',
        '',
      ].join('\n'),
    );
  });

  it('does throw a FormatError for samples the format cannot hold', () => {
    expect(() => formatExposition([sample('cpu-usage', 1)])).toThrow(FormatError);
    expect(() => formatExposition([sample('job:up', 1)])).toThrow(FormatError);
    expect(() => formatExposition([sample('m', 1, { 'bad-label': 'x' })])).toThrow(FormatError);
    expect(() => formatExposition([{ ...sample('m', 1), timestamp: 1.5 }])).toThrow(FormatError);
  });

  it('does throw when streamed samples of one metric are not contiguous', () => {
    const lines = formatExpositionLines([sample('a', 1), sample('b', 1), sample('a', 2)]);
    expect(() => [...lines]).toThrow('samples of a are not contiguous');
  });
});
