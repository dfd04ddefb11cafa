/** What the window reads of one command's histogram in `CommandTimings.histograms()`. */
export interface CommandHistogram {
  readonly command: string;
  /** `read`, `write` or `other` (connection and server commands). */
  readonly kind?: string;
  readonly count: number;
  readonly errors: number;
  cumulativeAt(boundsMicros: readonly number[]): number[];
}

/**
 * Commands that wait on purpose (BullMQ workers block in BZPOPMIN for seconds): their duration says
 * nothing about Redis' speed, so they are left out of the latency figure (not of the error rate).
 */
const BLOCKING = new Set([
  'bzpopmin',
  'bzpopmax',
  'bzmpop',
  'blpop',
  'brpop',
  'brpoplpush',
  'blmove',
  'blmpop',
  'xread',
  'xreadgroup',
  'wait',
  'waitaof',
  'subscribe',
  'psubscribe',
  'ssubscribe',
]);

/**
 * The upper bounds (µs) of CommandTimings' log-linear buckets: 1…8 µs, then 8 steps per power of two.
 * Cumulative counts at exactly these bounds are exact, so differences of two readings are too.
 */
const BOUNDS: readonly number[] = [
  ...Array.from({ length: 8 }, (_, i) => i + 1),
  ...Array.from({ length: 38 * 8 }, (_, i) => 2 ** (Math.floor(i / 8) + 3) * (1 + ((i % 8) + 1) / 8)),
  Number.POSITIVE_INFINITY,
];

interface Reading {
  /** Data commands (reads, writes) count towards the error rate; `other` ones do not. */
  readonly data: boolean;
  readonly count: number;
  readonly errors: number;
  /** Cumulative counts at BOUNDS; empty for blocking commands. */
  readonly cumulative: readonly number[];
}
type Readings = ReadonlyMap<string, Reading>;

/** Client-side figures of the commands sent within a window. */
export interface WindowFigures {
  /**
   * Data commands (reads and writes) and how many failed. Connection and server commands are left
   * out: clients send some that older servers refuse by design (`CLIENT SETINFO` before Redis 7.2).
   */
  readonly calls: number;
  readonly errors: number;
  /** p95 of the window's non-blocking commands (ms, a bucket's upper bound); undefined without any. */
  readonly p95Ms: number | undefined;
  /** The command with the highest p95 among those called in the window. */
  readonly slowest: { readonly command: string; readonly p95Ms: number } | undefined;
  /** Start of the window (ms). */
  readonly since: number;
}

function read(histograms: readonly CommandHistogram[]): Readings {
  return new Map(
    histograms.map((h) => [
      h.command,
      {
        data: h.kind !== 'other',
        count: h.count,
        errors: h.errors,
        cumulative: BLOCKING.has(h.command) ? [] : h.cumulativeAt(BOUNDS),
      },
    ]),
  );
}

/** The smallest bound (ms) at or under which `q` of the calls fall, from cumulative counts. */
function quantileMs(cumulative: readonly number[], q: number): number | undefined {
  const total = cumulative[cumulative.length - 1] ?? 0;
  if (total <= 0) return undefined;
  const index = cumulative.findIndex((c) => c >= q * total);
  const finite = Math.min(index, BOUNDS.length - 2);
  return (BOUNDS[finite] ?? 0) / 1000;
}

function minus(now: readonly number[], base: readonly number[] | undefined): number[] {
  return now.map((c, i) => c - (base?.[i] ?? 0));
}

/**
 * A sliding window over `CommandTimings`' histograms, which count from the process' start: readings
 * are kept every sixth of the window, and the figures are the differences between now and the newest
 * reading at least a window old. `restart()` drops what came before, e.g. when Redis answers again
 * after an outage: commands that waited through it say nothing about Redis' speed now.
 */
export class TimingWindow {
  private entries: Array<{ at: number; readings: Readings }>;

  constructor(
    private readonly timings: { histograms(): CommandHistogram[] },
    private readonly windowMs: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.entries = [{ at: clock(), readings: new Map() }];
  }

  restart(): void {
    this.entries = [{ at: this.clock(), readings: read(this.timings.histograms()) }];
  }

  figures(): WindowFigures {
    const now = this.clock();
    const readings = read(this.timings.histograms());
    let baseIndex = 0;
    this.entries.forEach((entry, i) => {
      if (entry.at <= now - this.windowMs) baseIndex = i;
    });
    this.entries = this.entries.slice(baseIndex);
    const base = this.entries[0] ?? { at: now, readings: new Map() };
    const last = this.entries[this.entries.length - 1];
    if (!last || now - last.at >= this.windowMs / 6) this.entries.push({ at: now, readings });
    return { ...difference(base.readings, readings), since: base.at };
  }
}

function difference(base: Readings, now: Readings): Omit<WindowFigures, 'since'> {
  let calls = 0;
  let errors = 0;
  let all: number[] = BOUNDS.map(() => 0);
  let slowest: WindowFigures['slowest'];
  for (const [command, reading] of now) {
    const before = base.get(command);
    const delta = reading.count - (before?.count ?? 0);
    if (delta <= 0) continue;
    if (reading.data) {
      calls += delta;
      errors += reading.errors - (before?.errors ?? 0);
    }
    if (reading.cumulative.length === 0) continue;
    const own = minus(reading.cumulative, before?.cumulative);
    all = all.map((c, i) => c + (own[i] ?? 0));
    const p95 = quantileMs(own, 0.95);
    if (p95 !== undefined && (slowest === undefined || p95 > slowest.p95Ms))
      slowest = { command, p95Ms: p95 };
  }
  return { calls, errors, p95Ms: quantileMs(all, 0.95), slowest };
}
