import { WINDOW_MS } from '../layout.ts';
import type { Rollup } from '../window-format.ts';
import type { RollupColumn } from './rollup-columns.ts';

interface Kept {
  /** The bytes the rollup was decoded from: its block, and the window's shared counts where used. */
  readonly block: Buffer;
  readonly shared: Buffer | undefined;
  readonly rollup: Rollup;
  readonly bytes: number;
  readonly scope: BlockScope;
  /** Window start + series id: window starts are multiples of WINDOW_MS, and ids are below it. */
  readonly slot: number;
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
/** What an entry costs beside its doubles and bytes: Map and Set slots, objects (estimated). */
const OVERHEAD = 300;

/**
 * Decoded 1-minute rollup blocks of sealed windows, kept in this process so that a query asked again
 * (a dashboard's 30-day chart, refreshed) does not decode them again. Decoding was about half the CPU
 * of a 30-day aggregate. A query still reads every block from Redis: an entry is used only when the
 * bytes it was decoded from (the block, and the window's shared counts when counts are asked for)
 * equal the bytes just read, so it can never answer for a block that changed, whoever changed
 * it (a window sealed again with late samples, a lean block made whole when raw expires). Entries read
 * least recently go first once `maxBytes` is passed (second-chance order: a hit only sets a flag).
 * The arrays handed out are shared by every reader: nothing may write to them.
 */
export class DecodedBlocks {
  /** Per host and set of columns decoded (`scope`), the entries by slot. */
  private readonly scopes = new Map<string, BlockScope>();
  /** Every entry, oldest first: the eviction scan's order. */
  private readonly order = new Set<Kept>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;

  constructor(readonly maxBytes: number) {}

  /**
   * The entries of one host's blocks decoded for `columns` (`name`: anything that tells hosts apart
   * in this process, such as key prefix, org and host). Looked up once per read, not once per block.
   */
  scope(name: string, columns: ReadonlySet<RollupColumn>): BlockScope {
    let mask = 0;
    for (const c of columns) mask |= BIT[c];
    const key = `${mask}\u0000${name}`;
    let scope = this.scopes.get(key);
    if (!scope) {
      scope = new BlockScope(this, key);
      this.scopes.set(key, scope);
    }
    return scope;
  }

  stats(): DecodedBlocksStats {
    return { entries: this.order.size, bytes: this.bytes, hits: this.hits, misses: this.misses };
  }

  /** @internal A scope's lookup, counted. */
  counted(hit: boolean): void {
    if (hit) this.hits++;
    else this.misses++;
  }

  /** @internal */
  keep(e: Kept, replaced: Kept | undefined): void {
    if (replaced) {
      this.order.delete(replaced);
      this.bytes -= replaced.bytes;
    }
    // A scope emptied by eviction was let go; a read that held it on puts it back.
    this.scopes.set(e.scope.key, e.scope);
    this.order.add(e);
    this.bytes += e.bytes;
    // Set iteration visits entries moved to the end during it; their flag is then clear, so it ends.
    for (const old of this.order) {
      if (this.bytes <= this.maxBytes) return;
      if (old.used) {
        old.used = false;
        this.order.delete(old);
        this.order.add(old);
      } else {
        this.drop(old);
      }
    }
  }

  private drop(e: Kept): void {
    this.order.delete(e);
    this.bytes -= e.bytes;
    e.scope.entries.delete(e.slot);
    if (e.scope.entries.size === 0 && this.scopes.get(e.scope.key) === e.scope)
      this.scopes.delete(e.scope.key);
  }
}

/** The kept blocks of one host and set of columns. */
export class BlockScope {
  /** @internal */
  readonly entries = new Map<number, Kept>();

  constructor(
    private readonly owner: DecodedBlocks,
    /** @internal */
    readonly key: string,
  ) {}

  /** The rollup of window `ws`, series `id`, if kept and decoded from exactly these bytes. */
  get(ws: number, id: number, block: Uint8Array, shared: Uint8Array | undefined): Rollup | undefined {
    const e = this.entries.get(ws + id);
    if (
      e === undefined ||
      !e.block.equals(block) ||
      (shared === undefined ? e.shared !== undefined : e.shared === undefined || !e.shared.equals(shared))
    ) {
      this.owner.counted(false);
      return undefined;
    }
    this.owner.counted(true);
    e.used = true;
    return e.rollup;
  }

  /**
   * Keeps a copy of `rollup` (its arrays may be views of a read's arena, which must not be kept alive)
   * decoded from `block` and `shared`, and returns the copy; over budget nothing is kept.
   */
  put(ws: number, id: number, block: Uint8Array, shared: Uint8Array | undefined, rollup: Rollup): Rollup {
    const own = copyRollup(rollup);
    const bytes = own.starts.buffer.byteLength + block.length + (shared?.length ?? 0) + OVERHEAD;
    if (bytes > this.owner.maxBytes || id < 0 || id >= WINDOW_MS || ws % WINDOW_MS !== 0) return own;
    const slot = ws + id;
    const e: Kept = {
      block: Buffer.from(block),
      shared: shared && Buffer.from(shared),
      rollup: own,
      bytes,
      scope: this,
      slot,
      used: false,
    };
    const replaced = this.entries.get(slot);
    this.entries.set(slot, e);
    this.owner.keep(e, replaced);
    return own;
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
