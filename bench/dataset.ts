/**
 * Seeded, realistic host metrics for codec and storage benchmarks: what a push agent on a Linux host
 * reports every 5 s. Values are rounded the way agents round them (1–2 decimals, whole bytes, whole
 * pages), rates are derived from simulated kernel counters over the real elapsed time, and some
 * agents jitter and all occasionally miss a heartbeat. Host i depends only on (seed, i).
 */

export interface DatasetOptions {
  hosts: number;
  start: number;
  end: number;
  /** @defaultValue 5000 */
  intervalMs?: number;
  seed: number;
}

export interface Snapshot {
  timestamp: number;
  values: Record<string, number>;
}

export interface GeneratedHost {
  host: string;
  /** Iterating again replays the same snapshots. */
  snapshots: Iterable<Snapshot>;
}

/** One series of a host: `present[i]` says whether it has a value at `timestamps[i]`. */
export interface SeriesColumn {
  name: string;
  present: Uint8Array;
  /** The values at the present positions only, in time order. */
  values: Float64Array;
}

export interface HostColumns {
  host: string;
  timestamps: Float64Array;
  series: SeriesColumn[];
}

const CORES = 4;

export const SERIES_NAMES: readonly string[] = [
  'cpu.usage',
  'cpu.user',
  'cpu.system',
  'cpu.iowait',
  'cpu.steal',
  ...Array.from({ length: CORES }, (_, c) => `cpu.core.usage{core=${c}}`),
  'mem.used_pct',
  'mem.used_bytes',
  'mem.total_bytes',
  'mem.available_bytes',
  'mem.cached_bytes',
  'swap.used_pct',
  'disk.used_pct{mount=/}',
  'disk.used_pct{mount=/data}',
  'disk.read_bps',
  'disk.write_bps',
  'net.rx_bps{iface=eth0}',
  'net.tx_bps{iface=eth0}',
  'net.rx_bytes_total{iface=eth0}',
  'net.tx_bytes_total{iface=eth0}',
  'net.rx_errors_total{iface=eth0}',
  'load.1',
  'load.5',
  'load.15',
  'uptime.seconds',
  'proc.count',
  'temp.cpu_c',
];

/** mulberry32: tiny, fast, good enough for synthetic data; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function* generateHosts(options: DatasetOptions): Generator<GeneratedHost> {
  for (let h = 0; h < options.hosts; h++) {
    yield { host: hostName(h), snapshots: { [Symbol.iterator]: () => snapshotsOf(options, h) } };
  }
}

/** The series of host `hostIndex` as columns over the timestamps it reported. */
export function hostColumns(options: DatasetOptions, hostIndex: number): HostColumns {
  const sim = new HostSim(options, hostIndex);
  const cap = sim.steps;
  const timestamps = new Float64Array(cap);
  const dense = SERIES_NAMES.map(() => new Float64Array(cap));
  const row = new Float64Array(SERIES_NAMES.length);
  let n = 0;
  while (sim.next(row)) {
    timestamps[n] = sim.timestamp;
    for (let s = 0; s < row.length; s++) (dense[s] as Float64Array)[n] = row[s] ?? Number.NaN;
    n++;
  }
  const series = SERIES_NAMES.map((name, s) => compact(name, (dense[s] as Float64Array).subarray(0, n)));
  // A series a host never reports (no temperature sensor on a VM) is not a series of that host.
  return {
    host: hostName(hostIndex),
    timestamps: timestamps.slice(0, n),
    series: series.filter((c) => c.values.length > 0),
  };
}

/** Every host of the data set as columns (the input of the codec measurements). */
export function datasetColumns(options: DatasetOptions): HostColumns[] {
  return Array.from({ length: options.hosts }, (_, h) => hostColumns(options, h));
}

