import { describe, expect, it } from 'vitest';
import { INFLUX_EXTENDED_ESCAPES_HEADER, parseInflux } from './influx.ts';

describe('parseInflux', () => {
  it('does map tags to labels and fields to measurement.field, field value to the measurement', () => {
    const { samples, errors } = parseInflux(
      'cpu,cpu=cpu0,host=a usage_user=12.5,usage_system=3 1556813561098000000',
    );
    expect(errors).toEqual([]);
    expect(samples).toEqual([
      { name: 'cpu.usage_user', labels: { cpu: 'cpu0', host: 'a' }, timestamp: 1556813561098, value: 12.5 },
      { name: 'cpu.usage_system', labels: { cpu: 'cpu0', host: 'a' }, timestamp: 1556813561098, value: 3 },
    ]);
    expect(parseInflux('mem.used_pct value=40 0').samples[0]?.name).toBe('mem.used_pct');
  });

  it('does read integer, unsigned, boolean and float field types', () => {
    const line = 'm a=-12i,b=18446744073709551615u,c=t,d=FALSE,e=1.5e3,f=-0,g=NaN,h=+Inf,i=1 0';
    const values = parseInflux(line).samples.map((s) => s.value);
    expect(values).toEqual([-12, 18446744073709552000, 1, 0, 1500, -0, Number.NaN, Infinity, 1]);
    expect(Object.is(values[5], -0)).toBe(true);
  });

  it('does convert each precision to ms exactly, rounding down', () => {
    const stamp = (precision: 'ns' | 'us' | 'ms' | 's', ts: string) =>
      parseInflux(`m value=1 ${ts}`, { precision }).samples[0]?.timestamp;
    expect(stamp('ns', '1714560000123999999')).toBe(1714560000123);
    expect(stamp('ns', '-1')).toBe(-1);
    expect(stamp('us', '1714560000123999')).toBe(1714560000123);
    expect(stamp('ms', '1714560000123')).toBe(1714560000123);
    expect(stamp('s', '1714560000')).toBe(1714560000000);
  });

  it('does use the default timestamp when a line has none', () => {
    expect(parseInflux('m value=1', { defaultTimestamp: 42 }).samples[0]?.timestamp).toBe(42);
    expect(parseInflux('m value=1').errors[0]?.message).toBe(
      'missing timestamp and no default timestamp given',
    );
  });

  it('does unescape commas, spaces, equals and backslashes in names and tags', () => {
    const line = String.raw`disk\ io\,x,path=C:\\data\ 1,k\=y=a\=b,win=C:\new value=1 0`;
    expect(parseInflux(line).samples).toEqual([
      {
        name: 'disk io,x',
        labels: { path: 'C:\\data 1', 'k=y': 'a=b', win: 'C:\\new' },
        timestamp: 0,
        value: 1,
      },
    ]);
  });

  it('does read \\n, \\r, \\t and \\f as control characters after the Vitals header only', () => {
    const line = String.raw`m,a=x\ny\tz value=1 0`;
    expect(parseInflux([line]).samples[0]?.labels).toEqual({ a: 'x\\ny\\tz' });
    expect(parseInflux([INFLUX_EXTENDED_ESCAPES_HEADER, line]).samples[0]?.labels).toEqual({ a: 'x\ny\tz' });
    expect(parseInflux([line], { extendedEscapes: true }).samples[0]?.labels).toEqual({ a: 'x\ny\tz' });
  });

  it('does skip string fields, or report them when asked', () => {
    const line = 'svc,host=a state="up \\"ok\\", fine",latency=3i 0';
    expect(parseInflux(line).samples.map((s) => s.name)).toEqual(['svc.latency']);
    const { samples, errors } = parseInflux(line, { stringFields: 'error' });
    expect(samples.map((s) => s.name)).toEqual(['svc.latency']);
    expect(errors).toEqual([{ line: 1, message: 'string field "state" skipped', text: line }]);
  });

  it('does skip comments and blank lines', () => {
    const { samples, errors } = parseInflux('# a comment\n\n  \nm value=1 0\n');
    expect(errors).toEqual([]);
    expect(samples).toHaveLength(1);
  });

  it('does report malformed lines with their line numbers and keep going', () => {
    const lines = [
      'm value=1 0',
      'm',
      'm,t value=1 0',
      'm,=x value=1 0',
      'm,t=1,t=2 value=1 0',
      'm value=',
      'm value=1,value=2 0',
      'm value=abc 0',
      'm value=1 12x',
      'm value=1 0 extra',
      'm a=1,b=oops 0',
      'm value=1i0 0',
      'm value=9223372036854775808i 0',
      'm value="open 0',
      'm value=1 99999999999999999999999999999',
      ',t=1 value=1 0',
      'm value=2 0',
    ];
    const { samples, errors } = parseInflux(lines);
    expect(samples.map((s) => s.value)).toEqual([1, 2]);
    expect(errors.map((e) => e.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    expect(errors[9]?.message).toBe('invalid value "oops" for field "b"');
  });
});
