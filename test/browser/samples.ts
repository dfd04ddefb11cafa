/** Snapshots that look like an agent's, for the dashboard tests. */

export interface HostShape {
  readonly mounts?: readonly string[];
  readonly ifaces?: readonly string[];
}

/** A smooth wave with a spike now and then, so charts and bands have something to show. */
function wave(t: number, periodMs: number, base: number, amplitude: number, seed: number): number {
  const x = Math.sin((t / periodMs) * 2 * Math.PI + seed) * amplitude + base;
  const spike = Math.floor(t / 60_000 + seed) % 97 === 0 ? amplitude * 1.5 : 0;
  return Math.round(Math.max(0, Math.min(100, x + spike)) * 10) / 10;
}

export function snapshot(
  t: number,
  shape: HostShape = {},
  cpu?: number,
): { timestamp: number; metrics: Record<string, number> } {
  const metrics: Record<string, number> = {
    'cpu.usage': cpu ?? wave(t, 600_000, 35, 20, 0),
    'mem.used_pct': wave(t, 3_600_000, 62, 8, 1),
    'swap.used_pct': 3.5,
    'load.1': wave(t, 300_000, 1.2, 0.8, 2) / 1,
    'load.5': wave(t, 900_000, 1.0, 0.5, 2),
    'load.15': wave(t, 2_700_000, 0.9, 0.3, 2),
  };
  (shape.mounts ?? ['/']).forEach((mount, i) => {
    metrics[`disk.used_pct{mount="${mount}"}`] = wave(t, 86_400_000, 40 + i * 12, 5, i);
  });
  for (const iface of shape.ifaces ?? ['eth0']) {
    metrics[`net.rx_bps{iface="${iface}"}`] = Math.round(wave(t, 120_000, 50, 40, 3) * 20_000);
    metrics[`net.tx_bps{iface="${iface}"}`] = Math.round(wave(t, 180_000, 30, 25, 4) * 15_000);
  }
  return { timestamp: t, metrics };
}

/** An ingest body with one host's snapshots every `everyMs` over [from, to]. */
export function history(
  host: string,
  from: number,
  to: number,
  everyMs: number,
  shape: HostShape = {},
  name?: string,
) {
  const snapshots = [];
  for (let t = from; t <= to; t += everyMs) snapshots.push(snapshot(t, shape));
  return { hosts: [{ host, name, snapshots }] };
}

/** Splits a long history into ingest bodies of at most `perBody` snapshots. */
export function chunks<T>(items: readonly T[], perBody: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += perBody) out.push(items.slice(i, i + perBody));
  return out;
}