function* snapshotsOf(options: DatasetOptions, hostIndex: number): Generator<Snapshot> {
  const sim = new HostSim(options, hostIndex);
  const row = new Float64Array(SERIES_NAMES.length);
  while (sim.next(row)) {
    const values: Record<string, number> = {};
    SERIES_NAMES.forEach((name, s) => {
      const v = row[s] ?? Number.NaN;
      if (!Number.isNaN(v)) values[name] = v;
    });
    yield { timestamp: sim.timestamp, values };
  }
}

/** NaN marks "absent at this timestamp" inside the generator; the columns carry it as presence. */
function compact(name: string, dense: Float64Array): SeriesColumn {
  const present = new Uint8Array(dense.length);
  let count = 0;
  for (let i = 0; i < dense.length; i++) {
    if (Number.isNaN(dense[i] ?? Number.NaN)) continue;
    present[i] = 1;
    count++;
  }
  const values = new Float64Array(count);
  let j = 0;
  for (let i = 0; i < dense.length; i++) if (present[i] === 1) values[j++] = dense[i] ?? 0;
  return { name, present, values };
}

function hostName(h: number): string {
  return `host-${String(h).padStart(3, '0')}`;
}

const round = (v: number, decimals: number): number => {
  const p = 10 ** decimals;
  return Math.round(v * p) / p;
};
const clamp = (v: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, v));
const PAGE = 4096;
const GIB = 1024 ** 3;
const LOAD_PERIODS = [60, 300, 900];

/** One host's state; `next` advances one collection interval and writes a row in SERIES_NAMES order. */
class HostSim {
  readonly steps: number;
  timestamp = 0;
  private readonly rnd: () => number;
  private spare = Number.NaN;
  private step = 0;
  private readonly start: number;
  private readonly from: number;
  private readonly to: number;
  private readonly interval: number;
  private readonly jitterMs: number;
  private readonly gapRate: number;
  private readonly vm: boolean;
  private readonly cpuDecimals: number;
  private readonly cpuMean: number;
  private readonly memTotal: number;
  private readonly netRate: number;
  private readonly boot: number;
  private outage = 0;
  private lastCollect: number;
  private cpu: number;
  private spike = 0;
  private spikeLeft = 0;
  private readonly coreBias: number[];
  private memPages: number;
  private cachedPages: number;
  private swapPct: number;
  private diskRoot: number;
  private diskData: number;
  private rxBytes: number;
  private txBytes: number;
  private rxErrors: number;
  private loads = [0, 0, 0];
  private procs: number;
  private readonly procBase: number;
  private temp: number;

  constructor(options: DatasetOptions, hostIndex: number) {
    this.rnd = mulberry32((Math.imul(options.seed, 0x9e3779b1) ^ Math.imul(hostIndex + 1, 0x85ebca6b)) >>> 0);
    const r = this.rnd;
    this.interval = options.intervalMs ?? 5000;
    this.from = options.start;
    this.to = options.end;
    this.start = options.start + Math.floor(r() * this.interval);
    this.steps = Math.max(0, Math.ceil((options.end - this.start) / this.interval));
    this.jitterMs = r() < 0.25 ? 5 + Math.floor(r() * 46) : 0;
    this.gapRate = 0.0005 + r() * 0.003;
    this.vm = r() < 0.6;
    this.cpuDecimals = r() < 0.5 ? 1 : 2;
    this.cpuMean = 2 + 50 * r() ** 2;
    this.memTotal = [4, 8, 16, 32, 64][Math.floor(r() * 5)] ?? 16;
    this.netRate = 10 ** (3 + 4 * r());
    this.boot = options.start - Math.floor(r() * 60 * 86_400_000);
    this.lastCollect = this.start - this.interval;
    this.cpu = this.cpuMean;
    this.coreBias = Array.from({ length: CORES }, () => (r() - 0.5) * 10);
    this.memPages = Math.floor(((0.2 + 0.5 * r()) * this.memTotal * GIB) / PAGE);
    this.cachedPages = Math.floor(((0.05 + 0.2 * r()) * this.memTotal * GIB) / PAGE);
    this.swapPct = r() < 0.7 ? 0 : round(r() * 5, 2);
    this.diskRoot = 20 + 60 * r();
    this.diskData = 5 + 85 * r();
    this.rxBytes = Math.floor(r() * 1e12);
    this.txBytes = Math.floor(r() * 1e11);
    this.rxErrors = Math.floor(r() * 20);
    this.procBase = 120 + Math.floor(280 * r());
    this.procs = this.procBase;
    this.temp = 40;
  }

