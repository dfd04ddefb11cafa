import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimeSeriesType } from '../../contract/prometheus-remote.ts';
import { encodeTimeSeries, lengthDelimited } from './samples.ts';
import { float64Bits } from './test-support.ts';

describe('SAMPLES encoding', () => {
  it('writes what protobufjs writes, and reads back bitwise (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ name: fc.string(), value: fc.string() }), { maxLength: 4 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 ** 50 }), fc.double()), { maxLength: 50 }),
        (labels, samples) => {
          const ts = Float64Array.from(samples, ([t]) => t);
          const vs = Float64Array.from(samples, ([, v]) => v);
          const ours = encodeTimeSeries(labels, ts, vs);
          const theirs = TimeSeriesType.encode({
            labels,
            samples: samples.map(([timestamp, value]) => ({ timestamp, value })),
          }).finish();
          expect(Buffer.from(ours).toString('hex')).toBe(Buffer.from(theirs).toString('hex'));
          const back = TimeSeriesType.toObject(TimeSeriesType.decode(ours), { longs: Number }) as {
            samples?: { value: number; timestamp: number }[];
          };
          expect((back.samples ?? []).map((s) => s.timestamp)).toEqual([...ts]);
          expect((back.samples ?? []).map((s) => float64Bits(s.value))).toEqual([...vs].map(float64Bits));
        },
      ),
    );
  });

  it('wraps a message as a length-delimited field', () => {
    expect([...lengthDelimited(1, Uint8Array.of(7, 8))]).toEqual([0x0a, 2, 7, 8]);
    expect([...lengthDelimited(1, new Uint8Array(300)).subarray(0, 3)]).toEqual([0x0a, 0xac, 0x02]);
  });
});
