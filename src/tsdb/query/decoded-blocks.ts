import type { Rollup } from '../window-format.ts';
import type { RollupColumn } from './rollup-columns.ts';

interface Kept {
  /** The bytes the rollup was decoded from: its block, and the window's shared counts where used. */
  readonly block: Buffer;
  readonly shared: Buffer | undefined;
  readonly rollup: Rollup;
  readonly bytes: number;
  /** Read since the eviction scan last passed it (second chance). */
  used: boolean;
}

export interface DecodedBlocksStats {
  readonly entries: number;
  readonly bytes: number;
  readonly hits: number;
  readonly misses: number;
}

const BIT: Readonly<Record<RollupColumn, number>> = { min: 1, max: 2, sum: 4, count: 8, last: 16 };
/** What an entry costs beside its doubles and bytes: key, Map slot, objects (estimated). */
const OVERHEAD = 300;

/**
 * Decoded 1-minute rollup blocks of sealed windows, kept in this process so that a query asked again
 * (a dashboard's 30-day chart, refreshed) does not decode them again. Decoding was about half the CPU
 * of a 30-day aggregate. A query still reads every block from Redis: an entry is used only when the
 * bytes it was decoded from (the block, and the window's shared counts when the count column refers
 * to them) equal the bytes just read, so it can never answer for a block that changed, whoever changed
 * it (a window sealed again with late samples, a lean block made whole when raw expires). Entries read
 * least recently go first once `maxBytes` is passed (second-chance order: a hit only sets a flag).
 * The arrays handed out are shared by every reader: nothing may write to them.
 */
export class DecodedBlocks {
  private readonly kept = new Map<string, Kept>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;

  constructor(readonly maxBytes: number) {}

  /** The entry's key: where the block is, and which columns were decoded. */
  static key(scope: string, ws: number, id: number, columns: ReadonlySet<RollupColumn>): string {
    let mask = 0;
    for (const c of columns) mask |= BIT[c];
    return `${scope}\u0000${ws}\u0000${id}\u0000${mask}`;
  }

  /** The rollup decoded from exactly these bytes, if kept. */
  get(key: string, block: Uint8Array, shared: Uint8Array | undefined): Rollup | undefined {
    const e = this.kept.get(key);
    if (
      e === undefined ||
      !e.block.equals(block) ||
      (shared === undefined ? e.shared !== undefined : e.shared === undefined || !e.shared.equals(shared))
    ) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    e.used = true;
    return e.rollup;
  }

  /**
   * Keeps a copy of `rollup` (its arrays may be views of a read's arena, which must not be kept alive)
   * decoded from `block` and `shared`, and returns the copy; over budget nothing is kept.
   */
  put(key: string, block: Uint8Array, shared: Uint8Array | undefined, rollup: Rollup): Rollup {
    if (this.maxBytes <= 0) return rollup;
    const own = copyRollup(rollup);
    const bytes = own.starts.buffer.byteLength + block.length + (shared?.length ?? 0) + OVERHEAD;
    if (bytes > this.maxBytes) return own;
    const before = this.kept.get(key);
    if (before) {
      this.kept.delete(key);
      this.bytes -= before.bytes;
    }
    this.kept.set(key, {
      block: Buffer.from(block),
      shared: shared && Buffer.from(shared),
      rollup: own,
      bytes,
      used: false,
    });
    this.bytes += bytes;
    this.evict();
    return own;
  }

  stats(): DecodedBlocksStats {
    return { entries: this.kept.size, bytes: this.bytes, hits: this.hits, misses: this.misses };
  }

  private evict(): void {
    // Map iteration visits entries moved to the end during it; their flag is then clear, so it ends.
    for (const [k, e] of this.kept) {
      if (this.bytes <= this.maxBytes) return;
      this.kept.delete(k);
      if (e.used) {
        e.used = false;
        this.kept.set(k, e);
      } else {
        this.bytes -= e.bytes;
      }
    }
  }
}

/** The rollup's columns copied into one array of its own (one allocation), as views of it. */
function copyRollup(r: Rollup): Rollup {
  const store = new Float64Array(
    r.starts.length + r.min.length + r.max.length + r.sum.length + r.count.length + r.last.length,
  );
  let at = 0;
  const copy = (a: Float64Array) => {
    store.set(a, at);
    at += a.length;
    return store.subarray(at - a.length, at);
  };
  return {
    starts: copy(r.starts),
    min: copy(r.min),
    max: copy(r.max),
    sum: copy(r.sum),
    count: copy(r.count),
    last: copy(r.last),
  };
}
