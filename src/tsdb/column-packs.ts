import { ByteReader, ByteWriter } from './codec/bytes.ts';

/**
 * Small columns of a sealed window share a field. Every HASH field costs Redis memory beside its value
 * (dict entry, field name, allocator rounding), while the raw column of a constant series is a few
 * bytes: in the real node_exporter capture 655 of 1,014 raw columns were 32 bytes or less. So a column
 * (raw `r:<id>` or 1-minute rollups `m:<id>`) of at most PACK_MAX_BYTES goes into its group's pack
 * instead (`R:<group>` or `M:<group>`, group = id / PACK_IDS): varint n · n × (varint id · varint
 * length · bytes), ids ascending. On the capture: 0.729 B/sample without packs, 0.701 packing columns
 * of ≤ 48 bytes, 0.682 with ≤ 128 (docs/storage.md).
 *
 * A bigger raw column is split so that its own field is exactly an allocation size (`exactHead`): the
 * few bytes past it (under a fifth of the column) go into the pack as the column's tail. Redis' allocator
 * rounds every value up to a size class, on average ~10 % of a column of some kilobytes, and the tail
 * spends instead a few bytes of an allocation the pack makes anyway (docs/storage.md, "Where the bytes
 * go").
 *
 * A read asks for each id's own field and its group's pack in the same HMGET: a column is its own
 * field followed by its pack entry, either of which may be missing (windows sealed before packs have
 * no pack fields; windows sealed before tails never have both).
 */
export const PACK_MAX_BYTES = 128;
export const PACK_IDS = 16;

export type ColumnKind = 'r' | 'm';

/**
 * The size jemalloc (the allocator of Debian's and Redis' own builds) gives an allocation of `bytes`:
 * multiples of 16 up to 128, then four classes per doubling (160, 192, 224, 256, 320, …).
 */
export function sizeClass(bytes: number): number {
  if (bytes <= 128) return Math.max(16, Math.ceil(bytes / 16) * 16);
  const spacing = 2 ** (Math.floor(Math.log2(bytes - 1)) - 2);
  return Math.ceil(bytes / spacing) * spacing;
}

/** Header bytes of the sds string Redis keeps a value of `length` bytes in (plus its final NUL). */
function sdsOverhead(length: number): number {
  return (length < 32 ? 1 : length < 256 ? 3 : length < 65_536 ? 5 : 9) + 1;
}

/**
 * The longest head of a `length`-byte value whose sds string fills its allocation exactly: `length`
 * itself when it already does, else the length that fills the size class below.
 */
export function exactHead(length: number): number {
  const alloc = length + sdsOverhead(length);
  if (length < 32 || sizeClass(alloc) === alloc) return length;
  const spacing = alloc <= 128 ? 16 : 2 ** (Math.floor(Math.log2(alloc - 1)) - 2);
  const below = Math.floor(alloc / spacing) * spacing;
  for (const header of [3, 5, 9]) {
    const head = below - header - 1;
    if (head >= 0 && sdsOverhead(head) === header + 1) return head;
  }
  return length;
}

/**
 * Where a column of `length` bytes goes: all in its pack (`head` 0), or `head` bytes in its own field
 * and the rest, if any, in its pack. `whole`: never split (rollup blocks: a long aggregate reads one
 * per window, and tails in its pack made a 30-day one ~15 % slower, Redis returning bigger packs).
 */
export function columnSplit(length: number, packMaxBytes = PACK_MAX_BYTES, whole = false): number {
  if (length <= packMaxBytes) return 0;
  if (packMaxBytes === 0 || whole) return length;
  const head = exactHead(length);
  return head <= packMaxBytes ? 0 : head;
}

const PACK_PREFIX: Readonly<Record<ColumnKind, string>> = { r: 'R', m: 'M' };

export function packGroup(id: number): number {
  return Math.floor(id / PACK_IDS);
}