  /** Advances to the next delivered snapshot; false once the time range is exhausted. */
  next(row: Float64Array): boolean {
    while (this.step < this.steps) {
      const nominal = this.start + this.step * this.interval;
      this.step++;
      const jitter = this.jitterMs === 0 ? 0 : Math.round((this.rnd() * 2 - 1) * this.jitterMs);
      const t = nominal + jitter;
      // Jitter must not carry the first or last snapshot outside the requested range.
      if (t < this.from || t >= this.to) continue;
      this.collect(row, t);
      if (this.missed()) continue;
      this.timestamp = t;
      return true;
    }
    return false;
  }

  /** A lost push drops the snapshot, but the agent collected it, so rates stay continuous. */
  private missed(): boolean {
    if (this.outage > 0) {
      this.outage--;
      return true;
    }
    if (this.rnd() < 0.00002) this.outage = Math.floor(this.rnd() * 720);
    return this.rnd() < this.gapRate;
  }

  private gauss(): number {
    if (!Number.isNaN(this.spare)) {
      const s = this.spare;
      this.spare = Number.NaN;
      return s;
    }
    const u = 1 - this.rnd();
    const a = 2 * Math.PI * this.rnd();
    const m = Math.sqrt(-2 * Math.log(u));
    this.spare = m * Math.sin(a);
    return m * Math.cos(a);
  }

  /** Fills `row` as an agent collecting at time `t` would; rates use the real interval since the last collection. */
  private collect(row: Float64Array, t: number): void {
    const dt = (t - this.lastCollect) / 1000;
    this.lastCollect = t;
    const day = 1 + 0.4 * Math.sin((2 * Math.PI * t) / 86_400_000);
    const usage = this.collectCpu(row, day);
    this.collectMemory(row);
    this.collectDisks(row, dt);
    this.collectNetwork(row, dt, day);
    this.collectSystem(row, t, dt, usage);
  }

  /** A mean-reverting walk around a daily curve, plus rare spikes lasting 5 s to a few minutes. */
  private collectCpu(row: Float64Array, day: number): number {
    const r = this.rnd;
    this.cpu += 0.05 * (this.cpuMean * day - this.cpu) + 1.5 * this.gauss();
    this.cpu = clamp(this.cpu, 0.5, 100);
    if (this.spikeLeft > 0) this.spikeLeft--;
    else if (r() < 0.002) {
      this.spikeLeft = 1 + Math.floor(r() * 36);
      this.spike = 30 + 60 * r();
    } else this.spike = 0;
    const usage = clamp(this.cpu + this.spike + Math.abs(this.gauss()), 0, 100);
    const d = this.cpuDecimals;
    const iowait = clamp(Math.abs(this.gauss()) * 0.3 + (r() < 0.02 ? 10 * r() : 0), 0, usage);
    const steal = this.vm ? Math.abs(this.gauss()) * 0.2 : 0;
    const system = clamp(usage * (0.2 + 0.05 * this.gauss()), 0, usage - iowait);
    row[0] = round(usage, d);
    row[1] = round(clamp(usage - system - iowait - steal, 0, 100), d);
    row[2] = round(system, d);
    row[3] = round(iowait, d);
    row[4] = round(steal, 2);
    for (let c = 0; c < CORES; c++) {
      row[5 + c] = round(clamp(usage + (this.coreBias[c] ?? 0) + 6 * this.gauss(), 0, 100), d);
    }
    return usage;
  }

