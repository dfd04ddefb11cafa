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
 * A read asks for each id's own field and its group's pack in the same HMGET: a column is in one or
 * the other, and windows sealed before packs simply have no pack fields. A pack holds at most
 * PACK_IDS × PACK_MAX_BYTES bytes, so reading one beside a big column costs little.
 */
export const PACK_MAX_BYTES = 128;
export const PACK_IDS = 16;

export type ColumnKind = 'r' | 'm';

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
 * Where the columns of some series ids are in an HMGET reply: `fields` asks for each id's own field,
 * then the packs of their groups; `column` finds ids[i]'s column in a reply to them.
 */
export class ColumnLayout {
  readonly fields: readonly string[];
  private readonly packAt: readonly number[];

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

  /** ids[i]'s column in `reply` (whose element `offset` answers fields[0]), or undefined. */
  column(reply: ReadonlyArray<Buffer | null>, offset: number, i: number): Uint8Array | undefined {
    const own = reply[offset + i];
    if (own) return own;
    const pack = reply[offset + (this.packAt[i] as number)];
    return pack ? packedColumn(pack, this.ids[i] as number) : undefined;
  }
}