export function packField(kind: ColumnKind, group: number): string {
  return `${PACK_PREFIX[kind]}:${group}`;
}

/** Whether a window field is a pack of `kind` columns. */
export function isPackField(kind: ColumnKind, field: string): boolean {
  return field.startsWith(`${PACK_PREFIX[kind]}:`);
}

/** One pack's bytes from its entries (ids ascending, as a window's series are encoded). */
export function encodePack(entries: ReadonlyArray<readonly [number, Uint8Array]>): Uint8Array {
  const out = new ByteWriter(entries.reduce((n, [, bytes]) => n + bytes.length + 6, 4));
  out.writeVarint(entries.length);
  for (const [id, bytes] of entries) {
    out.writeVarint(id);
    out.writeVarint(bytes.length);
    out.writeBytes(bytes);
  }
  return out.finish();
}

/** Every entry of a pack. */
export function packEntries(pack: Uint8Array): Array<[number, Uint8Array]> {
  const input = new ByteReader(pack);
  const n = input.readVarint();
  const out: Array<[number, Uint8Array]> = [];
  for (let i = 0; i < n; i++) {
    const id = input.readVarint();
    out.push([id, input.readBytes(input.readVarint())]);
  }
  return out;
}

/** The column of `id` in a pack, or undefined. */
export function packedColumn(pack: Uint8Array, id: number): Uint8Array | undefined {
  const input = new ByteReader(pack);
  const n = input.readVarint();
  for (let i = 0; i < n; i++) {
    const at = input.readVarint();
    const bytes = input.readBytes(input.readVarint());
    if (at === id) return bytes;
    if (at > id) return undefined;
  }
  return undefined;
}

/**
 * A column from its own field and its pack entry, either of which may be missing; a split one is
 * joined in `room(length)` (a new array by default).
 */
export function joinColumn(
  own: Uint8Array | undefined,
  packed: Uint8Array | undefined,
  room: (length: number) => Uint8Array = (length) => new Uint8Array(length),
): Uint8Array | undefined {
  if (!own || own.length === 0) return packed;
  if (!packed) return own;
  const whole = room(own.length + packed.length);
  whole.set(own);
  whole.set(packed, own.length);
  return whole;
}

/**
 * Where the columns of some series ids are in an HMGET reply: `fields` asks for each id's own field,
 * then the packs of their groups; `column` finds ids[i]'s column in a reply to them.
 */
export class ColumnLayout {
  readonly fields: readonly string[];
  private readonly packAt: readonly number[];
  private scratch = new Uint8Array(0);

  constructor(
    kind: ColumnKind,
    private readonly ids: readonly number[],
  ) {
    const groups: number[] = [];
    const slot = new Map<number, number>();
    this.packAt = ids.map((id) => {
      const group = packGroup(id);
      let at = slot.get(group);
      if (at === undefined) {
        at = ids.length + groups.length;
        slot.set(group, at);
        groups.push(group);
      }
      return at;
    });
    this.fields = [...ids.map((id) => `${kind}:${id}`), ...groups.map((g) => packField(kind, g))];
  }

  /**
   * ids[i]'s column in `reply` (whose element `offset` answers fields[0]), or undefined. A column split
   * between its field and its pack is joined in this layout's scratch buffer, valid until the next
   * call: callers decode it at once (an array per join cost a long aggregate a tenth of its time).
   */
  column(reply: ReadonlyArray<Buffer | null>, offset: number, i: number): Uint8Array | undefined {
    const own = reply[offset + i];
    const pack = reply[offset + (this.packAt[i] as number)];
    const packed = pack ? packedColumn(pack, this.ids[i] as number) : undefined;
    return joinColumn(own ?? undefined, packed, this.room);
  }

  private readonly room = (length: number): Uint8Array => {
    if (this.scratch.length < length)
      this.scratch = new Uint8Array(Math.max(length, 2 * this.scratch.length));
    return this.scratch.subarray(0, length);
  };
}
