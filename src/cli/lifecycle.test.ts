import { describe, expect, it } from 'vitest';
import { Lifecycle } from './lifecycle.ts';

describe('Lifecycle', () => {
  it('closes stages in order http → timers → workers → queues → flush → redis → managed', async () => {
    const seen: string[] = [];
    const life = new Lifecycle();
    for (const stage of ['managed', 'redis', 'flush', 'queues', 'workers', 'timers', 'http'] as const) {
      life.add(stage, async () => {
        await new Promise((r) => setTimeout(r, 1));
        seen.push(stage);
      });
    }
    await life.close();
    expect(seen).toEqual(['http', 'timers', 'workers', 'queues', 'flush', 'redis', 'managed']);
  });

  it('runs each closer once when close is called twice', async () => {
    let calls = 0;
    const life = new Lifecycle();
    life.add('flush', () => {
      calls += 1;
    });
    const [a, b] = [life.close(), life.close()];
    expect(a).toBe(b);
    await Promise.all([a, b, life.close()]);
    expect(calls).toBe(1);
    expect(life.isClosing).toBe(true);
  });

  it('goes on with later stages when a closer throws', async () => {
    const errors: string[] = [];
    let redisClosed = false;
    const life = new Lifecycle((stage) => errors.push(stage));
    life.add('flush', () => {
      throw new Error('flush failed');
    });
    life.add('redis', () => {
      redisClosed = true;
    });
    await life.close();
    expect(errors).toEqual(['flush']);
    expect(redisClosed).toBe(true);
  });
});
