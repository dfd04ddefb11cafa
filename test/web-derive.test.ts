import { describe, expect, it } from 'vitest';
import { seriesPage } from '../src/api/routes/series.ts';
import { hostFigures, judgedSources, percentOf, percentsOf } from '../src/contract/index.ts';
import { keyChunks } from '../web/src/charts/data.ts';
import { withDerived } from '../web/src/charts/derive.ts';
import { meterItems } from '../web/src/charts/meters.ts';
import {
  groupSeries,
  MAX_LINES,
  pickedSpecs,
  type SeriesEntry,
  selectionOf,
  toggle,
  withSelection,
} from '../web/src/charts/picked.ts';
import type { HostSeries } from '../web/src/charts/series.ts';
import { chartSpecs } from '../web/src/charts/specs.ts';
import { keysOf } from '../web/src/charts/use-chart-data.ts';

const cpu = (n: number, mode: string) => `node_cpu_seconds_total{cpu="${n}",mode="${mode}"}`;
const fs = (name: string, mount: string, fstype = 'ext4') =>
  `node_filesystem_${name}_bytes{device="/dev/x",fstype="${fstype}",mountpoint="${mount}"}`;

/** What node_exporter gives on a two-CPU machine with a root and a data disk, a tmpfs and a snap. */
const NODE_KEYS = [
  ...[0, 1].flatMap((n) => ['idle', 'system', 'user'].map((m) => cpu(n, m))),
  'node_memory_MemAvailable_bytes',
  'node_memory_MemTotal_bytes',
  'node_memory_SwapFree_bytes',
  'node_memory_SwapTotal_bytes',
  ...['/', '/data'].flatMap((m) => [fs('avail', m), fs('size', m)]),
  fs('avail', '/run', 'tmpfs'),
  fs('size', '/run', 'tmpfs'),
  fs('avail', '/snap/core', 'squashfs'),
  fs('size', '/snap/core', 'squashfs'),
  fs('avail', '/orphan'),
  'node_load1',
  'node_load5',
  'node_load15',
  'node_network_receive_bytes_total{device="eth0"}',
];

function reader(values: Record<string, number>) {
  return (key: string) => values[key];
}

describe('CPU, memory and disk derived from other names', () => {
  it('does find node_exporter figures, leaving out memory file systems and disks without a size', () => {
    const f = hostFigures(NODE_KEYS);
    expect(f.cpu?.source).toEqual({
      kind: 'counters',
      idle: [cpu(0, 'idle'), cpu(1, 'idle')],
      all: NODE_KEYS.filter((k) => k.startsWith('node_cpu')),
    });
    expect(f.memory?.source).toEqual({
      kind: 'ratio',
      part: 'node_memory_MemAvailable_bytes',
      whole: 'node_memory_MemTotal_bytes',
      free: true,
    });
    expect(f.swap?.label).toBe('Swap used');
    expect(f.disks.map((d) => d.label)).toEqual(['/', '/data']);
  });

  it('does prefer Vitals names, then Telegraf, and read Redis memory against maxmemory', () => {
    expect(hostFigures(['cpu.usage', 'node_cpu_seconds_total{cpu="0",mode="idle"}']).cpu?.source).toEqual({
      kind: 'stored',
      key: 'cpu.usage',
    });
    const telegraf = hostFigures([
      'cpu.usage_idle{cpu="cpu-total"}',
      'mem.used_percent',
      'disk.used_percent{path="/"}',
    ]);
    expect(telegraf.cpu?.source.kind).toBe('complement');
    expect(percentOf(telegraf.cpu?.source ?? { kind: 'stored', key: '' }, () => 87.5)).toBe(12.5);
    expect(telegraf.disks.map((d) => d.label)).toEqual(['/']);
    const redis = hostFigures([
      'redis.memory.used_memory',
      'redis.memory.maxmemory',
      'redis.memory.used_pct',
    ]);
    expect(redis.memory).toEqual({
      source: { kind: 'stored', key: 'redis.memory.used_pct' },
      label: 'Used of maxmemory',
    });
    const raw = hostFigures(['redis.memory.used_memory', 'redis.memory.maxmemory']).memory?.source;
    expect(raw?.kind).toBe('ratio');
    if (!raw) return;
    expect(percentOf(raw, reader({ 'redis.memory.used_memory': 25, 'redis.memory.maxmemory': 100 }))).toBe(
      25,
    );
    // maxmemory 0: no limit, so no percentage.
    expect(
      percentOf(raw, reader({ 'redis.memory.used_memory': 25, 'redis.memory.maxmemory': 0 })),
    ).toBeUndefined();
    expect(hostFigures(['redis_connected_clients', 'app_requests_total'])).toEqual({
      cpu: undefined,
      memory: undefined,
      swap: undefined,
      disks: [],
    });
  });

  it('does compute CPU from counter growth, and nothing across a reset or without a reading before', () => {
    const judged = judgedSources(hostFigures(NODE_KEYS));
    const before: Record<string, number> = {};
    const now: Record<string, number> = {};
    for (const n of [0, 1]) {
      Object.assign(before, { [cpu(n, 'idle')]: 100, [cpu(n, 'system')]: 10, [cpu(n, 'user')]: 10 });
      // Per CPU 10 s passed: 7.5 idle, 2.5 busy → 25 % busy.
      Object.assign(now, { [cpu(n, 'idle')]: 107.5, [cpu(n, 'system')]: 11, [cpu(n, 'user')]: 11.5 });
    }
    const gauges = {
      node_memory_MemAvailable_bytes: 3,
      node_memory_MemTotal_bytes: 4,
      [fs('avail', '/')]: 10,
      [fs('size', '/')]: 40,
      [fs('avail', '/data')]: 0,
      [fs('size', '/data')]: 40,
    };
    expect(percentsOf(judged, reader({ ...now, ...gauges }), reader(before))).toEqual({
      cpu: 25,
      memory: 25,
      disk: 75,
    });
    expect(percentsOf(judged, reader({ ...now, ...gauges }))).toEqual({ memory: 25, disk: 75 });
    const reset = Object.fromEntries(Object.keys(now).map((k) => [k, 1]));
    expect(percentsOf(judged, reader({ ...reset, ...gauges }), reader(before)).cpu).toBeUndefined();
    expect(judged.counters).toHaveLength(6);
  });
});

