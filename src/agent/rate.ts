/**
 * Counter arithmetic for rates. Kernel counters only grow, except when they wrap at their width or are
 * reset (an interface re-created, a driver reloaded, a reboot). Neither may produce a negative or absurd
 * rate.
 */
export interface RateOptions {
  /**
   * Width of the counter. 32-bit counters (32-bit kernels, some drivers) wrap in minutes at gigabit
   * speeds; a 64-bit counter never wraps in practice, so a decrease there always means a reset.
   * @defaultValue 64
   */
  readonly bits?: 32 | 64;
  /** Rates above this are discarded as impossible. @defaultValue 1e12 (8 Tbit/s) */
  readonly maxRate?: number;
}

const TWO_32 = 2 ** 32;
export const DEFAULT_MAX_RATE = 1e12;

/**
 * How much a counter grew from `prev` to `cur`. A decrease is a wrap when the counter is 32-bit, was in
 * its upper half and the wrapped difference is plausible; otherwise a reset, and the counter counted
 * `cur` since it restarted from zero (an undercount for that one interval, never an overcount).
 */
export function counterDelta(prev: number, cur: number, options: RateOptions = {}, seconds = 1): number {
  if (cur >= prev) return cur - prev;
  const wrapped = TWO_32 - prev + cur;
  const plausible = wrapped / seconds <= (options.maxRate ?? DEFAULT_MAX_RATE);
  if (options.bits === 32 && prev < TWO_32 && prev >= TWO_32 / 2 && plausible) return wrapped;
  return cur;
}

/**
 * Per-second rate of a counter between two readings `seconds` apart, or `undefined` when it cannot be
 * known: no time passed, a value is not a finite non-negative number, or the result is absurd.
 */
export function counterRate(
  prev: number,
  cur: number,
  seconds: number,
  options: RateOptions = {},
): number | undefined {
  if (!(seconds > 0) || !Number.isFinite(seconds)) return undefined;
  if (!(prev >= 0) || !(cur >= 0) || !Number.isFinite(prev) || !Number.isFinite(cur)) return undefined;
  const rate = counterDelta(prev, cur, options, seconds) / seconds;
  return rate <= (options.maxRate ?? DEFAULT_MAX_RATE) ? rate : undefined;
}

/** The counter width of this process's platform: 64-bit kernels export 64-bit counters. */
export function platformCounterBits(arch: string = process.arch): 32 | 64 {
  return ['x64', 'arm64', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el'].includes(arch) ? 64 : 32;
}

/**
 * Keeps the last reading of named counters and turns the next reading into rates. Names that vanish
 * are forgotten, so a re-created interface starts over instead of yielding one bogus rate.
 */
export class CounterSet {
  private last = new Map<string, readonly number[]>();
  private lastAt: number | undefined;

  constructor(private readonly options: RateOptions = {}) {}

  /** Returns rates per name (one per counter column), or nothing for names seen for the first time. */
  update(at: number, readings: ReadonlyMap<string, readonly number[]>): Map<string, (number | undefined)[]> {
    const rates = new Map<string, (number | undefined)[]>();
    const seconds = this.lastAt === undefined ? 0 : (at - this.lastAt) / 1000;
    for (const [name, values] of readings) {
      const prev = this.last.get(name);
      if (prev && seconds > 0) {
        rates.set(
          name,
          values.map((v, i) => counterRate(prev[i] ?? Number.NaN, v, seconds, this.options)),
        );
      }
    }
    this.last = new Map(readings);
    this.lastAt = at;
    return rates;
  }
}
