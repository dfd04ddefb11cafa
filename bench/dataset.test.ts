import { describe, expect, it } from 'vitest';
import {
  datasetColumns,
  generateHosts,
  type HostColumns,
  hostColumns,
  mulberry32,
  SERIES_NAMES,
} from './dataset.ts';

const start = Date.UTC(2025, 0, 1);
const day = { hosts: 4, start, end: start + 86_400_000, seed: 11 };

/** Compares columns by bytes: deep equality over millions of typed-array elements is slow. */
function fingerprint(h: HostColumns): string[] {
  const hex = (a: Float64Array | Uint8Array): string =>
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
  return [h.host, hex(h.timestamps), ...h.series.flatMap((s) => [s.name, hex(s.present), hex(s.values)])];
}

/** True when v has at most `decimals` decimals in the sense the value codec checks. */
const hasDecimals = (v: number, decimals: number): boolean =>
  Math.round(v * 10 ** decimals) / 10 ** decimals === v;

describe('data set generator', () => {
  it('does produce the same data when the seed is the same', () => {
    const a = fingerprint(hostColumns(day, 2));
    expect(fingerprint(hostColumns(day, 2))).toEqual(a);
    expect(fingerprint(hostColumns({ ...day, seed: 12 }, 2))[1]).not.toEqual(a[1]);
  });

  it('does list every host when asked for the whole data set', () => {
    const all = datasetColumns({ ...day, end: start + 600_000 });
    expect(all.map((h) => h.host)).toEqual(['host-000', 'host-001', 'host-002', 'host-003']);
  });

  it('does make host i independent of how many hosts are asked for', () => {
    expect(fingerprint(hostColumns({ ...day, hosts: 1 }, 3))).toEqual(
      fingerprint(hostColumns({ ...day, hosts: 9 }, 3)),
    );
  });

  it('does report about 30 series per host on a 5 s cadence with jitter within 50 ms and rare gaps', () => {
    for (let h = 0; h < day.hosts; h++) {
      const { timestamps, series } = hostColumns(day, h);
      expect(series.length).toBeGreaterThanOrEqual(29);
      expect(timestamps.length).toBeGreaterThan(0.95 * 17_280);
      expect(timestamps.length).toBeLessThan(17_280);
      const bad = Array.from(timestamps.subarray(1), (t, i) => t - (timestamps[i] ?? 0)).filter((delta) => {
        const steps = Math.round(delta / 5000);
        return steps < 1 || Math.abs(delta - steps * 5000) > 100;
      });
      expect(bad).toEqual([]);
    }
  });

  it('does round values the way agents report them', () => {
    const { series } = hostColumns(day, 0);
    const byName = new Map(series.map((s) => [s.name, s.values]));
    const check = (name: string, ok: (v: number) => boolean): void => {
      const values = byName.get(name);
      expect(values, name).toBeDefined();
      expect(
        Array.from(values ?? []).filter((v) => !ok(v)),
        name,
      ).toEqual([]);
    };
    check('cpu.usage', (v) => v >= 0 && v <= 100 && hasDecimals(v, 2));
    check('mem.used_pct', (v) => hasDecimals(v, 2));
    check('mem.used_bytes', (v) => Number.isInteger(v / 4096));
    check('disk.read_bps', (v) => Number.isInteger(v) && v >= 0);
    check('net.rx_bps{iface=eth0}', (v) => Number.isInteger(v) && v >= 0);
    check('load.1', (v) => hasDecimals(v, 2));
    check('uptime.seconds', Number.isInteger);
    const total = byName.get('mem.total_bytes') ?? [];
    expect(new Set(total).size).toBe(1);
  });

  it('does keep byte gauges in whole pages and inside the time range on every host', () => {
    for (let h = 0; h < day.hosts; h++) {
      const { timestamps, series } = hostColumns(day, h);
      expect(timestamps[0]).toBeGreaterThanOrEqual(day.start);
      expect(timestamps[timestamps.length - 1]).toBeLessThan(day.end);
      for (const s of series.filter((c) => /^mem\..*_bytes$/.test(c.name))) {
        expect(
          Array.from(s.values).filter((v) => v % 4096 !== 0),
          s.name,
        ).toEqual([]);
      }
    }
  });

  it('does keep counters monotonic', () => {
    const { series } = hostColumns(day, 1);
    for (const s of series.filter((c) => /_total|uptime/.test(c.name))) {
      const drops = Array.from(s.values.subarray(1)).filter((v, i) => v < (s.values[i] ?? 0));
      expect(drops, s.name).toEqual([]);
    }
  });

  it('does list as snapshots exactly what the columns hold', () => {
    const opts = { ...day, end: start + 3_600_000 };
    const [first] = generateHosts(opts);
    const columns = hostColumns(opts, 0);
    const snapshots = [...(first?.snapshots ?? [])];
    expect(first?.host).toBe(columns.host);
    expect(snapshots.map((s) => s.timestamp)).toEqual(Array.from(columns.timestamps));
    for (const s of columns.series) {
      const fromSnapshots = snapshots.flatMap((snap) => (s.name in snap.values ? [snap.values[s.name]] : []));
      expect(fromSnapshots).toEqual(Array.from(s.values));
    }
    expect([...(first?.snapshots ?? [])]).toEqual(snapshots);
    expect(Object.keys(snapshots[0]?.values ?? {}).every((k) => SERIES_NAMES.includes(k))).toBe(true);
  });

  it('does mark a series absent at some timestamps when its sensor read fails', () => {
    for (let h = 0; h < 8; h++) {
      const temp = hostColumns({ ...day, hosts: 8 }, h).series.find((s) => s.name === 'temp.cpu_c');
      if (temp === undefined) continue;
      expect(temp.values.length).toBeLessThan(temp.present.length);
      return;
    }
    throw new Error('no host with a temperature sensor among 8');
  });

  it('does give uniform floats in [0, 1) from mulberry32', () => {
    const r = mulberry32(1);
    let sum = 0;
    let outside = 0;
    for (let i = 0; i < 10_000; i++) {
      const x = r();
      if (x < 0 || x >= 1) outside++;
      sum += x;
    }
    expect(outside).toBe(0);
    expect(sum / 10_000).toBeCloseTo(0.5, 1);
  });
});