function series(columns: Record<string, [number | null, number | null, number | null][]>): HostSeries {
  const first = Object.values(columns)[0] ?? [];
  const pick = (i: number) =>
    new Map(Object.entries(columns).map(([k, rows]) => [k, rows.map((r) => r[i] ?? null)]));
  return {
    step: 60_000,
    timestamps: first.map((_, i) => i * 60_000),
    avg: pick(0),
    min: pick(1),
    max: pick(2),
    liveCounts: new Map(),
  };
}

describe('derived chart lines', () => {
  it('does draw a free-space ratio with a band from the free minimum and maximum', () => {
    const s = series({
      node_memory_MemAvailable_bytes: [
        [50, 40, 60],
        [null, null, null],
      ],
      node_memory_MemTotal_bytes: [
        [100, 100, 100],
        [100, 100, 100],
      ],
    });
    const source = hostFigures(['node_memory_MemAvailable_bytes', 'node_memory_MemTotal_bytes']).memory
      ?.source;
    if (!source) throw new Error('no memory figure');
    const out = withDerived(s, [{ key: 'derived:memory', source }]);
    expect(out.avg.get('derived:memory')).toEqual([50, null]);
    expect(out.min.get('derived:memory')).toEqual([40, null]);
    expect(out.max.get('derived:memory')).toEqual([60, null]);
    // The stored columns stay as they were.
    expect(out.avg.get('node_memory_MemTotal_bytes')).toEqual([100, 100]);
  });

  it('does draw CPU from each bucket’s last counter values against the bucket before with data', () => {
    const idle = cpu(0, 'idle');
    const user = cpu(0, 'user');
    const s = series({
      [idle]: [
        [0, 0, 10],
        [0, 0, 25],
        [null, null, null],
        [0, 0, 35],
      ],
      [user]: [
        [0, 0, 0],
        [0, 0, 5],
        [null, null, null],
        [0, 0, 45],
      ],
    });
    const source = hostFigures([idle, user]).cpu?.source;
    if (!source) throw new Error('no cpu figure');
    const out = withDerived(s, [{ key: 'derived:cpu', source }]);
    // 15 idle of 20 → 25 %; then across the empty bucket 10 idle of 50 → 80 %.
    expect(out.avg.get('derived:cpu')).toEqual([null, 25, null, 80]);
    expect(out.max.get('derived:cpu')).toEqual(out.avg.get('derived:cpu'));
  });

  it('does build the standard charts of a node_exporter host with its thresholds and load', () => {
    const specs = chartSpecs(NODE_KEYS);
    expect(specs.map((s) => [s.id, s.threshold, s.lines.map((l) => [l.key, l.label])])).toEqual([
      ['cpu', 'cpu', [['derived:cpu', 'CPU used']]],
      [
        'memory',
        'memory',
        [
          ['derived:memory', 'RAM used'],
          ['derived:swap', 'Swap used'],
        ],
      ],
      [
        'disk',
        'disk',
        [
          ['derived:disk:/', '/'],
          ['derived:disk:/data', '/data'],
        ],
      ],
      [
        'load',
        undefined,
        [
          ['node_load1', '1 min'],
          ['node_load5', '5 min'],
          ['node_load15', '15 min'],
        ],
      ],
    ]);
    const keys = keysOf(specs);
    expect(keys).toContain('node_memory_MemTotal_bytes');
    expect(keys).toContain(fs('size', '/data'));
    expect(keys).not.toContain('derived:cpu');
    expect(chartSpecs(['redis_connected_clients'])).toEqual([]);
  });

  it('does show the newest CPU, memory and per-disk values against the host thresholds', () => {
    const specs = chartSpecs(['cpu.usage', 'mem.used_pct', 'disk.used_pct{mount="/"}']);
    const s = series({
      'cpu.usage': [
        [40, 40, 40],
        [null, null, null],
      ],
      'mem.used_pct': [
        [10, 10, 10],
        [96, 96, 96],
      ],
      'disk.used_pct{mount="/"}': [
        [50, 50, 50],
        [51, 51, 51],
      ],
    });
    expect(meterItems(specs, s, { cpu: 90, memory: 95, disk: 80 })).toEqual([
      { id: 'cpu', label: 'CPU', value: 40, threshold: 90 },
      { id: 'memory', label: 'RAM', value: 96, threshold: 95 },
      { id: 'disk:/', label: 'Disk /', value: 51, threshold: 80 },
    ]);
  });

  it('does split long key lists into aggregate calls of bounded URL length', () => {
    const keys = Array.from({ length: 500 }, (_, i) => cpu(i, 'idle'));
    const chunks = keyChunks(keys, 4000);
    expect(chunks.flat()).toEqual(keys);
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) expect(encodeURIComponent(chunk.join(',')).length).toBeLessThanOrEqual(4000);
    expect(keyChunks([])).toEqual([]);
  });
});

