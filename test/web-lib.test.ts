import { describe, expect, it } from 'vitest';
import { foldLive } from '../web/src/charts/fold.ts';
import { stepFor } from '../web/src/charts/ranges.ts';
import type { HostSeries } from '../web/src/charts/series.ts';
import { chartSpecs, parseKey } from '../web/src/charts/specs.ts';
import { formatAgo, formatDateTime, formatPct, formatRate, formatTime, NA } from '../web/src/lib/format.ts';

describe('dashboard formatting', () => {
  it('does show N/A, never "Invalid Date" or "NaN", for missing or invalid times and values', () => {
    for (const bad of [
      null,
      undefined,
      Number.NaN,
      'NaN',
      '2024-01-01',
      8.64e15 + 1,
      Number.POSITIVE_INFINITY,
    ]) {
      expect(formatDateTime(bad)).toBe(NA);
      expect(formatTime(bad)).toBe(NA);
      expect(formatAgo(bad)).toBe(NA);
    }
    for (const bad of [null, 'NaN', '+Inf', Number.NaN]) {
      expect(formatPct(bad)).toBe(NA);
      expect(formatRate(bad)).toBe(NA);
    }
  });

  it('does format valid times in the viewer time zone', () => {
    const t = Date.UTC(2024, 0, 15, 12, 30);
    expect(formatDateTime(t)).toBe(
      new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' }).format(t),
    );
    expect(formatAgo(t - 90_000, t)).toBe('1 min ago');
  });

  it('does scale rates by powers of 1000', () => {
    expect(formatRate(0)).toBe('0 B/s');
    expect(formatRate(1_250_000)).toBe('1.3 MB/s');
  });
});

describe('dashboard charts', () => {
  it('does pick a step that fits the width and lines up with the rollup tiers', () => {
    expect(stepFor(15 * 60_000, 1200)).toBe(5_000);
    expect(stepFor(86_400_000, 1200)).toBe(120_000);
    expect(stepFor(30 * 86_400_000, 1200)).toBe(3_600_000);
  });

  it('does parse series keys and build one chart per kind, one line per mount and interface', () => {
    expect(parseKey('disk.used_pct{mount="/data \\"x\\""}')).toEqual({
      name: 'disk.used_pct',
      labels: { mount: '/data "x"' },
    });
    const specs = chartSpecs([
      'cpu.usage',
      'cpu.core.usage{core="0"}',
      'mem.used_pct',
      'disk.used_pct{mount="/var"}',
      'disk.used_pct{mount="/"}',
      'net.rx_bps{iface="eth0"}',
      'net.rx_bps{iface="lo"}',
      'load.1',
    ]);
    expect(specs.map((s) => [s.id, s.lines.map((l) => l.label)])).toEqual([
      ['cpu', ['CPU used']],
      ['memory', ['RAM used']],
      ['disk', ['/', '/var']],
      ['network', ['eth0 in']],
      ['load', ['1 min']],
    ]);
  });

  it('does fold live samples into the newest bucket, keeping min, max and a running average', () => {
    const series: HostSeries = {
      step: 60_000,
      timestamps: [0, 60_000],
      avg: new Map([['cpu.usage', [10, 20]]]),
      min: new Map([['cpu.usage', [5, 20]]]),
      max: new Map([['cpu.usage', [15, 20]]]),
      liveCounts: new Map(),
    };
    const a = foldLive(series, { 'cpu.usage': [61_000, 40] }, 0);
    expect(a.avg.get('cpu.usage')).toEqual([10, 30]);
    expect(a.max.get('cpu.usage')).toEqual([15, 40]);
    const b = foldLive(a, { 'cpu.usage': [125_000, 7] }, 60_000);
    // A new bucket, and the one that fell out of the window is gone.
    expect(b.timestamps).toEqual([60_000, 120_000]);
    expect(b.avg.get('cpu.usage')).toEqual([30, 7]);
    expect(b.min.get('cpu.usage')).toEqual([20, 7]);
    expect(series.avg.get('cpu.usage')).toEqual([10, 20]);
  });
});
