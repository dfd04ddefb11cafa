import { describe, expect, it } from 'vitest';
import { forEachWindow, type HostTable, measureCodecs, measureDecodeRate } from './measure.ts';

/** Five hours of 5 s snapshots: a constant, a 2-decimal gauge, and a gauge missing every 10th sample. */
function table(): HostTable {
  const n = 3600;
  const timestamps = Float64Array.from({ length: n }, (_, i) => 7_200_000 + i * 5000);
  const all = new Uint8Array(n).fill(1);
  const sparse = Uint8Array.from({ length: n }, (_, i) => (i % 10 === 0 ? 0 : 1));
  return {
    host: 'h',
    timestamps,
    series: [
      { name: 'mem.total_bytes', present: all, values: new Float64Array(n).fill(2 ** 34) },
      {
        name: 'cpu.core.usage{core=0}',
        present: all,
        values: Float64Array.from(all, (_, i) => (i % 997) / 100),
      },
      {
        name: 'temp.cpu_c',
        present: sparse,
        values: new Float64Array(n - 360).fill(40.5).map((v, i) => v + (i % 3)),
      },
    ],
  };
}

describe('measureCodecs', () => {
  it('does cut windows on multiples of the window length', () => {
    const sizes: number[] = [];
    forEachWindow(table(), 7_200_000, (ts, columns) => {
      sizes.push(ts.length);
      expect(columns[2]?.values.length).toBe(columns[2]?.present.reduce((a, b) => a + b, 0));
    });
    expect(sizes).toEqual([1440, 1440, 720]);
  });

  it('does count every present sample once and group columns by kind and mode', () => {
    const m = measureCodecs([table()]);
    expect(m.windows).toBe(3);
    expect(m.samples).toBe(3600 * 3 - 360);
    expect(Object.keys(m.byKind).sort()).toEqual(['cpu.core.usage', 'mem.total_bytes', 'temp.cpu_c']);
    expect(m.byKind['mem.total_bytes']?.modes).toEqual({ constantDecimal: 3 });
    expect(m.byMode.decimal?.columns).toBe(6);
    const b = m.bytesPerSample;
    expect(b.overall).toBeCloseTo(b.timestamps + b.presence + b.values, 10);
    expect(b.overall).toBeLessThan(b.gorilla);
  });

  it('does report finite decode rates', () => {
    const rate = measureDecodeRate([table()], { rounds: 1 });
    expect(rate.values).toBeGreaterThan(0);
    expect(rate.series).toBeGreaterThan(0);
    expect(Number.isFinite(rate.values)).toBe(true);
  });
});
