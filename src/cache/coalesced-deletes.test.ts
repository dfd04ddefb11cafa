import { describe, expect, it } from 'vitest';
import { CoalescedDeletes } from './cache.ts';

/** A batch DEL function whose calls are settled by the test, in order. */
function controlled() {
  const calls: { keys: readonly string[]; settle: (ok: boolean) => void }[] = [];
  const del = (keys: readonly string[]) =>
    new Promise<unknown>((resolve, reject) => {
      calls.push({
        keys,
        settle: (ok) => (ok ? resolve(keys.length) : reject(new Error('connection lost'))),
      });
    });
  return { calls, del };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('CoalescedDeletes', () => {
  it('does send the keys of one task together, then one batch for every caller that came while one was on its way', async () => {
    const { calls, del } = controlled();
    const deletes = new CoalescedDeletes(del);
    const settled: string[] = [];
    const first = deletes.delete('a').then(() => settled.push('first'));
    const alongside = deletes.delete('b').then(() => settled.push('alongside'));
    await tick();
    expect(calls.map((c) => c.keys)).toEqual([['a', 'b']]);
    // These came after the first batch was sent: it may have run before their writes.
    const second = deletes.delete('a').then(() => settled.push('second'));
    const third = deletes.delete('c').then(() => settled.push('third'));
    const fourth = deletes.delete('a').then(() => settled.push('fourth'));
    await tick();
    expect(calls).toHaveLength(1);
    calls[0]?.settle(true);
    await Promise.all([first, alongside]);
    await tick();
    expect(settled).toEqual(['first', 'alongside']);
    // The waiting batch is sent once the first is answered, each key once, and answers all three.
    expect(calls.map((c) => c.keys)).toEqual([
      ['a', 'b'],
      ['a', 'c'],
    ]);
    calls[1]?.settle(true);
    await Promise.all([second, third, fourth]);
    expect(settled).toEqual(['first', 'alongside', 'second', 'third', 'fourth']);
    // Nothing on its way: the next caller's batch goes out in the same task's end.
    void deletes.delete('d');
    await tick();
    expect(calls.map((c) => c.keys)).toEqual([['a', 'b'], ['a', 'c'], ['d']]);
  });

  it('does reject the callers of a failed batch, and send the waiting batch after it', async () => {
    const { calls, del } = controlled();
    const deletes = new CoalescedDeletes(del);
    const a = deletes.delete('a');
    await tick();
    const again = deletes.delete('a');
    calls[0]?.settle(false);
    await expect(a).rejects.toThrow('connection lost');
    await tick();
    expect(calls.map((c) => c.keys)).toEqual([['a'], ['a']]);
    calls[1]?.settle(true);
    await expect(again).resolves.toBe(1);
  });

  it('does reject the callers of a batch whose DEL function throws, and go on', async () => {
    let fail = true;
    const deletes = new CoalescedDeletes((keys) => {
      if (fail) throw new Error('no connection');
      return Promise.resolve(keys.length);
    });
    await expect(deletes.delete('a')).rejects.toThrow('no connection');
    fail = false;
    await expect(deletes.delete('b')).resolves.toBe(1);
  });
});
