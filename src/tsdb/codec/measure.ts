import { encodeGorilla } from './gorilla.ts';
import { countPresent, decodePresence, encodePresence } from './presence.ts';
import { decodeTimestamps, encodeTimestamps } from './timestamps.ts';
import { decodeValues, encodeValues, ValueMode, valueModeOf } from './values.ts';

/** The columns of one host, as the data set generator (bench/dataset.ts) produces them. */
export interface HostTable {
  host: string;
  /** Sorted, unique snapshot timestamps (ms). */
  timestamps: Float64Array;
  series: readonly { name: string; present: Uint8Array; values: Float64Array }[];
}

export interface MeasureOptions {
  /** Sealed window length; each window gets its own timestamp column. @defaultValue 7_200_000 (2 h) */
  windowMs?: number;
}

export interface Bucket {
  samples: number;
  bytes: number;
  bytesPerSample: number;
}

export type ModeName = keyof typeof ValueMode;

export interface Measurement {
  samples: number;
  windows: number;
  /** Bytes per stored sample by part; `timestamps` is amortised over every series of the window. */
  bytesPerSample: { timestamps: number; presence: number; values: number; overall: number; gorilla: number };
  /** Value columns grouped by metric name without labels (`cpu.core.usage{core=1}` → `cpu.core.usage`). */
  byKind: Record<string, Bucket & { modes: Partial<Record<ModeName, number>> }>;
  /** Value columns grouped by the mode the encoder chose. */
  byMode: Partial<Record<ModeName, Bucket & { columns: number }>>;
}

const MODE_NAMES = new Map(Object.entries(ValueMode).map(([name, mode]) => [mode, name as ModeName]));

/**
 * Encodes every window of every host the way sealed chunks store them and reports bytes per sample,
 * against plain per-series Gorilla as the baseline. Bytes are codec output only: the chunk layer's
 * framing and Redis' per-key overhead come on top.
 */
export function measureCodecs(hosts: readonly HostTable[], options: MeasureOptions = {}): Measurement {
  const totals = { samples: 0, windows: 0, timestamps: 0, presence: 0, values: 0, gorilla: 0 };
  const byKind: Measurement['byKind'] = {};
  const byMode: Measurement['byMode'] = {};
  for (const host of hosts) {
    forEachWindow(host, options.windowMs ?? 7_200_000, (ts, columns) => {
      totals.windows++;
      totals.timestamps += encodeTimestamps(ts).length;
      for (const { name, present, values } of columns) {
        if (values.length === 0) continue;
        const encoded = encodeValues(values);
        const mode = MODE_NAMES.get(valueModeOf(encoded)) ?? 'raw';
        totals.samples += values.length;
        totals.presence += encodePresence(present).length;
        totals.values += encoded.length;
        totals.gorilla += encodeGorilla(presentTimestamps(ts, present), values).length;
        const kindName = name.replace(/\{.*$/, '');
        const kind = byKind[kindName] ?? { samples: 0, bytes: 0, bytesPerSample: 0, modes: {} };
        byKind[kindName] = add(kind, values.length, encoded.length);
        kind.modes[mode] = (kind.modes[mode] ?? 0) + 1;
        const m = byMode[mode] ?? { samples: 0, bytes: 0, bytesPerSample: 0, columns: 0 };
        byMode[mode] = add(m, values.length, encoded.length);
        m.columns++;
      }
    });
  }
  const per = (bytes: number): number => (totals.samples === 0 ? 0 : bytes / totals.samples);
  const { timestamps, presence, values, gorilla } = totals;
  return {
    samples: totals.samples,
    windows: totals.windows,
    bytesPerSample: {
      timestamps: per(timestamps),
      presence: per(presence),
      values: per(values),
      overall: per(timestamps + presence + values),
      gorilla: per(gorilla),
    },
    byKind,
    byMode,
  };
}

export interface DecodeRate {
  /** Samples per second decoding every value column alone. */
  values: number;
  /** Samples per second reading whole series: per window its timestamps, presence and values. */
  series: number;
}

/**
 * Decode throughput over the same data, best of `rounds` timed passes after a warm-up (the machine
 * may be shared; the best pass is the codec's speed, the others measure the neighbours).
 */
export function measureDecodeRate(
  hosts: readonly HostTable[],
  options: MeasureOptions & { rounds?: number } = {},
): DecodeRate {
  const windows: { ts: Uint8Array; columns: { presence: Uint8Array; values: Uint8Array }[] }[] = [];
  let samples = 0;
  for (const host of hosts) {
    forEachWindow(host, options.windowMs ?? 7_200_000, (ts, columns) => {
      const encoded = columns.map((c) => ({
        presence: encodePresence(c.present),
        values: encodeValues(c.values),
      }));
      windows.push({ ts: encodeTimestamps(ts), columns: encoded });
      for (const c of columns) samples += c.values.length;
    });
  }
  const valuesOnly = (): void => {
    for (const w of windows) for (const c of w.columns) decodeValues(c.values);
  };
  // Reading one series decodes its window's timestamps once per series, as a single-series query does.
  const wholeSeries = (): void => {
    for (const w of windows) {
      for (const c of w.columns) {
        const ts = decodeTimestamps(w.ts);
        decodePresence(c.presence, ts.length);
        decodeValues(c.values);
      }
    }
  };
  const rounds = options.rounds ?? 5;
  return {
    values: samples / bestSeconds(valuesOnly, rounds),
    series: samples / bestSeconds(wholeSeries, rounds),
  };
}

function bestSeconds(run: () => void, rounds: number): number {
  run();
  run();
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    run();
    best = Math.min(best, performance.now() - t0);
  }
  return Math.max(best, 1e-3) / 1000;
}

function add<T extends Bucket>(bucket: T, samples: number, bytes: number): T {
  bucket.samples += samples;
  bucket.bytes += bytes;
  bucket.bytesPerSample = bucket.bytes / bucket.samples;
  return bucket;
}

export interface WindowColumn {
  name: string;
  present: Uint8Array;
  values: Float64Array;
}

/** Cuts a host's columns into windows aligned to multiples of `windowMs`, as sealing does. */
export function forEachWindow(
  host: HostTable,
  windowMs: number,
  visit: (timestamps: Float64Array, columns: WindowColumn[]) => void,
): void {
  const ts = host.timestamps;
  const cursors = host.series.map(() => 0);
  let a = 0;
  while (a < ts.length) {
    const end = (Math.floor((ts[a] ?? 0) / windowMs) + 1) * windowMs;
    let b = a;
    while (b < ts.length && (ts[b] ?? 0) < end) b++;
    const columns = host.series.map((s, i) => {
      const present = s.present.subarray(a, b);
      const from = cursors[i] ?? 0;
      const to = from + countPresent(present);
      cursors[i] = to;
      return { name: s.name, present, values: s.values.subarray(from, to) };
    });
    visit(ts.subarray(a, b), columns);
    a = b;
  }
}

function presentTimestamps(ts: Float64Array, present: Uint8Array): Float64Array {
  const out = new Float64Array(countPresent(present));
  let j = 0;
  for (let i = 0; i < ts.length; i++) if (present[i] !== 0) out[j++] = ts[i] ?? 0;
  return out;
}
