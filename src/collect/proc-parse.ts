/**
 * Parsers for what the SSH collector reads from a Linux host: /proc files and `df -P -k`. They follow
 * the push agent's rules (src/agent/collectors) so a host reads the same whether it pushes or is
 * pulled: nice counts as user, irq + softirq as system; "used" memory is total − available; disk use
 * is as `df` shows it; loopback and container `veth` interfaces and pseudo filesystems are left out.
 * The shared rules live in `src/contract/procfs.ts`.
 */
import { type CpuTimes, parseCpuLine, skippedMount, unescapeMount } from '../contract/procfs.ts';

export { type CpuTimes, parseMeminfo } from '../contract/procfs.ts';

const fields = (line: string) => line.trim().split(/\s+/);
const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

/** `cpu` (all cores) and `cpu0`, `cpu1`… → times. */
export function parseCpuTimes(stat: string): Record<string, CpuTimes> {
  const out: Record<string, CpuTimes> = {};
  for (const line of lines(stat)) {
    const parsed = parseCpuLine(line);
    if (parsed) out[parsed.id] = parsed.times;
  }
  return out;
}

/** Interfaces worth reporting: not loopback, not a container's veth end. */
export function reportedInterface(name: string): boolean {
  return name !== 'lo' && !name.startsWith('veth');
}

/** Received and transmitted bytes so far per interface, from /proc/net/dev. */
export function parseNetDev(text: string): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const line of lines(text)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = fields(line.slice(colon + 1));
    if (reportedInterface(name) && f.length >= 9) out[name] = [Number(f[0]), Number(f[8])];
  }
  return out;
}

/** Mount point → filesystem type, from /proc/mounts. */
export function mountTypes(mounts: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of lines(mounts)) {
    const [, path = '', type = ''] = fields(line);
    out.set(unescapeMount(path), type);
  }
  return out;
}

export interface DiskUsage {
  readonly device: string;
  readonly mount: string;
  readonly usedBytes: number;
  readonly totalBytes: number;
  readonly availableBytes: number;
}

const DF_LINE = /^(.*?)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)%\s+(\/.*)$/;

/**
 * `df -P -k` rows worth reporting: real filesystems (types from /proc/mounts), each device once (the
 * shortest mount point wins, as bind mounts repeat a device); `/` is always kept.
 */
export function parseDf(df: string, types: ReadonlyMap<string, string>): DiskUsage[] {
  const byDevice = new Map<string, DiskUsage>();
  for (const line of lines(df).slice(1)) {
    const m = DF_LINE.exec(line.trim());
    if (!m) continue;
    const [, device = '', blocks = '0', used = '0', available = '0', , mount = ''] = m;
    const type = types.get(mount) ?? '';
    if (skippedMount(type, mount) || Number(blocks) === 0) continue;
    const usage = {
      device,
      mount,
      usedBytes: Number(used) * 1024,
      totalBytes: Number(blocks) * 1024,
      availableBytes: Number(available) * 1024,
    };
    const seen = byDevice.get(device);
    if (!seen || mount.length < seen.mount.length) byDevice.set(device, usage);
  }
  return [...byDevice.values()].sort((a, b) => (a.mount < b.mount ? -1 : a.mount > b.mount ? 1 : 0));
}

/** The output of the collection script: `@@vitals <name>` lines start each section. */
export function splitSections(output: string): Map<string, string> {
  const out = new Map<string, string>();
  let name: string | undefined;
  let body: string[] = [];
  for (const line of output.split('\n')) {
    const header = /^@@vitals (\S+)$/.exec(line);
    if (header?.[1]) {
      if (name !== undefined) out.set(name, body.join('\n'));
      name = header[1];
      body = [];
    } else if (name !== undefined) body.push(line);
  }
  if (name !== undefined) out.set(name, body.join('\n'));
  return out;
}