const entry = (key: string): SeriesEntry => ({ key, name: key.split('{')[0] ?? key, lastTimestamp: 1 });

describe('series picker', () => {
  const entries = [
    entry('redis_memory_used_bytes'),
    entry('redis_commands_total{cmd="get"}'),
    entry('redis_commands_total{cmd="set"}'),
    entry('app_up'),
  ];

  it('does group series by metric name and filter them by any part of the key', () => {
    expect(groupSeries(entries, '').map((g) => [g.name, g.entries.length])).toEqual([
      ['app_up', 1],
      ['redis_commands_total', 2],
      ['redis_memory_used_bytes', 1],
    ]);
    expect(groupSeries(entries, 'SET').map((g) => g.entries.map((e) => e.key))).toEqual([
      ['redis_commands_total{cmd="set"}'],
    ]);
  });

  it('does keep the selection in the URL beside the range, so a link reproduces it', () => {
    const query = new URLSearchParams('range=6h');
    let selection = toggle(selectionOf(query), 'metric', 'redis_commands_total');
    selection = toggle(selection, 'series', 'app_up');
    const text = withSelection(query, selection);
    expect(text).toBe('range=6h&metric=redis_commands_total&series=app_up');
    expect(selectionOf(new URLSearchParams(text))).toEqual(selection);
    expect(toggle(selection, 'series', 'app_up').series).toEqual([]);
  });

  it('does draw one chart per picked metric with a line per label set, labelled by what differs', () => {
    const specs = pickedSpecs(entries, {
      metrics: ['redis_commands_total'],
      series: ['redis_memory_used_bytes'],
    });
    expect(specs.map((s) => [s.id, s.title, s.lines.map((l) => l.label)])).toEqual([
      ['pick-redis_commands_total', 'redis_commands_total', ['cmd=get', 'cmd=set']],
      ['pick-redis_memory_used_bytes', 'redis_memory_used_bytes', ['redis_memory_used_bytes']],
    ]);
    const many = Array.from({ length: MAX_LINES + 6 }, (_, i) =>
      entry(`m{i="${String(i).padStart(2, '0')}"}`),
    );
    const [chart] = pickedSpecs(many, { metrics: ['m'], series: [] });
    expect(chart?.lines).toHaveLength(MAX_LINES);
    expect(chart?.title).toBe(`m (first ${MAX_LINES} of ${MAX_LINES + 6})`);
  });

  it('does page the series list after a key, filtered by text, with the total matching', () => {
    const keys = ['a', 'b{x="1"}', 'b{x="2"}', 'c', 'd'];
    expect(seriesPage(keys, { limit: 2 })).toEqual({ keys: ['a', 'b{x="1"}'], total: 5, next: 'b{x="1"}' });
    expect(seriesPage(keys, { limit: 2, after: 'b{x="1"}' })).toEqual({
      keys: ['b{x="2"}', 'c'],
      total: 5,
      next: 'c',
    });
    expect(seriesPage(keys, { limit: 2, after: 'c' })).toEqual({ keys: ['d'], total: 5 });
    expect(seriesPage(keys, { match: 'X="2' })).toEqual({ keys: ['b{x="2"}'], total: 1 });
    expect(seriesPage(keys, { after: 'z' })).toEqual({ keys: [], total: 5 });
  });
});
