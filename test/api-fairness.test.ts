import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from './harness/index.ts';
import { measureFairness } from './support/fairness.ts';

describe('fair shares between orgs', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });

  // One org at all its limits (test/support/fairness.ts: the limits, the load and how noise is kept out
  // of the comparison). The 10 % target is a speed target: `npm run bench` measures it on a quiet machine
  // and reports it in docs/BENCHMARKS.md. Here, with CI's other work on the same two cores, the test
  // checks what fairness is made of: the loading org is refused past each limit, every other org is
  // served (a refusal fails the run), and their latencies stay close to the unloaded ones — with the
  // limits lifted the same load took their p50 from 1.8 to 11 ms and their p99 from 11 to 40 ms.
  it('keeps the other orgs served at their unloaded latency while one org is at all its limits', async () => {
    const figures = await measureFairness(redis, 1.5);
    console.info(`fairness: ${JSON.stringify(figures)}`);
    const { report, batches, p50 } = figures;
    // The loading org really was at its limits: refused past each of them, its allowed share served.
    expect(report.statuses.live).toEqual({ 200: 5, 429: 2 });
    expect(report.statuses.export?.[200]).toBeGreaterThanOrEqual(2);
    expect(report.statuses.export?.[429]).toBeGreaterThanOrEqual(1);
    expect(report.statuses.hammer?.[200]).toBeGreaterThan(0);
    expect(report.statuses.hammer?.[429]).toBeGreaterThan(0);
    expect(p50.loaded).toBeLessThanOrEqual(p50.idle * 1.25);
    const last = batches.at(-1);
    expect(last?.loadedP99).toBeLessThanOrEqual((last?.idleP99 ?? 0) * 1.5);
  }, 420_000);
});
