import { describe, expect, it } from 'vitest';
import { CoalescedDeletes } from './cache.ts';

/** A DEL function whose calls are settled by the test, in order. */
function controlled() {
  const calls: { key: string; settle: (ok: boolean) => void }[] = [];
  const del = (key: string) =>
    new Promise<unknown>((resolve, reject) => {
      calls.push({ key, settle: (ok) => (ok ? resolve(1) : reject(new Error('connection lost'))) });
    });
  return { calls, del };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('CoalescedDeletes', () => {
  it('does send at once, then one more DEL for every caller that came while one was on its way', async () => {
    const { calls, del } = controlled();
    const deletes = new CoalescedDeletes(del);
    const settled: string[] = [];
    const first = deletes.delete('k').then(() => settled.push('first'));
    expect(calls).toHaveLength(1);
    // Both came after the first DEL was sent: it may have run before their writes.
    const second = deletes.delete('k').then(() => settled.push('second'));
    const third = deletes.delete('k').then(() => settled.push('third'));
    await tick();
    expect(calls).toHaveLength(1);
    calls[0]?.settle(true);
    await first;
    await tick();
    expect(settled).toEqual(['first']);
    // The one waiting DEL is sent once the first is answered, and answers both.
    expect(calls).toHaveLength(2);
    calls[1]?.settle(true);
    await Promise.all([second, third]);
    expect(settled).toEqual(['first', 'second', 'third']);
    expect(calls).toHaveLength(2);
    // Nothing on its way: the next caller sends at once.
    void deletes.delete('k');
    expect(calls).toHaveLength(3);
  });

  it('does keep keys apart, and sends the waiting DEL after a failed one', async () => {
    const { calls, del } = controlled();
    const deletes = new CoalescedDeletes(del);
    const a = deletes.delete('a');
    const b = deletes.delete('b');
    expect(calls.map((c) => c.key)).toEqual(['a', 'b']);
    const again = deletes.delete('a');
    calls[0]?.settle(false);
    await expect(a).rejects.toThrow('connection lost');
    await tick();
    expect(calls.map((c) => c.key)).toEqual(['a', 'b', 'a']);
    calls[2]?.settle(true);
    calls[1]?.settle(true);
    await expect(again).resolves.toBe(1);
    await expect(b).resolves.toBe(1);
  });
});
