/**
 * Float64Array views carved out of larger blocks. A typed array of more than 64 bytes gets its own
 * off-heap backing store, which costs ~1 µs to make on this machine, more than decoding its values:
 * a 30-day aggregate decodes ~700 small columns and spent a quarter of its time allocating them. A
 * view of a shared block costs ~40 ns. Views keep their whole block alive, so an arena belongs to one
 * query's decoding, whose arrays are dropped with its answer.
 */
export class Float64Arena {
  /** Made at the first `take`: a read whose columns were all decoded before takes nothing. */
  private block: Float64Array | undefined;
  private readonly blockSize: number;
  private at = 0;

  /** `blockSize`: doubles per block (a good guess of the whole need; capped at 64 Ki per block). */
  constructor(blockSize: number) {
    this.blockSize = Math.max(1, Math.min(blockSize, 65_536));
  }

  /** A zeroed array of `n` doubles. */
  take(n: number): Float64Array {
    if (this.block === undefined || this.at + n > this.block.length) {
      this.block = new Float64Array(Math.max(this.blockSize, n));
      this.at = 0;
    }
    const out = this.block.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
}

/** `n` zeroed doubles: a view of `arena`'s block when there is one, else an array of their own. */
export function float64s(n: number, arena: Float64Arena | undefined): Float64Array {
  return arena ? arena.take(n) : new Float64Array(n);
}
