import { describe, expect, it } from 'vitest';
import { SampleSet } from './collector.ts';
import { type ProcState, procSamples } from './proc-metrics.ts';
import { parseDf, splitSections } from './proc-parse.ts';

const T0 = 1_700_000_000_000;

function output(cpu: string, rx: number, tx: number): string {
  return [
    '@@vitals stat',
    `cpu  ${cpu}`,
    `cpu0 ${cpu}`,
    'intr 1 2 3',
    '@@vitals meminfo',
    'MemTotal:        1000 kB',
    'MemFree:          100 kB',
    'MemAvailable:     250 kB',
    'SwapTotal:        400 kB',
    'SwapFree:         300 kB',
    '@@vitals loadavg',
    '0.52 0.41 0.30 2/345 6789',
    '@@vitals uptime',
    '12345.67 54321.00',
    '@@vitals mounts',
    '/dev/sda1 / ext4 rw 0 0',
    'tmpfs /run tmpfs rw 0 0',
    '/dev/sdb1 /srv/my\\040data xfs rw 0 0',
    '/dev/sda1 /var/lib/docker/x ext4 rw 0 0',
    '@@vitals netdev',
    'Inter-|   Receive                                                |  Transmit',
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
    `    lo: 999 1 0 0 0 0 0 0 999 1 0 0 0 0 0 0`,
    `  eth0: ${rx} 10 0 0 0 0 0 0 ${tx} 10 0 0 0 0 0 0`,
    '@@vitals procs',
    '123',
    '@@vitals df',
    'Filesystem     1024-blocks    Used Available Capacity Mounted on',
    '/dev/sda1           1000     600       300      67% /',
    'tmpfs                 10       1         9      10% /run',
    '/dev/sdb1           2000     500      1500      25% /srv/my data',
    '',
  ].join('\n');
}

function collect(text: string, prev: ProcState | undefined, now: number) {
  const set = new SampleSet(now);
  const state = procSamples(splitSections(text), prev, now, set);
  return { state, values: set.latest() };
}

describe('procSamples', () => {
  it('does report memory, swap, load, uptime, processes and disks on the first collection, without rates', () => {
    const { values } = collect(output('100 0 100 800 0 0 0 0', 1000, 2000), undefined, T0);
    expect(values['mem.used_pct']?.value).toBe(75);
    expect(values['mem.used_bytes']?.value).toBe(750 * 1024);
    expect(values['swap.used_pct']?.value).toBe(25);
    expect(values['load.1']?.value).toBe(0.52);
    expect(values['uptime.seconds']?.value).toBe(12346);
    expect(values['proc.count']?.value).toBe(123);
    expect(values['disk.used_pct{mount="/"}']?.value).toBe(66.67);
    expect(values['disk.total_bytes{mount="/srv/my data"}']?.value).toBe(2000 * 1024);
    expect(values['disk.used_pct{mount="/run"}']).toBeUndefined();
    expect(values['cpu.usage']).toBeUndefined();
    expect(values['net.rx_bps{iface="eth0"}']).toBeUndefined();
  });

  it('does compute CPU shares and network rates from the previous collection', () => {
    const first = collect(output('100 0 100 800 0 0 0 0', 1000, 2000), undefined, T0);
    const { values } = collect(output('150 50 150 850 0 0 0 0', 11_000, 7000), first.state, T0 + 10_000);
    // Δ user 100 (nice included), Δ system 50, Δ idle 50: 150 of 200 busy.
    expect(values['cpu.usage']?.value).toBe(75);
    expect(values['cpu.user']?.value).toBe(50);
    expect(values['cpu.core.usage{core="0"}']?.value).toBe(75);
    expect(values['net.rx_bps{iface="eth0"}']?.value).toBe(1000);
    expect(values['net.tx_bps{iface="eth0"}']?.value).toBe(500);
    expect(values['net.rx_bps{iface="lo"}']).toBeUndefined();
  });

  it('does treat a counter that went back (a reboot) as counting from zero', () => {
    const first = collect(output('100 0 100 800 0 0 0 0', 50_000, 2000), undefined, T0);
    const { values } = collect(output('10 0 10 80 0 0 0 0', 5000, 2000), first.state, T0 + 5000);
    expect(values['net.rx_bps{iface="eth0"}']?.value).toBe(1000);
    expect(values['cpu.usage']).toBeUndefined();
  });
});

describe('parseDf', () => {
  it('does keep one row per device, the shortest mount point', () => {
    const df =
      'Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/a 10 5 5 50% /data\n/dev/a 10 5 5 50% /\n';
    expect(parseDf(df, new Map()).map((d) => d.mount)).toEqual(['/']);
  });
});
