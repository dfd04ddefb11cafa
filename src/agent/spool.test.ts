import { appendFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../contract/wire.ts';
import type { AgentLogger } from './logger.ts';
import { Spool } from './spool.ts';
import { inspectSpool } from './spool-files.ts';
import { SpoolLockedError } from './spool-lock.ts';

const meta = { host: 'web-1' };
const snap = (timestamp: number): Snapshot => ({
  timestamp,
  metrics: { 'cpu.usage': 1.5, 'mem.used_pct': 40.25 },
});

function recorder(): AgentLogger & { lines: { level: string; obj: object; msg: string }[] } {
  const lines: { level: string; obj: object; msg: string }[] = [];
  const at =
    (level: string) =>
    (obj: object, msg = '') =>
      void lines.push({ level, obj, msg });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function open(dir: string, maxBytes = 1024 * 1024, logger: AgentLogger = recorder()): Spool {
  return new Spool({ dir, maxBytes, logger, segmentBytes: 4096 });
}

/** Takes every batch out in order, acknowledging each, and returns the timestamps. */
function drain(spool: Spool): number[] {
  const out: number[] = [];
  for (let batch = spool.head(); batch; batch = spool.head()) {
    out.push(...(spool.request(batch).hosts[0]?.snapshots ?? []).map((s) => s.timestamp));
    spool.ack(batch.key);
  }
  return out;
}

const tmp = () => mkdtempSync(join(tmpdir(), 'vitals-spool-'));

describe('Spool', () => {
  it('gives batches back in collection order with up to batchMax snapshots each', () => {
    const spool = open(tmp());
    for (let t = 1; t <= 7; t++) spool.append(meta, snap(t), 3);
    const sizes: number[] = [];
    const order: number[] = [];
    for (let batch = spool.head(); batch; batch = spool.head()) {
      const snapshots = spool.request(batch).hosts[0]?.snapshots ?? [];
      sizes.push(snapshots.length);
      order.push(...snapshots.map((s) => s.timestamp));
      spool.ack(batch.key);
    }
    expect(sizes).toEqual([3, 3, 1]);
    expect(order).toEqual([1, 2, 3, 4, 5, 6, 7]);
    spool.close();
  });

  it('adds no snapshot to a batch once it was handed out, so its key keeps meaning one body', () => {
    const spool = open(tmp());
    spool.append(meta, snap(1), 10);
    const first = spool.head();
    spool.append(meta, snap(2), 10);
    expect(first && spool.request(first).hosts[0]?.snapshots?.map((s) => s.timestamp)).toEqual([1]);
    expect(spool.pendingBatches).toBe(2);
    spool.close();
  });

  it('keeps unacknowledged batches with their keys when reopened after a crash', () => {
    const dir = tmp();
    const before = open(dir);
    for (let t = 1; t <= 5; t++) before.append(meta, snap(t), 2);
    const sent = before.head();
    if (sent) before.ack(sent.key);
    const keys = [before.head()?.key];
    // No close(): the process died.
    const after = open(dir);
    expect(after.head()?.key).toBe(keys[0]);
    expect(drain(after)).toEqual([3, 4, 5]);
    after.close();
  });

  it('closes recovered batches so that new snapshots start a new batch', () => {
    const dir = tmp();
    const before = open(dir);
    before.append(meta, snap(1), 10);
    before.close();
    const after = open(dir);
    after.append(meta, snap(2), 10);
    expect(after.pendingBatches).toBe(2);
    after.close();
  });

  it('skips a line torn by a crash and keeps the rest when reopened', () => {
    const dir = tmp();
    const before = open(dir);
    before.append(meta, snap(1), 1);
    before.close();
    const [segment] = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
    appendFileSync(join(dir, segment ?? ''), '{"k":"x","h":{"host":"web-1"},"s":{"timest');
    const logger = recorder();
    const after = open(dir, 1024 * 1024, logger);
    expect(drain(after)).toEqual([1]);
    expect(logger.lines.some((l) => l.msg.includes('torn'))).toBe(true);
    after.close();
  });

  it('drops the oldest snapshots with a logged count when the cap is passed, and keeps order', () => {
    const logger = recorder();
    const spool = open(tmp(), 16 * 1024, logger);
    for (let t = 1; t <= 400; t++) spool.append(meta, snap(t), 5);
    expect(spool.bytes).toBeLessThanOrEqual(16 * 1024);
    const left = drain(spool);
    expect(left.at(-1)).toBe(400);
    expect(left).toEqual([...left].sort((a, b) => a - b));
    expect(spool.dropped).toBe(400 - left.length);
    const warned = logger.lines.filter((l) => l.level === 'warn' && l.msg.startsWith('spool full'));
    const counted = warned.reduce((n, l) => n + ('dropped' in l.obj ? Number(l.obj.dropped) : 0), 0);
    expect(counted).toBe(spool.dropped);
    expect(left[0]).toBe(spool.dropped + 1);
    spool.close();
  });

  it('deletes segments once every batch in them is acknowledged', () => {
    const dir = tmp();
    const spool = open(dir);
    for (let t = 1; t <= 200; t++) {
      spool.append(meta, snap(t), 1);
      const batch = spool.head();
      if (batch) spool.ack(batch.key);
    }
    expect(readdirSync(dir).filter((f) => f.endsWith('.jsonl')).length).toBe(1);
    spool.close();
  });

  it('recovers the host of a batch when a label value looks like the snapshot field', () => {
    const dir = tmp();
    const tricky = { host: 'web-1', labels: { note: ',"s":{"timestamp":0}' } };
    const before = open(dir);
    before.append(tricky, snap(7), 5);
    before.close();
    const after = open(dir);
    const batch = after.head();
    expect(batch && after.request(batch).hosts[0]).toEqual({ ...tricky, snapshots: [snap(7)] });
    after.close();
  });

  it('counts what is waiting without taking the spool over when inspected', () => {
    const dir = tmp();
    const spool = open(dir);
    for (let t = 1; t <= 5; t++) spool.append(meta, snap(t), 2);
    const first = spool.head();
    if (first) spool.ack(first.key);
    expect(inspectSpool(dir)).toMatchObject({ pendingSnapshots: 3 });
    spool.close();
  });

  it('refuses a spool directory held by another live process', () => {
    const dir = tmp();
    appendFileSync(join(dir, 'agent.pid'), String(process.ppid));
    expect(() => open(dir)).toThrow(SpoolLockedError);
  });

  it('takes over the lock of a process that is gone', () => {
    const dir = tmp();
    appendFileSync(join(dir, 'agent.pid'), '999999999 1');
    open(dir).close();
  });
});
