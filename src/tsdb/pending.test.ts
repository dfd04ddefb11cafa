import { describe, expect, it } from 'vitest';
import { decodeSpoolRecord, encodeSpoolRecord } from './flush-payload.ts';
import { PendingWrites } from './pending.ts';

const fieldsOf = (fields: ReadonlyArray<readonly [number, Uint8Array]>) =>
  Object.fromEntries(
    fields.map(([id, bytes]) => {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      expect(bytes.byteLength).toBe(16);
      return [id, [view.getFloat64(0, true), view.getFloat64(8, true)]];
    }),
  );

describe('PendingWrites', () => {
  it('does hand over the newest sample of each series, whatever order the snapshots came in', () => {
    const pending = new PendingWrites();
    const batch = (timestamps: number[], values: number[]) => ({
      org: 'acme',
      host: 'web-1',
      seriesKeys: ['cpu', 'mem'],
      series: timestamps.map((_, i) => i % 2),
      timestamps,
      values,
    });
    pending.add(batch([2000, 2000, 1000, 1000], [0.5, 10, 0.25, 9]), [7, 8], 5);
    pending.add(batch([3000, 3000], [0.75, 11]), [7, 8], 6);
    pending.add(batch([1500, 1500], [0.1, 1]), [7, 8], 7);
    const { payload, samples } = pending.take();
    expect(samples).toBe(8);
    expect(payload.latest).toHaveLength(1);
    expect(fieldsOf(payload.latest[0]?.fields ?? [])).toEqual({ 7: [3000, 0.75], 8: [3000, 11] });
    // The spool keeps them as they are.
    const record = decodeSpoolRecord(encodeSpoolRecord({ kind: 'flush', payload }));
    expect(record.kind === 'flush' && fieldsOf(record.payload.latest[0]?.fields ?? [])).toEqual({
      7: [3000, 0.75],
      8: [3000, 11],
    });
    expect(pending.take().payload.latest).toEqual([]);
  });
});
