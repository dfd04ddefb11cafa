import { describe, expect, it } from 'vitest';
import { expositionFlavorFromContentType, parseExposition, parseExpositionLine } from './openmetrics.ts';

const scrape = [
  '# HELP node_load1 1m load average.',
  '# TYPE node_load1 gauge',
  'node_load1 0.42 1714560000000',
  '# a free comment',
  '',
  '# TYPE node_filesystem_avail_bytes gauge',
  'node_filesystem_avail_bytes{device="/dev/sda1",mountpoint="/"} 1.2e+10 1714560000000',
  'job:http_requests:rate5m{job="api"} 12.5 1714560000000',
].join('\n');

describe('parseExposition (Prometheus text)', () => {
  it('does read samples, skipping HELP, TYPE, comments and blank lines', () => {
    const { samples, errors } = parseExposition(scrape);
    expect(errors).toEqual([]);
    expect(samples).toEqual([
      { name: 'node_load1', labels: {}, timestamp: 1714560000000, value: 0.42 },
      {
        name: 'node_filesystem_avail_bytes',
        labels: { device: '/dev/sda1', mountpoint: '/' },
        timestamp: 1714560000000,
        value: 1.2e10,
      },
      { name: 'job.http_requests.rate5m', labels: { job: 'api' }, timestamp: 1714560000000, value: 12.5 },
    ]);
  });

  it('does unescape backslash, quote and newline in label values and keep other escapes', () => {
    const line = String.raw`m{a="C:\\dir",b="say \"hi\"",c="two\nlines",d="tab\t"} 1 0`;
    expect(parseExpositionLine(line, 1)).toEqual({
      sample: {
        name: 'm',
        labels: { a: 'C:\\dir', b: 'say "hi"', c: 'two\nlines', d: 'tab\\t' },
        timestamp: 0,
        value: 1,
      },
    });
  });

  it('does keep commas, braces, equals and hashes inside label values', () => {
    const item = parseExpositionLine('m{a="x,y}=z # w"} 1 0', 1);
    expect(item).toEqual({ sample: { name: 'm', labels: { a: 'x,y}=z # w' }, timestamp: 0, value: 1 } });
  });

  it('does read NaN, infinities, negative zero and exponents', () => {
    const values = ['NaN', '+Inf', '-Inf', 'Inf', '-0', '1e3', '-1.5E-3', '.5']
      .map((token) => parseExpositionLine(`m ${token} 0`, 1))
      .map((item) => (item !== undefined && 'sample' in item ? item.sample.value : undefined));
    expect(values).toEqual([Number.NaN, Infinity, -Infinity, Infinity, -0, 1000, -0.0015, 0.5]);
    expect(Object.is(values[4], -0)).toBe(true);
  });

  it('does keep histogram and summary series as ordinary samples with their labels', () => {
    const text = [
      '# TYPE rpc_seconds histogram',
      'rpc_seconds_bucket{le="0.1"} 3',
      'rpc_seconds_bucket{le="+Inf"} 5',
      'rpc_seconds_sum 0.7',
      'rpc_seconds_count 5',
      '# TYPE gc_seconds summary',
      'gc_seconds{quantile="0.99"} 0.02',
    ].join('\n');
    const { samples, errors } = parseExposition(text, { defaultTimestamp: 7 });
    expect(errors).toEqual([]);
    expect(samples.map((s) => [s.name, s.labels, s.value, s.timestamp])).toEqual([
      ['rpc_seconds_bucket', { le: '0.1' }, 3, 7],
      ['rpc_seconds_bucket', { le: '+Inf' }, 5, 7],
      ['rpc_seconds_sum', {}, 0.7, 7],
      ['rpc_seconds_count', {}, 5, 7],
      ['gc_seconds', { quantile: '0.99' }, 0.02, 7],
    ]);
  });

  it('does accept blanks, tabs, a trailing comma and CRLF line ends', () => {
    const { samples, errors } = parseExposition('  m { a = "1" , } \t 2  \t 3 \r\nn{} 4 5\r\n');
    expect(errors).toEqual([]);
    expect(samples).toEqual([
      { name: 'm', labels: { a: '1' }, timestamp: 3, value: 2 },
      { name: 'n', labels: {}, timestamp: 5, value: 4 },
    ]);
  });

  it('does report a missing timestamp when no default timestamp is given', () => {
    expect(parseExposition('up 1').errors).toEqual([
      { line: 1, message: 'missing timestamp and no default timestamp given', text: 'up 1' },
    ]);
  });

  it('does report malformed lines with their line numbers and keep going', () => {
    const lines = [
      'ok 1 0',
      '0bad 1 0',
      'bad-name 1 0',
      'm{a="1",a="2"} 1 0',
      'm{0a="1"} 1 0',
      'm{a="open} 1 0',
      'm{a=1} 1 0',
      'm',
      'm one 0',
      'm 1 12.5',
      'm 1 2 3',
      'm 1 99999999999999999999',
      '# TYPE m bogus',
      '# HELP 9x help',
      'ok 2 0',
    ];
    const { samples, errors } = parseExposition(lines);
    expect(samples.map((s) => s.value)).toEqual([1, 2]);
    expect(errors.map((e) => e.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(errors[2]?.message).toBe('duplicate label "a"');
    expect(errors[0]?.text).toBe('0bad 1 0');
  });

  it('does cut the echoed text of a huge malformed line', () => {
    const [error] = parseExposition(`m{${'x'.repeat(10_000)} 1`).errors;
    expect(error?.text.length).toBeLessThan(300);
  });
});

describe('parseExposition (OpenMetrics)', () => {
  it('does read timestamps in seconds exactly when the text ends with # EOF', () => {
    const text = 'a 1 1520879607.789\nb 2 1520879607\nc 3 -0.001\nd 4 1.5e9\n# EOF\n';
    const { samples, errors } = parseExposition(text);
    expect(errors).toEqual([]);
    expect(samples.map((s) => s.timestamp)).toEqual([1520879607789, 1520879607000, -1, 1500000000000]);
  });

  it('does round sub-millisecond timestamps down', () => {
    const { samples } = parseExposition(['a 1 1.0019', 'b 1 -1.0019'], { flavor: 'openmetrics' });
    expect(samples.map((s) => s.timestamp)).toEqual([1001, -1002]);
  });

  it('does ignore exemplars', () => {
    const line = 'rpc_bucket{le="0.1"} 8 1.5 # {trace_id="abc"} 0.067 1.2';
    expect(parseExposition([line, '# EOF'], { flavor: 'openmetrics' }).samples).toEqual([
      { name: 'rpc_bucket', labels: { le: '0.1' }, timestamp: 1500, value: 8 },
    ]);
  });

  it('does report text after # EOF and a missing # EOF', () => {
    expect(parseExposition('a 1 0\n# EOF\n\nb 2 0\n').errors).toEqual([
      { line: 4, message: 'text after # EOF (line 2)', text: 'b 2 0' },
    ]);
    expect(parseExposition(['a 1 0'], { flavor: 'openmetrics' }).errors).toEqual([
      { line: 2, message: 'missing # EOF: the exposition may be truncated', text: '' },
    ]);
  });

  it('does pick the flavor from a Content-Type', () => {
    expect(expositionFlavorFromContentType('application/openmetrics-text; version=1.0.0')).toBe(
      'openmetrics',
    );
    expect(expositionFlavorFromContentType('text/plain; version=0.0.4; charset=utf-8')).toBe('prometheus');
  });
});