  /** Memory moves in whole pages: small churn most intervals, now and then a large allocation or free. */
  private collectMemory(row: Float64Array): void {
    const r = this.rnd;
    const total = this.memTotal * GIB;
    const totalPages = total / PAGE;
    let change = r() < 0.7 ? Math.round(this.gauss() * 150) : 0;
    if (r() < 0.001) change += Math.round(this.gauss() * 0.05 * totalPages);
    this.memPages = clamp(this.memPages + change, Math.ceil(0.1 * totalPages), Math.floor(0.9 * totalPages));
    if (r() < 0.3) this.cachedPages += Math.floor(r() * 40);
    if (r() < 0.0005) this.cachedPages = Math.floor(this.cachedPages * 0.5);
    this.cachedPages = Math.min(this.cachedPages, totalPages - this.memPages);
    const used = this.memPages * PAGE;
    const cached = this.cachedPages * PAGE;
    row[9] = round((used / total) * 100, 2);
    row[10] = used;
    row[11] = total;
    row[12] = total - used - cached + Math.floor((cached * 0.8) / PAGE) * PAGE;
    row[13] = cached;
    if (this.swapPct > 0 && r() < 0.002)
      this.swapPct = round(Math.max(0, this.swapPct + this.gauss() * 0.3), 2);
    row[14] = this.swapPct;
  }

  /** Disks fill slowly and drop when logs rotate; reads are rare, writes frequent, both heavy-tailed. */
  private collectDisks(row: Float64Array, dt: number): void {
    const r = this.rnd;
    this.diskRoot += r() * 0.0004;
    if (r() < 0.0002) this.diskRoot -= r() * 2;
    this.diskData += r() * 0.0008;
    row[15] = round(this.diskRoot, 2);
    row[16] = round(this.diskData, 2);
    const readDelta = r() < 0.7 ? 0 : 512 * Math.floor(Math.exp(4 + 3 * this.gauss()));
    const writeDelta = r() < 0.2 ? 0 : 4096 * Math.floor(Math.exp(2 + 2 * this.gauss()));
    row[17] = Math.round(readDelta / dt);
    row[18] = Math.round(writeDelta / dt);
  }

  /** Interface byte counters grow by a noisy, daily-varying rate; the agent reports both counter and rate. */
  private collectNetwork(row: Float64Array, dt: number, day: number): void {
    const r = this.rnd;
    const rxDelta = Math.round(this.netRate * day * Math.exp(0.5 * this.gauss()) * dt);
    const txDelta = Math.round(0.3 * this.netRate * day * Math.exp(0.6 * this.gauss()) * dt);
    this.rxBytes += rxDelta;
    this.txBytes += txDelta;
    if (r() < 0.0001) this.rxErrors += 1 + Math.floor(r() * 3);
    row[19] = Math.round(rxDelta / dt);
    row[20] = Math.round(txDelta / dt);
    row[21] = this.rxBytes;
    row[22] = this.txBytes;
    row[23] = this.rxErrors;
  }

  /** Load averages as the kernel computes them (exponential averages of runnable tasks), uptime, processes, temperature. */
  private collectSystem(row: Float64Array, t: number, dt: number, usage: number): void {
    const r = this.rnd;
    const runnable = Math.max(0, (usage / 100) * CORES + 0.3 * this.gauss());
    for (let k = 0; k < 3; k++) {
      const e = Math.exp(-dt / (LOAD_PERIODS[k] ?? 60));
      const load = (this.loads[k] ?? 0) * e + runnable * (1 - e);
      this.loads[k] = load;
      row[24 + k] = round(load, 2);
    }
    row[27] = Math.floor((t - this.boot) / 1000);
    if (r() < 0.3) this.procs += Math.round(this.gauss() * 2 + 0.05 * (this.procBase - this.procs));
    row[28] = this.procs;

    // VMs have no temperature sensor; physical hosts' sensor reads fail now and then.
    this.temp += 0.1 * (35 + usage * 0.35 - this.temp) + 0.2 * this.gauss();
    row[29] = this.vm || r() < 0.002 ? Number.NaN : round(this.temp, 1);
  }
}
