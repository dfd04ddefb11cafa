import { describe, expect, it } from 'vitest';
import type { IngestRequest } from '../contract/wire.ts';
import type { Collector } from './collector.ts';
import { startLocalAgent } from './local.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function probe(): Collector {
  let n = 0;
  return { name: 'probe', collect: async (sink) => void sink.put('proc.count', ++n) };
}

describe('startLocalAgent', () => {
  it('hands snapshots of this machine to send when running with the default collectors', async () => {
    const got: IngestRequest[] = [];
    const agent = startLocalAgent({ intervalMs: 300, hostId: 'local', send: async (r) => void got.push(r) });
    await sleep(1000);
    await agent.stop();
    expect(got.length).toBeGreaterThanOrEqual(1);
    const host = got[0]?.hosts[0];
    expect(host?.host).toBe('local');
    expect(host?.snapshots?.[0]?.metrics['mem.used_pct']).toBeGreaterThan(0);
    expect(host?.snapshots?.[0]?.metrics['cpu.usage']).toBeGreaterThanOrEqual(0);
  });

  it('keeps snapshots while send fails and hands them over in order when it works again', async () => {
    const values: number[] = [];
    let failing = true;
    const agent = startLocalAgent({
      intervalMs: 100,
      collectors: [probe()],
      send: async (r) => {
        if (failing) throw new Error('redis down');
        values.push(...(r.hosts[0]?.snapshots ?? []).map((s) => Number(s.metrics['proc.count'])));
      },
    });
    await sleep(500);
    expect(agent.backlog).toBeGreaterThanOrEqual(3);
    failing = false;
    await sleep(300);
    await agent.stop();
    expect(values[0]).toBe(2);
    expect(values).toEqual(values.map((_, i) => i + 2));
  });

  it('drops a batch and carries on when send refuses it for good', async () => {
    const values: number[] = [];
    let refuse = true;
    const agent = startLocalAgent({
      intervalMs: 100,
      collectors: [probe()],
      isPermanent: (err) => err instanceof RangeError,
      send: async (r) => {
        if (refuse) {
          refuse = false;
          throw new RangeError('bad sample');
        }
        values.push(...(r.hosts[0]?.snapshots ?? []).map((s) => Number(s.metrics['proc.count'])));
      },
    });
    await sleep(450);
    await agent.stop();
    expect(values[0]).toBe(3);
    expect(agent.backlog).toBe(0);
  });

  it('drops the oldest snapshots past maxBacklog when send keeps failing', async () => {
    const agent = startLocalAgent({
      intervalMs: 50,
      maxBacklog: 3,
      collectors: [probe()],
      send: async () => {
        throw new Error('down');
      },
    });
    await sleep(500);
    expect(agent.backlog).toBe(3);
    await agent.stop();
  });
});
