import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostMetric } from '../../contract/metrics.ts';
import { parseSeriesKey } from '../../contract/series.ts';
import { type CollectorContext, MetricSink } from '../collector.ts';
import { CpuCollector, cpuPercentages, parseCpuLine } from './cpu.ts';
import { DiskIoCollector } from './disk-io.ts';
import { reportableMounts } from './disk-usage.ts';
import { defaultCollectors } from './index.ts';
import { parseMeminfo } from './memory.ts';
import { NetworkCollector, parseNetDev } from './network.ts';
import { discoverSensors, TemperatureCollector } from './temperature.ts';

function fixture(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'vitals-agent-fs-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

function fakeClock(): { ctx: (root: string) => CollectorContext; advance: (ms: number) => void } {
  let now = 0;
  return {
    ctx: (root) => ({ proc: join(root, 'proc'), sys: join(root, 'sys'), clock: () => now }),
    advance: (ms) => {
      now += ms;
    },
  };
}

const netDev = (eth0: [number, number]) => `Inter-|   Receive |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets
    lo: 999 1 0 0 0 0 0 0 999 1 0 0 0 0 0 0
  eth0: ${eth0[0]} 10 0 0 0 0 0 0 ${eth0[1]} 10 0 0 0 0 0 0
vethab12: 5 1 0 0 0 0 0 0 5 1 0 0 0 0 0 0
`;

describe('collectors on this machine', () => {
  it('produces only documented metric names with sane values when run twice', async () => {
    const collectors = defaultCollectors();
    await Promise.all(collectors.map((c) => c.collect(new MetricSink())));
    await new Promise((r) => setTimeout(r, 300));
    const sink = new MetricSink();
    await Promise.all(collectors.map((c) => c.collect(sink)));
    const names = new Set<string>(Object.values(HostMetric));
    for (const [key, value] of Object.entries(sink.values)) {
      const { name } = parseSeriesKey(key);
      expect(names.has(name), key).toBe(true);
      expect(Number.isFinite(value) && value >= 0, `${key}=${value}`).toBe(true);
      if (name.endsWith('pct') || name.startsWith('cpu.')) expect(value, key).toBeLessThanOrEqual(100);
    }
    const v = sink.values;
    for (const key of [
      'cpu.usage',
      'mem.used_pct',
      'mem.total_bytes',
      'load.1',
      'uptime.seconds',
      'proc.count',
    ]) {
      expect(v[key], key).toBeDefined();
    }
    expect(v['disk.used_pct{mount="/"}']).toBeGreaterThan(0);
    expect(Object.keys(v).some((k) => k.startsWith('cpu.core.usage{core="0"}'))).toBe(true);
    expect(Object.keys(v).some((k) => k.includes('iface="lo"'))).toBe(false);
    expect(v['proc.count']).toBeGreaterThan(1);
    expect(v['mem.used_bytes']).toBeLessThanOrEqual(v['mem.total_bytes'] ?? 0);
  });
});

describe('cpu', () => {
  it('computes shares of the interval from two /proc/stat lines', () => {
    const a = parseCpuLine('cpu  100 0 50 800 10 0 0 40 0 0')?.times;
    const b = parseCpuLine('cpu  110 10 55 860 15 3 2 45 0 0')?.times;
    expect(a && b && cpuPercentages(a, b)).toEqual({
      usage: 35,
      user: 20,
      system: 10,
      iowait: 5,
      steal: 5,
    });
  });

  it('reports nothing rather than garbage when the counters did not move', () => {
    const a = parseCpuLine('cpu0 1 2 3 4 5 6 7 8')?.times;
    expect(a && cpuPercentages(a, a)).toBeUndefined();
  });

  it('reports total and per-core usage from the second reading on', async () => {
    const stat = (n: number) =>
      `cpu  ${n} 0 0 ${n} 0 0 0 0\ncpu0 ${n} 0 0 ${n} 0 0 0 0\ncpu1 0 0 0 ${2 * n} 0 0 0 0\nintr 1\n`;
    const root = fixture({ 'proc/stat': stat(100) });
    const cpu = new CpuCollector({ proc: join(root, 'proc') });
    const first = new MetricSink();
    await cpu.collect(first);
    expect(first.values).toEqual({});
    writeFileSync(join(root, 'proc/stat'), stat(200));
    const second = new MetricSink();
    await cpu.collect(second);
    expect(second.values['cpu.usage']).toBe(50);
    expect(second.values['cpu.core.usage{core="0"}']).toBe(50);
    expect(second.values['cpu.core.usage{core="1"}']).toBe(0);
  });
});

describe('memory', () => {
  it('reads /proc/meminfo fields as bytes', () => {
    const info = parseMeminfo('MemTotal:  1000 kB\nMemAvailable:  250 kB\nHugePages_Total: 0\n');
    expect(info.get('MemTotal')).toBe(1_024_000);
    expect(info.get('MemAvailable')).toBe(256_000);
    expect(info.get('HugePages_Total')).toBe(0);
  });
});

describe('disk usage', () => {
  it('keeps real filesystems once each and skips pseudo, network and container mounts', () => {
    const mounts = reportableMounts(
      [
        'proc /proc proc rw 0 0',
        'tmpfs /dev/shm tmpfs rw 0 0',
        '/dev/sda1 / ext4 rw 0 0',
        '/dev/sda1 /srv/bind ext4 rw 0 0',
        '/dev/sdb1 /mnt/my\\040data xfs rw 0 0',
        'server:/x /mnt/nfs nfs4 rw 0 0',
        'overlay /var/lib/docker/overlay2/abc/merged overlay rw 0 0',
        '/dev/loop3 /snap/core/1 squashfs ro 0 0',
      ].join('\n'),
    );
    expect(mounts.map((m) => m.path)).toEqual(['/', '/mnt/my data']);
  });

  it('keeps the root even when it is an overlay (inside a container)', () => {
    expect(reportableMounts('overlay / overlay rw 0 0\n').map((m) => m.path)).toEqual(['/']);
  });
});

describe('network', () => {
  it('skips loopback and veth interfaces', () => {
    expect([...parseNetDev(netDev([1, 2])).keys()]).toEqual(['eth0']);
  });

  it('gives no rate and no negative rate when the interface counters reset', async () => {
    const clock = fakeClock();
    const root = fixture({ 'proc/net/dev': netDev([10_000, 20_000]) });
    const net = new NetworkCollector(clock.ctx(root));
    await net.collect(new MetricSink());
    writeFileSync(join(root, 'proc/net/dev'), netDev([20_000, 30_000]));
    clock.advance(5000);
    const steady = new MetricSink();
    await net.collect(steady);
    expect(steady.values).toEqual({ 'net.rx_bps{iface="eth0"}': 2000, 'net.tx_bps{iface="eth0"}': 2000 });
    writeFileSync(join(root, 'proc/net/dev'), netDev([500, 1000]));
    clock.advance(5000);
    const reset = new MetricSink();
    await net.collect(reset);
    expect(reset.values).toEqual({ 'net.rx_bps{iface="eth0"}': 100, 'net.tx_bps{iface="eth0"}': 200 });
  });
});

describe('disk io', () => {
  it('reports whole disks from /sys/block in bytes per second, not partitions or loop devices', async () => {
    const stats = (sectors: number) =>
      [
        `   8       0 sda 10 0 ${sectors} 0 10 0 ${2 * sectors} 0 0 0 0`,
        `   8       1 sda1 10 0 ${sectors} 0 10 0 ${2 * sectors} 0 0 0 0`,
        `   7       0 loop0 10 0 ${sectors} 0 10 0 ${sectors} 0 0 0 0`,
      ].join('\n');
    const clock = fakeClock();
    const root = fixture({
      'proc/diskstats': stats(1000),
      'sys/block/sda/size': '1',
      'sys/block/loop0/size': '1',
    });
    const io = new DiskIoCollector(clock.ctx(root));
    await io.collect(new MetricSink());
    writeFileSync(join(root, 'proc/diskstats'), stats(2000));
    clock.advance(1000);
    const sink = new MetricSink();
    await io.collect(sink);
    expect(sink.values).toEqual({
      'disk.read_bps{device="sda"}': 512_000,
      'disk.write_bps{device="sda"}': 1_024_000,
    });
  });
});

describe('temperature', () => {
  it('reads hwmon sensors in °C with unique labels and skips disconnected inputs', async () => {
    const root = fixture({
      'sys/class/hwmon/hwmon0/name': 'coretemp\n',
      'sys/class/hwmon/hwmon0/temp1_input': '45000\n',
      'sys/class/hwmon/hwmon0/temp1_label': 'Package id 0\n',
      'sys/class/hwmon/hwmon0/temp2_input': '47250\n',
      'sys/class/hwmon/hwmon1/name': 'nvme\n',
      'sys/class/hwmon/hwmon1/temp1_input': '-273000\n',
      'sys/class/thermal/thermal_zone0/type': 'acpitz\n',
      'sys/class/thermal/thermal_zone0/temp': '30000\n',
    });
    const sink = new MetricSink();
    await new TemperatureCollector({ sys: join(root, 'sys') }).collect(sink);
    expect(sink.values).toEqual({
      'temp.celsius{sensor="coretemp_Package_id_0"}': 45,
      'temp.celsius{sensor="coretemp_temp2"}': 47.3,
    });
  });

  it('falls back to thermal zones when there is no hwmon', async () => {
    const root = fixture({
      'sys/class/thermal/thermal_zone0/type': 'acpitz\n',
      'sys/class/thermal/thermal_zone0/temp': '30000\n',
      'sys/class/thermal/thermal_zone1/type': 'acpitz\n',
      'sys/class/thermal/thermal_zone1/temp': '31000\n',
    });
    expect((await discoverSensors(join(root, 'sys'))).map((s) => s.sensor)).toEqual(['acpitz', 'acpitz_2']);
  });
});
