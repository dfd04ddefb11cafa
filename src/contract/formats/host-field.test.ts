import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatByFormat, parseByFormat, type SampleFormat } from './by-format.ts';
import { formatCsvRow, parseCsv } from './csv.ts';
import { hostFromLabels, labelsWithHost } from './host-field.ts';
import { formatInfluxLine } from './influx-format.ts';
import { formatExposition } from './openmetrics-format.ts';
import type { ParseItem, Sample } from './sample.ts';

const sample: Sample = { host: 'web-1', name: 'cpu.usage', labels: { core: '0' }, timestamp: 1000, value: 1 };

describe('the host in each format', () => {
  it('does write the host as a tag, a label and a column of its own', () => {
    expect(formatInfluxLine(sample, { precision: 'ms' })).toBe('cpu.usage,core=0,host=web-1 value=1 1000');
    expect(formatExposition([sample])).toContain('cpu_usage{core="0",host="web-1"} 1 1000\n');
    expect(formatCsvRow(sample, { hostColumn: true })).toBe('1000,web-1,cpu.usage,"{""core"":""0""}",1');
  });

  it('does write a label named host as exported_host, and one more exported_ before exported_ ones', () => {
    const labels = { host: 'a', exported_host: 'b', exported_exported_host: 'c', hostname: 'd' };
    const written = labelsWithHost(labels, 'web-1');
    expect(written).toEqual({
      host: 'web-1',
      exported_host: 'a',
      exported_exported_host: 'b',
      exported_exported_exported_host: 'c',
      hostname: 'd',
    });
    expect(hostFromLabels(written)).toEqual({ host: 'web-1', labels });
    // CSV keeps the label as it is: the host has its column.
    const row = formatCsvRow({ ...sample, labels: { host: 'a' } }, { hostColumn: true });
    expect(parseCsv(['timestamp,host,name,labels,value', row]).samples).toEqual([
      { ...sample, labels: { host: 'a' } },
    ]);
  });

  it('does read host as a label like any other unless asked to read it as the host', () => {
    const line = 'cpu.usage,host=web-1,exported_host=a value=1 1000';
    const [plain] = [...parseByFormat('influx', [line], { precision: 'ms' })];
    expect(plain).toEqual({
      sample: { ...sample, host: undefined, labels: { host: 'web-1', exported_host: 'a' } },
    });
    const [asHost] = [...parseByFormat('influx', [line], { precision: 'ms', hostLabel: true })];
    expect(asHost).toEqual({ sample: { ...sample, labels: { host: 'a' } } });
  });

  it('does give back every host and label through every format', () => {
    const host = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,20}$/);
    const labelName = fc.oneof(
      fc.constantFrom('host', 'exported_host', 'exported_exported_host', 'instance'),
      fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/),
    );
    const samples = fc.array(
      fc.record({
        host,
        name: fc.constantFrom('cpu.usage', 'cpu', 'mem.used_pct'),
        labels: fc.dictionary(labelName, fc.string({ minLength: 1, maxLength: 6 }), { maxKeys: 4 }),
        timestamp: fc.integer({ min: 0, max: 2 ** 45 }),
        value: fc.double(),
      }),
      { maxLength: 8 },
    );
    const formats = fc.constantFrom<SampleFormat>('prometheus', 'openmetrics', 'influx', 'csv');
    fc.assert(
      fc.property(samples, formats, (input, format) => {
        const grouped = [...new Set(input.map((s) => s.name))].flatMap((n) =>
          input.filter((s) => s.name === n),
        );
        const lines = [...formatByFormat(format, grouped, { hostColumn: true })];
        const items: ParseItem[] = [...parseByFormat(format, lines, { hostLabel: true })];
        expect(items).toEqual(grouped.map((s) => ({ sample: s })));
      }),
    );
  });
});
