import { describe, expect, it } from 'vitest';
import {
  detectFormat,
  formatByFormat,
  INFLUX_EXTENDED_ESCAPES_HEADER,
  linesOf,
  type ParseItem,
  parseByFormat,
  parseStreamByFormat,
} from './index.ts';

async function* chunks(...parts: (string | Uint8Array)[]): AsyncGenerator<string | Uint8Array> {
  yield* parts;
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('detectFormat', () => {
  it('does trust the Content-Type first, then the file extension', () => {
    expect(
      detectFormat({ contentType: 'application/openmetrics-text; version=1.0.0', fileName: 'x.csv' }),
    ).toBe('openmetrics');
    expect(detectFormat({ contentType: 'text/plain; version=0.0.4' })).toBe('prometheus');
    expect(detectFormat({ contentType: 'text/plain', fileName: 'dump.LP' })).toBe('influx');
    expect(detectFormat({ fileName: 'export.csv' })).toBe('csv');
  });

  it('does recognise each format from its first lines', () => {
    expect(detectFormat({ head: ['# HELP up Up.', 'up 1'] })).toBe('prometheus');
    expect(detectFormat({ head: ['up{job="a"} 1', '# EOF'] })).toBe('openmetrics');
    expect(detectFormat({ head: ['up{job="a"} 1 1714560000000'] })).toBe('prometheus');
    expect(detectFormat({ head: ['cpu,host=a usage_user=1 1714560000000000000'] })).toBe('influx');
    expect(detectFormat({ head: [INFLUX_EXTENDED_ESCAPES_HEADER] })).toBe('influx');
    expect(detectFormat({ head: ['timestamp,name,labels,value', '1,m,{},1'] })).toBe('csv');
    expect(detectFormat({ head: ['1714560000000,cpu.usage,{},1'] })).toBe('csv');
  });

  it('does return undefined when nothing fits', () => {
    expect(detectFormat({})).toBeUndefined();
    expect(detectFormat({ head: ['hello world'] })).toBeUndefined();
  });
});

describe('parseByFormat', () => {
  it('does stream samples and errors in input order with line numbers', () => {
    const items = [...parseByFormat('influx', 'm value=1 0\nbroken\r\nm value=2 0\n', { precision: 'ms' })];
    expect(items).toEqual<ParseItem[]>([
      { sample: { name: 'm', labels: {}, timestamp: 0, value: 1 } },
      { error: { line: 2, message: 'missing fields', text: 'broken' } },
      { sample: { name: 'm', labels: {}, timestamp: 0, value: 2 } },
    ]);
  });

  it('does pass the default timestamp to the exposition parsers', () => {
    expect([...parseByFormat('prometheus', ['up 1'], { defaultTimestamp: 5 })]).toEqual([
      { sample: { name: 'up', labels: {}, timestamp: 5, value: 1 } },
    ]);
  });
});

describe('parseStreamByFormat', () => {
  it('does read a byte stream cut inside a line and inside a UTF-8 sequence', async () => {
    const bytes = new TextEncoder().encode(
      '\uFEFFtimestamp,name,labels,value\r\n1,m,"{""a"":""é""}",2\n3,m,{},x',
    );
    const cut = bytes.indexOf(0xc3) + 1; // between the two bytes of é
    const items = await all(parseStreamByFormat('csv', chunks(bytes.subarray(0, cut), bytes.subarray(cut))));
    expect(items).toEqual<ParseItem[]>([
      { sample: { name: 'm', labels: { a: 'é' }, timestamp: 1, value: 2 } },
      { error: { line: 3, message: 'invalid value "x"', text: '3,m,{},x' } },
    ]);
  });
});

describe('linesOf', () => {
  it('does split at LF only, leaving a lone CR in place', async () => {
    expect(await all(linesOf(chunks('a\rb\n', 'c', 'd\n\ne')))).toEqual(['a\rb', 'cd', '', 'e']);
  });
});

describe('formatByFormat', () => {
  it('does stream lines without line breaks for every format', () => {
    const sample = { name: 'cpu.usage', labels: { cpu: '0' }, timestamp: 1000, value: 1.5 };
    expect([...formatByFormat('prometheus', [sample])]).toEqual([
      '# HELP cpu_usage Vitals metric cpu.usage',
      '# TYPE cpu_usage untyped',
      'cpu_usage{cpu="0"} 1.5 1000',
    ]);
    expect([...formatByFormat('openmetrics', [sample])]).toEqual([
      '# HELP cpu_usage Vitals metric cpu.usage',
      '# TYPE cpu_usage unknown',
      'cpu_usage{cpu="0"} 1.5 1.000',
      '# EOF',
    ]);
    expect([...formatByFormat('influx', [sample], { precision: 'ms' })]).toEqual([
      INFLUX_EXTENDED_ESCAPES_HEADER,
      'cpu.usage,cpu=0 value=1.5 1000',
    ]);
    expect([...formatByFormat('csv', [sample])]).toEqual([
      'timestamp,name,labels,value',
      '1000,cpu.usage,"{""cpu"":""0""}",1.5',
    ]);
  });
});
