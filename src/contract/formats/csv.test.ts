import { describe, expect, it } from 'vitest';
import { CSV_HEADER, formatCsv, formatCsvRow, parseCsv } from './csv.ts';
import { FormatError, type Sample } from './sample.ts';

const sample: Sample = {
  name: 'disk.used_pct',
  labels: { mount: '/' },
  timestamp: 1714560000123,
  value: 40.5,
};

describe('formatCsvRow', () => {
  it('does write labels as a quoted JSON object', () => {
    expect(CSV_HEADER).toBe('timestamp,name,labels,value');
    expect(formatCsvRow(sample)).toBe('1714560000123,disk.used_pct,"{""mount"":""/""}",40.5');
    expect(formatCsvRow({ ...sample, labels: {} })).toBe('1714560000123,disk.used_pct,{},40.5');
  });

  it('does quote names holding commas or quotes and spell out special values', () => {
    expect(formatCsvRow({ ...sample, name: 'a,"b"', labels: {}, value: -0 })).toBe(
      '1714560000123,"a,""b""",{},-0',
    );
    expect(formatCsvRow({ ...sample, labels: {}, value: Number.NaN }).endsWith(',NaN')).toBe(true);
  });

  it('does throw a FormatError for names with line breaks', () => {
    expect(() => formatCsvRow({ ...sample, name: 'a\r\nb' })).toThrow(FormatError);
    expect(() => formatCsvRow({ ...sample, name: '' })).toThrow(FormatError);
  });
});

describe('parseCsv', () => {
  it('does read what formatCsv wrote', () => {
    const result = parseCsv(formatCsv([sample, { ...sample, labels: { a: 'x,"y"\nz' }, value: -Infinity }]));
    expect(result).toEqual({
      samples: [sample, { ...sample, labels: { a: 'x,"y"\nz' }, value: -Infinity }],
      errors: [],
    });
  });

  it('does accept rows without a header, columns in any order and RFC 3339 timestamps', () => {
    expect(parseCsv(['1000,m,,2']).samples).toEqual([{ name: 'm', labels: {}, timestamp: 1000, value: 2 }]);
    const reordered = parseCsv(['\uFEFFValue,Name,Timestamp', '2,m,2024-05-01T12:00:00.250Z']);
    expect(reordered).toEqual({
      samples: [{ name: 'm', labels: {}, timestamp: Date.UTC(2024, 4, 1, 12, 0, 0, 250), value: 2 }],
      errors: [],
    });
  });

  it('does join a quoted field that spans lines and number its record by its first line', () => {
    const { samples, errors } = parseCsv([
      'timestamp,name,labels,value',
      '1,"multi',
      'line",{},1',
      '2,bad,{},x',
    ]);
    expect(samples).toEqual([{ name: 'multi\nline', labels: {}, timestamp: 1, value: 1 }]);
    expect(errors.map((e) => e.line)).toEqual([4]);
  });

  it('does report malformed rows with their line numbers and keep going', () => {
    const lines = [
      CSV_HEADER,
      '1,a,{},1',
      '1,a,{}',
      'x,a,{},1',
      '1,,{},1',
      '1,a,[1],1',
      '1,a,"{""k"":1}",1',
      '1,a,{oops},1',
      '1,a,{},one',
      '1,a"b,{},1',
      '1,"a"b,{},1',
      '9007199254740993,a,{},1',
      '2024-05-01T12:00:00,a,{},1',
      '2,a,{},2',
      '3,"never closed,{},3',
    ];
    const { samples, errors } = parseCsv(lines);
    expect(samples.map((s) => s.value)).toEqual([1, 2]);
    expect(errors.map((e) => e.line)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15]);
    expect(errors.at(-1)?.message).toBe('unterminated quoted field');
  });

  it('does report an unknown header column once and read nothing after it', () => {
    expect(parseCsv(['timestamp,name,hostname,value', '1,a,h,1'])).toEqual({
      samples: [],
      errors: [
        { line: 1, message: 'unknown CSV column(s): hostname', text: 'timestamp,name,hostname,value' },
      ],
    });
  });
});
